/**
 * Per op: where to sample its arguments (the op table's `domain`, as JAX's lax_autodiff_test gives each
 * primitive a domain sampler) and an independent closed form of its value, written here so that it does not
 * share code with the value rule it checks. The closed forms are mapped over the op names, so a new op without
 * one fails to compile.
 */
import type { Sample, Sampler } from '../../../src/ir/domain.js';
import { OP_NAMES, OPS, type OpName } from '../../../src/ir/index.js';

export type { Sample, Sampler };

/**
 * Each op's sampler, read from its op-table entry (`domain`, `src/ir/domain.ts`): the op table is the one
 * place that says where an op is smooth.
 */
export const DOMAINS: { readonly [K in OpName]: Sampler } = Object.fromEntries(
  OP_NAMES.map((name) => [name, OPS[name].domain]),
) as { [K in OpName]: Sampler };

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
