/**
 * The floor: f and ∇f of each peer workload as hand-written JavaScript loops over Float64Arrays, the way one
 * would write them with no library at all. Each loop is a module-level function that takes its data as
 * arguments (not a closure per size: V8 compiles a function made by many closures without their contexts as
 * constants, so closures would make the floor depend on which sizes ran before). Data are laid out once
 * (logreg's X row-major in one array); a call allocates nothing but the gradient it returns.
 */
import { LOGREG_OBJECTS, logregData, ridgeData } from '../../src/workloads/index.js';
import { type Contender, checkK, type PeerWorkload, type Prepared, workloadOf } from './contender.js';

/** softplus(t) = log(1 + eᵗ) without overflow: max(t, 0) + log1p(e^−|t|). */
function softplus(t: number): number {
  return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
}

/** σ(t) = 1/(1 + e^−t) without overflow in either direction. */
function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

/** L = (wᵀx − y)² + λ·wᵀw */
export function ridgeF(w: Float64Array, x: Float64Array, y: number, lambda: number): number {
  let r = -y;
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i] as number;
    r += wi * (x[i] as number);
    s += wi * wi;
  }
  return r * r + lambda * s;
}

/** ∇L = 2(wᵀx − y)·x + 2λ·w */
export function ridgeGradient(w: Float64Array, x: Float64Array, y: number, lambda: number): Float64Array {
  const K = w.length;
  let r = -y;
  for (let i = 0; i < K; i++) r += (w[i] as number) * (x[i] as number);
  const g = new Float64Array(K);
  const a = 2 * r;
  const b = 2 * lambda;
  for (let i = 0; i < K; i++) g[i] = a * (x[i] as number) + b * (w[i] as number);
  return g;
}

/** Σ_{i<K−1} 100(x_{i+1} − x_i²)² + (1 − x_i)² */
export function rosenbrockF(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const xi = x[i] as number;
    const r = (x[i + 1] as number) - xi * xi;
    const d = 1 - xi;
    s += 100 * r * r + d * d;
  }
  return s;
}

/** ∂/∂x_i = −400 x_i (x_{i+1} − x_i²) − 2(1 − x_i) [i < K−1] + 200 (x_i − x_{i−1}²) [i > 0] */
export function rosenbrockGradient(x: Float64Array): Float64Array {
  const K = x.length;
  const g = new Float64Array(K);
  let carry = 0;
  for (let i = 0; i + 1 < K; i++) {
    const xi = x[i] as number;
    const r = (x[i + 1] as number) - xi * xi;
    g[i] = carry - 400 * xi * r - 2 * (1 - xi);
    carry = 200 * r;
  }
  g[K - 1] = carry;
  return g;
}

/** Π wᵢ */
export function productF(w: Float64Array): number {
  let p = 1;
  for (let i = 0; i < w.length; i++) p *= w[i] as number;
  return p;
}

/** ∂/∂wᵢ = Π_{j<i} wⱼ · Π_{j>i} wⱼ: prefix products forward, suffix products backward */
export function productGradient(w: Float64Array): Float64Array {
  const K = w.length;
  const g = new Float64Array(K);
  let prefix = 1;
  for (let i = 0; i < K; i++) {
    g[i] = prefix;
    prefix *= w[i] as number;
  }
  let suffix = 1;
  for (let i = K - 1; i >= 0; i--) {
    g[i] = (g[i] as number) * suffix;
    suffix *= w[i] as number;
  }
  return g;
}

/**
 * Q = Σᵢ softplus(sᵢ zᵢ), zᵢ = xᵢᵀw + b, sᵢ = −1 where yᵢ = 1 and +1 where yᵢ = 0 (−log σ(z) = softplus(−z),
 * −log(1 − σ(z)) = softplus(z)). `at` is w (length n) then b; X is m × n row-major.
 */
export function logregF(at: Float64Array, X: Float64Array, s: Float64Array): number {
  const n = at.length - 1;
  const b = at[n] as number;
  let q = 0;
  for (let i = 0; i < s.length; i++) {
    let z = b;
    const o = i * n;
    for (let j = 0; j < n; j++) z += (X[o + j] as number) * (at[j] as number);
    q += softplus((s[i] as number) * z);
  }
  return q;
}

/** ∂Q/∂w = Xᵀ(σ(z) − y), ∂Q/∂b = Σᵢ (σ(zᵢ) − yᵢ), with y = (1 − s)/2 */
export function logregGradient(at: Float64Array, X: Float64Array, s: Float64Array): Float64Array {
  const n = at.length - 1;
  const b = at[n] as number;
  const g = new Float64Array(n + 1);
  let gb = 0;
  for (let i = 0; i < s.length; i++) {
    let z = b;
    const o = i * n;
    for (let j = 0; j < n; j++) z += (X[o + j] as number) * (at[j] as number);
    const r = sigmoid(z) - (1 - (s[i] as number)) / 2;
    for (let j = 0; j < n; j++) g[j] = (g[j] as number) + (X[o + j] as number) * r;
    gb += r;
  }
  g[n] = gb;
  return g;
}

/** A workload's f and ∇f at K as calls of the loops above, with their data laid out. */
export interface HandWritten {
  f(x: Float64Array): number;
  gradient(x: Float64Array): Float64Array;
}

/** The hand-written f and ∇f of a workload at K. */
export function handWritten(workload: PeerWorkload, K: number): HandWritten {
  checkK(K);
  switch (workload) {
    case 'ridge': {
      const { x, y, lambda } = ridgeData(K);
      return { f: (w) => ridgeF(w, x, y, lambda), gradient: (w) => ridgeGradient(w, x, y, lambda) };
    }
    case 'rosenbrock':
      return { f: rosenbrockF, gradient: rosenbrockGradient };
    case 'product':
      return { f: productF, gradient: productGradient };
    case 'logreg': {
      const { X: rows, y } = logregData(K);
      const n = K - 1;
      const X = new Float64Array(LOGREG_OBJECTS * n);
      rows.forEach((row, i) => {
        X.set(row, i * n);
      });
      const s = Float64Array.from(y, (yi) => (yi === 1 ? -1 : 1));
      return { f: (at) => logregF(at, X, s), gradient: (at) => logregGradient(at, X, s) };
    }
  }
}

function prepareHand(workload: PeerWorkload, K: number, what: 'f' | 'gradient'): Prepared {
  const h = handWritten(workload, K);
  const x = workloadOf(workload).point(K);
  return what === 'f' ? { run: () => h.f(x) } : { run: () => h.gradient(x) };
}

/** The hand-written f: the floor every ratio is taken against. */
export const handF: Contender = {
  id: 'hand-f',
  label: 'hand-written f',
  computes: 'f',
  precision: 'float64',
  growth: 1,
  prepare: (workload, K) => prepareHand(workload, K, 'f'),
};

/** The hand-written gradient. */
export const handGradient: Contender = {
  id: 'hand-grad',
  label: 'hand-written ∇f',
  computes: 'gradient',
  precision: 'float64',
  growth: 1,
  prepare: (workload, K) => prepareHand(workload, K, 'gradient'),
};
