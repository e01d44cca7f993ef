/**
 * jax-js (`@jax-js/jax`) on the peer workloads: the vectorised loss, `jit(grad(loss))`, float64 arrays on the
 * WebAssembly CPU device (the one device jax-js runs on in Node; its kernels evaluate exp and log in float32
 * even on float64 arrays, which shows in logreg's gradient at about 1e-8). Arrays follow jax-js's ownership rules: every
 * use but the last of an array goes through `.ref`, and reading the result with `dataSync()` consumes it.
 */
import { defaultDevice, grad, init, jit, nn, numpy as np } from '@jax-js/jax';
import { LOGREG_OBJECTS, logregData, ridgeData } from '../../src/workloads/index.js';
import { type Contender, checkK, type PeerWorkload, type Prepared, workloadOf } from './contender.js';

// jax-js 0.1 tests `data instanceof Float16Array` when it makes any array from a typed array, and Node 20 has
// no Float16Array: a class nothing is an instance of lets the test fail as intended (we never use float16).
(globalThis as Record<string, unknown>).Float16Array ??= class Float16Array {};

let ready: Promise<void> | undefined;

/** Starts jax-js's WebAssembly backend (once) and makes it the default device. */
export function initJax(): Promise<void> {
  ready ??= (async () => {
    const available = await init('wasm');
    if (!available.includes('wasm')) throw new Error('jax-js: the wasm device is not available');
    defaultDevice('wasm');
  })();
  return ready;
}

function f64(values: ArrayLike<number>): np.Array {
  return np.array(Float64Array.from(values), { dtype: np.float64 });
}

/** The workload's loss as a function of one 1-D array of its K inputs, and the arrays it closes over. */
function lossOf(workload: PeerWorkload, K: number): { loss: (w: np.Array) => np.Array; data: np.Array[] } {
  switch (workload) {
    case 'ridge': {
      // (wᵀx − y)² + λ·wᵀw
      const { x: xs, y, lambda } = ridgeData(K);
      const x = f64(xs);
      return {
        loss: (w) => np.square(np.dot(w.ref, x.ref).sub(y)).add(np.dot(w.ref, w).mul(lambda)),
        data: [x],
      };
    }
    case 'rosenbrock':
      // Σ 100(x_{i+1} − x_i²)² + (1 − x_i)², with x_i and x_{i+1} as two shifted slices
      return {
        loss: (x) => {
          const head = x.ref.slice([0, K - 1]);
          const tail = x.slice([1, K]);
          const r = tail.sub(np.square(head.ref));
          const d = np.negative(head).add(1);
          return np.square(r).mul(100).add(np.square(d)).sum();
        },
        data: [],
      };
    case 'product':
      return { loss: (w) => np.prod(w), data: [] };
    case 'logreg': {
      // Σᵢ softplus(sᵢ zᵢ), z = Xw + b, s = −1 where y = 1 and +1 where y = 0
      const { X, y } = logregData(K);
      const n = K - 1;
      const flat = new Float64Array(LOGREG_OBJECTS * n);
      X.forEach((row, i) => {
        flat.set(row, i * n);
      });
      const Xa = np.array(flat, { dtype: np.float64 }).reshape([LOGREG_OBJECTS, n]);
      const s = f64(Array.from(y, (yi) => (yi === 1 ? -1 : 1)));
      return {
        loss: (at) => {
          const w = at.ref.slice([0, n]);
          const b = at.slice(n);
          // np.dot of a matrix and a vector is one `dot` primitive (np.matvec goes through einsum, whose
          // parser needs iterator helpers that Node 20 lacks).
          const z = np.dot(Xa.ref, w).add(b);
          return nn.softplus(z.mul(s.ref)).sum();
        },
        data: [Xa, s],
      };
    }
  }
}

/** jax-js's gradient of a workload at its point: `jit(grad(loss))`, read back as a Float64Array. */
export async function jaxGradient(workload: PeerWorkload, K: number): Promise<Prepared> {
  checkK(K);
  await initJax();
  const { loss, data } = lossOf(workload, K);
  const w = f64(workloadOf(workload).point(K));
  const g = jit(grad(loss));
  return {
    run: () => g(w.ref).dataSync(),
    dispose() {
      g.dispose();
      w.dispose();
      for (const a of data) a.dispose();
    },
  };
}

/** jax-js 0.1, `jit(grad(·))`, float64 on the wasm device. */
export const jaxContender: Contender = {
  id: 'jax',
  label: 'jax-js jit (float64)',
  computes: 'gradient',
  // float64 arrays, but the wasm kernels evaluate exp and log in float32 (a 5th-order polynomial for exp).
  precision: 'float64-approx',
  growth: 1,
  prepare: jaxGradient,
};
