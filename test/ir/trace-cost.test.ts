/**
 * Traces cost O(N): each step is printed from its arguments' names, not by walking the program again (which
 * made a trace O(N²): 82 s at 128,000 nodes). The work is counted as reads of the program's op codes and bytes of scratch arrays.
 */
import { describe, expect, it, vi } from 'vitest';
import { type Expr, program, traceForward, traceReverse, variable, withGraph } from '../../src/index.js';
import { traceSteps } from '../../src/ir/index.js';

/** x·c, then + 1, N times: N·2 operations, f′ = c^N. */
const chain = (N: number, c: number) =>
  withGraph(() => {
    let e: Expr = variable('x');
    for (let i = 0; i < N; i++) e = e.mul(c).add(1);
    return program(e);
  });

describe('trace cost', () => {
  it('the naming pass reads and allocates in proportion to the chain (at most 8 per node)', () => {
    for (const N of [1000, 4000]) {
      const f = chain(N, 1.0001);
      // Count reads of f.op and bytes of scratch arrays: per-step walks of the whole program did both N times.
      let reads = 0;
      const op = new Proxy(f.op, {
        get(target, key) {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
          const v = Reflect.get(target, key, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
      Object.defineProperty(f, 'op', { value: op });
      let scratch = 0;
      const Real = Uint8Array;
      vi.stubGlobal(
        'Uint8Array',
        class extends Real {
          constructor(length: number) {
            super(length);
            scratch += length;
          }
        },
      );
      try {
        expect(traceSteps(f)).toHaveLength(2 * N);
      } finally {
        vi.unstubAllGlobals();
      }
      expect(reads).toBeLessThanOrEqual(8 * f.size);
      expect(scratch).toBeLessThanOrEqual(8 * f.size);
    }
  });

  it('a 100,000-step chain traces by both modes, each step named from the previous one', () => {
    const N = 100_000;
    const c = 1.000001;
    const f = chain(N, c);
    const r = traceReverse(f, [0.5]);
    expect(r.steps).toHaveLength(2 * N);
    expect(r.steps[0]).toMatchObject({ name: 'a', expression: 'x * 1.000001' });
    expect(r.steps[1]).toMatchObject({ name: 'b', expression: 'a + 1' });
    const last = r.steps[2 * N - 1];
    const before = r.steps[2 * N - 2];
    expect(last?.expression).toBe(`${before?.name} + 1`);
    expect(r.gradient[0]).toBeCloseTo(c ** N, 9);
    const t = traceForward(f, [0.5]);
    expect(t.tangent).toBeCloseTo(c ** N, 9);
    expect(t.steps[2 * N - 1]?.expression).toBe(last?.expression);
  });
});
