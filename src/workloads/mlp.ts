/**
 * `mlp`: a two-layer network with a softmax cross-entropy loss (lectures 001/002, WORKED-EXAMPLES.md §4–5):
 * T = X W₁ + 1b₁ᵀ, H = σ(T), Z = H W₂ + 1b₂ᵀ, loss = Σᵢ [logsumexp(Zᵢ) − Z_{i,yᵢ}] over a fixed batch.
 *
 * K counts the trainable weights, and every K ≥ 1 works: the input dimension (6), the number of classes (3)
 * and the batch (8) are fixed, the hidden width h is the smallest with P(h) = 10h + 3 ≥ K parameters, the
 * parameters are flattened in the usual order W₁ (6 × h, row-major), b₁, W₂ (h × 3, row-major), b₂, the first K
 * are the inputs and the remaining P(h) − K (fewer than one hidden unit's ten) are frozen: constants with the
 * values {@link mlpParameters} gives them.
 *
 * The program is one map over the batch's rows per class (a body is traced once, so the label's logit is chosen
 * by which map a row is in): Σ_c Σ_{i: yᵢ = c} [logsumexp(zᵢ) − z_{i,c}].
 */
import {
  dot,
  type Expr,
  logsumexp,
  mapReduce,
  type Operand,
  type Program,
  program,
  sigmoid,
  sum,
  variable,
  withGraph,
} from '../ir/index.js';
import { gridUniform, uniform } from './random.js';
import type { Workload } from './workload.js';

const INPUTS = 6;
const CLASSES = 3;
const BATCH = 8;

/** The network at K trainable weights: widths, and the offsets of W₁, b₁, W₂, b₂ in the parameter vector. */
export interface MlpLayout {
  inputs: number;
  hidden: number;
  classes: number;
  batch: number;
  /** Total number of parameters, P = h(inputs + 1 + classes) + classes ≥ K. */
  parameters: number;
  W1: number;
  b1: number;
  W2: number;
  b2: number;
}

export function mlpLayout(K: number): MlpLayout {
  const hidden = Math.max(1, Math.ceil((K - CLASSES) / (INPUTS + 1 + CLASSES)));
  const W1 = 0;
  const b1 = W1 + INPUTS * hidden;
  const W2 = b1 + hidden;
  const b2 = W2 + hidden * CLASSES;
  return { inputs: INPUTS, hidden, classes: CLASSES, batch: BATCH, parameters: b2 + CLASSES, W1, b1, W2, b2 };
}

/** The batch: X is 8 × 6 with entries multiples of 1/8 in [−1, 1]; labels cycle through the classes. */
export function mlpData(): { X: Float64Array[]; labels: Uint8Array } {
  const X = Array.from({ length: BATCH }, (_, i) =>
    Float64Array.from({ length: INPUTS }, (_, k) => gridUniform(4, i, k)),
  );
  const labels = Uint8Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  return { X, labels };
}

/**
 * All P parameters at size K (the point is the first K; the rest are the frozen ones): weights of size about
 * 2/√fan-in, so that the pre-activations and logits stay of order 1 at any width, and biases of size 0.1.
 */
export function mlpParameters(K: number): Float64Array {
  const L = mlpLayout(K);
  const theta = new Float64Array(L.parameters);
  for (let p = L.W1; p < L.b1; p++) theta[p] = (2 / Math.sqrt(L.inputs)) * uniform(5, p);
  for (let p = L.b1; p < L.W2; p++) theta[p] = 0.1 * uniform(6, p);
  for (let p = L.W2; p < L.b2; p++) theta[p] = (2 / Math.sqrt(L.hidden)) * uniform(7, p);
  for (let p = L.b2; p < L.parameters; p++) theta[p] = 0.1 * uniform(8, p);
  return theta;
}

/** The name of parameter p: W1_k_j, b1_j, W2_j_c or b2_c. */
function parameterName(L: MlpLayout, p: number): string {
  if (p < L.b1) return `W1_${Math.floor(p / L.hidden)}_${p % L.hidden}`;
  if (p < L.W2) return `b1_${p - L.b1}`;
  if (p < L.b2) return `W2_${Math.floor((p - L.W2) / L.classes)}_${(p - L.W2) % L.classes}`;
  return `b2_${p - L.b2}`;
}

/** σ(t) without overflow in either direction. */
function sigma(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

export const mlp: Workload = {
  name: 'mlp',
  description:
    'two-layer sigmoid network, softmax cross-entropy on a batch of 8 (6 inputs, 3 classes); K trainable weights, hidden width max(1, ⌈(K − 3)/10⌉), the rest of the last unit frozen',
  kind: 'size',

  build(K: number): Program<number> {
    const L = mlpLayout(K);
    const theta = mlpParameters(K);
    const { X, labels } = mlpData();
    return withGraph(() => {
      const vars = Array.from({ length: K }, (_, p) => variable(parameterName(L, p)));
      const param = (p: number): Operand => (p < K ? (vars[p] as Expr) : (theta[p] as number));
      // Column j of W₁ (the weights into hidden unit j) and column c of W₂ (the weights into logit c).
      const W1cols = Array.from({ length: L.hidden }, (_, j) =>
        Array.from({ length: L.inputs }, (_, k) => param(L.W1 + k * L.hidden + j)),
      );
      const W2cols = Array.from({ length: L.classes }, (_, c) =>
        Array.from({ length: L.hidden }, (_, j) => param(L.W2 + j * L.classes + c)),
      );
      const terms = Array.from({ length: L.classes }, (_, label) => {
        const rows = X.filter((_, i) => labels[i] === label);
        const data = new Float64Array(rows.length * L.inputs);
        rows.forEach((row, i) => {
          data.set(row, i * L.inputs);
        });
        return mapReduce({ data, width: L.inputs }, (x) => {
          const h = W1cols.map((col, j) => sigmoid(dot(x, col).add(param(L.b1 + j))));
          const z = W2cols.map((col, c) => dot(h, col).add(param(L.b2 + c)));
          // −log softmax(z)_y = logsumexp(z) − z_y
          return logsumexp(z).sub(z[label] as Expr);
        });
      });
      return program(sum(terms), { variables: vars });
    });
  },

  point(K: number): Float64Array {
    return mlpParameters(K).slice(0, K);
  },

  /**
   * The backward pass by hand: G = softmax(Z) − Y; ∂W₂ = HᵀG, ∂b₂ = 1ᵀG; ∂H = GW₂ᵀ; ∂T = ∂H ⊙ H(1 − H);
   * ∂W₁ = Xᵀ∂T, ∂b₁ = 1ᵀ∂T. The first K entries (the trainable weights) are returned.
   */
  gradient(K: number, at: ArrayLike<number>): Float64Array {
    const L = mlpLayout(K);
    const { inputs: d, hidden: h, classes: C } = L;
    const theta = mlpParameters(K);
    for (let p = 0; p < K; p++) theta[p] = at[p] as number;
    const { X, labels } = mlpData();
    const g = new Float64Array(L.parameters);
    const H = new Float64Array(h);
    const Z = new Float64Array(C);
    const G = new Float64Array(C);
    for (let i = 0; i < L.batch; i++) {
      const x = X[i] as Float64Array;
      // Forward: H = σ(xW₁ + b₁), Z = HW₂ + b₂.
      for (let j = 0; j < h; j++) {
        let t = theta[L.b1 + j] as number;
        for (let k = 0; k < d; k++) t += (x[k] as number) * (theta[L.W1 + k * h + j] as number);
        H[j] = sigma(t);
      }
      let zmax = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < C; c++) {
        let z = theta[L.b2 + c] as number;
        for (let j = 0; j < h; j++) z += (H[j] as number) * (theta[L.W2 + j * C + c] as number);
        Z[c] = z;
        zmax = Math.max(zmax, z);
      }
      // G = softmax(Z) − onehot(y).
      let s = 0;
      for (let c = 0; c < C; c++) {
        G[c] = Math.exp((Z[c] as number) - zmax);
        s += G[c] as number;
      }
      for (let c = 0; c < C; c++) G[c] = (G[c] as number) / s - (c === labels[i] ? 1 : 0);
      // Backward.
      for (let c = 0; c < C; c++) g[L.b2 + c] = (g[L.b2 + c] as number) + (G[c] as number);
      for (let j = 0; j < h; j++) {
        const Hj = H[j] as number;
        let dH = 0;
        for (let c = 0; c < C; c++) {
          const q = L.W2 + j * C + c;
          g[q] = (g[q] as number) + Hj * (G[c] as number);
          dH += (G[c] as number) * (theta[q] as number);
        }
        const dT = dH * Hj * (1 - Hj);
        g[L.b1 + j] = (g[L.b1 + j] as number) + dT;
        for (let k = 0; k < d; k++) {
          const q = L.W1 + k * h + j;
          g[q] = (g[q] as number) + (x[k] as number) * dT;
        }
      }
    }
    return g.slice(0, K);
  },
};
