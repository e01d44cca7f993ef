/**
 * `check: true` watches derivatives as well as values, like PyTorch's anomaly detection: forward mode names
 * the first node whose tangent is NaN or ±∞, reverse mode the node whose partial made an adjoint so, with a
 * coded DifflabError carrying the subexpression.
 */
import { describe, expect, test } from 'vitest';
import { DifflabError, gradient, parse } from '../../src/index.js';

function caught(run: () => unknown): DifflabError {
  try {
    run();
  } catch (e) {
    if (e instanceof DifflabError) return e;
    throw e;
  }
  throw new Error('expected a DifflabError');
}

describe('check: true names where a derivative stops being a number', () => {
  // √(x − x) at 0: every value is finite, but √'s partial is ∞ and meets the reached zero tangent of x − x.
  const f = parse('sqrt(x - x) + y');
  for (const method of ['forward', 'reverse'] as const) {
    test(`${method} mode: sqrt(x - x), with code non-finite`, () => {
      const e = caught(() => gradient(f, [0, 1], { method, check: true }));
      expect(e.code).toBe('non-finite');
      expect(e.subexpression).toBe('sqrt(x - x)');
    });
  }
  test('without check the same gradient is [NaN, 1], with nothing thrown', () => {
    for (const method of ['forward', 'reverse'] as const) {
      expect(Array.from(gradient(f, [0, 1], { method }))).toEqual([Number.NaN, 1]);
    }
  });
  test('both backends check alike (a checked sweep runs on the interpreter)', () => {
    for (const method of ['forward', 'reverse'] as const) {
      const e = caught(() => gradient(f, [0, 1], { method, check: true, backend: 'compile' }));
      expect(e.subexpression).toBe('sqrt(x - x)');
    }
  });
  test('a finite gradient passes the check: ∇(√x·y) at (4, 1) is [1/4, 2]', () => {
    for (const method of ['forward', 'reverse'] as const) {
      expect(Array.from(gradient(parse('sqrt(x) * y'), [4, 1], { method, check: true }))).toEqual([0.25, 2]);
    }
  });
  test('an infinite slope is caught too: √x at 0 by reverse mode names sqrt(x)', () => {
    const e = caught(() => gradient(parse('sqrt(x) + y'), [0, 1], { check: true }));
    expect(e.subexpression).toBe('sqrt(x)');
  });
});
