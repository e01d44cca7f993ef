/**
 * Reverse mode's cost claim, checked through the deterministic operation counts: a whole gradient is one
 * forward and one backward sweep whatever n is, while forward mode's count grows as n × program size.
 */
import { describe, expect, test } from 'vitest';
import { methods, programCost } from '../../src/index.js';
import { ridge, ridgeGradient } from '../support/ridge.js';

describe('the cost of a full gradient', () => {
  test('reverse mode on a 100,000-input ridge loss: one forward sweep, one backward sweep, exact gradient', () => {
    const K = 100_000;
    const f = ridge(K);
    const w = Float64Array.from({ length: K }, (_, i) => Math.sin(i) / 10);
    const { value, stats } = methods.reverse.gradient(f, w);
    expect(stats.evaluations).toBe(1);
    expect(stats.reverseSweeps).toBe(1);
    expect(stats.forwardSweeps).toBe(0);
    const cost = programCost(f);
    expect(stats.ops).toBe(cost.nodes + 2 * cost.edges);
    // Edges: 2K for each dot product (wᵀx and wᵀw), 2 each for −, ^, × and +.
    expect(cost.edges).toBe(4 * K + 8);
    const closed = ridgeGradient(K, w);
    let worst = 0;
    for (let i = 0; i < K; i++)
      worst = Math.max(worst, Math.abs((value[i] as number) - (closed[i] as number)));
    expect(worst).toBeLessThan(1e-12);
  });

  test('forward mode and finite differences: operations grow as n × program size; reverse mode as the size alone', () => {
    const sizes = [64, 128, 256, 512];
    const ops = (method: 'forward' | 'reverse' | 'numeric', K: number) => {
      const f = ridge(K);
      return methods[method].gradient(f, new Float64Array(K).fill(0.1)).stats.ops;
    };
    // The growth exponent between consecutive sizes (doubling K doubles the program): 2 for n × size, 1 for
    // size alone, up to lower-order terms (the primal part of each forward sweep, the constant nodes).
    const slope = (method: 'forward' | 'reverse' | 'numeric', k0: number, k1: number) =>
      Math.log(ops(method, k1) / ops(method, k0)) / Math.log(k1 / k0);
    for (let s = 1; s < sizes.length; s++) {
      const [k0, k1] = [sizes[s - 1] as number, sizes[s] as number];
      expect(Math.abs(slope('forward', k0, k1) - 2)).toBeLessThan(0.05);
      expect(Math.abs(slope('numeric', k0, k1) - 2)).toBeLessThan(0.05);
      expect(Math.abs(slope('reverse', k0, k1) - 1)).toBeLessThan(0.05);
    }
  });

  test('forward mode takes ⌈n/chunk⌉ sweeps', () => {
    const f = ridge(100);
    for (const chunk of [1, 3, 16, 64]) {
      const { stats } = methods.forward.gradient(f, new Float64Array(100).fill(0.2), { chunk });
      expect(stats.forwardSweeps).toBe(Math.ceil(100 / chunk));
    }
  });
});
