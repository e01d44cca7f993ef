/**
 * Forward mode: the Dual type, chunked tangent sweeps (any chunk gives the same numbers), jvp, and the
 * conventions at kinks and non-finite values.
 */
import { describe, expect, test } from 'vitest';
import { Dual, defaultChunk, gradient, jvp, methods, parse } from '../../src/index.js';

describe('Dual numbers', () => {
  test('d/dx sin(x²) = 2x cos(x²) at x = 2', () => {
    const y = new Dual(2, 1).mul(new Dual(2, 1)).sin();
    expect(y.value).toBe(Math.sin(4));
    expect(y.tangent).toBeCloseTo(4 * Math.cos(4), 15);
  });

  test('numbers mix in as constants, and a zero tangent meets an infinite partial as zero', () => {
    const x = new Dual(3, 1);
    expect(x.mul(2).add(1).tangent).toBe(2);
    // √0 has an infinite derivative, but a constant 0 carries no tangent: no NaN.
    expect(new Dual(0, 0).sqrt().mul(x).tangent).toBe(0);
  });
});

describe('chunked tangent sweeps', () => {
  const f = parse('sum(x1*x2, x3^2, sin(x4)*x5, exp(x6 - x7), log(x8^2 + 1), x9/x10, tanh(x11 * x12 * x13))');
  const at = Array.from({ length: 13 }, (_, i) => 0.3 + i / 7);

  test('every chunk size gives the reverse-mode gradient', () => {
    const reference = gradient(f, at);
    for (const chunk of [1, 2, 5, 13, 16, 64]) {
      const g = gradient(f, at, { method: 'forward', chunk });
      reference.forEach((r, i) => expect(g[i]).toBeCloseTo(r, 14));
    }
  });

  test('the default chunk spreads n directions evenly over the fewest sweeps of at most 16', () => {
    expect([1, 2, 13, 16, 17, 20, 32, 33, 100].map(defaultChunk)).toEqual([1, 2, 13, 16, 9, 10, 16, 11, 15]);
  });

  test('a bad chunk is refused with a clear error', () => {
    expect(() => gradient(f, at, { method: 'forward', chunk: 0 })).toThrow(
      /chunk must be an integer from 1 to 64/,
    );
  });

  test('jvp is the directional derivative ∇f·v', () => {
    const v = at.map((_, i) => (i % 3) - 1);
    const g = gradient(f, at);
    const dir = g.reduce((acc, gi, i) => acc + gi * (v[i] as number), 0);
    expect(jvp(parse([f.source as string]), at, v, { method: 'forward' })[0]).toBeCloseTo(dir, 13);
  });
});

describe('conventions', () => {
  test('kinks: abs′(0) = 0, relu′(0) = 0, max/min split ties evenly', () => {
    const f = parse('abs(x) + relu(y) + max(u, v) + 3 * min(u, v)');
    for (const method of ['forward', 'reverse'] as const) {
      expect(Array.from(gradient(f, { x: 0, y: 0, u: 1, v: 1 }, { method }))).toEqual([0, 0, 2, 2]);
    }
  });

  test('a NaN value gives a NaN derivative, not an exception, unless check is asked for', () => {
    const f = parse('log(x) * y');
    for (const method of ['forward', 'reverse'] as const) {
      const g = gradient(f, { x: -1, y: 2 }, { method });
      // IEEE chain rule: ∂/∂x = y · (1/x) = −2 (the partial of log is defined at −1), ∂/∂y = log(−1) = NaN.
      expect(g[0]).toBe(-2);
      expect(Number.isNaN(g[1])).toBe(true);
      expect(() => methods[method].gradient(f, [-1, 2], { check: true })).toThrow(
        expect.objectContaining({ code: 'non-finite', subexpression: 'log(x)' }),
      );
    }
  });

  test('√x at 0 behind a zero factor is NaN (0·∞), and on a branch the input does not reach is nothing, in both modes', () => {
    // 0·√x: reverse mode meets √x's infinite partial with a zero adjoint; forward mode meets √x's infinite
    // tangent with the zero partial of the product. √(0·x): the other way round. Both are 0·∞ = NaN, as in
    // PyTorch. 2x + √y: ∂/∂x does not pass through √y, whose partial is infinite at 0 (∂/∂y is NaN).
    const cases: [string, Record<string, number>, number[]][] = [
      ['0 * sqrt(x) + y^2', { x: 0, y: 3 }, [Number.NaN, 6]],
      ['sqrt(0 * x) + y^2', { x: 0, y: 3 }, [Number.NaN, 6]],
      ['2 * x + sqrt(y)', { x: 0, y: 0 }, [2, Number.NaN]],
    ];
    for (const [source, at, want] of cases) {
      for (const method of ['forward', 'reverse'] as const) {
        expect(Array.from(gradient(parse(source), at, { method })), `${source} by ${method}`).toEqual(want);
      }
    }
  });
});
