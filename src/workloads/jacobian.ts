/**
 * Functions Rⁿ → Rᵐ for the Jacobian measurements, each with its closed-form Jacobian (plain matrix products,
 * independent of every method):
 *
 * - `denseLayer(n, m)`: y = tanh(W x + b), one dense layer with a nonlinearity. J = diag(1 − y²) W.
 * - `encoderDecoder(n, p, m, depth)`: `depth` dense tanh layers of width n, a bottleneck layer of width p, then
 *   `depth` layers of width m before the output layer of width m. With p ≪ n, m every path from the inputs to
 *   the outputs passes through the p bottleneck units: the narrow cut that mixed mode looks for.
 *
 * Weights and points are fixed pseudo-random numbers (seeded hashes, `random.ts`), scaled by 1/√fan-in so the
 * pre-activations stay of order 1 and tanh does not saturate at any width.
 */
import {
  DifflabError,
  dot,
  type Expr,
  type Operand,
  type Program,
  program,
  variable,
  withGraph,
} from '../ir/index.js';
import { uniform } from './random.js';

/** One dense layer's fixed parameters: W (rows of length `inputs`) and b. */
interface Layer {
  readonly W: readonly Float64Array[];
  readonly b: Float64Array;
}

/** A vector-valued workload: the function, a point, and its Jacobian there from a closed form. */
export interface JacobianWorkload {
  readonly name: string;
  /** Inputs n and outputs m. */
  readonly n: number;
  readonly m: number;
  readonly f: Program<Float64Array>;
  readonly x: Float64Array;
  /** The m × n Jacobian at x, as rows. */
  jacobian(): Float64Array[];
}

/** The parameters of layer `index` (its seed) mapping `inputs` values to `outputs`. */
function layer(index: number, inputs: number, outputs: number): Layer {
  const scale = 1.5 / Math.sqrt(inputs);
  const W = Array.from({ length: outputs }, (_, o) =>
    Float64Array.from({ length: inputs }, (_, i) => scale * uniform(100 + index, o, i)),
  );
  const b = Float64Array.from({ length: outputs }, (_, o) => 0.1 * uniform(200 + index, o));
  return { W, b };
}

/** The layers of a chain of widths (widths[0] inputs, then one layer per further width). */
function layers(widths: readonly number[]): Layer[] {
  return widths.slice(1).map((w, l) => layer(l, widths[l] as number, w));
}

/** y = tanh(W x + b) for each layer in turn, as expressions. */
function buildChain(x: readonly Operand[], chain: readonly Layer[]): Expr[] {
  let h: readonly Operand[] = x;
  let out: Expr[] = [];
  for (const { W, b } of chain) {
    out = W.map((row, o) =>
      dot([...row], h)
        .add(b[o] as number)
        .tanh(),
    );
    h = out;
  }
  return out;
}

/** The point: x_i in [−1, 1). */
function pointOf(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => uniform(7, i));
}

/**
 * The Jacobian of the chain at x by plain arithmetic: J ← diag(1 − y²) W J, layer by layer, starting from the
 * identity (n × n).
 */
function chainJacobian(x: Float64Array, chain: readonly Layer[]): Float64Array[] {
  const n = x.length;
  let h: Float64Array = x;
  let J: Float64Array[] = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n);
    row[i] = 1;
    return row;
  });
  for (const { W, b } of chain) {
    const y = W.map((row, o) => {
      let s = 0;
      for (let i = 0; i < row.length; i++) s += (row[i] as number) * (h[i] as number);
      return Math.tanh(s + (b[o] as number));
    });
    J = W.map((row, o) => {
      const d = 1 - (y[o] as number) ** 2;
      const next = new Float64Array(n);
      for (let i = 0; i < row.length; i++) {
        const w = d * (row[i] as number);
        const Ji = J[i] as Float64Array;
        for (let k = 0; k < n; k++) next[k] = (next[k] as number) + w * (Ji[k] as number);
      }
      return next;
    });
    h = Float64Array.from(y);
  }
  return J;
}

/** A workload for a chain of layer widths (widths[0] = n inputs, the last = m outputs). */
function chainWorkload(name: string, widths: readonly number[]): JacobianWorkload {
  const n = widths[0] as number;
  const chain = layers(widths);
  const f = withGraph(() => {
    const x = Array.from({ length: n }, (_, i) => variable(`x${i}`));
    return program(buildChain(x, chain), { variables: x });
  });
  const x = pointOf(n);
  return { name, n, m: widths[widths.length - 1] as number, f, x, jacobian: () => chainJacobian(x, chain) };
}

/** y = tanh(W x + b): n inputs, m outputs, one dense layer. */
export function denseLayer(n: number, m: number): JacobianWorkload {
  checkWidths([n, m]);
  return chainWorkload(`dense ${n}→${m}`, [n, m]);
}

/**
 * An encoder–decoder n → p → m: `depth` layers of width n, the bottleneck of width p, `depth` layers of width
 * m, and the output layer of width m (all tanh). `depth` 0 is the bare n → p → m.
 */
export function encoderDecoder(n: number, p: number, m: number, depth = 1): JacobianWorkload {
  if (!Number.isInteger(depth) || depth < 0)
    throw new DifflabError('invalid-argument', `depth must be an integer ≥ 0, got ${depth}`);
  const widths = [n, ...Array<number>(depth).fill(n), p, ...Array<number>(depth).fill(m), m];
  checkWidths(widths);
  return chainWorkload(`encoder–decoder ${n}→${p}→${m}`, widths);
}

function checkWidths(widths: readonly number[]): void {
  for (const w of widths) {
    if (!Number.isInteger(w) || w < 1)
      throw new DifflabError('invalid-argument', `widths must be integers ≥ 1, got ${w}`);
  }
}
