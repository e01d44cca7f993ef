/**
 * Mixed mode: the Jacobian of f = outer ∘ inner, split at the narrowest cut of the program (a minimum vertex
 * separator, cut.ts). With k cut nodes, the inner Jacobian (k × n) and the outer one (m × k) are each taken by
 * the mode that costs fewer operations on that part (forward mode: about one sweep per input direction;
 * reverse mode: one adjoint sweep per output), and J = J_outer · J_inner. Where the cut is no narrower than
 * min(n, m), there is nothing to gain: the whole program goes to its cheaper mode.
 *
 * On an encoder–decoder n → p → m with p ≪ n, m, the inner part goes by reverse mode (p adjoint sweeps) and the
 * outer by forward mode (p directions), where pure modes need min(n, m) sweeps of the whole program.
 *
 * A loop call (map or scan) is one node of the cut's graph, as wide as its outputs: the cut passes through it or
 * around it, never inside its body, and each part keeps its loops whole.
 *
 * The cut and the parts depend on the program only, so they are found once per program and cached.
 */
import { defaultChunk, type ForwardOptions, forward } from '../forward/index.js';
import {
  backendOf,
  type CommonOptions,
  cachedFor,
  emptyStats,
  now,
  type Program,
  programCost,
  type Result,
  readVector,
  type Stats,
} from '../ir/index.js';
import { checkMixedOptions } from '../options.js';
import { reverse } from '../reverse/index.js';
import { adjointOps, evaluate, storesPartials } from '../sweeps/index.js';
import { minimumCut } from './cut.js';
import { subprogram } from './parts.js';

export { type Cut, minimumCut } from './cut.js';

/** Options of mixed mode: forward mode's chunk for the parts that go forward, and the common options. */
export interface MixedOptions extends CommonOptions {
  chunk?: ForwardOptions['chunk'];
}

/** The mode a part goes by. */
export type Mode = 'forward' | 'reverse';

/** A program split at its cut, found once per program. */
export interface Split {
  /** The cut nodes of the program (ascending). */
  readonly cut: Int32Array;
  /** Nodes of the flow network's searches visited while finding the cut. */
  readonly visits: number;
  /** The inputs → the cut nodes; undefined when the cut is not narrower than min(n, m). */
  readonly inner: Program<Float64Array> | undefined;
  /** The cut nodes (as inputs) → the outputs. */
  readonly outer: Program<Float64Array> | undefined;
}

const splits = new WeakMap<Program, Split>();

/** The program split at its narrowest cut (cached per program). */
export function splitAtCut(f: Program): Split {
  return cachedFor(splits, f, () => {
    const { nodes, visits } = minimumCut(f);
    const n = f.variables.length;
    const m = f.outputs.length;
    if (nodes.length >= Math.min(n, m)) return { cut: nodes, visits, inner: undefined, outer: undefined };
    const cut = [...nodes];
    const names = cut.map((node) => `cut${node}`);
    const inputs = Array.from({ length: n }, (_, k) => f.inputStart + k);
    const inner = subprogram(f, inputs, f.variables, cut);
    const outer = subprogram(f, cut, names, [...f.outputs]);
    return { cut: nodes, visits, inner, outer };
  });
}

/**
 * The operations the Jacobian of `p` costs by each mode, as forward and reverse mode count them (their
 * `stats.ops`): forward mode ⌈n/c⌉ sweeps of the primal and partials plus one multiply–add per edge per
 * direction; reverse mode one primal and, on the interpreter, the partials once (stored) and one multiply–add
 * per edge per output, or with the compiled backend's sweeps the partials again per output (sweeps/interpret/stored.ts).
 * With `backend: 'compile'` on a large program, tiering may run a call on the interpreter, which then counts its
 * own way.
 */
export function predictedOps(
  p: Program,
  chunk: number | undefined,
  sweeps: Pick<CommonOptions, 'backend' | 'check'> = {},
): Record<Mode, number> {
  const { nodes, edges } = programCost(p);
  const n = p.variables.length;
  const m = p.outputs.length;
  const c = Math.min(chunk ?? defaultChunk(n), Math.max(1, n));
  const stored = storesPartials(p, m, backendOf(sweeps), sweeps.check === true);
  return {
    forward: Math.ceil(n / c) * (nodes + edges) + n * edges,
    reverse: adjointOps(p, m, stored),
  };
}

/** The cheaper mode for the Jacobian of `p` (forward on a tie: it keeps no tape). */
export function cheaperMode(
  p: Program,
  chunk: number | undefined,
  sweeps: Pick<CommonOptions, 'backend' | 'check'> = {},
): Mode {
  const ops = predictedOps(p, chunk, sweeps);
  return ops.forward <= ops.reverse ? 'forward' : 'reverse';
}

/** The Jacobian of `p` at x by `mode`. */
function jacobianBy(mode: Mode, p: Program, x: Float64Array, options: MixedOptions): Result<Float64Array[]> {
  const { check, backend, chunk } = options;
  if (mode === 'forward') return forward.jacobian(p, x, { check, backend, chunk });
  return reverse.jacobian(p, x, { check, backend });
}

/**
 * The Jacobian (m rows of n) by mixed mode, with what it cost: `stats.ops` adds the parts' operations, the
 * primal sweep that gives the outer part its point, and the product's m·k·n multiply–adds. Finding the cut,
 * once per program, is not a derivative operation: `details.cutVisits` counts its search steps. `stats.details`
 * also says the cut's width and each part's mode.
 */
export function mixedJacobian(
  f: Program,
  x: ArrayLike<number>,
  options: MixedOptions = {},
): Result<Float64Array[]> {
  // Called directly (not through `jacobian`), the options are checked here: a chunk of 0 would price forward
  // mode at n / 0 sweeps and silently pick reverse mode.
  checkMixedOptions(options, 'jacobian');
  const t0 = now();
  const n = f.variables.length;
  const point = readVector(x, n, 'the point');
  const split = splitAtCut(f);
  const k = split.cut.length;
  if (split.inner === undefined || split.outer === undefined) {
    // No bottleneck: the whole program by its cheaper mode.
    const mode = cheaperMode(f, options.chunk, options);
    const whole = jacobianBy(mode, f, point, options);
    whole.stats.details = {
      ...whole.stats.details,
      cut: k,
      cutVisits: split.visits,
      inner: 'none',
      outer: mode,
    };
    whole.stats.time = now() - t0;
    return whole;
  }
  const { inner, outer } = split;
  const innerMode = cheaperMode(inner, options.chunk, options);
  const outerMode = cheaperMode(outer, options.chunk, options);
  const Ji = jacobianBy(innerMode, inner, point, options);
  // The cut nodes' values: the outer part's point.
  const y = evaluate(inner, point, options.check === true ? { check: true } : {}) as Float64Array;
  const Jo = jacobianBy(outerMode, outer, y, options);
  const J = multiply(Jo.value, Ji.value, n);
  const m = f.outputs.length;
  const stats: Stats = emptyStats();
  stats.evaluations = Ji.stats.evaluations + Jo.stats.evaluations + 1;
  stats.forwardSweeps = Ji.stats.forwardSweeps + Jo.stats.forwardSweeps;
  stats.reverseSweeps = Ji.stats.reverseSweeps + Jo.stats.reverseSweeps;
  stats.ops = Ji.stats.ops + Jo.stats.ops + programCost(inner).nodes + m * k * n;
  stats.bytes = Ji.stats.bytes + Jo.stats.bytes + 8 * k * n + 8 * m * k;
  stats.details = {
    cut: k,
    cutVisits: split.visits,
    inner: innerMode,
    outer: outerMode,
    innerOps: Ji.stats.ops,
    outerOps: Jo.stats.ops,
    productOps: m * k * n,
  };
  stats.time = now() - t0;
  return { value: J, stats };
}

/** A (m × k) times B (k × n), as rows. */
function multiply(A: readonly Float64Array[], B: readonly Float64Array[], n: number): Float64Array[] {
  return A.map((row) => {
    const out = new Float64Array(n);
    for (let j = 0; j < row.length; j++) {
      const a = row[j] as number;
      // A zero entry contributes nothing (the zero-factor rule, ops.ts), even against an infinite one.
      if (a === 0) continue;
      const Bj = B[j] as Float64Array;
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) + a * (Bj[i] as number);
    }
    return out;
  });
}
