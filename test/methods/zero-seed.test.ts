/**
 * A zero component of a jvp's tangent or a vjp's cotangent touches nothing (the zero-factor rule, src/ir/ops.ts),
 * in every method: forward and reverse mode skip it, and the symbolic engines and finite differences, which
 * contract a Jacobian or take the seed as an input, must give the same numbers. Before, √a's infinite partial
 * at a = 0 times a zero seed component made NaN in the symbolic engines and finite differences where forward and
 * reverse mode give 2.
 */
import { describe, expect, test } from 'vitest';
import { methods, parse } from '../../src/index.js';

const exact = [
  ['forward', {}],
  ['reverse', {}],
  ['symbolic', { engine: 'mathjs' }],
  ['symbolic', { engine: 'graph' }],
] as const;

describe('a zero seed component touches nothing, in every method', () => {
  test('vjp of (2a, √a) at a = 0 along u = (1, 0) is 2 (the closed form 2·1 + 0 · ∂√a, its row untouched)', () => {
    const f = parse(['2*a', 'sqrt(a)']);
    for (const [m, o] of exact) {
      expect(Array.from(methods[m].vjp(f, [0], [1, 0], o).value), `${m} ${JSON.stringify(o)}`).toEqual([2]);
    }
    // Finite differences: the central difference of 2a is 2 to rounding.
    expect(methods.numeric.vjp(f, [0], [1, 0]).value[0]).toBeCloseTo(2, 8);
    // With both components nonzero the √ row is touched: NaN in every method.
    for (const [m, o] of exact) expect(methods[m].vjp(f, [0], [1, 1], o).value[0]).toBeNaN();
  });

  test('jvp of 2a + √b at (1, 0) along v = (1, 0) is 2 (the √b column untouched)', () => {
    const f = parse('2*a + sqrt(b)');
    for (const [m, o] of exact) {
      expect(Array.from(methods[m].jvp(f, [1, 0], [1, 0], o).value), `${m} ${JSON.stringify(o)}`).toEqual([
        2,
      ]);
    }
    expect(methods.numeric.jvp(f, [1, 0], [1, 0]).value[0]).toBeCloseTo(2, 8);
    for (const [m, o] of exact) expect(methods[m].jvp(f, [1, 0], [1, 1], o).value[0]).toBeNaN();
  });

  test('a finite product is unchanged by the rule: the graph engine’s vjp equals reverse mode’s at ordinary points', () => {
    const f = parse(['x*y + sin(x)', 'exp(y) - x/y', 'sqrt(x*x + y*y)']);
    for (const u of [
      [1, 0, 0],
      [0, -2, 0.5],
      [0.25, 1, -1],
    ]) {
      const r = methods.reverse.vjp(f, [0.7, -1.3], u).value;
      const g = methods.symbolic.vjp(f, [0.7, -1.3], u, { engine: 'graph' }).value;
      for (let j = 0; j < 2; j++) expect(g[j]).toBeCloseTo(r[j] as number, 13);
    }
  });
});
