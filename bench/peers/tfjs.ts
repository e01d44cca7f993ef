/**
 * TensorFlow.js (plain `@tensorflow/tfjs`, CPU backend) on the peer workloads, vectorised as a TF.js user
 * writes them: whole-tensor ops and `tf.grad`. The CPU backend has no float64, so everything is float32, and
 * the gradient is read back with `dataSync()` inside the timed call.
 */
import * as tf from '@tensorflow/tfjs';
import { LOGREG_OBJECTS, logregData, ridgeData } from '../../src/workloads/index.js';
import { type Contender, checkK, type PeerWorkload, type Prepared, workloadOf } from './contender.js';

let ready: Promise<void> | undefined;

/** Selects the CPU backend (once) in production mode: no debug checks, no warnings on the console. */
export function initTfjs(): Promise<void> {
  ready ??= (async () => {
    tf.enableProdMode();
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  return ready;
}

/** The workload's loss as a function of one 1-D tensor of its K inputs, and the tensors it closes over. */
function lossOf(workload: PeerWorkload, K: number): { loss: (w: tf.Tensor) => tf.Tensor; data: tf.Tensor[] } {
  switch (workload) {
    case 'ridge': {
      // (wᵀx − y)² + λ·wᵀw
      const { x: xs, y, lambda } = ridgeData(K);
      const x = tf.tensor1d(Float32Array.from(xs));
      return {
        loss: (w) => tf.add(tf.square(tf.sub(tf.dot(w, x), y)), tf.mul(tf.dot(w, w), lambda)),
        data: [x],
      };
    }
    case 'rosenbrock':
      // Σ 100(x_{i+1} − x_i²)² + (1 − x_i)², with x_i and x_{i+1} as two shifted slices
      return {
        loss: (x) => {
          const head = tf.slice(x, 0, K - 1);
          const tail = tf.slice(x, 1, K - 1);
          return tf.sum(
            tf.add(tf.mul(tf.square(tf.sub(tail, tf.square(head))), 100), tf.square(tf.sub(1, head))),
          );
        },
        data: [],
      };
    case 'product':
      return { loss: (w) => tf.prod(w), data: [] };
    case 'logreg': {
      // Σᵢ softplus(sᵢ zᵢ), z = Xw + b, s = −1 where y = 1 and +1 where y = 0
      const { X, y } = logregData(K);
      const n = K - 1;
      const flat = new Float32Array(LOGREG_OBJECTS * n);
      X.forEach((row, i) => {
        flat.set(row, i * n);
      });
      const Xt = tf.tensor2d(flat, [LOGREG_OBJECTS, n]);
      const s = tf.tensor1d(Float32Array.from(y, (yi) => (yi === 1 ? -1 : 1)));
      return {
        loss: (at) => {
          const w = tf.slice(at, 0, n).reshape([n, 1]);
          const b = tf.slice(at, n, 1);
          const z = tf.add(tf.matMul(Xt, w).reshape([LOGREG_OBJECTS]), b);
          return tf.sum(tf.softplus(tf.mul(s, z)));
        },
        data: [Xt, s],
      };
    }
  }
}

/**
 * TF.js's gradient of a workload at its point: tf.grad of the vectorised loss, run in `tf.tidy`, read back
 * as a Float32Array.
 */
export async function tfjsGradient(workload: PeerWorkload, K: number): Promise<Prepared> {
  checkK(K);
  await initTfjs();
  const { loss, data } = lossOf(workload, K);
  const w = tf.tensor1d(Float32Array.from(workloadOf(workload).point(K)));
  const grad = tf.grad(loss);
  return {
    run() {
      const g = tf.tidy(() => grad(w));
      const out = g.dataSync() as Float32Array;
      g.dispose();
      return out;
    },
    dispose() {
      w.dispose();
      for (const t of data) t.dispose();
    },
  };
}

/** TensorFlow.js 4, CPU backend, float32, `tf.grad`. */
export const tfjsContender: Contender = {
  id: 'tfjs',
  label: 'TF.js CPU (float32)',
  computes: 'gradient',
  precision: 'float32',
  growth: 1,
  prepare: tfjsGradient,
};
