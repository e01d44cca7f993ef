/**
 * The derivative engines' gradient into a given array (as GradBench's C++ tools write every run into one
 * output): the numbers of a new array, the given array returned, and a scalar eval's runs writing into its
 * workload's array.
 */
import { describe, expect, it } from 'vitest';
import { derivativeEngine } from '../../src/gradbench/engine.js';
import { type Backend, METHODS } from '../../src/index.js';
import { lse } from '../../src/workloads/gradbench/lse.js';
import { sameBits } from '../ir/support/close.js';
import { closeNormwise } from '../support/expressions.js';

const x = [0.3, -1.2, 2.5, 0.9, 2.5 - 1e-9, -4];
// lse's gradient is the softmax.
const m = Math.max(...x);
const z = x.reduce((s, t) => s + Math.exp(t - m), 0);
const softmax = x.map((t) => Math.exp(t - m) / z);

describe("the engine's gradient into a given array", () => {
  for (const method of METHODS)
    for (const backend of ['interpret', 'compile'] as Backend[])
      it(`${method} (${backend}): the new array's numbers, in the array given`, () => {
        const w = lse.prepare(lse.read({ x }));
        const engine = derivativeEngine({ method, backend });
        const fresh = engine.gradient(w.f, w.x);
        const out = new Float64Array(x.length).fill(7);
        expect(engine.gradient(w.f, w.x, out)).toBe(out);
        expect(sameBits(out, fresh)).toBe(true);
        expect(closeNormwise(out, softmax, method === 'numeric' ? 1e-6 : 1e-14)).toBe(true);
      });

  it("a scalar eval's derivative writes every run into its workload's array", () => {
    const w = lse.prepare(lse.read({ x }));
    const engine = derivativeEngine({ method: 'reverse', backend: 'compile' });
    const first = lse.run('gradient', w, engine);
    expect(first).toBe(w.gradient);
    expect(lse.run('gradient', w, engine)).toBe(first);
    expect(closeNormwise(first as Float64Array, softmax, 1e-14)).toBe(true);
  });
});
