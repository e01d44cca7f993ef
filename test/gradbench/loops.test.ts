/**
 * The evals written as loops (ode, lstm, gmm, llsq, lse, kmeans) against their unrolled programs on GradBench's
 * public fixtures: the same primal to the bit, and gradients within 1e-12 relative by both backends.
 */
import { describe, expect, it } from 'vitest';
import { derivativeEngine } from '../../src/gradbench/engine.js';
import { type Backend, evaluate, methods, type Program, unroll } from '../../src/index.js';
import { GRADBENCH_EVALS, lse } from '../../src/workloads/gradbench/index.js';
import { closeNormwise } from '../support/expressions.js';
import { fixture } from './support.js';

/** The program and point an eval's workload holds (each eval names them its own way). */
function programOf(workload: unknown): { f: Program; x: Float64Array; u: Float64Array | undefined } {
  const w = workload as { f?: Program; primal?: Program; x: Float64Array; last?: Float64Array };
  return { f: (w.f ?? w.primal) as Program, x: w.x, u: w.last };
}

const LOOPED = ['ode', 'lstm', 'gmm', 'llsq', 'lse', 'kmeans'] as const;

describe('evals written as loops equal their unrolled programs', () => {
  for (const name of LOOPED) {
    it(name, () => {
      const ev = GRADBENCH_EVALS[name];
      if (ev === undefined) throw new Error(name);
      const round = fixture(name).rounds.find((r) => r.function === ev.primal);
      const { f, x, u } = programOf(ev.prepare(ev.read(round?.input)));
      expect(f.calls.length).toBeGreaterThan(0);
      const flat = unroll(f);
      expect(flat.calls.length).toBe(0);
      const value = evaluate(f, x);
      const flatValue = evaluate(flat, x);
      expect(Array.from(typeof value === 'number' ? [value] : value)).toEqual(
        Array.from(typeof flatValue === 'number' ? [flatValue] : flatValue),
      );
      const cot = u ?? Float64Array.of(1);
      const ref = methods.reverse.vjp(flat, x, cot).value;
      for (const backend of ['interpret', 'compile'] as Backend[]) {
        expect(closeNormwise(methods.reverse.vjp(f, x, cot, { backend }).value, ref, 1e-12)).toBe(true);
        expect(closeNormwise(methods.forward.vjp(f, x, cot, { backend }).value, ref, 1e-12)).toBe(true);
      }
    });
  }
});

describe('lse on one and two inputs', () => {
  // LSE(x) = A + log Σ exp(xᵢ − A): for one input x₀ exactly, gradient [1]; for two, the softmax in closed form.
  for (const backend of ['interpret', 'compile'] as Backend[]) {
    it(`${backend}: one input`, () => {
      const w = lse.prepare(lse.read({ x: [-2.5] }));
      const engine = derivativeEngine({ method: 'reverse', backend });
      expect(lse.run('primal', w, engine)).toBe(-2.5);
      expect(Array.from(lse.run('gradient', w, engine) as ArrayLike<number>)).toEqual([1]);
    });
    it(`${backend}: two inputs`, () => {
      const [p, q] = [0.25, -1.5];
      const w = lse.prepare(lse.read({ x: [p, q] }));
      const engine = derivativeEngine({ method: 'reverse', backend });
      expect(lse.run('primal', w, engine)).toBeCloseTo(Math.log(Math.exp(p) + Math.exp(q)), 14);
      const g = Array.from(lse.run('gradient', w, engine) as ArrayLike<number>);
      const s = Math.exp(p) + Math.exp(q);
      expect(g[0]).toBeCloseTo(Math.exp(p) / s, 14);
      expect(g[1]).toBeCloseTo(Math.exp(q) / s, 14);
    });
  }
});
