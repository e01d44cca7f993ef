/**
 * difflab: derivatives four ways (finite differences, symbolic, forward and reverse mode) over one IR.
 * This file only re-exports what a user calls; the report's parts (each section's measurement and views,
 * `writeReport`) are the subpath export `difflab/report`. docs/how-it-works.md says where everything lives.
 */
export {
  type CompareOptions,
  type ComparisonRow,
  gradient,
  hvp,
  type JacobianOptions,
  jacobian,
  type MethodOptions,
  type Methods,
  methods,
  type SparseOption,
} from './api.js';
export {
  type Displayable,
  JUPYTER_DISPLAY,
  type MimeBundle,
  VEGA_LITE_MIME,
} from './display/mime.js';
export { type Comparison, compare, traceForward, traceReverse } from './display/results.js';
export {
  defaultChunk,
  type ForwardOptions,
  type ForwardTrace,
  type ForwardTraceStep,
} from './forward/index.js';
export {
  compareOutputs,
  type Fixture,
  GradbenchTool,
  parseFixture,
  type RunResult,
  runFixture,
  type WorkloadRow,
} from './gradbench/index.js';
export {
  type GradcheckEntry,
  type GradcheckOptions,
  type GradcheckResult,
  gradcheck,
} from './gradcheck.js';
export * from './ir/builders.js';
export {
  type Backend,
  type CommonOptions,
  constant,
  type Differentiator,
  DifflabError,
  Dual,
  dot,
  type ErrorCode,
  Expr,
  type ExprsOf,
  formatNode,
  type Gathered,
  type GatherPart,
  Graph,
  gather,
  type Loop,
  logsumexp,
  type MapOptions,
  METHODS,
  type Method,
  type Metrics,
  mapReduce,
  mapRows,
  metrics,
  OP_NAMES,
  type Operand,
  type OpName,
  type ParseOptions,
  Program,
  type ProgramOptions,
  parse,
  program,
  programCost,
  type Reduce,
  type Result,
  type RowOf,
  type Rows,
  type ScanResult,
  type ScanStep,
  type Stats,
  scan,
  sum,
  TREE_SIZE_LIMIT,
  toMathjs,
  unroll,
  unrolledOps,
  variable,
  withGraph,
} from './ir/index.js';
export {
  type Cut,
  cheaperMode,
  type MixedOptions,
  minimumCut,
  mixedJacobian,
  type Split,
  splitAtCut,
} from './mixed/index.js';
export {
  type Mode as NestedMode,
  NUM,
  type Num,
  nestedFunction,
  nestedGradient,
  nestedJvp,
  primal,
} from './nested/index.js';
export { type NumericOptions, richardson } from './numeric/index.js';
export type { PointOptions } from './options.js';
export type { ChartSpec } from './report/chart.js';
export { renderSvg, VEGA_LITE_SCHEMA } from './report/chart.js';
export { REPORT_SECTIONS } from './report/registry.js';
export {
  displayResults,
  type MachineInfo,
  parseResults,
  RESULTS_VERSION,
  type Results,
  reportFindings,
  reportMarkdown,
  resultsJson,
} from './report/results.js';
export { type RunReportOptions, runReport } from './report/run.js';
export type { Finding, ReportSection, SectionChart, SectionOptions } from './report/section.js';
export {
  backwardValues,
  leaf,
  memoryOf,
  type ReverseMemory,
  type ReverseOptions,
  type ReverseTrace,
  resetValues,
  sumValues,
  type TraceStep,
  Value,
} from './reverse/index.js';
export {
  type BlockVisitor,
  blockJacobian,
  type Colouring,
  colourColumns,
  colourRows,
  hessianPattern,
  jacobianPattern,
  type Ordering,
  type Pattern,
  rowBlocks,
  type SparseHessianOptions,
  type SparseJacobianOptions,
  type SparseMatrix,
  type SparseResult,
  type SparseWorkload,
  sparseHessian,
  sparseJacobian,
  sparseWorkload,
  sparseWorkloads,
  starColour,
  toDense,
} from './sparse/index.js';
export { type EvaluateOptions, evaluate, type Point } from './sweeps/index.js';
export {
  type GraphDerivative,
  type GraphDerivativeKind,
  type GraphDerivativeOptions,
  graphDerivative,
  type MathjsDerivativeOptions,
  type MathjsDerivativeProgram,
  type MathjsDerivatives,
  mathjsDerivativeProgram,
  mathjsDerivatives,
  type SymbolicEngine,
  type SymbolicOptions,
} from './symbolic/index.js';
export {
  type Argnums,
  type ExprTree,
  type ForwardTransformOptions,
  grad,
  hessian,
  type Input,
  type Inputs,
  type JacobianOf,
  jacfwd,
  jacrev,
  jvp,
  type Numbers,
  type ReverseTransformOptions,
  type Shaped,
  type Traceable,
  type TransformOptions,
  valueAndGrad,
  vjp,
  type WrtArgs,
} from './transforms.js';
export { type Workload, workloads } from './workloads/index.js';
export { denseLayer, encoderDecoder, type JacobianWorkload } from './workloads/jacobian.js';
