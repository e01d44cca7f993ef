/**
 * The sweeps over a program, loops included: the interpreter's (primal, tangent, adjoint, their loop code, stored
 * partials) and the compiled backend's generated code, with the zero-factor rule's marks across loop bodies.
 * Imports only the IR; the four methods build on it.
 */
export { generates, type Seed, type SweepBackend, sweepsFor } from './backend.js';
export { activity, type CompiledProgram, compiled } from './compiled/index.js';
export { type JacobianKernel, jacobianKernel } from './compiled/jacobian.js';
export {
  type LoopTangent,
  loopTangent,
  mapGradient,
  scanBackward,
  scanBackwardSteps,
  scanPrimal,
} from './compiled/loop.js';
export { setTiering, tiered, tierOf } from './compiled/tier.js';
export { backward, record, type Tape, tapeFor } from './interpret/adjoint.js';
export {
  type Checkpoint,
  type CheckpointOptions,
  inputDerivativesInto,
  type LoopUsage,
  loopUsage,
  resetLoopUsage,
} from './interpret/adjoint-loop.js';
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
} from './interpret/primal.js';
export { adjointOps, adjointSweeps, partialBytes, storesPartials } from './interpret/stored.js';
export { type ForwardWork, forwardWork, tangentSweep } from './interpret/tangent.js';
export {
  dependence,
  inputsReaching,
  outputsReachedBy,
  outputsReachedByLanes,
  reachesOutputs,
} from './reach.js';
export type { PointMemo } from './zero-factor.js';
