/**
 * Error bounds of the finite-difference schemes, from Taylor's theorem, for tolerances derived rather than
 * guessed. δ is a bound on the rounding error of one evaluation of f near x.
 */
export const EPS = Number.EPSILON;

/** The default forward step √ε·max(1, |x|). */
export const forwardStep = (x: number) => Math.sqrt(EPS) * Math.max(1, Math.abs(x));
/** The default central step ε^(1/3)·max(1, |x|). */
export const centralStep = (x: number) => Math.cbrt(EPS) * Math.max(1, Math.abs(x));

/** (f(x+h) − f(x))/h − f′(x) = h f″(ξ)/2, plus the two evaluations' rounding: ≤ h M₂/2 + 2δ/h. */
export const forwardBound = (h: number, M2: number, delta: number) => (h / 2) * M2 + (2 * delta) / h;

/** (f(x+h) − f(x−h))/2h − f′(x) = h² f‴(ξ)/6, plus rounding (δ + δ)/2h: ≤ h² M₃/6 + δ/h. */
export const centralBound = (h: number, M3: number, delta: number) => ((h * h) / 6) * M3 + delta / h;

/**
 * The complex step Im f(x + ih)/h has truncation h² f‴/6 ≈ 1e−40 at h = 1e−20 and no cancellation, so it
 * is as accurate as evaluating f′ itself: a few ulps per operation along the way. 1e−14 relative.
 */
export const COMPLEX_TOL = 1e-14;

/** max |aᵢ − bᵢ| / max(1, |bᵢ|) */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const bi = b[i] as number;
    worst = Math.max(worst, Math.abs((a[i] as number) - bi) / Math.max(Math.abs(bi), 1e-300));
  }
  return worst;
}
