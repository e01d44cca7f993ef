/**
 * The finite-difference method: derivatives from evaluations of f alone.
 */
import { type Differentiator, now, type Result, requireScalar, vectorOf } from '../ir/differentiator.js';
import type { Program } from '../ir/program.js';
import { Columns } from './columns.js';
import { type NumericOptions, resolveOptions } from './options.js';

/** Checks the options and the point and prepares the work arrays of one call. */
function prepare(f: Program, x: ArrayLike<number>, options: NumericOptions | undefined): Columns {
  const o = resolveOptions(options);
  return new Columns(f, vectorOf(x, f.variables.length, 'the point'), o);
}

/** The largest error estimate (NaN if any is NaN), reported only by the `richardson` scheme. */
function errorEstimate(c: Columns, worst: number): number | undefined {
  return c.o.scheme === 'richardson' ? worst : undefined;
}

/**
 * Finite differences: forward, central (the default), complex step and Richardson (Ridders) extrapolation.
 * Every derivative costs evaluations of f: a gradient of n inputs takes n + 1 (forward), 2n (central),
 * n complex evaluations (complex), or 2 per tableau level and input (richardson, up to 20n).
 *
 * At a kink the differences see both sides: the central difference of |x| at 0 is (h − h)/2h = 0 and of
 * relu at 0 is (h − 0)/2h = ½, the average of the one-sided slopes; the forward difference gives the
 * right-hand slope (abs′(0) ≈ 1, relu′(0) ≈ 1). At a tie max(x, y) = y + relu(x − y), so central differences
 * split it evenly (½, ½) and forward ones give (1, 1).
 * The exact methods use the convention relu′(0) = 0, abs′(0) = 0 and split max/min ties evenly. The complex
 * step refuses non-analytic operations (abs, sign, heaviside, relu, max, min) that depend on an input, with a
 * `not-differentiable` error naming the operation.
 *
 * IEEE semantics: a NaN value gives a NaN derivative, never an exception, unless `options.check` is set: then
 * f is first evaluated at x with checking, which throws `non-finite` naming the subexpression (one more
 * evaluation, except for the forward scheme, which evaluates f(x) anyway).
 *
 * `stats.details` holds `scheme`, `step` (the fixed h, or the default rule as text) and, for `richardson`,
 * `errorEstimate`, the largest per-component error estimate (`richardson()` returns all of them).
 *
 * @example
 * const f = parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');
 * numeric.gradient(f, [3, 4]).value;                          // ≈ [52, 84] (central, 4 evaluations)
 * numeric.gradient(f, [3, 4], { scheme: 'complex' }).value;   // [52, 84] to full precision
 * numeric.gradient(f, [3, 4], { scheme: 'forward', step: 1e-6 }).stats.evaluations; // 3
 */
export const numeric: Differentiator<NumericOptions> = {
  method: 'numeric',

  /** ∇f, one difference per input. f must have one output. */
  gradient(f: Program, x: ArrayLike<number>, options?: NumericOptions): Result<Float64Array> {
    const start = now();
    requireScalar(f);
    const c = prepare(f, x, options);
    const value = new Float64Array(c.n);
    const col = new Float64Array(1);
    const err = new Float64Array(1);
    let worst = 0;
    for (let j = 0; j < c.n; j++) {
      c.column(j, col, err);
      value[j] = col[0] as number;
      worst = Math.max(worst, err[0] as number);
    }
    return { value, stats: c.stats(start, now(), errorEstimate(c, worst)) };
  },

  /** J as m rows of length n, built column by column: column j is the difference along eⱼ. */
  jacobian(f: Program, x: ArrayLike<number>, options?: NumericOptions): Result<Float64Array[]> {
    const start = now();
    const c = prepare(f, x, options);
    const rows = Array.from({ length: c.m }, () => new Float64Array(c.n));
    const col = new Float64Array(c.m);
    const err = new Float64Array(c.m);
    let worst = 0;
    for (let j = 0; j < c.n; j++) {
      c.column(j, col, err);
      for (let k = 0; k < c.m; k++) {
        (rows[k] as Float64Array)[j] = col[k] as number;
        worst = Math.max(worst, err[k] as number);
      }
    }
    return { value: rows, stats: c.stats(start, now(), errorEstimate(c, worst)) };
  },

  /**
   * J·v by one directional difference along v: the step t = h/‖v‖₂ moves x a distance h (h from the scheme's
   * rule at ‖x‖∞); central costs one pair of evaluations whatever n is.
   */
  jvp(
    f: Program,
    x: ArrayLike<number>,
    v: ArrayLike<number>,
    options?: NumericOptions,
  ): Result<Float64Array> {
    const start = now();
    const c = prepare(f, x, options);
    const direction = vectorOf(v, c.n, 'the tangent v');
    const value = new Float64Array(c.m);
    const err = new Float64Array(c.m);
    c.column(direction, value, err);
    let worst = 0;
    for (const e of err) worst = Math.max(worst, e);
    return { value, stats: c.stats(start, now(), errorEstimate(c, worst)) };
  },

  /**
   * uᵀJ. Finite differences have no cheaper way than building the Jacobian column by column (n differences,
   * as for the gradient) and contracting each column with u; only reverse mode gets uᵀJ from one sweep.
   * The error estimate of component j is Σₖ |uₖ| errₖⱼ.
   */
  vjp(
    f: Program,
    x: ArrayLike<number>,
    u: ArrayLike<number>,
    options?: NumericOptions,
  ): Result<Float64Array> {
    const start = now();
    const c = prepare(f, x, options);
    const cotangent = vectorOf(u, c.m, 'the cotangent u');
    const value = new Float64Array(c.n);
    const col = new Float64Array(c.m);
    const err = new Float64Array(c.m);
    let worst = 0;
    for (let j = 0; j < c.n; j++) {
      c.column(j, col, err);
      let s = 0;
      let e = 0;
      for (let k = 0; k < c.m; k++) {
        // (uᵀJ)ⱼ = Σₖ uₖ Jₖⱼ; a zero uₖ does not touch row k (the zero-factor rule, as reverse mode has it).
        if (cotangent[k] === 0) continue;
        s += (cotangent[k] as number) * (col[k] as number);
        e += Math.abs(cotangent[k] as number) * (err[k] as number);
      }
      value[j] = s;
      worst = Math.max(worst, e);
    }
    return { value, stats: c.stats(start, now(), errorEstimate(c, worst)) };
  },
};
