/**
 * The vector-valued workloads: their closed-form Jacobians against central differences of their values (plain
 * arithmetic on `evaluate`, no differentiation method), their shapes, and their arguments' checks.
 */
import { describe, expect, it } from 'vitest';
import {
  DifflabError,
  denseLayer,
  encoderDecoder,
  evaluate,
  type JacobianWorkload,
} from '../../src/index.js';

/** Column i of J by a central difference of f's values, step 1e-5 (error O(h²) ≈ 1e-10 for these tanh chains). */
function centralColumn(w: JacobianWorkload, i: number): Float64Array {
  const h = 1e-5;
  const up = Float64Array.from(w.x);
  const down = Float64Array.from(w.x);
  up[i] = (up[i] as number) + h;
  down[i] = (down[i] as number) - h;
  const a = evaluate(w.f, up) as Float64Array;
  const b = evaluate(w.f, down) as Float64Array;
  return a.map((v, o) => (v - (b[o] as number)) / (2 * h));
}

describe('Jacobian workloads', () => {
  it.each([
    ['dense 5 → 3', () => denseLayer(5, 3)],
    ['dense 2 → 7', () => denseLayer(2, 7)],
    ['encoder–decoder 6 → 2 → 5, depth 1', () => encoderDecoder(6, 2, 5, 1)],
    ['encoder–decoder 4 → 1 → 4, depth 0', () => encoderDecoder(4, 1, 4, 0)],
  ])('%s: the closed form agrees with central differences to 1e-8', (_name, make) => {
    const w = make();
    const J = w.jacobian();
    expect(J.length).toBe(w.m);
    expect(w.f.variables.length).toBe(w.n);
    expect(w.f.outputs.length).toBe(w.m);
    for (let i = 0; i < w.n; i++) {
      const column = centralColumn(w, i);
      for (let o = 0; o < w.m; o++)
        expect(Math.abs(((J[o] as Float64Array)[i] as number) - (column[o] as number))).toBeLessThan(1e-8);
    }
  });

  it('the bottleneck workload has the promised layer widths: n inputs, m outputs', () => {
    const w = encoderDecoder(10, 3, 7, 2);
    expect([w.n, w.m, w.x.length]).toEqual([10, 7, 10]);
  });

  it('widths and depth must be whole and positive', () => {
    expect(() => denseLayer(0, 3)).toThrow(DifflabError);
    expect(() => encoderDecoder(4, 2, 4, -1)).toThrow(DifflabError);
    expect(() => encoderDecoder(4, 1.5, 4)).toThrow(DifflabError);
  });
});
