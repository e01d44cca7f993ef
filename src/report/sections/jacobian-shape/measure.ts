/**
 * What the Jacobian sections share: the error of one Jacobian against another, and a least-squares fit of log
 * ratio over (log n, log m). No `node:` imports: this runs in a browser.
 */

/** ‖A − B‖max / max(‖B‖max, smallest normal): the normwise relative error of a Jacobian against a reference. */
export function relativeError(A: readonly Float64Array[], B: readonly Float64Array[]): number {
  let diff = 0;
  let scale = Number.MIN_VALUE;
  B.forEach((row, o) => {
    const a = A[o] as Float64Array;
    row.forEach((b, i) => {
      diff = Math.max(diff, Math.abs((a[i] as number) - b));
      scale = Math.max(scale, Math.abs(b));
    });
  });
  return diff / scale;
}

/**
 * The crossover a ratio implies: log₂ r ≈ a + b·log₂ n + c·log₂ m fitted by least squares, so r = 1 on the
 * line m = κ·n^β with κ = 2^(−a/c), β = −b/c (the theory of sweeps: r = n/m, κ = β = 1).
 */
export interface Crossover {
  kappa: number;
  beta: number;
  /** The fit's coefficients (a, b, c) and its R². */
  a: number;
  b: number;
  c: number;
  r2: number;
}

/** The crossover fitted to points (n, m, ratio); null when there are too few points or no dependence on m. */
export function fitCrossover(points: readonly { n: number; m: number; ratio: number }[]): Crossover | null {
  const rows = points.filter((p) => p.ratio > 0 && Number.isFinite(p.ratio));
  if (rows.length < 4) return null;
  // Normal equations XᵀX β = Xᵀy for the columns (1, log₂ n, log₂ m).
  const A = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const y = [0, 0, 0];
  for (const p of rows) {
    const x = [1, Math.log2(p.n), Math.log2(p.m)];
    const t = Math.log2(p.ratio);
    for (let i = 0; i < 3; i++) {
      y[i] = (y[i] as number) + (x[i] as number) * t;
      const Ai = A[i] as number[];
      for (let j = 0; j < 3; j++) Ai[j] = (Ai[j] as number) + (x[i] as number) * (x[j] as number);
    }
  }
  const solution = solve3(A, y);
  if (solution === null) return null;
  const [a, b, c] = solution as [number, number, number];
  if (c === 0) return null;
  const mean = rows.reduce((s, p) => s + Math.log2(p.ratio), 0) / rows.length;
  let residual = 0;
  let total = 0;
  for (const p of rows) {
    const t = Math.log2(p.ratio);
    residual += (t - (a + b * Math.log2(p.n) + c * Math.log2(p.m))) ** 2;
    total += (t - mean) ** 2;
  }
  return { kappa: 2 ** (-a / c), beta: -b / c, a, b, c, r2: total === 0 ? 1 : 1 - residual / total };
}

/** Solves a 3 × 3 system by Gaussian elimination with partial pivoting; null when it is singular. */
function solve3(A: number[][], y: number[]): number[] | null {
  const M = A.map((row, i) => [...row, y[i] as number]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++)
      if (Math.abs((M[r] as number[])[col] as number) > Math.abs((M[pivot] as number[])[col] as number))
        pivot = r;
    const P = M[pivot] as number[];
    if (Math.abs(P[col] as number) < 1e-12) return null;
    [M[col], M[pivot]] = [P, M[col] as number[]];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const R = M[r] as number[];
      const factor = (R[col] as number) / (P[col] as number);
      for (let k = col; k < 4; k++) R[k] = (R[k] as number) - factor * (P[k] as number);
    }
  }
  return M.map((row, i) => (row[3] as number) / (row[i] as number));
}
