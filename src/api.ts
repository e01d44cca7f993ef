/**
 * The top-level API: every call goes through `methods`, the map from method name to its differentiator.
 */
import { compareView } from './display/compare.js';
import { type Displayable, displayable } from './display/mime.js';
import { type ForwardOptions, forward } from './forward/index.js';
import {
  type Differentiator,
  DifflabError,
  METHODS,
  type Method,
  type Point,
  type Program,
  readPoint,
  type Stats,
  toPoint,
  vectorOf,
} from './ir/index.js';
import { type NumericOptions, numeric } from './numeric/index.js';
import {
  hessian as hessianFoR,
  hvp as hvpFoR,
  type ReverseOptions,
  reverse,
  reverseGradient,
} from './reverse/index.js';
import { type SymbolicOptions, symbolic } from './symbolic/index.js';

/** Each method's differentiator. Code that compares methods loops over this. */
export interface Methods {
  readonly numeric: Differentiator<NumericOptions>;
  readonly symbolic: Differentiator<SymbolicOptions>;
  readonly forward: Differentiator<ForwardOptions>;
  readonly reverse: Differentiator<ReverseOptions>;
}

export const methods: Methods = { numeric, symbolic, forward, reverse };

/** Options of the top-level calls: the method (default 'reverse') and that method's own options. */
export type MethodOptions =
  | ({ method?: 'reverse' } & ReverseOptions)
  | ({ method: 'forward' } & ForwardOptions)
  | ({ method: 'numeric' } & NumericOptions)
  | ({ method: 'symbolic' } & SymbolicOptions);

function pick(options: MethodOptions | undefined): Differentiator<object> {
  const method = options?.method ?? 'reverse';
  const d = (methods as unknown as Record<string, Differentiator<object>>)[method];
  if (d === undefined) {
    throw new DifflabError(
      'invalid-argument',
      `unknown method '${String(method)}' (use ${METHODS.join(', ')})`,
    );
  }
  return d;
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
  const x = readPoint(f, at);
  // Reverse mode without statistics: the cheapest call, allocation-free with `out`.
  if ((options?.method ?? 'reverse') === 'reverse') return reverseGradient(f, x, options as ReverseOptions);
  const g = pick(options).gradient(f, x, options).value;
  const out = options?.out;
  if (out === undefined) return g;
  if (out.length !== g.length) {
    throw new DifflabError('bad-point', `out has length ${out.length}, expected ${g.length}`);
  }
  out.set(g);
  return out;
}

/** The Jacobian (m rows of n) at a point. */
export function jacobian(f: Program, at: Point, options?: MethodOptions): Float64Array[] {
  return pick(options).jacobian(f, toPoint(f, at), options).value;
}

/** J·v, the Jacobian at a point times a tangent v (length n). */
export function jvp(f: Program, at: Point, v: ArrayLike<number>, options?: MethodOptions): Float64Array {
  return pick(options).jvp(f, toPoint(f, at), v, options).value;
}

/** uᵀJ, a cotangent u (length m) times the Jacobian at a point. */
export function vjp(f: Program, at: Point, u: ArrayLike<number>, options?: MethodOptions): Float64Array {
  return pick(options).vjp(f, toPoint(f, at), u, options).value;
}

/** The Hessian of a scalar function at a point, by forward over reverse (n sweeps). */
export function hessian(f: Program<number>, at: Point): Float64Array[] {
  return hessianFoR(f, toPoint(f, at)).value;
}

/** H·v for a scalar function at a point, by one forward-over-reverse sweep. */
export function hvp(f: Program<number>, at: Point, v: ArrayLike<number>): Float64Array {
  return hvpFoR(f, toPoint(f, at), vectorOf(v, f.variables.length, 'the direction')).value;
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

export interface CompareOptions {
  /** Which methods to run (default all four). */
  methods?: readonly Method[];
  numeric?: NumericOptions;
  symbolic?: SymbolicOptions;
  forward?: ForwardOptions;
  reverse?: ReverseOptions;
}

/** The rows of {@link compare}: an array that also displays itself (a table and a chart in notebooks). */
export type Comparison = ComparisonRow[] & Displayable;

/**
 * Runs every method's gradient at one point: per method the gradient, its error against reverse mode, the
 * operation count and the time. A method that fails is reported, not thrown. The array displays itself in
 * Jupyter (Deno's kernel) as a table and a chart, and `String(rows)` is the table as text.
 */
export function compare(f: Program<number>, at: Point, options: CompareOptions = {}): Comparison {
  const x = toPoint(f, at);
  const chosen = options.methods ?? METHODS;
  const reference = reverse.gradient(f, x, options.reverse).value;
  const scale = Math.max(infNorm(reference), Number.MIN_VALUE);
  const rows = chosen.map((method): ComparisonRow => {
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
  return displayable(rows, compareView(f, x, rows));
}

function infNorm(v: Float64Array): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}
