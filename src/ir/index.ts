export * from './builders.js';
export * from './differentiator.js';
export { DUAL_ALGEBRA, Dual, dualOf } from './dual.js';
export { DifflabError, type ErrorCode } from './errors.js';
export { formatNode, formatNumber, type TraceStepName, traceSteps } from './format.js';
export * from './graph.js';
export {
  capturedInput,
  type ExprsOf,
  type Gathered,
  type GatherPart,
  gather,
  hasLoops,
  indexInput,
  type Loop,
  type MapOptions,
  mapReduce,
  mapRows,
  type Reduce,
  type RowOf,
  type Rows,
  rowArg,
  rowInput,
  type ScanResult,
  type ScanStep,
  scan,
  UNROLL_LIMIT,
  unroll,
  unrolledOps,
  unrollFor,
} from './loop.js';
export { mathjsAlgebra, type ParseOptions, parse, toMathjs } from './mathjs.js';
export { type Metrics, metrics, TREE_SIZE_LIMIT } from './metrics.js';
export * from './ops.js';
export { buildProgram, type LoopCall, Program, type ProgramOptions, program } from './program.js';
