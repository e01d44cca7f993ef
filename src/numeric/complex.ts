/**
 * Complex arithmetic for the complex-step scheme: one rule per analytic op of the op table, on (re, im)
 * pairs of plain numbers. Every function writes its result to the register {@link Z} (`Z[0]` real part,
 * `Z[1]` imaginary part), so evaluating a program in complex arithmetic allocates nothing per node.
 *
 * The rules are the ops' analytic continuations from the real line. Where that differs from the principal
 * branch they follow the real function: `cbrt` of a number with negative real part is −∛(−z), and a negative
 * base with an integer exponent is (−1)ⁿ(−z)ⁿ, so both stay real-accurate; a perturbed exponent on a negative
 * base has no real derivative and gives an imaginary part of NaN. Inverse functions use Kahan's
 * formulas ("Branch cuts for complex elementary functions", 1987), which keep a tiny imaginary part accurate
 * where the textbook logarithm forms cancel it away.
 */
import type { FixedOpName, NaryOpName } from '../ir/ops.js';

/** The result register: every complex function here writes its value to `Z[0]` (re) and `Z[1]` (im). */
export const Z = new Float64Array(2);

function set(re: number, im: number): void {
  Z[0] = re;
  Z[1] = im;
}

// (a + ib)(c + id) = (ac − bd) + i(ad + bc)
export function cmul(a: number, b: number, c: number, d: number): void {
  set(a * c - b * d, a * d + b * c);
}

// (a + ib)/(c + id) by Smith's algorithm, which never forms c² + d² (no overflow or underflow)
export function cdiv(a: number, b: number, c: number, d: number): void {
  if (Math.abs(d) <= Math.abs(c)) {
    const r = d / c;
    const den = c + d * r;
    set((a + b * r) / den, (b - a * r) / den);
  } else {
    const r = c / d;
    const den = c * r + d;
    set((a * r + b) / den, (b * r - a) / den);
  }
}

// 1/(a + ib)
export function crecip(a: number, b: number): void {
  cdiv(1, 0, a, b);
}

// √z, principal branch: t = √((|z| + |a|)/2), the other part b/(2t) (no cancellation for either sign of a)
export function csqrt(a: number, b: number): void {
  if (a === 0 && b === 0) {
    set(0, b);
    return;
  }
  const m = Math.hypot(a, b);
  if (a >= 0) {
    const t = Math.sqrt((m + a) / 2);
    set(t, b / (2 * t));
  } else {
    const t = Math.sqrt((m - a) / 2);
    set(Math.abs(b) / (2 * t), b < 0 ? -t : t);
  }
}

// e^(a + ib) = eᵃ (cos b + i sin b)
export function cexp(a: number, b: number): void {
  const e = Math.exp(a);
  set(b === 0 ? e : e * Math.cos(b), b === 0 ? 0 : e * Math.sin(b));
}

// e^z − 1 = (eᵃ − 1) cos b − 2 sin²(b/2) + i eᵃ sin b  (cos b − 1 = −2 sin²(b/2): no cancellation)
export function cexpm1(a: number, b: number): void {
  const s = Math.sin(b / 2);
  set(Math.expm1(a) * Math.cos(b) - 2 * s * s, Math.exp(a) * Math.sin(b));
}

// log z = log|z| + i arg z
export function clog(a: number, b: number): void {
  set(Math.log(Math.hypot(a, b)), Math.atan2(b, a));
}

// log(1 + z): log|1 + z| = ½ log1p(a(2 + a) + b²) near 0, + i arg(1 + z)
export function clog1p(a: number, b: number): void {
  const re =
    Math.abs(a) < 0.5 && Math.abs(b) < 0.5
      ? 0.5 * Math.log1p(a * (2 + a) + b * b)
      : Math.log(Math.hypot(1 + a, b));
  set(re, Math.atan2(b, 1 + a));
}

// z^w for a real exponent c: |z|^c (cos cθ + i sin cθ), θ = arg z
function polar(a: number, b: number, c: number): void {
  const m = Math.hypot(a, b) ** c;
  const t = c * Math.atan2(b, a);
  set(m * Math.cos(t), t === 0 ? 0 : m * Math.sin(t));
}

/**
 * z^w. A real exponent on a base with negative real part: (−1)^c (−z)^c for integer c (real-accurate, and
 * equal to the principal value). A perturbed exponent on a base with negative real part gives an imaginary part
 * of NaN: y ↦ xʸ with x < 0 is real only at integers and has no derivative there.
 */
export function cpow(a: number, b: number, c: number, d: number): void {
  if (d === 0) {
    if (b === 0) {
      set(a ** c, 0);
      return;
    }
    if (a < 0 && Number.isInteger(c)) {
      // zⁿ = (−1)ⁿ (−z)ⁿ, and −z has a positive real part
      polar(-a, -b, c);
      if (Math.abs(c % 2) === 1) set(-(Z[0] as number), -(Z[1] as number));
      return;
    }
    polar(a, b, c);
    return;
  }
  if (a === 0 && b === 0) {
    // 0^y is 0 on a neighbourhood of y > 0 (derivative 0) and has no derivative at y ≤ 0
    set(0 ** c, c > 0 ? 0 : Number.NaN);
    return;
  }
  if (a < 0) {
    set(a ** c, Number.NaN);
    return;
  }
  // z^w = e^(w log z)
  clog(a, b);
  const lr = Z[0] as number;
  const li = Z[1] as number;
  cexp(c * lr - d * li, c * li + d * lr);
}

// ∛z, continuing the real cube root: −∛(−z) when the real part is negative
export function ccbrt(a: number, b: number): void {
  const s = a < 0 ? -1 : 1;
  const m = Math.cbrt(Math.hypot(a, b));
  const t = Math.atan2(s * b, s * a) / 3;
  set(s * m * Math.cos(t), t === 0 ? 0 : s * m * Math.sin(t));
}

// sin z = sin a cosh b + i cos a sinh b
export function csin(a: number, b: number): void {
  set(Math.sin(a) * Math.cosh(b), Math.cos(a) * Math.sinh(b));
}

// cos z = cos a cosh b − i sin a sinh b
export function ccos(a: number, b: number): void {
  set(Math.cos(a) * Math.cosh(b), -Math.sin(a) * Math.sinh(b));
}

// sinh z = sinh a cos b + i cosh a sin b
export function csinh(a: number, b: number): void {
  set(Math.sinh(a) * Math.cos(b), Math.cosh(a) * Math.sin(b));
}

// cosh z = cosh a cos b + i sinh a sin b
export function ccosh(a: number, b: number): void {
  set(Math.cosh(a) * Math.cos(b), Math.sinh(a) * Math.sin(b));
}

// tanh z = (β ρ s + i t)/(1 + β s²), t = tan b, β = 1 + t², s = sinh a, ρ = cosh a (Kahan; no overflow)
export function ctanh(a: number, b: number): void {
  if (Math.abs(a) > 22) {
    // tanh z = ±1 + 4 i sin b cos b e^(−2|a|) to within e^(−44)
    set(a > 0 ? 1 : -1, 4 * Math.sin(b) * Math.cos(b) * Math.exp(-2 * Math.abs(a)));
    return;
  }
  const t = Math.tan(b);
  const beta = 1 + t * t;
  const s = Math.sinh(a);
  const rho = Math.sqrt(1 + s * s);
  const den = 1 + beta * s * s;
  set((beta * rho * s) / den, t / den);
}

// tan z = −i tanh(iz)
export function ctan(a: number, b: number): void {
  ctanh(-b, a);
  set(Z[1] as number, -(Z[0] as number));
}

// sech z = 1/cosh z; for |a| > 20 it is 2e^(∓z) to within e^(−40), which underflows gracefully
export function csech(a: number, b: number): void {
  if (Math.abs(a) > 20) {
    const e = 2 * Math.exp(-Math.abs(a));
    set(e * Math.cos(b), (a > 0 ? -e : e) * Math.sin(b));
    return;
  }
  ccosh(a, b);
  crecip(Z[0] as number, Z[1] as number);
}

// csch z = 1/sinh z; for |a| > 20 it is ±2e^(∓z) to within e^(−40)
export function ccsch(a: number, b: number): void {
  if (Math.abs(a) > 20) {
    const e = 2 * Math.exp(-Math.abs(a));
    set((a > 0 ? e : -e) * Math.cos(b), -e * Math.sin(b));
    return;
  }
  csinh(a, b);
  crecip(Z[0] as number, Z[1] as number);
}

// asin z = atan(a / Re(√(1−z)√(1+z))) + i asinh(Im(conj(√(1−z))√(1+z)))  (Kahan)
export function casin(a: number, b: number): void {
  csqrt(1 - a, -b);
  const pr = Z[0] as number;
  const pi = Z[1] as number;
  csqrt(1 + a, b);
  const qr = Z[0] as number;
  const qi = Z[1] as number;
  set(Math.atan2(a, pr * qr - pi * qi), Math.asinh(pr * qi - pi * qr));
}

// acos z = 2 atan(Re√(1−z) / Re√(1+z)) + i asinh(Im(conj(√(1+z))√(1−z)))  (Kahan)
export function cacos(a: number, b: number): void {
  csqrt(1 - a, -b);
  const pr = Z[0] as number;
  const pi = Z[1] as number;
  csqrt(1 + a, b);
  const qr = Z[0] as number;
  const qi = Z[1] as number;
  set(2 * Math.atan2(pr, qr), Math.asinh(qr * pi - qi * pr));
}

// acosh z = asinh(Re(conj(√(z−1))√(z+1))) + 2i atan(Im√(z−1) / Re√(z+1))  (Kahan)
export function cacosh(a: number, b: number): void {
  csqrt(a - 1, b);
  const pr = Z[0] as number;
  const pi = Z[1] as number;
  csqrt(a + 1, b);
  const qr = Z[0] as number;
  const qi = Z[1] as number;
  set(Math.asinh(pr * qr + pi * qi), 2 * Math.atan2(pi, qr));
}

// asinh z = −i asin(iz)
export function casinh(a: number, b: number): void {
  casin(-b, a);
  set(Z[1] as number, -(Z[0] as number));
}

// atanh z = ¼ log1p(4a/((1−a)² + b²)) + ½ i arg((1 − a² − b²) + 2ib), taken at a ≥ 0 by atanh(−z) = −atanh z
// (so that log1p gets a positive, well-conditioned argument)
export function catanh(a: number, b: number): void {
  const s = a < 0 ? -1 : 1;
  const p = s * a;
  const q = s * b;
  const oneMinus = 1 - p;
  set(
    s * 0.25 * Math.log1p((4 * p) / (oneMinus * oneMinus + q * q)),
    s * 0.5 * Math.atan2(2 * q, oneMinus * (1 + p) - q * q),
  );
}

// atan z = −i atanh(iz)
export function catan(a: number, b: number): void {
  catanh(-b, a);
  set(Z[1] as number, -(Z[0] as number));
}

/** Applies `fn` to 1/z: the reciprocal inverse functions (asec = acos(1/z), ...). */
function ofReciprocal(fn: (a: number, b: number) => void): (a: number, b: number) => void {
  return (a, b) => {
    crecip(a, b);
    fn(Z[0] as number, Z[1] as number);
  };
}

/** Applies `fn` to z, then takes the reciprocal: sec = 1/cos, ... */
function reciprocalOf(fn: (a: number, b: number) => void): (a: number, b: number) => void {
  return (a, b) => {
    fn(a, b);
    crecip(Z[0] as number, Z[1] as number);
  };
}

// σ(z) = 1/(1 + e^−z) for a ≥ 0, e^z/(1 + e^z) otherwise: the exponential never overflows
export function csigmoid(a: number, b: number): void {
  if (a >= 0) {
    cexp(-a, -b);
    cdiv(1, 0, 1 + (Z[0] as number), Z[1] as number);
    return;
  }
  cexp(a, b);
  const er = Z[0] as number;
  const ei = Z[1] as number;
  cdiv(er, ei, 1 + er, ei);
}

// softplus z = log(1 + e^z) = z + log(1 + e^−z): the second form for a > 0, so e^(±z) never overflows
export function csoftplus(a: number, b: number): void {
  if (a > 0) {
    cexp(-a, -b);
    clog1p(Z[0] as number, Z[1] as number);
    set(a + (Z[0] as number), b + (Z[1] as number));
    return;
  }
  cexp(a, b);
  clog1p(Z[0] as number, Z[1] as number);
}

/** A complex rule of a fixed-arity op: arguments x = a + ib and (binary ops) y = c + id, result in {@link Z}. */
export type ComplexRule = (a: number, b: number, c: number, d: number) => void;

const LN2 = Math.LN2;
const LN10 = Math.LN10;

/**
 * The complex rule of every fixed-arity op; `null` for the ops that are not analytic (the table's
 * `analytic: false`), through which the complex step cannot pass. A missing op fails to compile.
 */
export const COMPLEX_RULES: { readonly [K in FixedOpName]: ComplexRule | null } = {
  add: (a, b, c, d) => set(a + c, b + d),
  sub: (a, b, c, d) => set(a - c, b - d),
  mul: cmul,
  div: cdiv,
  pow: cpow,
  // log_base x = log x / log base
  logb: (a, b, c, d) => {
    clog(a, b);
    const pr = Z[0] as number;
    const pi = Z[1] as number;
    clog(c, d);
    cdiv(pr, pi, Z[0] as number, Z[1] as number);
  },
  max: null,
  min: null,
  neg: (a, b) => set(-a, -b),
  sqrt: csqrt,
  cbrt: ccbrt,
  exp: cexp,
  expm1: cexpm1,
  log: clog,
  log1p: clog1p,
  // log₂ z = log z / ln 2
  log2: (a, b) => set(Math.log2(Math.hypot(a, b)), Math.atan2(b, a) / LN2),
  // log₁₀ z = log z / ln 10
  log10: (a, b) => set(Math.log10(Math.hypot(a, b)), Math.atan2(b, a) / LN10),
  sin: csin,
  cos: ccos,
  tan: ctan,
  sec: reciprocalOf(ccos),
  csc: reciprocalOf(csin),
  cot: reciprocalOf(ctan),
  asin: casin,
  acos: cacos,
  atan: catan,
  asec: ofReciprocal(cacos),
  acsc: ofReciprocal(casin),
  acot: ofReciprocal(catan),
  sinh: csinh,
  cosh: ccosh,
  tanh: ctanh,
  sech: csech,
  csch: ccsch,
  coth: reciprocalOf(ctanh),
  asinh: casinh,
  acosh: cacosh,
  atanh: catanh,
  asech: ofReciprocal(cacosh),
  acsch: ofReciprocal(casinh),
  acoth: ofReciprocal(catanh),
  abs: null,
  sign: null,
  heaviside: null,
  sigmoid: csigmoid,
  relu: null,
  softplus: csoftplus,
};

/** A complex rule of an n-ary op over the argument range `args[start .. start + count − 1]`. */
export type NaryComplexRule = (
  re: Float64Array,
  im: Float64Array,
  args: Int32Array,
  start: number,
  count: number,
) => void;

export const NARY_COMPLEX_RULES: { readonly [K in NaryOpName]: NaryComplexRule } = {
  // Σ zₖ
  sum: (re, im, args, start, count) => {
    let sr = -0; // the additive identity, as in the real rule
    let si = 0;
    for (let k = start; k < start + count; k++) {
      const j = args[k] as number;
      sr += re[j] as number;
      si += im[j] as number;
    }
    set(sr, si);
  },
  // Σ xₖ yₖ over the halves x₁..x_h, y₁..y_h
  dot: (re, im, args, start, count) => {
    const h = count >> 1;
    let sr = -0; // the additive identity, as in the real rule
    let si = 0;
    for (let k = start; k < start + h; k++) {
      const x = args[k] as number;
      const y = args[k + h] as number;
      const a = re[x] as number;
      const b = im[x] as number;
      const c = re[y] as number;
      const d = im[y] as number;
      sr += a * c - b * d;
      si += a * d + b * c;
    }
    set(sr, si);
  },
  // log Σ e^zₖ = m + log Σ e^(zₖ − m), m the largest real part
  logsumexp: (re, im, args, start, count) => {
    let m = Number.NEGATIVE_INFINITY;
    for (let k = start; k < start + count; k++) m = Math.max(m, re[args[k] as number] as number);
    let sr = 0;
    let si = 0;
    for (let k = start; k < start + count; k++) {
      const j = args[k] as number;
      cexp((re[j] as number) - m, im[j] as number);
      sr += Z[0] as number;
      si += Z[1] as number;
    }
    clog(sr, si);
    set(m + (Z[0] as number), Z[1] as number);
  },
};
