/** Each workload's reference gradient agrees with reverse and forward mode (and so the two agree with it). */
import { describe, expect, test } from 'vitest';
import { evaluate, methods } from '../../src/index.js';
import { workloads } from '../../src/workloads/index.js';

describe.each(Object.values(workloads))('$name', (w) => {
  test.each([1, 2, 7, 64])('at K = %i the closed-form gradient equals reverse and forward mode', (K) => {
    const f = w.build(K);
    const x = w.point(K);
    expect(f.variables.length).toBe(K);
    expect(Number.isFinite(evaluate(f, x))).toBe(true);
    const closed = w.gradient(K, x);
    for (const method of ['reverse', 'forward'] as const) {
      const g = methods[method].gradient(f, x).value;
      closed.forEach((c, i) => expect(Math.abs((g[i] as number) - c)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(c))));
    }
  });
});
