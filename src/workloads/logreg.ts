/**
 * `logreg`: the logistic-regression loss of lecture 002, task 1 (WORKED-EXAMPLES.md §3),
 * Q(w, b) = −Σᵢ [yᵢ log σ(xᵢᵀw + b) + (1 − yᵢ) log(1 − σ(xᵢᵀw + b))], on 32 objects.
 * K counts the inputs including the bias: K − 1 features w₀ … w_{K−2}, then b (K = 1 is a bias-only model).
 *
 * The program is two maps over the objects, one per label (a body is traced once, so the label's branch is
 * chosen by which map a row is in): Σ_{y=1} softplus(−z) + Σ_{y=0} softplus(z), z = xᵀw + b.
 */
import { dot, type Expr, mapReduce, type Program, program, variable, withGraph } from '../ir/index.js';
import { gridUniform, uniform } from './random.js';
import type { Workload } from './workload.js';

/** Number of objects (rows of X). */
export const LOGREG_OBJECTS = 32;

/**
 * The data at K inputs: X is 32 × (K − 1) with entries multiples of 1/8 in [−1, 1] (so at most 17 distinct
 * constants, and xᵢⱼ does not depend on K); the labels y ∈ {0, 1} are fixed.
 */
export function logregData(K: number): { X: Float64Array[]; y: Uint8Array } {
  const features = K - 1;
  const X = Array.from({ length: LOGREG_OBJECTS }, (_, i) =>
    Float64Array.from({ length: features }, (_, j) => gridUniform(1, i, j)),
  );
  const y = Uint8Array.from({ length: LOGREG_OBJECTS }, (_, i) => (uniform(2, i) < 0 ? 0 : 1));
  return { X, y };
}

/** σ(z) without overflow in either direction. */
function sigma(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export const logreg: Workload = {
  name: 'logreg',
  description:
    'logistic-regression loss −Σ [y log σ(xᵀw + b) + (1 − y) log(1 − σ(xᵀw + b))] on 32 objects; K inputs = K − 1 features + the bias b',
  kind: 'size',

  build(K: number): Program<number> {
    const { X, y } = logregData(K);
    return withGraph(() => {
      const w = Array.from({ length: K - 1 }, (_, j) => variable(`w${j}`));
      const b = variable('b');
      // −log σ(z) = softplus(−z) and −log(1 − σ(z)) = softplus(z): no overflow, no cancellation.
      const loss = (label: 0 | 1): Expr => {
        const rows = X.filter((_, i) => y[i] === label);
        const term = (z: Expr) => (label === 1 ? z.neg().softplus() : z.softplus());
        if (K === 1) return mapReduce(rows.length, () => term(b));
        const data = new Float64Array(rows.length * (K - 1));
        rows.forEach((x, i) => {
          data.set(x, i * (K - 1));
        });
        return mapReduce({ data, width: K - 1 }, (x) => term(dot(x, w).add(b)));
      };
      return program(loss(1).add(loss(0)), { variables: [...w, b] });
    });
  },

  /** Weights of size about 2/√(K − 1), so that xᵢᵀw stays of order 1 at any K, and b = 0.1. */
  point(K: number): Float64Array {
    const scale = 2 / Math.sqrt(Math.max(1, K - 1));
    return Float64Array.from({ length: K }, (_, j) => (j < K - 1 ? scale * uniform(3, j) : 0.1));
  },

  /** ∂Q/∂w = Xᵀ(σ(Xw + b) − y), ∂Q/∂b = Σᵢ (σ(Xw + b) − y)ᵢ */
  gradient(K: number, at: ArrayLike<number>): Float64Array {
    const { X, y } = logregData(K);
    const features = K - 1;
    const b = at[features] as number;
    const g = new Float64Array(K);
    for (let i = 0; i < LOGREG_OBJECTS; i++) {
      const x = X[i] as Float64Array;
      let z = 0;
      for (let j = 0; j < features; j++) z += (x[j] as number) * (at[j] as number);
      const r = sigma(z + b) - (y[i] as number);
      for (let j = 0; j < features; j++) g[j] = (g[j] as number) + (x[j] as number) * r;
      g[features] = (g[features] as number) + r;
    }
    return g;
  },
};
