export * from './builders.js';
export { activity, type CompiledProgram, compiled } from './compile/index.js';
export {
  type LoopTangent,
  loopTangent,
  mapGradient,
  scanBackward,
  scanBackwardSteps,
  scanPrimal,
} from './compile/loop.js';
export { setTiering, tiered, tierOf } from './compile/tier.js';
export * from './differentiator.js';
export { DUAL_ALGEBRA, Dual, dualOf } from './dual.js';
export { DifflabError, type ErrorCode } from './errors.js';
export {
  type CallSweep,
  callPrimal,
  drivesLoop,
  type EvaluateOptions,
  evaluate,
  type LoopWork,
  loadCall,
  loadPoint,
  logsumexpRows,
  loopWork,
  type Point,
  passCarry,
  primalRunner,
  primalSweep,
  readOutputs,
  readPoint,
  scanSteps,
  setInputs,
  setIteration,
  throwNonFinite,
  throwNonFiniteDerivative,
  toPoint,
  valueBuffer,
} from './evaluate.js';
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
export {
  dependence,
  inputsReaching,
  outputsReachedBy,
  outputsReachedByLanes,
  reachesOutputs,
} from './reach.js';
