/**
 * A deep narrow network, for memory against depth: h₀ = x (w fixed inputs), hₗ = tanh(Wₗ hₗ₋₁ + bₗ) for
 * ℓ = 1 … L, loss = ½‖h_L‖². The parameters are the L layers' Wₗ (w × w, row-major) then bₗ, layer after layer:
 * L(w² + w) inputs.
 *
 * Two forms of one function: `'flat'` writes every layer out (a straight-line program whose tape grows by
 * w² + 4w nodes a layer: the layer's w² + w parameters and w dot, add and tanh nodes), `'scan'` is a scan over
 * the layers whose rows are the layers' parameters (a body of one layer, traced once; the carry is hₗ).
 */
import {
  DifflabError,
  dot,
  type Expr,
  type Operand,
  type Program,
  program,
  scan,
  sum,
  tanh,
  variable,
  withGraph,
} from '../ir/index.js';
import { uniform } from './random.js';

export type DeepMlpForm = 'flat' | 'scan';

/** The fixed input x (entries in [−1, 1]). */
function inputs(width: number): number[] {
  return Array.from({ length: width }, (_, k) => uniform(21, k));
}

/** Parameters of a layer, in order: W (w × w, row-major), then b. */
function layerSize(width: number): number {
  return width * width + width;
}

/** The network's program: L layers of width w, in the given form. */
export function deepMlp(depth: number, width: number, form: DeepMlpForm): Program<number> {
  if (!Number.isInteger(depth) || depth < 1 || !Number.isInteger(width) || width < 1) {
    throw new DifflabError(
      'invalid-argument',
      `deepMlp: depth and width must be whole numbers ≥ 1, got ${depth} and ${width}`,
    );
  }
  const x = inputs(width);
  const P = layerSize(width);
  return withGraph(() => {
    const vars = Array.from({ length: depth * P }, (_, p) => {
      const l = Math.floor(p / P);
      const q = p % P;
      return variable(
        q < width * width ? `W${l}_${Math.floor(q / width)}_${q % width}` : `b${l}_${q - width * width}`,
      );
    });
    const layer = (h: readonly Operand[], row: readonly Expr[]): Expr[] =>
      Array.from({ length: width }, (_, j) =>
        tanh(dot(row.slice(j * width, (j + 1) * width), h).add(row[width * width + j] as Expr)),
      );
    let h: Operand[] = x;
    if (form === 'flat') {
      for (let l = 0; l < depth; l++) h = layer(h, vars.slice(l * P, (l + 1) * P));
    } else {
      const rows = Array.from({ length: depth }, (_, l) => vars.slice(l * P, (l + 1) * P));
      h = scan(x, rows, (carry, row) => layer(carry, row)).carry;
    }
    const loss = sum(h.map((v) => (typeof v === 'number' ? v * v : v.mul(v)))).mul(0.5);
    return program(loss, { variables: vars });
  });
}

/** A deterministic point: weights of size about 1.5/√w (tanh neither saturates nor dies out), biases 0.1. */
export function deepMlpPoint(depth: number, width: number): Float64Array {
  const P = layerSize(width);
  return Float64Array.from({ length: depth * P }, (_, p) =>
    p % P < width * width ? (1.5 / Math.sqrt(width)) * uniform(22, p) : 0.1 * uniform(23, p),
  );
}

/** The gradient by hand (backpropagation written out), the reference the tests compare against. */
export function deepMlpGradient(depth: number, width: number, at: ArrayLike<number>): Float64Array {
  const w = width;
  const P = layerSize(w);
  // Forward: every layer's output (the activations backpropagation keeps).
  const hs: Float64Array[] = [Float64Array.from(inputs(w))];
  for (let l = 0; l < depth; l++) {
    const prev = hs[l] as Float64Array;
    const h = new Float64Array(w);
    for (let j = 0; j < w; j++) {
      let t = at[l * P + w * w + j] as number;
      for (let k = 0; k < w; k++) t += (at[l * P + j * w + k] as number) * (prev[k] as number);
      h[j] = Math.tanh(t);
    }
    hs.push(h);
  }
  const g = new Float64Array(depth * P);
  // ∂loss/∂h_L = h_L; through tanh: ∂t = ∂h (1 − h²); ∂W = ∂t hₗ₋₁ᵀ, ∂b = ∂t, ∂hₗ₋₁ = Wᵀ∂t.
  let dh = Float64Array.from(hs[depth] as Float64Array);
  for (let l = depth - 1; l >= 0; l--) {
    const h = hs[l + 1] as Float64Array;
    const prev = hs[l] as Float64Array;
    const next = new Float64Array(w);
    for (let j = 0; j < w; j++) {
      const dt = (dh[j] as number) * (1 - (h[j] as number) ** 2);
      g[l * P + w * w + j] = dt;
      for (let k = 0; k < w; k++) {
        g[l * P + j * w + k] = dt * (prev[k] as number);
        next[k] = (next[k] as number) + dt * (at[l * P + j * w + k] as number);
      }
    }
    dh = next;
  }
  return g;
}
