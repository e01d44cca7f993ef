/**
 * The op table: the single place where an operation is defined.
 *
 * Each entry gives the name, the arity, the mathjs name, the value rule on numbers and the local partial
 * derivatives. The partials are written once, generic over an {@link Algebra}: run over numbers they give the
 * factors that forward tangents and reverse adjoints multiply by; run over graph expressions they give the
 * symbolic derivative. Adding an operation means adding one entry here (a missing entry fails to compile).
 *
 * In a partial rule, `x` and `y` are the arguments and `z` is the operation's own value.
 *
 * Everything else per operation is derived from this table: the builder functions (`src/ir/builders.ts`), the
 * fluent methods, parsing and printing, the mathjs engine's list of rules it trusts (`trustMathjs`), the
 * compiled backend's calls, and the tests' sample points (`domain`). An operation added at run time with
 * {@link registerOp} reaches all of them: each derived table is filled through {@link forEachOp}.
 */
import {
  apartPair,
  bothSigns,
  evenList,
  interval,
  logBase,
  positive,
  power,
  quotient,
  realList,
  realPair,
  type Sampler,
} from './domain.js';
import { DifflabError } from './errors.js';

/** Names of the binary operations. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'logb', 'max', 'min'] as const;

/** Names of the unary operations. */
export const UNARY_OPS = [
  'neg',
  'sqrt',
  'cbrt',
  'exp',
  'expm1',
  'log',
  'log1p',
  'log2',
  'log10',
  'sin',
  'cos',
  'tan',
  'sec',
  'csc',
  'cot',
  'asin',
  'acos',
  'atan',
  'asec',
  'acsc',
  'acot',
  'sinh',
  'cosh',
  'tanh',
  'sech',
  'csch',
  'coth',
  'asinh',
  'acosh',
  'atanh',
  'asech',
  'acsch',
  'acoth',
  'abs',
  'sign',
  'heaviside',
  'sigmoid',
  'relu',
  'softplus',
] as const;

/** Names of the fixed-arity operations (one or two arguments). */
export const FIXED_OPS = [...BINARY_OPS, ...UNARY_OPS] as const;

/** Names of the n-ary reductions, stored as single nodes so sweeps run them as tight loops. */
export const NARY_OPS = ['sum', 'dot', 'logsumexp'] as const;

export type BinaryOpName = (typeof BINARY_OPS)[number];
export type UnaryOpName = (typeof UNARY_OPS)[number];
export type FixedOpName = BinaryOpName | UnaryOpName;
export type NaryOpName = (typeof NARY_OPS)[number];
export type OpName = FixedOpName | NaryOpName;

/**
 * Something the partial rules can compute with: numbers, graph expressions, or source text. One method per
 * operation, plus `num` to lift a constant.
 */
export type Algebra<T> = { readonly [K in UnaryOpName]: (x: T) => T } & {
  readonly [K in BinaryOpName]: (x: T, y: T) => T;
} & {
  /** An n-ary reduction takes its arguments as one list: a spread of a wide node would overflow the stack. */
  readonly [K in NaryOpName]: (args: readonly T[]) => T;
} & { readonly num: (c: number) => T };

/** A local partial ∂z/∂x (unary) or ∂z/∂x, ∂z/∂y (binary), generic over the algebra. */
export type PartialRule = <T>(A: Algebra<T>, x: T, y: T, z: T) => T;

/** The partial ∂z/∂(args[i]) of an n-ary reduction. */
export type NaryPartial = <T>(A: Algebra<T>, args: readonly T[], z: T, i: number) => T;

export interface FixedOpDef {
  readonly arity: 1 | 2;
  /** The mathjs function (or operator function) this op reads from and prints to; null if mathjs has none. */
  readonly mathjs: string | null;
  /** The value rule on numbers (IEEE semantics: no exceptions). */
  readonly value: (x: number, y: number) => number;
  /** Local partials, one per argument. */
  readonly partials: readonly PartialRule[];
  /**
   * A hand-written rule for the partials on numbers, where the generic rule misbehaves in floating point
   * (the reason is given beside the entry). Same meaning as `partials`, evaluated at numbers.
   */
  readonly numericPartials?: readonly ((x: number, y: number, z: number) => number)[];
  /** False for operations that are not analytic (complex step cannot pass through them). */
  readonly analytic: boolean;
  /**
   * True when the value and every partial are finite at every finite argument (no overflow, no pole): a loop
   * body of such ops passes finite carries on, which lets a reverse sweep of zero adjoints skip the body
   * (`zeroScan`, src/sweeps/interpret/adjoint-loop.ts). add, sub and mul are not (they overflow), nor div, log or √ (poles).
   */
  readonly finite?: boolean;
  /** The op written with operations mathjs knows, where `mathjs` is null or its derivative() lacks a rule. */
  readonly expand?: <T>(A: Algebra<T>, x: T, y: T) => T;
  /**
   * True when mathjs's derivative() has a rule for this op that is right over the reals (the mathjs engine
   * leaves the op to it; `src/symbolic/mathjs-engine.ts` repairs a few rules' output); false where it has none
   * or a wrong one (the engine then rewrites the op or uses `expand`).
   */
  readonly trustMathjs: boolean;
  /** Where the op is smooth: the tests sample their points here (`src/ir/domain.ts`). */
  readonly domain: Sampler;
  /**
   * The complex rule of an op added with {@link registerOp} (the built-in ops' rules are in
   * `src/numeric/complex.ts`): the op at (a + ib, c + id), written to the complex register `Z` of that module.
   */
  readonly complex?: ComplexRule;
}

/** A complex rule: the op at (a + ib) (and (c + id) for a binary op), written to numeric's register `Z`. */
export type ComplexRule = (a: number, b: number, c: number, d: number) => void;

export interface NaryOpDef {
  readonly arity: 'n';
  readonly mathjs: string | null;
  /** The value of the reduction over `v[args[start]], ..., v[args[start + count - 1]]`. */
  readonly value: (v: Float64Array, args: Int32Array, start: number, count: number) => number;
  readonly partial: NaryPartial;
  /** The same partial on numbers, read straight from the value array (no argument list is built). */
  readonly numericPartial: (
    v: Float64Array,
    args: Int32Array,
    start: number,
    count: number,
    z: number,
    k: number,
  ) => number;
  readonly analytic: boolean;
  /** The reduction written with binary operations (for mathjs and printing). */
  readonly expand: <T>(A: Algebra<T>, args: readonly T[]) => T;
  /** As for {@link FixedOpDef}: whether mathjs's derivative() takes the reduction as it is. */
  readonly trustMathjs: boolean;
  readonly domain: Sampler;
}

const LN2 = Math.LN2;
const LN10 = Math.LN10;

/** An entry's domain, and what differs from the defaults: analytic, and mathjs's rule trusted where it has a name. */
type OpExtra = Pick<FixedOpDef, 'domain'> &
  Partial<Pick<FixedOpDef, 'analytic' | 'expand' | 'finite' | 'numericPartials' | 'trustMathjs'>>;

const unary = (
  mathjs: string | null,
  value: (x: number) => number,
  d: PartialRule,
  extra: OpExtra,
): FixedOpDef => ({
  arity: 1,
  mathjs,
  value,
  partials: [d],
  analytic: true,
  trustMathjs: mathjs !== null,
  ...extra,
});

const binary = (
  mathjs: string | null,
  value: (x: number, y: number) => number,
  dx: PartialRule,
  dy: PartialRule,
  extra: OpExtra,
): FixedOpDef => ({
  arity: 2,
  mathjs,
  value,
  partials: [dx, dy],
  analytic: true,
  trustMathjs: mathjs !== null,
  ...extra,
});

/** Logistic sigmoid 1/(1 + e^−x), written so that neither branch overflows. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x) without overflow: max(x, 0) + log1p(e^−|x|). */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** max and min with IEEE NaN propagation (Math.max already propagates NaN). */
const max2 = (x: number, y: number) => Math.max(x, y);
const min2 = (x: number, y: number) => Math.min(x, y);

export const OPS: { readonly [K in FixedOpName]: FixedOpDef } & { readonly [K in NaryOpName]: NaryOpDef } = {
  // d(x + y) = dx + dy
  add: binary(
    'add',
    (x, y) => x + y,
    (A) => A.num(1),
    (A) => A.num(1),
    { domain: realPair },
  ),
  // d(x − y) = dx − dy
  sub: binary(
    'subtract',
    (x, y) => x - y,
    (A) => A.num(1),
    (A) => A.num(-1),
    { domain: realPair },
  ),
  // d(xy) = y dx + x dy
  mul: binary(
    'multiply',
    (x, y) => x * y,
    (_A, _x, y) => y,
    (_A, x) => x,
    { domain: realPair },
  ),
  // d(x/y) = dx/y − (x/y)/y dy
  div: binary(
    'divide',
    (x, y) => x / y,
    (A, _x, y) => A.div(A.num(1), y),
    (A, _x, y, z) => A.neg(A.div(z, y)),
    { domain: quotient },
  ),
  // d(−x) = −dx
  neg: unary(
    'unaryMinus',
    (x) => -x,
    (A) => A.num(-1),
    { finite: true, domain: interval(-5, 5) },
  ),
  // d(x^y) = y x^(y−1) dx + x^y ln x dy
  pow: binary(
    'pow',
    Math.pow,
    (A, x, y) => A.mul(y, A.pow(x, A.sub(y, A.num(1)))),
    // At x = 0 these are 0·∞ = NaN for y = 0 (∂/∂x) and 0·(−∞) for y > 0 (∂/∂y), where PyTorch returns 0; here
    // NaN, as every exact method computes it from these rules (the symbolic engines cannot test y = 0).
    (A, x, _y, z) => A.mul(z, A.log(x)),
    { domain: power },
  ),
  // d√x = dx / (2√x)
  sqrt: unary('sqrt', Math.sqrt, (A, _x, _y, z) => A.div(A.num(1), A.mul(A.num(2), z)), { domain: positive }),
  // d∛x = dx / (3 ∛x²)
  cbrt: unary('cbrt', Math.cbrt, (A, _x, _y, z) => A.div(A.num(1), A.mul(A.num(3), A.mul(z, z))), {
    domain: bothSigns(0.1, 10),
  }),
  // d eˣ = eˣ dx
  exp: unary('exp', Math.exp, (_A, _x, _y, z) => z, { domain: interval(-5, 5) }),
  // d(eˣ − 1) = eˣ dx
  expm1: unary('expm1', Math.expm1, (A, x) => A.exp(x), {
    domain: interval(-5, 5),
    trustMathjs: false,
    expand: (A, x) => A.sub(A.exp(x), A.num(1)),
  }),
  // d ln x = dx / x
  log: unary('log', Math.log, (A, x) => A.div(A.num(1), x), { domain: positive }),
  // d log_b x = dx / x / ln b − log_b x / b / ln b db (divided in turn: x ln b overflows for x > 7.8e307)
  logb: binary(
    'log',
    (x, b) => Math.log(x) / Math.log(b),
    (A, x, b) => A.div(A.div(A.num(1), x), A.log(b)),
    (A, _x, b, z) => A.neg(A.div(A.div(z, b), A.log(b))),
    { domain: logBase },
  ),
  // d ln(1 + x) = dx / (1 + x)
  log1p: unary('log1p', Math.log1p, (A, x) => A.div(A.num(1), A.add(A.num(1), x)), {
    domain: interval(-0.9, 10),
    trustMathjs: false,
    expand: (A, x) => A.log(A.add(A.num(1), x)),
  }),
  // d log₂ x = dx / (x ln 2)
  log2: unary('log2', Math.log2, (A, x) => A.div(A.num(1), A.mul(x, A.num(LN2))), {
    domain: positive,
    trustMathjs: false,
    expand: (A, x) => A.logb(x, A.num(2)),
  }),
  // d log₁₀ x = dx / x / ln 10 (not dx / (x ln 10): x ln 10 overflows for x > 7.8e307)
  log10: unary('log10', Math.log10, (A, x) => A.div(A.div(A.num(1), x), A.num(LN10)), { domain: positive }),
  // d sin x = cos x dx
  sin: unary('sin', Math.sin, (A, x) => A.cos(x), { finite: true, domain: interval(-5, 5) }),
  // d cos x = −sin x dx
  cos: unary('cos', Math.cos, (A, x) => A.neg(A.sin(x)), { finite: true, domain: interval(-5, 5) }),
  // d tan x = (1 + tan² x) dx
  tan: unary('tan', Math.tan, (A, _x, _y, z) => A.add(A.num(1), A.mul(z, z)), {
    domain: interval(-1.4, 1.4),
  }),
  // d sec x = sec x tan x dx
  sec: unary(
    'sec',
    (x) => 1 / Math.cos(x),
    (A, x, _y, z) => A.mul(z, A.tan(x)),
    { domain: interval(-1.4, 1.4) },
  ),
  // d csc x = −csc x cot x dx
  csc: unary(
    'csc',
    (x) => 1 / Math.sin(x),
    (A, x, _y, z) => A.neg(A.mul(z, A.cot(x))),
    { domain: bothSigns(0.2, 2.9) },
  ),
  // d cot x = −(1 + cot² x) dx
  cot: unary(
    'cot',
    (x) => 1 / Math.tan(x),
    (A, _x, _y, z) => A.neg(A.add(A.num(1), A.mul(z, z))),
    { domain: bothSigns(0.2, 2.9) },
  ),
  // d asin x = dx / √(1 − x²)
  asin: unary('asin', Math.asin, (A, x) => A.div(A.num(1), A.sqrt(A.sub(A.num(1), A.mul(x, x)))), {
    domain: interval(-0.9, 0.9),
  }),
  // d acos x = −dx / √(1 − x²)
  acos: unary('acos', Math.acos, (A, x) => A.div(A.num(-1), A.sqrt(A.sub(A.num(1), A.mul(x, x)))), {
    domain: interval(-0.9, 0.9),
  }),
  // d atan x = dx / (1 + x²)
  atan: unary('atan', Math.atan, (A, x) => A.div(A.num(1), A.add(A.num(1), A.mul(x, x))), {
    domain: interval(-5, 5),
  }),
  // d asec x = dx / (|x| √(x² − 1))
  asec: unary(
    'asec',
    (x) => Math.acos(1 / x),
    (A, x) => A.div(A.num(1), A.mul(A.abs(x), A.sqrt(A.sub(A.mul(x, x), A.num(1))))),
    { domain: bothSigns(1.1, 5) },
  ),
  // d acsc x = −dx / (|x| √(x² − 1))
  acsc: unary(
    'acsc',
    (x) => Math.asin(1 / x),
    (A, x) => A.div(A.num(-1), A.mul(A.abs(x), A.sqrt(A.sub(A.mul(x, x), A.num(1))))),
    { domain: bothSigns(1.1, 5) },
  ),
  // d acot x = −dx / (1 + x²)
  acot: unary(
    'acot',
    (x) => Math.atan(1 / x),
    (A, x) => A.div(A.num(-1), A.add(A.num(1), A.mul(x, x))),
    { domain: bothSigns(0.1, 5) },
  ),
  // d sinh x = cosh x dx
  sinh: unary('sinh', Math.sinh, (A, x) => A.cosh(x), { domain: interval(-3, 3) }),
  // d cosh x = sinh x dx
  cosh: unary('cosh', Math.cosh, (A, x) => A.sinh(x), { domain: interval(-3, 3) }),
  // d tanh x = sech² x dx (not 1 − tanh² x, which cancels to nothing for large |x|)
  tanh: unary('tanh', Math.tanh, (A, x) => A.mul(A.sech(x), A.sech(x)), {
    finite: true,
    domain: interval(-3, 3),
  }),
  // d sech x = −sech x tanh x dx
  sech: unary(
    'sech',
    (x) => 1 / Math.cosh(x),
    (A, x, _y, z) => A.neg(A.mul(z, A.tanh(x))),
    { domain: interval(-3, 3) },
  ),
  // d csch x = −csch x coth x dx
  csch: unary(
    'csch',
    (x) => 1 / Math.sinh(x),
    (A, x, _y, z) => A.neg(A.mul(z, A.coth(x))),
    { domain: bothSigns(0.1, 3) },
  ),
  // d coth x = −csch² x dx (not 1 − coth² x, which cancels to nothing for large |x|)
  coth: unary(
    'coth',
    (x) => 1 / Math.tanh(x),
    (A, x) => A.neg(A.mul(A.csch(x), A.csch(x))),
    { domain: bothSigns(0.1, 3) },
  ),
  // d asinh x = dx / √(x² + 1) = sech(asinh x) dx: x² overflows for |x| > 1.3e154 (the partial would be 0),
  // cosh(asinh x) = √(x² + 1) does not. On numbers, 1/√(x² + 1) where x² is finite (it rounds better).
  asinh: unary('asinh', Math.asinh, (A, _x, _y, z) => A.sech(z), {
    domain: interval(-5, 5),
    numericPartials: [(x) => (Math.abs(x) < 1e150 ? 1 / Math.sqrt(x * x + 1) : 1 / Math.abs(x))],
  }),
  // d acosh x = dx / √(x² − 1) = csch(acosh x) dx, for the same reason (sinh(acosh x) = √(x² − 1), x ≥ 1);
  // NaN below 1, where acosh is (√(x² − 1) is real for x ≤ −1, but acosh is not defined there).
  acosh: unary('acosh', Math.acosh, (A, _x, _y, z) => A.csch(z), {
    domain: interval(1.1, 5),
    numericPartials: [(x) => (x >= 1 ? (x < 1e150 ? 1 / Math.sqrt(x * x - 1) : 1 / x) : Number.NaN)],
  }),
  // d atanh x = dx / (1 − x²)
  atanh: unary('atanh', Math.atanh, (A, x) => A.div(A.num(1), A.sub(A.num(1), A.mul(x, x))), {
    domain: interval(-0.9, 0.9),
  }),
  // d asech x = −dx / (x √(1 − x²))
  asech: unary(
    'asech',
    (x) => Math.acosh(1 / x),
    (A, x) => A.div(A.num(-1), A.mul(x, A.sqrt(A.sub(A.num(1), A.mul(x, x))))),
    { domain: interval(0.1, 0.9) },
  ),
  // d acsch x = −dx / (|x| √(1 + x²))
  acsch: unary(
    'acsch',
    (x) => Math.asinh(1 / x),
    (A, x) => A.div(A.num(-1), A.mul(A.abs(x), A.sqrt(A.add(A.num(1), A.mul(x, x))))),
    { domain: bothSigns(0.1, 5) },
  ),
  // d acoth x = dx / (1 − x²)
  acoth: unary(
    'acoth',
    (x) => Math.atanh(1 / x),
    (A, x) => A.div(A.num(1), A.sub(A.num(1), A.mul(x, x))),
    { domain: bothSigns(1.1, 5), trustMathjs: false },
  ),
  // d|x| = sign(x) dx, with abs′(0) = 0
  abs: unary('abs', Math.abs, (A, x) => A.sign(x), {
    finite: true,
    domain: bothSigns(0.1, 5),
    analytic: false,
  }),
  // d sign(x) = 0 (almost everywhere; 0 at the jump too)
  sign: unary('sign', Math.sign, (A) => A.num(0), {
    finite: true,
    domain: bothSigns(0.1, 5),
    trustMathjs: false,
    analytic: false,
  }),
  // H(x) = 1 if x > 0 else 0 (so H(0) = 0); dH = 0. Used for relu′.
  heaviside: unary(
    null,
    (x) => (x > 0 ? 1 : x <= 0 ? 0 : Number.NaN),
    (A) => A.num(0),
    // H(x) = (sign x + |sign x|)/2: 1 for x > 0, 0 for x ≤ 0.
    {
      finite: true,
      domain: bothSigns(0.1, 5),
      analytic: false,
      expand: (A, x) => A.div(A.add(A.sign(x), A.abs(A.sign(x))), A.num(2)),
    },
  ),
  // d σ(x) = σ(x) σ(−x) dx (= σ(1 − σ), but 1 − σ cancels to nothing for large x)
  sigmoid: unary(null, sigmoid, (A, x, _y, z) => A.mul(z, A.sigmoid(A.neg(x))), {
    finite: true,
    domain: interval(-10, 10),
    expand: (A, x) => A.div(A.num(1), A.add(A.num(1), A.exp(A.neg(x)))),
  }),
  // d relu(x) = H(x) dx, with relu′(0) = 0
  relu: unary(
    null,
    (x) => (x > 0 ? x : x <= 0 ? 0 : Number.NaN),
    (A, x) => A.heaviside(x),
    { finite: true, domain: bothSigns(0.1, 5), analytic: false, expand: (A, x) => A.mul(x, A.heaviside(x)) },
  ),
  // d softplus(x) = σ(x) dx, softplus(x) = ln(1 + eˣ)
  softplus: unary(null, softplus, (A, x) => A.sigmoid(x), {
    domain: interval(-10, 10),
    expand: (A, x) => A.log(A.add(A.num(1), A.exp(x))),
  }),
  // d max(x, y) = (1 + sign(x − y))/2 dx + (1 − sign(x − y))/2 dy: ties split evenly
  max: binary(
    'max',
    max2,
    (A, x, y) => A.div(A.add(A.num(1), A.sign(A.sub(x, y))), A.num(2)),
    (A, x, y) => A.div(A.sub(A.num(1), A.sign(A.sub(x, y))), A.num(2)),
    {
      finite: true,
      domain: apartPair,
      trustMathjs: false,
      analytic: false,
      // max(x, y) = ((1 + s)·x + (1 − s)·y)/2 with s = sign(x − y): exact (a weight is 0, 1 or 2), and with
      // sign′ = 0 its derivative is the partials above. Not (x + y + |x − y|)/2, which cancels: its value and
      // derivative lose the smaller argument's share (max(y, −1e300) is 0 and its derivative 0 for |y| < 1e284).
      expand: (A, x, y) => {
        const s = A.sign(A.sub(x, y));
        return A.div(A.add(A.mul(A.add(A.num(1), s), x), A.mul(A.sub(A.num(1), s), y)), A.num(2));
      },
    },
  ),
  // d min(x, y) = (1 − sign(x − y))/2 dx + (1 + sign(x − y))/2 dy: ties split evenly
  min: binary(
    'min',
    min2,
    (A, x, y) => A.div(A.sub(A.num(1), A.sign(A.sub(x, y))), A.num(2)),
    (A, x, y) => A.div(A.add(A.num(1), A.sign(A.sub(x, y))), A.num(2)),
    {
      finite: true,
      domain: apartPair,
      trustMathjs: false,
      analytic: false,
      // min(x, y) = ((1 − s)·x + (1 + s)·y)/2 with s = sign(x − y), for the reason given at max
      expand: (A, x, y) => {
        const s = A.sign(A.sub(x, y));
        return A.div(A.add(A.mul(A.sub(A.num(1), s), x), A.mul(A.add(A.num(1), s), y)), A.num(2));
      },
    },
  ),
  // d Σ xᵢ = Σ dxᵢ
  sum: {
    arity: 'n',
    mathjs: 'add',
    value: (v, args, start, count) => {
      // Start from the first term, not 0 (0 + −0 is +0): a sum of −0s is −0, as x + y is.
      let s = count > 0 ? (v[args[start] as number] as number) : 0;
      for (let k = start + 1; k < start + count; k++) s += v[args[k] as number] as number;
      return s;
    },
    partial: (A) => A.num(1),
    numericPartial: () => 1,
    analytic: true,
    trustMathjs: true,
    domain: realList,
    expand: (A, args) => binaryFold(A, 'add', args, 0),
  },
  // d Σ xᵢyᵢ = Σ (yᵢ dxᵢ + xᵢ dyᵢ); the arguments are x₁..x_k then y₁..y_k
  dot: {
    arity: 'n',
    mathjs: null,
    value: (v, args, start, count) => {
      const k = count >> 1;
      // From the first product, as in sum.
      let s = k > 0 ? (v[args[start] as number] as number) * (v[args[start + k] as number] as number) : 0;
      for (let i = start + 1; i < start + k; i++)
        s += (v[args[i] as number] as number) * (v[args[i + k] as number] as number);
      return s;
    },
    partial: (_A, args, _z, i) => {
      const k = args.length >> 1;
      return args[i < k ? i + k : i - k] as never;
    },
    numericPartial: (v, args, start, count, _z, i) => {
      const k = count >> 1;
      return v[args[start + (i < k ? i + k : i - k)] as number] as number;
    },
    analytic: true,
    trustMathjs: false,
    domain: evenList,
    expand: (A, args) => {
      const k = args.length >> 1;
      const terms: (typeof args)[number][] = [];
      for (let i = 0; i < k; i++) terms.push(A.mul(args[i] as never, args[i + k] as never));
      return binaryFold(A, 'add', terms, 0);
    },
  },
  // d log Σ e^xᵢ = Σ e^(xᵢ − z) dxᵢ (the softmax)
  logsumexp: {
    arity: 'n',
    mathjs: null,
    value: (v, args, start, count) => {
      let m = Number.NEGATIVE_INFINITY;
      for (let k = start; k < start + count; k++) m = Math.max(m, v[args[k] as number] as number);
      if (m === Number.NEGATIVE_INFINITY || m === Number.POSITIVE_INFINITY || Number.isNaN(m)) return m;
      let s = 0;
      for (let k = start; k < start + count; k++) s += Math.exp((v[args[k] as number] as number) - m);
      return m + Math.log(s);
    },
    partial: (A, args, z, i) => A.exp(A.sub(args[i] as never, z)),
    numericPartial: (v, args, start, _count, z, i) => Math.exp((v[args[start + i] as number] as number) - z),
    analytic: true,
    trustMathjs: false,
    domain: realList,
    expand: (A, args) =>
      A.log(
        binaryFold(
          A,
          'add',
          args.map((a) => A.exp(a)),
          0,
        ),
      ),
  },
};

/** Folds `args` with a binary op as a balanced tree (depth log n, so printing and mathjs stay shallow). */
export function binaryFold<T>(A: Algebra<T>, op: 'add' | 'mul', args: readonly T[], empty: number): T {
  if (args.length === 0) return A.num(empty);
  let level = args.slice();
  while (level.length > 1) {
    const next: T[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(A[op](level[i] as T, level[i + 1] as T));
    if (level.length % 2 === 1) next.push(level[level.length - 1] as T);
    level = next;
  }
  return level[0] as T;
}

/** All op names in code order: the fixed ops, then the n-ary ones. An op's code is its index here. */
export const OP_NAMES: readonly OpName[] = [...FIXED_OPS, ...NARY_OPS];

/** Codes of the two kinds of leaf, outside the range of op codes. */
export const CONST = 0xfe;
export const VAR = 0xff;
/**
 * Code of an output of a loop call (a map or a scan, `src/ir/loop.ts`): not an op-table operation, since its
 * value comes from running the loop's body program. A node with this code has `a` = the call's index in the
 * program's `calls` and `b` = which of the call's outputs it is; a call's outputs are consecutive nodes.
 */
export const LOOP = 0xfd;

export const OP_CODE: { readonly [K in OpName]: number } = Object.fromEntries(
  OP_NAMES.map((name, code) => [name, code]),
) as { [K in OpName]: number };

/** The definition of each op by code. */
export const OP_DEFS: readonly (FixedOpDef | NaryOpDef)[] = OP_NAMES.map((name) => OPS[name]);

/** Arity by code: 1, 2, or 0 for n-ary. */
export const OP_ARITY: readonly number[] = OP_DEFS.map((d) => (d.arity === 'n' ? 0 : d.arity));

export function isNaryOp(name: OpName): name is NaryOpName {
  return (NARY_OPS as readonly string[]).includes(name);
}

/** The number algebra: each op is its own value rule. */
export const NUMBER_ALGEBRA: Algebra<number> = (() => {
  const a: Record<string, unknown> = { num: (c: number) => c };
  for (const name of FIXED_OPS) {
    const def = OPS[name];
    a[name] =
      def.arity === 1 ? (x: number) => def.value(x, Number.NaN) : (x: number, y: number) => def.value(x, y);
  }
  for (const name of NARY_OPS) {
    const def = OPS[name];
    a[name] = (xs: readonly number[]) =>
      def.value(Float64Array.from(xs), Int32Array.from(xs.keys()), 0, xs.length);
  }
  return a as unknown as Algebra<number>;
})();

/** The value rule of each op by code (fixed ops get `(x, y)`, n-ary ops get the argument range). */
export const FIXED_VALUE = OP_DEFS.map((d) =>
  d.arity === 'n' ? undefined : (d as FixedOpDef).value,
) as readonly ((x: number, y: number) => number)[];
export const NARY_VALUE = OP_DEFS.map((d) =>
  d.arity === 'n' ? (d as NaryOpDef).value : undefined,
) as readonly ((v: Float64Array, args: Int32Array, start: number, count: number) => number)[];

/** A partial on numbers: ∂z/∂(argument) at argument values x, y and result z. */
export type NumericPartial = (x: number, y: number, z: number) => number;

/**
 * The local partials on numbers of each fixed-arity op by code (empty for n-ary ops): the hand-written rule
 * where the entry has one, else the generic rule run over the number algebra.
 */
export const NUMERIC_PARTIALS: readonly (readonly NumericPartial[])[] = OP_DEFS.map(numericPartialsOf);

function numericPartialsOf(def: FixedOpDef | NaryOpDef): readonly NumericPartial[] {
  if (def.arity === 'n') return [];
  if (def.numericPartials) return def.numericPartials;
  return def.partials.map(
    (rule): NumericPartial =>
      (x, y, z) =>
        rule(NUMBER_ALGEBRA, x, y, z),
  );
}

/** What a table derived from the op table does with one entry: called with its name, code and definition. */
export type OpListener = (name: OpName, code: number, def: FixedOpDef | NaryOpDef) => void;

const listeners: OpListener[] = [];

/**
 * Calls `fill` for every op in code order, now and for every op {@link registerOp} adds later. Each table
 * derived from the op table at load time (fluent methods, algebras, the parser's names, the complex rules by
 * code) is filled this way, so a registered op reaches it with no other change.
 */
export function forEachOp(fill: OpListener): void {
  for (const [code, name] of OP_NAMES.entries()) fill(name, code, OP_DEFS[code] as FixedOpDef | NaryOpDef);
  listeners.push(fill);
}

/** Op codes run up to {@link LOOP} (0xfd); the codes above are the leaves and loop outputs. */
const MAX_CODE = LOOP - 1;

/**
 * Adds a unary or binary operation to the op table at run time and returns its code. Its value rule, partials,
 * domain and (where it is analytic) complex rule are all it needs: builders (`applyOp(name, …)`, the fluent
 * `x[name]()`), parsing, the four methods, both backends and both symbolic engines take it from the entry.
 * For the mathjs engine an op that mathjs does not know needs `expand` (it written with ops mathjs knows).
 * Built-in ops cannot be replaced. A registered op is outside the static `OpName` type: call it through
 * `applyOp(name as never, …)` or its builder from `src/ir/builders.ts`'s `builderOf`.
 */
export function registerOp(name: string, def: FixedOpDef): number {
  const problem = registrationProblem(name, def);
  if (problem !== undefined) throw new DifflabError('invalid-argument', `registerOp('${name}'): ${problem}`);
  const op = name as FixedOpName;
  const code = OP_NAMES.length;
  // The lists and tables below are typed over the built-in names; at run time they take the new one too.
  (def.arity === 1 ? (UNARY_OPS as unknown as string[]) : (BINARY_OPS as unknown as string[])).push(name);
  (FIXED_OPS as unknown as string[]).push(name);
  (OP_NAMES as OpName[]).push(op);
  (OPS as unknown as Record<string, FixedOpDef>)[name] = def;
  (OP_CODE as Record<string, number>)[name] = code;
  (OP_DEFS as (FixedOpDef | NaryOpDef)[]).push(def);
  (OP_ARITY as number[]).push(def.arity);
  (FIXED_VALUE as ((x: number, y: number) => number)[]).push(def.value);
  (NARY_VALUE as unknown[]).push(undefined);
  (NUMBER_ALGEBRA as unknown as Record<string, unknown>)[name] =
    def.arity === 1 ? (x: number) => def.value(x, Number.NaN) : (x: number, y: number) => def.value(x, y);
  (NUMERIC_PARTIALS as (readonly NumericPartial[])[]).push(numericPartialsOf(def));
  for (const fill of listeners) fill(op, code, def);
  return code;
}

function registrationProblem(name: string, def: FixedOpDef): string | undefined {
  if (!/^[a-z][A-Za-z0-9]*$/.test(name)) return 'a name is a lower-case identifier';
  if (Object.hasOwn(OPS, name) || name === 'num') return 'the name is taken';
  if (def.arity !== 1 && def.arity !== 2) return 'arity must be 1 or 2 (n-ary reductions are built in only)';
  if (def.partials.length !== def.arity) return `${def.arity} partial rule(s) expected`;
  if (def.analytic && def.complex === undefined) return 'an analytic op needs its complex rule';
  if (def.mathjs === null && def.expand === undefined) return 'an op mathjs does not know needs expand';
  if (OP_NAMES.length > MAX_CODE) return 'the op table is full';
  return undefined;
}

/*
 * The zero-factor rule, shared by every sweep (forward and reverse, interpreted, nested and over dual numbers)
 * and checked against the code generator's output:
 *
 * - A tangent or adjoint that no seed reaches is "untouched" and contributes nothing: the tangent of a node that
 *   does not depend on a seeded input, the adjoint of a node from which no seeded output can be reached. The
 *   sweeps write it as −0 ({@link UNTOUCHED}); a touched tangent or adjoint is never −0 (a contribution is
 *   `p·t + 0`, and +0 plus anything that is not −0 is not −0).
 * - Every other contribution p·t is IEEE arithmetic: a zero partial against an infinite or NaN tangent, or a zero
 *   tangent (reached, but cancelled or multiplied away) against an infinite or NaN partial, is NaN, as in PyTorch
 *   and JAX. So `1/(1/x)` at 0 (true derivative 1) gives NaN, never a confident 0.
 *
 * Which branches are untouched is a property of the program's structure and the seeds, not of the numbers, so
 * forward and reverse mode agree: wherever one gives a finite number the other gives the same number, and
 * wherever one meets ∞ or NaN on a path from the input to the output, so does the other; every method then
 * reports such a derivative as NaN ({@link asDerivative}).
 */

/** The tangent or adjoint of a branch no seed reaches: −0 (a reached one is never −0). */
export const UNTOUCHED = -0;

/** True for {@link UNTOUCHED} (−0): the tangent or adjoint of a branch no seed reaches. */
export function isUntouched(t: number): boolean {
  return t === 0 && 1 / t < 0;
}

/**
 * The contribution p·t of a reached tangent or adjoint t through a local partial p: IEEE, made +0 where it is
 * −0 so that a sum of contributions, started from {@link UNTOUCHED}, is never −0 once one is added.
 */
export function contribution(p: number, t: number): number {
  return p * t + 0;
}

/** `acc + p·t` under the zero-factor rule: `acc` unchanged when t is untouched. */
export function accumulate(acc: number, p: number, t: number): number {
  return isUntouched(t) ? acc : acc + (p * t + 0);
}

/**
 * A derivative as every exact method returns it: a finite number, or NaN. An untouched one (−0) is a plain 0;
 * ±∞ is NaN. An infinite value means the chain rule met an infinite partial (√x at 0) or overflowed, and which
 * of ∞ and NaN comes out depends on the order of the sums (forward mode's (1 + 0)·∞ is reverse mode's
 * 1·∞ + 0·∞), so no method can promise ∞; NaN says "not a number here" the same way in all of them.
 */
export function asDerivative(t: number): number {
  return t - t === 0 ? t + 0 : Number.NaN;
}

/** {@link asDerivative} over an array, in place. */
export function asDerivatives<T extends Float64Array>(t: T): T {
  asDerivativesInto(t, t);
  return t;
}

/**
 * {@link asDerivative} of every entry of `from`, written into `to` (of the same length; it may be `from`). One
 * pass of t + 0, which is asDerivative(t) wherever t is finite, with running sums of t − t, NaN once any t is
 * NaN or ±∞; then, only in that case, a pass of asDerivative itself. The loop of asDerivative's test and select
 * took 2.6 ms over 1.28M entries (lse's gradient), one running sum 2.0 ms. Four sums, one per entry of a group
 * of four: one sum waits for each addition before the next (a chain of n additions' latency), four run side by
 * side; over 40,000 entries 56 → 32 µs. The sums only say whether a t − t was NaN, so their order is free.
 */
export function asDerivativesInto(from: Float64Array, to: Float64Array): void {
  const n = from.length;
  let bad0 = 0;
  let bad1 = 0;
  let bad2 = 0;
  let bad3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    const t0 = from[k] as number;
    const t1 = from[k + 1] as number;
    const t2 = from[k + 2] as number;
    const t3 = from[k + 3] as number;
    bad0 += t0 - t0;
    bad1 += t1 - t1;
    bad2 += t2 - t2;
    bad3 += t3 - t3;
    to[k] = t0 + 0;
    to[k + 1] = t1 + 0;
    to[k + 2] = t2 + 0;
    to[k + 3] = t3 + 0;
  }
  for (; k < n; k++) {
    const t = from[k] as number;
    bad0 += t - t;
    to[k] = t + 0;
  }
  if (Number.isNaN(bad0 + bad1 + bad2 + bad3))
    for (let j = 0; j < n; j++) to[j] = asDerivative(from[j] as number);
}

/**
 * {@link asDerivative}(s·p + 0) of every entry p of `from`, written into `to` (of the same length, not `from`:
 * the pass after a NaN reads `from` again): a scaling and the derivatives written out in one pass. s·p + 0 is
 * never −0, so it is its own asDerivative wherever it is finite; the running sums test that as
 * {@link asDerivativesInto}'s do, and only where one is NaN a pass of asDerivative itself follows. (Its caller
 * uses it where no p is −0, an untouched adjoint, which a scaling in place would have left as it is.) At s = 1
 * it gives asDerivativesInto's bits, but asDerivativesInto stays a loop of its own: the multiplication cost
 * 11–13% over 1.28M entries (1.24–1.26 against 1.10–1.13 ms a pass, the two alternated in one process), about
 * the same over 40,000.
 */
export function scaledDerivativesInto(from: Float64Array, s: number, to: Float64Array): void {
  const n = from.length;
  let bad0 = 0;
  let bad1 = 0;
  let bad2 = 0;
  let bad3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    const t0 = s * (from[k] as number) + 0;
    const t1 = s * (from[k + 1] as number) + 0;
    const t2 = s * (from[k + 2] as number) + 0;
    const t3 = s * (from[k + 3] as number) + 0;
    bad0 += t0 - t0;
    bad1 += t1 - t1;
    bad2 += t2 - t2;
    bad3 += t3 - t3;
    to[k] = t0;
    to[k + 1] = t1;
    to[k + 2] = t2;
    to[k + 3] = t3;
  }
  for (; k < n; k++) {
    const t = s * (from[k] as number) + 0;
    bad0 += t - t;
    to[k] = t;
  }
  if (Number.isNaN(bad0 + bad1 + bad2 + bad3))
    for (let j = 0; j < n; j++) to[j] = asDerivative(s * (from[j] as number) + 0);
}

/**
 * The derivative passes run on small arrays when this module loads, every statement of them (the loop of four
 * entries, the last one to three, the second pass after a NaN), 200 times (V8 gives a function its feedback
 * only after some runs). V8 compiles a long first call's loop while it runs (on-stack replacement), and where
 * the statements after the loop had not run yet, that code deoptimised there in every later call: lse's
 * gradient at n = 40,000 deoptimised asDerivativesInto in every call of every process, scaledDerivativesInto
 * in every call of about half the processes (`node --trace-deopt`).
 */
function primeDerivativePasses(): void {
  const from = new Float64Array(9);
  const to = new Float64Array(9);
  for (let k = 0; k < 200; k++) {
    const n = k % 10;
    from.fill(0.5);
    if (k % 3 === 0 && n > 0) from[n - 1] = Number.NaN;
    asDerivativesInto(from.subarray(0, n), to.subarray(0, n));
    scaledDerivativesInto(from.subarray(0, n), 1.5, to.subarray(0, n));
  }
}

primeDerivativePasses();
