/**
 * The top-level API: every call goes through `methods`, the map from method name to its differentiator.
 */
import { type ForwardOptions, forward } from './forward/index.js';
import {
  type Differentiator,
  DifflabError,
  METHODS,
  type Method,
  Program,
  type Stats,
  vectorOf,
} from './ir/index.js';
import { type MixedOptions, mixedJacobian } from './mixed/index.js';
import { type NumericOptions, numeric } from './numeric/index.js';
import { type Call, checkedPoint, checkMixedOptions, checkOptions, type PointOptions } from './options.js';
import {
  hessian as hessianFoR,
  hvp as hvpFoR,
  type ReverseOptions,
  reverse,
  reverseGradient,
} from './reverse/index.js';
import { sparseHessian, sparseJacobian, toDense } from './sparse/compressed.js';
import type { Point } from './sweeps/index.js';
import { type SymbolicOptions, symbolic } from './symbolic/index.js';

/** Each method's differentiator. Code that compares methods loops over this. */
export interface Methods {
  readonly numeric: Differentiator<NumericOptions>;
  readonly symbolic: Differentiator<SymbolicOptions>;
  readonly forward: Differentiator<ForwardOptions>;
  readonly reverse: Differentiator<ReverseOptions>;
}

export const methods: Methods = { numeric, symbolic, forward, reverse };

/** `jacobian` and `hessian`: compute by compressed sweeps over a colouring of the sparsity pattern (src/sparse). */
export interface SparseOption {
  /** The same dense rows, from one sweep per colour rather than one per input or output (default false). */
  sparse?: boolean;
}

/** Options of the top-level calls: the method (default 'reverse'), that method's own options, and the point's. */
export type MethodOptions = (
  | ({ method?: 'reverse' } & ReverseOptions & SparseOption)
  | ({ method: 'forward' } & ForwardOptions & SparseOption)
  | ({ method: 'numeric' } & NumericOptions)
  | ({ method: 'symbolic' } & SymbolicOptions)
) &
  PointOptions;

/** The program a top-level call was given, checked (a JavaScript function needs a transform, not this call). */
export function programArg(f: unknown, call: Call): Program {
  if (f instanceof Program) return f;
  const hint =
    typeof f === 'function'
      ? '; to differentiate a function of expressions, use a transform (grad(fn), jacrev(fn), hessian(fn), ...)'
      : '';
  throw new DifflabError('invalid-argument', `${call}: expected a program from parse() or program()${hint}`);
}

/** The checked program, method, point and differentiator of one call. */
function prepare(
  f: unknown,
  at: Point,
  options: MethodOptions | undefined,
  call: Call,
): { p: Program; x: Float64Array; d: Differentiator<object>; method: Method } {
  const p = programArg(f, call);
  const method = checkOptions(options, call);
  const x = checkedPoint(p, at, options);
  return { p, x, d: methods[method] as Differentiator<object>, method };
}

/**
 * The gradient of a scalar function at a point (by name or in `f.variables` order), aligned with
 * `f.variables`. Reverse mode by default.
 *
 * @example
 * const f = parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');
 * gradient(f, { w1: 3, w2: 4 });                    // Float64Array [52, 84]
 * gradient(f, [3, 4], { method: 'forward' });       // Float64Array [52, 84]
 */
export function gradient(f: Program<number>, at: Point, options?: MethodOptions): Float64Array {
  // Checked without allocating (no record of the checks): reverse mode with `out` allocates nothing.
  const p = programArg(f, 'gradient');
  const method = checkOptions(options, 'gradient');
  const x = checkedPoint(p, at, options, false);
  // Reverse mode without statistics: the cheapest call.
  if (method === 'reverse') return reverseGradient(p, x, options as ReverseOptions);
  const g = (methods[method] as Differentiator<object>).gradient(p, x, options).value;
  const out = options?.out;
  if (out === undefined) return g;
  if (out.length !== g.length) {
    throw new DifflabError('bad-point', `out has length ${out.length}, expected ${g.length}`);
  }
  out.set(g);
  return out;
}

/**
 * Options of `jacobian`: one of the four methods' (see {@link MethodOptions}), or mixed mode's. Mixed mode is a
 * Jacobian strategy rather than a fifth method: it splits the program at its narrowest cut and runs forward and
 * reverse mode on the parts, so it has no gradient, jvp or vjp of its own.
 */
export type JacobianOptions = MethodOptions | ({ method: 'mixed' } & MixedOptions & PointOptions);

/**
 * The Jacobian (m rows of n) at a point. `{ method: 'mixed' }` splits the program at its narrowest cut (a
 * bottleneck of k < min(n, m) nodes) and takes each part's Jacobian by its cheaper mode; `mixedJacobian` gives
 * the same with its operation counts.
 */
export function jacobian(f: Program, at: Point, options?: JacobianOptions): Float64Array[] {
  if (options?.method === 'mixed') {
    const p = programArg(f, 'jacobian');
    checkMixedOptions(options, 'jacobian');
    return mixedJacobian(p, checkedPoint(p, at, options), options).value;
  }
  const { p, x, d, method } = prepare(f, at, options, 'jacobian');
  if ((options as SparseOption | undefined)?.sparse === true) {
    // Reverse mode's options have no chunk (checked above): forward mode's is passed as it is.
    const { backend, check, chunk } = (options ?? {}) as ForwardOptions;
    return toDense(sparseJacobian(p, x, { mode: method as 'forward' | 'reverse', backend, check, chunk }));
  }
  return d.jacobian(p, x, options).value;
}

/** J·v, the Jacobian at a point times a tangent v (length n). */
export function jvp(f: Program, at: Point, v: ArrayLike<number>, options?: MethodOptions): Float64Array {
  const { p, x, d } = prepare(f, at, options, 'jvp');
  return d.jvp(p, x, v, options).value;
}

/** uᵀJ, a cotangent u (length m) times the Jacobian at a point. */
export function vjp(f: Program, at: Point, u: ArrayLike<number>, options?: MethodOptions): Float64Array {
  const { p, x, d } = prepare(f, at, options, 'vjp');
  return d.vjp(p, x, u, options).value;
}

/**
 * The Hessian of a scalar function at a point, by forward over reverse (n sweeps; with `sparse: true`, one
 * per colour of a star colouring of its sparsity pattern). The method is fixed: its options are
 * `allowNonFinite` and `sparse`.
 */
export function hessian(
  f: Program<number>,
  at: Point,
  options?: PointOptions & SparseOption,
): Float64Array[] {
  const p = programArg(f, 'hessian');
  checkOptions(options, 'hessian');
  const x = checkedPoint(p, at, options);
  if (options?.sparse === true) return toDense(sparseHessian(p, x));
  return hessianFoR(p, x).value;
}

/** H·v for a scalar function at a point, by one forward-over-reverse sweep (its only option: `allowNonFinite`). */
export function hvp(
  f: Program<number>,
  at: Point,
  v: ArrayLike<number>,
  options?: PointOptions,
): Float64Array {
  const p = programArg(f, 'hvp');
  checkOptions(options, 'hvp');
  return hvpFoR(p, checkedPoint(p, at, options), vectorOf(v, p.variables.length, 'the direction')).value;
}

/** One method's row of a comparison. */
export interface ComparisonRow {
  method: Method;
  /** The gradient, or undefined if the method failed. */
  gradient?: Float64Array;
  /** ‖g − g_reverse‖∞ / max(‖g_reverse‖∞, smallest normal): the error against reverse mode. */
  error?: number;
  /** Primitive operations executed (deterministic). */
  ops?: number;
  /** Wall-clock milliseconds. */
  time?: number;
  stats?: Stats;
  /** Why the method failed (e.g. a symbolic budget), when it did. */
  failure?: { code: string; message: string };
}

export interface CompareOptions extends PointOptions {
  /** Which methods to run (default all four). */
  methods?: readonly Method[];
  numeric?: NumericOptions;
  symbolic?: SymbolicOptions;
  forward?: ForwardOptions;
  reverse?: ReverseOptions;
}

/**
 * Runs every method's gradient at one point: per method the gradient, its error against reverse mode, the
 * operation count and the time. A method that fails is reported, not thrown. Plain data: the public index's
 * `compare` (`src/display/results.ts`) returns the same rows displaying themselves in notebooks.
 */
export function compare(f: Program<number>, at: Point, options: CompareOptions = {}): ComparisonRow[] {
  const p = programArg(f, 'compare');
  const chosen = checkCompareOptions(options);
  const x = checkedPoint(p, at, options);
  const reference = reverse.gradient(f, x, options.reverse).value;
  const scale = Math.max(infNorm(reference), Number.MIN_VALUE);
  return chosen.map((method): ComparisonRow => {
    try {
      const d = methods[method] as Differentiator<object>;
      const { value, stats } = d.gradient(f, x, (options[method] ?? {}) as object);
      let diff = 0;
      for (let i = 0; i < value.length; i++)
        diff = Math.max(diff, Math.abs((value[i] as number) - (reference[i] as number)));
      return { method, gradient: value, error: diff / scale, ops: stats.ops, time: stats.time, stats };
    } catch (e) {
      if (!(e instanceof DifflabError)) throw e;
      return { method, failure: { code: e.code, message: e.message } };
    }
  });
}

const COMPARE_KEYS = ['methods', 'allowNonFinite', ...METHODS];

/** Checks compare's options (each method's own options as that method's gradient would) and returns the methods. */
function checkCompareOptions(options: CompareOptions): readonly Method[] {
  if (options === null || typeof options !== 'object') {
    throw new DifflabError('invalid-argument', 'compare: options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!COMPARE_KEYS.includes(key) && (options as Record<string, unknown>)[key] !== undefined) {
      throw new DifflabError(
        'invalid-argument',
        `compare: unknown option '${key}' (options: ${COMPARE_KEYS.join(', ')})`,
      );
    }
  }
  const chosen = options.methods ?? METHODS;
  if (!Array.isArray(chosen)) throw new DifflabError('invalid-argument', 'compare: methods must be an array');
  for (const m of chosen) {
    if (!METHODS.includes(m)) {
      throw new DifflabError(
        'invalid-argument',
        `compare: unknown method '${String(m)}' (use ${METHODS.join(', ')})`,
      );
    }
  }
  for (const m of METHODS) {
    const own = options[m];
    if (own === undefined) continue;
    const { method, out } = own as { method?: unknown; out?: unknown };
    if (method !== undefined && method !== m) {
      throw new DifflabError('invalid-argument', `compare: options.${m} names another method`);
    }
    checkOptions({ ...own, method: m }, 'gradient');
    // compare returns a gradient per method: there is no one array to write into.
    if (out !== undefined) throw new DifflabError('invalid-argument', 'compare: out does not apply');
  }
  return chosen;
}

function infNorm(v: Float64Array): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}
