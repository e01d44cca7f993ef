/**
 * Forward mode: dual numbers. A tangent sweep carries the primal and a chunk of tangent directions through
 * the program at once; a full gradient of n inputs costs ⌈n/chunk⌉ sweeps, so O(n·N) for an N-node program.
 */
import {
  backendOf,
  type CommonOptions,
  type Differentiator,
  DifflabError,
  emptyStats,
  now,
  type Program,
  programCost,
  type Result,
  readVector,
  requireScalar,
  type Stats,
} from '../ir/index.js';
import { asDerivative, UNTOUCHED } from '../ir/ops.js';
import { forwardWork, tangentSweep, tiered } from '../sweeps/index.js';

export { Dual } from '../ir/dual.js';
export { type ForwardWork, forwardWork, tangentSweep } from '../sweeps/index.js';
export { type ForwardTrace, type ForwardTraceStep, traceForward } from './trace.js';

export interface ForwardOptions extends CommonOptions {
  /** Directions carried per sweep (1 to 64). Default: by size, at most {@link MAX_DEFAULT_CHUNK}. */
  chunk?: number;
}

/** The largest chunk chosen by default (ForwardDiff.jl uses 12; wider chunks stop paying off around 16). */
export const MAX_DEFAULT_CHUNK = 16;

/**
 * The default chunk for n directions: the fewest sweeps of at most 16 directions, spread evenly
 * (n = 20 gives two sweeps of 10 rather than 16 + 4).
 */
export function defaultChunk(n: number): number {
  if (n <= 1) return 1;
  const sweeps = Math.ceil(n / MAX_DEFAULT_CHUNK);
  return Math.ceil(n / sweeps);
}

/** The chunk for n directions: `options.chunk` checked (1 to 64) or the default, at most n. */
export function chunkFor(n: number, options: { readonly chunk?: number | undefined }): number {
  const c = options.chunk ?? defaultChunk(n);
  if (!Number.isInteger(c) || c < 1 || c > 64) {
    throw new DifflabError('invalid-argument', `chunk must be an integer from 1 to 64, got ${c}`);
  }
  return Math.min(c, Math.max(1, n));
}

/**
 * Pushes the directions `seed(k, j)` (component of direction j along input k) for `count` directions through
 * the program, `chunk` at a time, and hands each chunk's output tangents to `collect`.
 */
function pushDirections(
  f: Program,
  x: Float64Array,
  count: number,
  chunk: number,
  seed: (input: number, direction: number) => number,
  collect: (direction: number, output: number, tangent: number) => void,
  options: ForwardOptions,
): Stats {
  const t0 = now();
  const work = forwardWork(f, chunk);
  const n = f.variables.length;
  let sweeps = 0;
  // A large program without loops runs the interpreter until its generated code is faster (tier.ts).
  tiered(f, 'tangent', count * chunk, backendOf(options), (backend) => {
    // The chunks' sweeps run at one point: the compiled sweep's guard runs once.
    const memo = {};
    for (let d0 = 0; d0 < count; d0 += chunk) {
      const width = Math.min(chunk, count - d0);
      const { t } = work;
      if (seed === unit) {
        // Unit directions d0 .. d0 + width − 1: zeros, and a 1 in lane j of input d0 + j.
        t.fill(UNTOUCHED, f.inputStart * chunk, f.opStart * chunk);
        for (let j = 0; j < width; j++) t[(f.inputStart + d0 + j) * chunk + j] = 1;
      } else {
        // A zero component of a direction does not touch its input (the zero-factor rule, ops.ts).
        for (let k = 0; k < n; k++) {
          const base = (f.inputStart + k) * chunk;
          for (let j = 0; j < chunk; j++) {
            const s = j < width ? seed(k, d0 + j) : 0;
            t[base + j] = s === 0 ? UNTOUCHED : s;
          }
        }
      }
      tangentSweep(f, x, work, options.check ?? false, backend, memo);
      sweeps++;
      for (let o = 0; o < f.outputs.length; o++) {
        const base = (f.outputs[o] as number) * chunk;
        for (let j = 0; j < width; j++) collect(d0 + j, o, asDerivative(t[base + j] as number));
      }
    }
  });
  const cost = programCost(f);
  const stats = emptyStats();
  stats.evaluations = sweeps;
  stats.forwardSweeps = sweeps;
  // Each sweep: the primal, the partials (one per edge), and one multiply–add per edge per carried direction.
  stats.ops = sweeps * (cost.nodes + cost.edges) + count * cost.edges;
  stats.bytes = work.v.byteLength + work.t.byteLength;
  stats.details = { chunk };
  stats.time = now() - t0;
  return stats;
}

const unit = (k: number, j: number) => (k === j ? 1 : 0);

/** Forward mode behind the common interface. */
export const forward: Differentiator<ForwardOptions> = {
  method: 'forward',

  gradient(f, x, options = {}): Result<Float64Array> {
    requireScalar(f);
    const n = f.variables.length;
    const point = readVector(x, n, 'the point');
    const g = new Float64Array(n);
    const stats = pushDirections(f, point, n, chunkFor(n, options), unit, (k, _o, t) => (g[k] = t), options);
    return { value: g, stats };
  },

  jacobian(f, x, options = {}): Result<Float64Array[]> {
    const n = f.variables.length;
    const point = readVector(x, n, 'the point');
    const rows = Array.from(f.outputs, () => new Float64Array(n));
    const stats = pushDirections(
      f,
      point,
      n,
      chunkFor(n, options),
      unit,
      (k, o, t) => ((rows[o] as Float64Array)[k] = t),
      options,
    );
    return { value: rows, stats };
  },

  jvp(f, x, v, options = {}): Result<Float64Array> {
    const n = f.variables.length;
    const point = readVector(x, n, 'the point');
    const dir = readVector(v, n, 'the tangent');
    const out = new Float64Array(f.outputs.length);
    const stats = pushDirections(
      f,
      point,
      1,
      1,
      (k) => dir[k] as number,
      (_d, o, t) => (out[o] = t),
      options,
    );
    return { value: out, stats };
  },

  /** uᵀJ by forward mode: forward mode has no cheaper way than the n columns of J. */
  vjp(f, x, u, options = {}): Result<Float64Array> {
    const n = f.variables.length;
    const point = readVector(x, n, 'the point');
    const cot = readVector(u, f.outputs.length, 'the cotangent');
    const out = new Float64Array(n);
    const stats = pushDirections(
      f,
      point,
      n,
      chunkFor(n, options),
      unit,
      // A zero component of u does not touch its output (the zero-factor rule, as reverse mode has it).
      (k, o, t) => {
        if (cot[o] !== 0) out[k] = (out[k] as number) + (cot[o] as number) * t;
      },
      options,
    );
    return { value: out, stats };
  },
};
