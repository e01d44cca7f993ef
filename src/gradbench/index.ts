/**
 * difflab as a GradBench tool: the protocol handler, the derivative engines, the limits, the checks and the
 * local runner.
 */
export {
  compareOutputs,
  GRADBENCH_TOLERANCE,
  metric,
  relativeMetric,
  STRICT_TOLERANCE,
  type Verdict,
} from './check.js';
export { derivativeEngine, type EngineOptions } from './engine.js';
export { type Fixture, type FixtureRound, parseFixture } from './fixture.js';
export { type GeneratedSize, generatedFixture, generateInput, sizeLabel } from './generate.js';
export { type HandModelText, type HtJson, htInput, trimHtInput } from './ht-data.js';
export { DEFAULT_LIMITS, derivativeWork, type Limits, refuseBuild, refuseMethod } from './limits.js';
export { odeRk4Gradient, strictReference } from './references.js';
export { type RoundResult, type RunOptions, type RunResult, runFixture, type WorkloadRow } from './runner.js';
export { errorText, GradbenchTool, repetitions, type Timing, type ToolOptions } from './tool.js';
