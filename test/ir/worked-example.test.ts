/**
 * The worked example of DESIGN.md: ridge regression's loss, from parse and from the builder, evaluates to
 * 246 at w = (3, 4), with the point given by name or in `f.variables` order.
 */
import { describe, expect, it } from 'vitest';
import { constant, dot, parse, program, variable, withGraph } from '../../src/ir/index.js';
import { evaluate } from '../../src/sweeps/index.js';

// (3·1 + 4·2 − 0)² + 5·(3² + 4²) = 121 + 125
const EXPECTED = (3 * 1 + 4 * 2 - 0) ** 2 + 5 * (3 ** 2 + 4 ** 2);

describe('worked example: (w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)', () => {
  it('the closed form is 246', () => {
    expect(EXPECTED).toBe(246);
  });

  it('parse: variables in order of first appearance, value 246 by name and by position', () => {
    const f = parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');
    expect(f.variables).toEqual(['w1', 'w2']);
    expect(evaluate(f, { w1: 3, w2: 4 })).toBe(EXPECTED);
    expect(evaluate(f, [3, 4])).toBe(EXPECTED);
    expect(evaluate(f, new Float64Array([3, 4]))).toBe(EXPECTED);
  });

  it('builder: program(dot(w, x).sub(0).pow(2).add(dot(w, w).mul(5))) gives the same', () => {
    const g = withGraph(() => {
      const w = [variable('w1'), variable('w2')];
      const x = [constant(1), constant(2)];
      return program(dot(w, x).sub(0).pow(2).add(dot(w, w).mul(5)));
    });
    expect(g.variables).toEqual(['w1', 'w2']);
    expect(evaluate(g, [3, 4])).toBe(EXPECTED);
    expect(evaluate(g, { w1: 3, w2: 4 })).toBe(EXPECTED);
  });

  it('both agree with the closed form away from the example point', () => {
    const f = parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');
    for (const [a, b] of [
      [0, 0],
      [-1.5, 2.25],
      [1e3, -7],
    ] as const) {
      const closed = (a * 1 + b * 2 - 0) ** 2 + 5 * (a ** 2 + b ** 2);
      expect(evaluate(f, [a, b])).toBeCloseTo(closed, 9);
    }
  });
});
