/**
 * `gradcheck`: JAX's `check_grads` and PyTorch's `gradcheck` for difflab programs. It checks forward and
 * reverse mode at one point three ways:
 *
 * - each mode's Jacobian against central differences, entry by entry, with PyTorch's `allclose` rule
 *   |analytic − numeric| ≤ atol + rtol·|numeric|;
 * - the dot-product test ⟨u, J·v⟩ = ⟨uᵀJ, v⟩ for random u and v: forward mode's jvp against reverse mode's
 *   vjp, which ties the two modes together without building a Jacobian (JAX's check_grads does this);
 *
 * with PyTorch's defaults for float64: eps = 1e-6 (an absolute step), atol = 1e-5, rtol = 1e-3.
 */
import { forward } from './forward/index.js';
import { type Backend, DifflabError, type Program } from './ir/index.js';
import { reverse } from './reverse/index.js';
import { evaluate, type Point, toPoint } from './sweeps/index.js';

export interface GradcheckOptions {
  /** The central-difference step, absolute (PyTorch's eps). Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance, relative to the reference value. Default 1e-3. */
  rtol?: number;
  /** Seed of the random u and v of the dot-product test. Default 0. */
  seed?: number;
  /** Throw a `gradcheck` DifflabError naming the worst entry when a check fails (default false). */
  raise?: boolean;
  /** Backend of the forward and reverse sweeps. */
  backend?: Backend;
}

/** One compared number. */
export interface GradcheckEntry {
  /** 'forward' and 'reverse': that mode's Jacobian entry against central differences; 'dot': ⟨u, Jv⟩ by
   * forward mode against ⟨uᵀJ, v⟩ by reverse mode. */
  check: 'forward' | 'reverse' | 'dot';
  /** Output row and input column of the Jacobian entry (−1 for the dot-product test). */
  output: number;
  input: number;
  /** The value checked, and the reference it is checked against (central differences, or ⟨uᵀJ, v⟩). */
  analytic: number;
  reference: number;
  /** |analytic − reference| and what the tolerance allows: atol + rtol·|reference|. */
  error: number;
  allowed: number;
}

export interface GradcheckResult {
  /** True when every entry is within tolerance. */
  ok: boolean;
  /** The Jacobians compared (m rows of n), by central differences, forward mode and reverse mode. */
  numeric: Float64Array[];
  forward: Float64Array[];
  reverse: Float64Array[];
  /** The dot-product test's entry. */
  dot: GradcheckEntry;
  /** The entries over tolerance, worst (largest error/allowed) first. */
  failures: GradcheckEntry[];
  /** The entry with the largest error/allowed, passing or not. */
  worst: GradcheckEntry;
  /** The tolerances used. */
  eps: number;
  atol: number;
  rtol: number;
}

/** What gradcheck compares: the function's value and the two modes' derivatives at a point. */
export interface GradcheckParts {
  value: (x: Float64Array) => Float64Array;
  forwardJacobian: (x: Float64Array) => Float64Array[];
  reverseJacobian: (x: Float64Array) => Float64Array[];
  jvp: (x: Float64Array, v: Float64Array) => Float64Array;
  vjp: (x: Float64Array, u: Float64Array) => Float64Array;
}

/**
 * Checks forward and reverse mode on `f` at `at` against central differences and against each other (the
 * dot-product test), with PyTorch gradcheck's default tolerances.
 *
 * @example
 * const r = gradcheck(parse('x^2 * sin(y)'), { x: 1.5, y: 0.3 });
 * r.ok;    // true
 * r.worst; // the entry closest to its tolerance
 * gradcheck(parse('relu(x)'), [0]).ok; // false: relu′(0) = 0 by convention, central differences give 0.5
 */
export function gradcheck(f: Program, at: Point, options: GradcheckOptions = {}): GradcheckResult {
  const x = toPoint(f, at);
  const o = options.backend === undefined ? {} : { backend: options.backend };
  const parts: GradcheckParts = {
    value: (p) => {
      const y = evaluate(f, p, o);
      return typeof y === 'number' ? Float64Array.of(y) : y;
    },
    forwardJacobian: (p) => forward.jacobian(f, p, o).value,
    reverseJacobian: (p) => reverse.jacobian(f, p, o).value,
    jvp: (p, v) => forward.jvp(f, p, v, o).value,
    vjp: (p, u) => reverse.vjp(f, p, u, o).value,
  };
  return gradcheckParts(parts, x, f.outputs.length, options);
}

/** {@link gradcheck} over given parts (so a deliberately wrong derivative can be checked). */
export function gradcheckParts(
  parts: GradcheckParts,
  x: Float64Array,
  outputs: number,
  options: GradcheckOptions = {},
): GradcheckResult {
  const eps = positive(options.eps ?? 1e-6, 'eps');
  const atol = nonNegative(options.atol ?? 1e-5, 'atol');
  const rtol = nonNegative(options.rtol ?? 1e-3, 'rtol');
  const numeric = centralJacobian(parts.value, x, outputs, eps);
  const fwd = parts.forwardJacobian(x);
  const rev = parts.reverseJacobian(x);
  const entry = (
    check: GradcheckEntry['check'],
    output: number,
    input: number,
    analytic: number,
    reference: number,
  ): GradcheckEntry => ({
    check,
    output,
    input,
    analytic,
    reference,
    error: Math.abs(analytic - reference),
    allowed: atol + rtol * Math.abs(reference),
  });
  const entries: GradcheckEntry[] = [];
  for (let i = 0; i < outputs; i++) {
    for (let j = 0; j < x.length; j++) {
      const n = numeric[i]?.[j] as number;
      entries.push(entry('forward', i, j, fwd[i]?.[j] as number, n));
      entries.push(entry('reverse', i, j, rev[i]?.[j] as number, n));
    }
  }
  const rng = random(options.seed ?? 0);
  const u = Float64Array.from({ length: outputs }, rng);
  const v = Float64Array.from({ length: x.length }, rng);
  const dot = entry('dot', -1, -1, inner(u, parts.jvp(x, v)), inner(parts.vjp(x, u), v));
  entries.push(dot);
  const failures = entries.filter((e) => !passes(e)).sort((a, b) => badness(b) - badness(a));
  const worst = failures[0] ?? entries.reduce((w, e) => (badness(e) > badness(w) ? e : w), dot);
  const result: GradcheckResult = {
    ok: failures.length === 0,
    numeric,
    forward: fwd,
    reverse: rev,
    dot,
    failures,
    worst,
    eps,
    atol,
    rtol,
  };
  if (options.raise === true && !result.ok) throw gradcheckError(result);
  return result;
}

/** Within tolerance; equal values (the same infinity) pass, NaN never does. */
function passes(e: GradcheckEntry): boolean {
  return e.analytic === e.reference || e.error <= e.allowed;
}

/** How far over its tolerance an entry is (NaN and infinite errors rank first). */
function badness(e: GradcheckEntry): number {
  if (e.analytic === e.reference) return 0;
  return Number.isNaN(e.error) ? Number.POSITIVE_INFINITY : e.error / e.allowed;
}

/** J by central differences with an absolute step: (f(x + h·eⱼ) − f(x − h·eⱼ)) / 2h, column by column. */
function centralJacobian(
  value: (x: Float64Array) => Float64Array,
  x: Float64Array,
  outputs: number,
  h: number,
): Float64Array[] {
  const J = Array.from({ length: outputs }, () => new Float64Array(x.length));
  const p = new Float64Array(x);
  for (let j = 0; j < x.length; j++) {
    const xj = x[j] as number;
    p[j] = xj + h;
    const up = value(p);
    p[j] = xj - h;
    const down = value(p);
    p[j] = xj;
    for (let i = 0; i < outputs; i++) {
      (J[i] as Float64Array)[j] = ((up[i] as number) - (down[i] as number)) / (2 * h);
    }
  }
  return J;
}

function inner(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] as number) * (b[k] as number);
  return s;
}

/** A seeded generator of numbers in [−1, 1) (mulberry32), so a failing check repeats. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

function describe(e: GradcheckEntry): string {
  const what =
    e.check === 'dot'
      ? '⟨u, J·v⟩ by forward mode against ⟨uᵀJ, v⟩ by reverse mode'
      : `${e.check} mode's ∂f${e.output}/∂x${e.input} against central differences`;
  return `${what}: ${e.analytic} vs ${e.reference} (error ${e.error.toPrecision(3)}, allowed ${e.allowed.toPrecision(3)})`;
}

function gradcheckError(r: GradcheckResult): DifflabError {
  const more = r.failures.length > 1 ? ` (and ${r.failures.length - 1} more)` : '';
  return new DifflabError(
    'gradcheck',
    `gradcheck failed at atol ${r.atol}, rtol ${r.rtol}, eps ${r.eps}: ${describe(r.worst)}${more}`,
  );
}

function positive(v: number, name: string): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new DifflabError(
      'invalid-argument',
      `gradcheck: ${name} must be a positive number, got ${String(v)}`,
    );
  }
  return v;
}

function nonNegative(v: number, name: string): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
    throw new DifflabError('invalid-argument', `gradcheck: ${name} must be a number ≥ 0, got ${String(v)}`);
  }
  return v;
}
