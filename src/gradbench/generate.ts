/**
 * Generated GradBench inputs of the evals' shapes at chosen sizes, for measuring beyond the public fixtures.
 * The data are deterministic (a hash of seed and position) and distributed like GradBench's (uniform [0, 1)
 * or standard-normal-like), but they are not GradBench's draws: there is no golden output, so the report
 * checks each method against reverse mode instead.
 */
import { DifflabError } from '../ir/errors.js';
import { uniform } from '../workloads/random.js';
import type { Fixture } from './fixture.js';

/** A workload size: the eval and its size parameters. */
export interface GeneratedSize {
  eval: string;
  sizes: Readonly<Record<string, number>>;
}

const SEED = 31337;
/** uniform [0, 1) */
const u01 = (stream: number, i: number, j = 0) => (uniform(SEED + stream, i, j) + 1) / 2;
/** roughly standard normal: the sum of three uniforms on [−1, 1), whose variance is 1 */
const normal = (stream: number, i: number, j = 0) =>
  uniform(SEED + stream, i, 3 * j) +
  uniform(SEED + stream, i, 3 * j + 1) +
  uniform(SEED + stream, i, 3 * j + 2);
const vec = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const mat = (r: number, c: number, f: (i: number, j: number) => number) =>
  Array.from({ length: r }, (_, i) => vec(c, (j) => f(i, j)));

/** The camera, point, weight and feature of GradBench's ba1 data file. */
const BA1 = {
  cam: [
    -0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673, 419.194514, 5.864426, -8.51887,
    0.087812, 0.002739,
  ],
  x: [7.203245, 0.001144, 3.023326],
  w: 0.417022,
  feat: [271.760969, 834.209256],
};

/** The eval's input at these sizes (without min_runs and min_seconds). */
export function generateInput(size: GeneratedSize): unknown {
  const s = size.sizes;
  const need = (k: string): number => {
    const v = s[k];
    if (v === undefined || !Number.isInteger(v) || v < 1) {
      throw new DifflabError('invalid-argument', `${size.eval}: size ${k} must be a positive integer`);
    }
    return v;
  };
  switch (size.eval) {
    case 'hello':
      return 2;
    case 'llsq':
      return { x: vec(need('m'), (i) => u01(1, i)), n: need('n') };
    case 'lse':
      return { x: vec(need('n'), (i) => u01(2, i)) };
    case 'det': {
      const ell = need('ell');
      return { A: vec(ell * ell, (i) => u01(3, i)), ell };
    }
    case 'ode':
      return { x: vec(need('n'), (i) => u01(4, i)), s: need('s') };
    case 'kmeans': {
      const [n, k, d] = [need('n'), need('k'), need('d')];
      const points = mat(n, d, (i, j) => u01(5, i, j));
      return { points, centroids: points.slice(n - k) };
    }
    case 'gmm': {
      const [d, k, n] = [need('d'), need('k'), need('n')];
      return {
        d,
        k,
        n,
        x: mat(n, d, (i, j) => normal(6, i, j)),
        alpha: vec(k, (i) => normal(7, i)),
        mu: mat(k, d, (i, j) => u01(8, i, j)),
        q: mat(k, d, (i, j) => normal(9, i, j)),
        l: mat(k, (d * (d - 1)) / 2, (i, j) => normal(10, i, j)),
        m: 0,
        gamma: 1,
      };
    }
    case 'lstm': {
      const [l, c] = [need('l'), need('c')];
      const b = 14;
      return {
        main_params: mat(2 * l, 4 * b, (i, j) => u01(11, i, j)),
        extra_params: mat(3, b, (i, j) => u01(12, i, j)),
        state: mat(2 * l, b, (i, j) => u01(13, i, j)),
        // Characters as 14 bits, most significant first (printable ASCII, as in the eval's text).
        sequence: mat(c, b, (t, j) => ((32 + Math.floor(u01(14, t) * 95)) >> (b - 1 - j)) & 1),
      };
    }
    case 'ba':
      return { n: need('n'), m: need('m'), p: need('p'), ...BA1 };
    case 'particle':
      return { w: 0 };
    case 'saddle':
      return { start: [1, 1] };
    default:
      throw new DifflabError('invalid-argument', `no generator for eval '${size.eval}'`);
  }
}

/** The functions of each eval, in the order the eval calls them. */
const FUNCTIONS: Readonly<Record<string, readonly string[]>> = {
  hello: ['square', 'double'],
  llsq: ['primal', 'gradient'],
  lse: ['primal', 'gradient'],
  det: ['primal', 'gradient'],
  ode: ['primal', 'gradient'],
  kmeans: ['cost', 'dir'],
  gmm: ['objective', 'jacobian'],
  lstm: ['objective', 'jacobian'],
  ba: ['objective', 'jacobian'],
  particle: ['ff', 'fr', 'rf', 'rr'],
  saddle: ['ff', 'fr', 'rf', 'rr'],
};

/** A workload's label: its sizes, as `n=17,m=8`. */
export function sizeLabel(size: GeneratedSize): string {
  return Object.entries(size.sizes)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** A fixture (no golden outputs) holding one generated workload, each function once. */
export function generatedFixture(size: GeneratedSize, minRuns = 1, minSeconds = 0): Fixture {
  const functions = FUNCTIONS[size.eval];
  if (functions === undefined) throw new DifflabError('invalid-argument', `no eval '${size.eval}'`);
  const base = generateInput(size);
  const input =
    base !== null && typeof base === 'object'
      ? { ...base, min_runs: minRuns, min_seconds: minSeconds }
      : base;
  const description = sizeLabel(size) || size.eval;
  return {
    eval: size.eval,
    module: size.eval,
    rounds: functions.map((fn) => ({ function: fn, description, input })),
  };
}
