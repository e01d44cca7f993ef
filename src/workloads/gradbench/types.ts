/**
 * What a GradBench eval looks like to difflab: how to read its input, build its program once per workload,
 * run each of its functions, and write each result as GradBench's JSON output. One file per eval implements
 * {@link GradbenchEval}; the tool, the local runner and the report drive them all the same way.
 */
import type { Method } from '../../ir/differentiator.js';
import type { Program } from '../../ir/program.js';
import type { BlockVisitor } from '../../sparse/blocks.js';

/** The derivatives an eval asks of the chosen method. Every entry point is difflab's, never hand-written. */
export interface DerivativeEngine {
  readonly method: Method;
  /** f at x (the primal, on the engine's backend). */
  evaluate<Out extends number | Float64Array>(f: Program<Out>, x: Float64Array): Out;
  /** ∇f at x: written into `out` and returned when it is given (one entry per input), else a new array. */
  gradient(f: Program, x: Float64Array, out?: Float64Array): Float64Array;
  /** The Jacobian of f at x, one row per output. */
  jacobian(f: Program, x: Float64Array): Float64Array[];
  /**
   * The Jacobian of f at x block by block, for a program whose outputs are rows of stacked maps over its
   * inputs (ba): each row's body Jacobian by the engine's method, handed to `visit` (see `blockJacobian`).
   */
  blockJacobian(f: Program, x: Float64Array, visit: BlockVisitor): void;
  /**
   * Every row's block of stacked maps over rows of f's own inputs (each input read by one row; ht), by a few
   * sweeps of the engine's method: one array per call of f (see `rowBlocks`).
   */
  rowBlocks(f: Program, x: Float64Array): Float64Array[];
  /** uᵀJ, a cotangent u (one entry per output) times the Jacobian of f at x. */
  vjp(f: Program, x: Float64Array, u: Float64Array): Float64Array;
  /**
   * ∇f at x and the Hessian's diagonal, for a scalar f whose Hessian is diagonal (kmeans). How each method
   * gets the diagonal is documented with its engine.
   */
  gradientAndHessianDiagonal(f: Program, x: Float64Array): { gradient: Float64Array; diagonal: Float64Array };
}

/** The size of what `prepare` built, for deciding up front whether a method can finish in reasonable time. */
export interface WorkloadCost {
  /** Operations of one evaluation of the program (see `programCost`). */
  nodes: number;
  /** Argument edges of the program. */
  edges: number;
  /** Independent variables of the program. */
  inputs: number;
  /** Outputs of the program. */
  outputs: number;
  /** Evaluations of the program per function call (ba evaluates its per-observation program p times). */
  evaluations: number;
  /** Bytes of data arrays built beside the program (ba's cameras, points and sparse Jacobian), if any. */
  dataBytes?: number;
  /**
   * Nodes of the program as built, where loops make it smaller than the operations it runs (`nodes`): what
   * memory limits are judged on. Absent: the program is flat and builds `nodes` nodes.
   */
  built?: number;
}

/**
 * A size estimated from the input alone, before anything is built: to refuse what would not fit in memory or
 * what the method could not finish, without building it first.
 */
export type BuildEstimate = WorkloadCost;

/** How a nested eval is differentiated: its functions name the modes themselves. */
export type NestedEval = 'ff' | 'fr' | 'rf' | 'rr';

/** One GradBench eval. `I` is the checked input, `W` the prepared workload. */
export interface GradbenchEval<I = unknown, W = unknown> {
  /** The eval's name, which is also its module name. */
  readonly name: string;
  /** The functions the eval calls, in the order it calls them. */
  readonly functions: readonly string[];
  /** The function that computes the primal (timed as the denominator of the ratio), if there is one. */
  readonly primal: string | undefined;
  /** The derivative functions. */
  readonly derivatives: readonly string[];
  /** True when the functions name their own AD modes (ff, fr, rf, rr) instead of following the method. */
  readonly nested: boolean;
  /** Reads and checks an `evaluate` message's input; throws an `invalid-argument` DifflabError if malformed. */
  read(input: unknown): I;
  /** The program size estimated from the input before building it. */
  estimate(input: I): BuildEstimate;
  /** Builds the program(s) and converts the input once per workload. */
  prepare(input: I): W;
  /** The size of what was built. */
  cost(workload: W): WorkloadCost;
  /**
   * One run of function `fn`: the whole computation, returning the raw result. The result may be an array of the
   * workload's that the next run of `fn` overwrites (ht's Jacobian, the scalar evals' gradient, as GradBench's C++ reuses its output): convert
   * or copy it before running `fn` again.
   */
  run(fn: string, workload: W, engine: DerivativeEngine): unknown;
  /** The raw result as the JSON value GradBench expects. */
  output(fn: string, raw: unknown, workload: W): unknown;
}
