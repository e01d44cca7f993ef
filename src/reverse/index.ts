export { backward, record, type Tape, tapeFor } from '../sweeps/index.js';
export { gradientAndHvp, hessian, hvp } from './hessian.js';
export { memoryOf, type ReverseMemory } from './memory.js';
export { type ReverseOptions, reverse, reverseGradient } from './sweeps.js';
export { type ReverseTrace, type TraceStep, traceReverse } from './trace.js';
export { backward as backwardValues, leaf, resetValues, sumValues, Value } from './value.js';
