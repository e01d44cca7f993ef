/** Finite differences: forward, central, complex step and Richardson extrapolation. */
export { numeric } from './numeric.js';
export type { NumericOptions, Scheme } from './options.js';
export { type RichardsonOptions, type RichardsonResult, richardson } from './richardson.js';
