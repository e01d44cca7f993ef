export { activity, type CompiledProgram, compiled } from './compile/index.js';
export * from './differentiator.js';
export { DUAL_ALGEBRA, Dual, scaleTangent } from './dual.js';
export { DifflabError, type ErrorCode } from './errors.js';
export {
  type EvaluateOptions,
  evaluate,
  loadPoint,
  type Point,
  primalSweep,
  readOutputs,
  readPoint,
  setInputs,
  throwNonFinite,
  toPoint,
  valueBuffer,
} from './evaluate.js';
export { formatNode, formatNumber, type TraceStepName, traceSteps } from './format.js';
export * from './graph.js';
export { mathjsAlgebra, type ParseOptions, parse, toMathjs } from './mathjs.js';
export { type Metrics, metrics } from './metrics.js';
export * from './ops.js';
export { buildProgram, Program, type ProgramOptions, program } from './program.js';
