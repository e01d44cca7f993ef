/**
 * ht's Jacobian reuses its arrays between calls (the chain's points, the vertices' Jacobians, the Jacobian it
 * returns): calls on the four fixture workloads (two models, simple and complicated: different sizes)
 * interleaved, each twice, the objective between them, and another method on the same workloads, each equal to
 * the bit to a call on a workload prepared afresh.
 */
import { expect, it } from 'vitest';
import { derivativeEngine } from '../../src/gradbench/engine.js';
import { ht } from '../../src/workloads/gradbench/ht.js';
import { htFixture } from './support.js';

it("ht's Jacobian, its arrays reused: interleaved workloads, methods and the objective leave no old values", () => {
  const rounds = htFixture().rounds.filter((r) => r.function === 'jacobian');
  expect(rounds.length).toBe(4);
  const fresh = (i: number, engine: ReturnType<typeof derivativeEngine>) =>
    ht.run(
      'jacobian',
      ht.prepare(ht.read((rounds[i] as (typeof rounds)[number]).input)),
      engine,
    ) as Float64Array;
  const same = (a: Float64Array, b: Float64Array) =>
    a.length === b.length && a.every((v, k) => Object.is(v, b[k]));
  const pairs = [
    ['reverse', 'compile', 'forward'],
    ['forward', 'interpret', 'reverse'],
  ] as const;
  for (const [method, backend, otherMethod] of pairs) {
    const engine = derivativeEngine({ method, backend });
    const workloads = rounds.map((r) => ht.prepare(ht.read(r.input)));
    const want = workloads.map((_, i) => fresh(i, engine).slice());
    for (let pass = 0; pass < 2; pass++) {
      for (const [i, w] of workloads.entries()) {
        ht.run('objective', w, engine);
        const got = ht.run('jacobian', w, engine) as Float64Array;
        expect(same(got, want[i] as Float64Array), `${method} ${backend}, workload ${i}, pass ${pass}`).toBe(
          true,
        );
      }
    }
    const other = derivativeEngine({ method: otherMethod, backend });
    for (const [i, w] of workloads.entries()) {
      const got = ht.run('jacobian', w, other) as Float64Array;
      expect(same(got, fresh(i, other)), `${otherMethod} ${backend} after ${method}, workload ${i}`).toBe(
        true,
      );
    }
  }
});
