/**
 * Growth fits by least squares: a power law y = c·Kᵖ on log–log axes, or an exponential y = c·bⁿ on log–linear
 * axes, each with its coefficient of determination R².
 */

export interface GrowthFit {
  model: 'power' | 'exponential';
  /** The power law's exponent p, or the exponential's base b. */
  parameter: number;
  /** The constant c. */
  coefficient: number;
  /** R² of the fit on the transformed axes (1 is a perfect line). */
  r2: number;
  /** Points used (positive, finite values only). */
  points: number;
}

/** The least-squares line v = a + s·u with its R²; null with fewer than two distinct u. */
export function leastSquares(
  u: readonly number[],
  v: readonly number[],
): { slope: number; intercept: number; r2: number } | null {
  const n = u.length;
  if (n < 2) return null;
  const mu = u.reduce((a, b) => a + b, 0) / n;
  const mv = v.reduce((a, b) => a + b, 0) / n;
  let suu = 0;
  let suv = 0;
  let svv = 0;
  for (let i = 0; i < n; i++) {
    const du = (u[i] as number) - mu;
    const dv = (v[i] as number) - mv;
    suu += du * du;
    suv += du * dv;
    svv += dv * dv;
  }
  if (suu === 0) return null;
  const slope = suv / suu;
  const r2 = svv === 0 ? 1 : (suv * suv) / (suu * svv);
  return { slope, intercept: mv - slope * mu, r2 };
}

/** Keeps the pairs where both values are finite and y > 0 (and x > 0 for log x). */
function usable(xs: readonly number[], ys: readonly number[], logX: boolean): [number[], number[]] {
  const u: number[] = [];
  const v: number[] = [];
  xs.forEach((x, i) => {
    const y = ys[i] as number;
    if (Number.isFinite(x) && Number.isFinite(y) && y > 0 && (!logX || x > 0)) {
      u.push(logX ? Math.log(x) : x);
      v.push(Math.log(y));
    }
  });
  return [u, v];
}

/** y ≈ c·xᵖ: the slope of log y against log x. */
export function fitPower(xs: readonly number[], ys: readonly number[]): GrowthFit | null {
  const [u, v] = usable(xs, ys, true);
  const line = leastSquares(u, v);
  if (line === null) return null;
  return {
    model: 'power',
    parameter: line.slope,
    coefficient: Math.exp(line.intercept),
    r2: line.r2,
    points: u.length,
  };
}

/** y ≈ c·bⁿ: the slope of log y against n gives log b. */
export function fitExponential(ns: readonly number[], ys: readonly number[]): GrowthFit | null {
  const [u, v] = usable(ns, ys, false);
  const line = leastSquares(u, v);
  if (line === null) return null;
  return {
    model: 'exponential',
    parameter: Math.exp(line.slope),
    coefficient: Math.exp(line.intercept),
    r2: line.r2,
    points: u.length,
  };
}

/** The better of the two models by R² (ties go to the power law, the simpler claim). */
export function fitGrowth(xs: readonly number[], ys: readonly number[]): GrowthFit | null {
  const p = fitPower(xs, ys);
  const e = fitExponential(xs, ys);
  if (p === null) return e;
  if (e === null) return p;
  return e.r2 > p.r2 + 1e-9 ? e : p;
}
