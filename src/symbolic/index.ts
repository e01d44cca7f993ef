/**
 * Symbolic differentiation: derivative expressions as mathjs trees, or on the shared DAG.
 */
export { symbolic } from './differentiator.js';
export {
  type GraphDerivative,
  type GraphDerivativeKind,
  type GraphDerivativeOptions,
  graphDerivative,
} from './graph-engine.js';
export {
  MATHJS_MAX_DEPTH,
  type MathjsDerivativeOptions,
  type MathjsDerivativeProgram,
  type MathjsDerivatives,
  mathjsDerivativeProgram,
  mathjsDerivatives,
} from './mathjs-engine.js';
export {
  DEFAULT_BUDGET,
  DEFAULT_ENGINE,
  type SymbolicEngine,
  type SymbolicOptions,
} from './options.js';
