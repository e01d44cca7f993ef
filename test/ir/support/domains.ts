/**
 * One row per op: where to sample its arguments (as JAX's lax_autodiff_test gives each primitive a domain
 * sampler) and an independent closed form of its value. Both tables are mapped over the op names, so a new
 * op without a row fails to compile, and `op-domains.test.ts` fails at run time too.
 *
 * Samplers stay inside the real domain and away from kinks and poles by a margin wider than the
 * finite-difference stencil, so that central differences of the value rule are a fair reference there.
 */
import type { OpName } from '../../../src/ir/index.js';
import type { Rng } from './random.js';

/** Argument values, and the arguments whose partials are defined (and checked) at this point. */
export interface Sample {
  readonly args: readonly number[];
  /** Argument positions to differentiate against; all of them when absent. */
  readonly wrt?: readonly number[];
}

export type Sampler = (rng: Rng) => Sample;

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
/** Either sign, magnitude in [lo, hi]: for odd functions with a pole or kink at 0, and |x| > 1 domains. */
const signed = (rng: Rng, lo: number, hi: number) => (rng() < 0.5 ? -1 : 1) * uniform(rng, lo, hi);

/** One argument in (lo, hi). */
const interval =
  (lo: number, hi: number): Sampler =>
  (rng) => ({ args: [uniform(rng, lo, hi)] });
/** One argument in (0.1, 10): log, sqrt, ... (JAX's rand_positive). */
const positive: Sampler = interval(0.1, 10);
/** One argument with |x| in (lo, hi), either sign. */
const bothSigns =
  (lo: number, hi: number): Sampler =>
  (rng) => ({ args: [signed(rng, lo, hi)] });
/** Two real arguments. */
const realPair: Sampler = (rng) => ({ args: [uniform(rng, -5, 5), uniform(rng, -5, 5)] });
/** Two arguments at least 0.1 apart (max and min are kinked on the diagonal). */
const apartPair: Sampler = (rng) => {
  const x = uniform(rng, -5, 5);
  return { args: [x, x + signed(rng, 0.1, 3)] };
};
/** A list of 1–6 real arguments (n-ary reductions). */
const realList: Sampler = (rng) => ({
  args: Array.from({ length: 1 + Math.floor(rng() * 6) }, () => uniform(rng, -5, 5)),
});
/** An even-length list (dot takes x₁..x_k then y₁..y_k). */
const evenList: Sampler = (rng) => ({
  args: Array.from({ length: 2 * (1 + Math.floor(rng() * 4)) }, () => uniform(rng, -3, 3)),
});

export const DOMAINS: { readonly [K in OpName]: Sampler } = {
  add: realPair,
  sub: realPair,
  mul: realPair,
  div: (rng) => ({ args: [uniform(rng, -5, 5), signed(rng, 0.2, 5)] }),
  // Positive base with a real exponent, or a base of either sign with an integer exponent (then x^y is not
  // real for nearby y, so only ∂/∂x is checked).
  pow: (rng) =>
    rng() < 0.5
      ? { args: [uniform(rng, 0.2, 5), uniform(rng, -3, 3)] }
      : { args: [signed(rng, 0.2, 3), Math.floor(uniform(rng, -4, 5))], wrt: [0] },
  // Base away from 1, where ln b = 0.
  logb: (rng) => ({
    args: [uniform(rng, 0.1, 10), rng() < 0.5 ? uniform(rng, 0.1, 0.8) : uniform(rng, 1.25, 10)],
  }),
  max: apartPair,
  min: apartPair,
  neg: interval(-5, 5),
  sqrt: positive,
  cbrt: bothSigns(0.1, 10),
  exp: interval(-5, 5),
  expm1: interval(-5, 5),
  log: positive,
  log1p: interval(-0.9, 10),
  log2: positive,
  log10: positive,
  sin: interval(-5, 5),
  cos: interval(-5, 5),
  tan: interval(-1.4, 1.4),
  sec: interval(-1.4, 1.4),
  csc: bothSigns(0.2, 2.9),
  cot: bothSigns(0.2, 2.9),
  asin: interval(-0.9, 0.9),
  acos: interval(-0.9, 0.9),
  atan: interval(-5, 5),
  asec: bothSigns(1.1, 5),
  acsc: bothSigns(1.1, 5),
  // acot(x) = atan(1/x) jumps at 0.
  acot: bothSigns(0.1, 5),
  sinh: interval(-3, 3),
  cosh: interval(-3, 3),
  tanh: interval(-3, 3),
  sech: interval(-3, 3),
  csch: bothSigns(0.1, 3),
  coth: bothSigns(0.1, 3),
  asinh: interval(-5, 5),
  acosh: interval(1.1, 5),
  atanh: interval(-0.9, 0.9),
  asech: interval(0.1, 0.9),
  acsch: bothSigns(0.1, 5),
  acoth: bothSigns(1.1, 5),
  abs: bothSigns(0.1, 5),
  sign: bothSigns(0.1, 5),
  heaviside: bothSigns(0.1, 5),
  sigmoid: interval(-10, 10),
  relu: bothSigns(0.1, 5),
  softplus: interval(-10, 10),
  sum: realList,
  dot: evenList,
  logsumexp: realList,
};

/** ln(u + √(u² + 1)) for u ≥ 0, as log1p so that small u keeps its digits. */
const arsinhAbs = (u: number) => Math.log1p(u + (u * u) / (1 + Math.sqrt(u * u + 1)));

/** Closed forms from Math, written independently of the op table's value rules. */
export const CLOSED_FORMS: { readonly [K in OpName]: (args: readonly number[]) => number } = {
  add: ([x = 0, y = 0]) => x + y,
  sub: ([x = 0, y = 0]) => x - y,
  mul: ([x = 0, y = 0]) => x * y,
  div: ([x = 0, y = 0]) => x / y,
  pow: ([x = 0, y = 0]) => x ** y,
  logb: ([x = 0, b = 0]) => Math.log(x) / Math.log(b),
  max: ([x = 0, y = 0]) => (x > y ? x : y),
  min: ([x = 0, y = 0]) => (x < y ? x : y),
  neg: ([x = 0]) => 0 - x,
  sqrt: ([x = 0]) => x ** 0.5,
  cbrt: ([x = 0]) => Math.sign(x) * Math.abs(x) ** (1 / 3),
  exp: ([x = 0]) => Math.E ** x,
  // e^x − 1 = 2 sinh(x/2) e^(x/2), without the cancellation near 0.
  expm1: ([x = 0]) => 2 * Math.sinh(x / 2) * Math.exp(x / 2),
  log: ([x = 0]) => Math.log(x),
  // Kahan's trick: with u = 1 + x rounded, ln(u)·x/(u − 1) is accurate near 0.
  log1p: ([x = 0]) => {
    const u = 1 + x;
    return u === 1 ? x : (Math.log(u) * x) / (u - 1);
  },
  log2: ([x = 0]) => Math.log(x) / Math.LN2,
  log10: ([x = 0]) => Math.log(x) / Math.LN10,
  sin: ([x = 0]) => Math.sin(x),
  cos: ([x = 0]) => Math.cos(x),
  tan: ([x = 0]) => Math.sin(x) / Math.cos(x),
  sec: ([x = 0]) => 1 / Math.cos(x),
  csc: ([x = 0]) => 1 / Math.sin(x),
  cot: ([x = 0]) => Math.cos(x) / Math.sin(x),
  asin: ([x = 0]) => Math.atan2(x, Math.sqrt(1 - x * x)),
  acos: ([x = 0]) => Math.atan2(Math.sqrt(1 - x * x), x),
  atan: ([x = 0]) => Math.atan2(x, 1),
  asec: ([x = 0]) => Math.atan2(Math.sqrt(x * x - 1), 1) * (x < 0 ? -1 : 1) + (x < 0 ? Math.PI : 0),
  acsc: ([x = 0]) => Math.atan2(1, Math.sqrt(x * x - 1)) * Math.sign(x),
  acot: ([x = 0]) => Math.atan2(1, x) - (x < 0 ? Math.PI : 0),
  sinh: ([x = 0]) => (Math.expm1(x) - Math.expm1(-x)) / 2,
  cosh: ([x = 0]) => (Math.exp(x) + Math.exp(-x)) / 2,
  tanh: ([x = 0]) => Math.expm1(2 * x) / (Math.expm1(2 * x) + 2),
  sech: ([x = 0]) => 2 / (Math.exp(x) + Math.exp(-x)),
  csch: ([x = 0]) => 2 / (Math.expm1(x) - Math.expm1(-x)),
  coth: ([x = 0]) => (Math.expm1(2 * x) + 2) / Math.expm1(2 * x),
  asinh: ([x = 0]) => Math.sign(x) * arsinhAbs(Math.abs(x)),
  acosh: ([x = 0]) => Math.log(x + Math.sqrt(x * x - 1)),
  atanh: ([x = 0]) => 0.5 * Math.log1p((2 * x) / (1 - x)),
  asech: ([x = 0]) => Math.log((1 + Math.sqrt(1 - x * x)) / x),
  acsch: ([x = 0]) => Math.sign(x) * arsinhAbs(1 / Math.abs(x)),
  acoth: ([x = 0]) => 0.5 * Math.log1p(2 / (x - 1)),
  abs: ([x = 0]) => (x < 0 ? -x : x),
  sign: ([x = 0]) => (x > 0 ? 1 : x < 0 ? -1 : x),
  heaviside: ([x = 0]) => (x > 0 ? 1 : 0),
  sigmoid: ([x = 0]) => 1 / (1 + Math.exp(-x)),
  relu: ([x = 0]) => (x > 0 ? x : 0),
  softplus: ([x = 0]) => Math.log1p(Math.exp(x)),
  sum: (xs) => xs.reduce((s, x) => s + x, 0),
  dot: (xs) => {
    const k = xs.length / 2;
    let s = 0;
    for (let i = 0; i < k; i++) s += (xs[i] as number) * (xs[i + k] as number);
    return s;
  },
  logsumexp: (xs) => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0)),
};

/** Samples per op in the table-driven tests. */
export const SAMPLES_PER_OP = 40;
