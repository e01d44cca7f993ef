/**
 * Every peer's gradient equals the workload's closed-form reference gradient at small K, so the peer benchmark
 * cannot time a wrong answer: the hand-written loops, mathjs's derivative, jax-js and TensorFlow.js. The
 * hand-written f and the mathjs source are checked against difflab's evaluation of the workload's program.
 */

import { evaluate as mathjsEvaluate } from 'mathjs';
import { describe, expect, test } from 'vitest';
import { PEER_WORKLOADS, type Prepared, workloadOf } from '../../bench/peers/contender.js';
import { handWritten } from '../../bench/peers/hand.js';
import { jaxGradient } from '../../bench/peers/jax.js';
import { mathjsGradient, mathjsSource } from '../../bench/peers/mathjs.js';
import { relativeError } from '../../bench/peers/measure.js';
import { tfjsGradient } from '../../bench/peers/tfjs.js';
import { evaluate } from '../../src/index.js';

const SIZES = [10, 50];

/**
 * float64 loops over at most 32 · 50 terms: rounding stays within a few hundred ulps of the gradient's
 * largest entry.
 */
const FLOAT64 = 1e-13;
/**
 * float32 arithmetic (ε₃₂ = 1.2e-7) on inputs rounded to float32, sums of at most 32 · 50 terms; the largest
 * error seen at these sizes is 3e-7.
 */
const FLOAT32 = 1e-5;
/** jax-js evaluates exp and log by float32 polynomials even on float64 arrays (exp's relative error ≈ 4e-7). */
const JAX_EXP_LOG = 1e-6;

function reference(workload: (typeof PEER_WORKLOADS)[number], K: number): Float64Array {
  const w = workloadOf(workload);
  return w.gradient(K, w.point(K));
}

function gradientOf(p: Prepared): Float64Array {
  try {
    return Float64Array.from(p.run() as ArrayLike<number>);
  } finally {
    p.dispose?.();
  }
}

describe.each(PEER_WORKLOADS)('%s', (workload) => {
  test.each(SIZES)('hand-written f and ∇f at K = %i', (K) => {
    const w = workloadOf(workload);
    const x = w.point(K);
    const h = handWritten(workload, K);
    expect(relativeError(h.f(x), evaluate(w.build(K), x))).toBeLessThan(FLOAT64);
    expect(relativeError(h.gradient(x), reference(workload, K))).toBeLessThan(FLOAT64);
  });

  test.each(SIZES)('the mathjs source evaluates to f at K = %i', (K) => {
    const w = workloadOf(workload);
    const x = w.point(K);
    const { source, variables } = mathjsSource(workload, K);
    expect(variables).toHaveLength(K);
    const scope = Object.fromEntries(variables.map((v, i) => [v, x[i] as number]));
    expect(relativeError(mathjsEvaluate(source, scope) as number, evaluate(w.build(K), x))).toBeLessThan(
      FLOAT64,
    );
  });

  test.each(SIZES)('mathjs derivative at K = %i', (K) => {
    expect(relativeError(gradientOf(mathjsGradient(workload, K)), reference(workload, K))).toBeLessThan(
      FLOAT64,
    );
  });

  test.each(SIZES)('jax-js jit(grad) at K = %i', async (K) => {
    const g = gradientOf(await jaxGradient(workload, K));
    expect(g).toHaveLength(K);
    // Only logreg goes through exp and log.
    const tolerance = workload === 'logreg' ? JAX_EXP_LOG : FLOAT64;
    expect(relativeError(g, reference(workload, K))).toBeLessThan(tolerance);
  });

  test.each(SIZES)('TF.js tf.grad at K = %i', async (K) => {
    const g = gradientOf(await tfjsGradient(workload, K));
    expect(g).toHaveLength(K);
    expect(relativeError(g, reference(workload, K))).toBeLessThan(FLOAT32);
  });
});

test('jax-js is called again and again on the same arrays without freeing them', async () => {
  // Ownership slips (a missing .ref) show up on the second call as a use-after-free error.
  const p = await jaxGradient('logreg', 10);
  const first = Float64Array.from(p.run() as ArrayLike<number>);
  const second = Float64Array.from(p.run() as ArrayLike<number>);
  p.dispose?.();
  expect(second).toEqual(first);
});
