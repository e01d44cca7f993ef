import { product } from './product.js';
import { ridge } from './ridge.js';
import type { Workload } from './workload.js';

export { product } from './product.js';
export { ridge, ridgeData } from './ridge.js';
export type { Workload } from './workload.js';

/** The workloads by name. */
export const workloads: Readonly<Record<string, Workload>> = { ridge, product };
