/**
 * Test domains: where each op-table entry is smooth, as a sampler of argument values (as JAX's
 * `lax_autodiff_test` gives every primitive a row with `rand_positive`, `rand_nonzero`, ...). The table-driven
 * tests draw their points from an entry's `domain`, so a new op brings its own test points.
 *
 * A sampler stays inside the real domain and away from kinks and poles by a margin wider than a
 * finite-difference stencil, so that central differences of the value rule are a fair reference there.
 */

/** Uniform numbers in [0, 1): a seeded generator in tests. */
export type Rng = () => number;

/** Argument values, and the arguments whose partials are defined (and checked) at this point. */
export interface Sample {
  readonly args: readonly number[];
  /** Argument positions to differentiate against; all of them when absent. */
  readonly wrt?: readonly number[];
}

export type Sampler = (rng: Rng) => Sample;

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
/** Either sign, magnitude in [lo, hi]. */
const signed = (rng: Rng, lo: number, hi: number) => (rng() < 0.5 ? -1 : 1) * uniform(rng, lo, hi);

/** One argument in (lo, hi). */
export const interval =
  (lo: number, hi: number): Sampler =>
  (rng) => ({ args: [uniform(rng, lo, hi)] });

/** One argument in (0.1, 10): log, sqrt, ... (JAX's rand_positive). */
export const positive: Sampler = interval(0.1, 10);

/** One argument with |x| in (lo, hi), either sign: a pole or kink at 0, or a domain |x| > 1. */
export const bothSigns =
  (lo: number, hi: number): Sampler =>
  (rng) => ({ args: [signed(rng, lo, hi)] });

/** Two real arguments in (−5, 5). */
export const realPair: Sampler = (rng) => ({ args: [uniform(rng, -5, 5), uniform(rng, -5, 5)] });

/** Two arguments at least 0.1 apart (max and min are kinked on the diagonal). */
export const apartPair: Sampler = (rng) => {
  const x = uniform(rng, -5, 5);
  return { args: [x, x + signed(rng, 0.1, 3)] };
};

/** A numerator in (−5, 5) and a denominator with |y| in (0.2, 5). */
export const quotient: Sampler = (rng) => ({ args: [uniform(rng, -5, 5), signed(rng, 0.2, 5)] });

/**
 * A positive base with a real exponent, or a base of either sign with an integer exponent (then x^y is not
 * real for nearby y, so only ∂/∂x is checked).
 */
export const power: Sampler = (rng) =>
  rng() < 0.5
    ? { args: [uniform(rng, 0.2, 5), uniform(rng, -3, 3)] }
    : { args: [signed(rng, 0.2, 3), Math.floor(uniform(rng, -4, 5))], wrt: [0] };

/** x > 0 and a base away from 1, where ln b = 0. */
export const logBase: Sampler = (rng) => ({
  args: [uniform(rng, 0.1, 10), rng() < 0.5 ? uniform(rng, 0.1, 0.8) : uniform(rng, 1.25, 10)],
});

/** A list of 1–6 real arguments (n-ary reductions). */
export const realList: Sampler = (rng) => ({
  args: Array.from({ length: 1 + Math.floor(rng() * 6) }, () => uniform(rng, -5, 5)),
});

/** An even-length list (dot takes x₁..x_k then y₁..y_k). */
export const evenList: Sampler = (rng) => ({
  args: Array.from({ length: 2 * (1 + Math.floor(rng() * 4)) }, () => uniform(rng, -3, 3)),
});
