/**
 * evaluate: the forms a point may take and the errors for bad ones, and the optional non-finite check.
 */
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/ir/index.js';
import { evaluate } from '../../src/sweeps/index.js';
import { expectDifflabError } from './support/errors.js';

/**
 * Points: by name (a record) or in `f.variables` order (an array or typed array); a variable without a value,
 * a point of the wrong length and a non-number are errors that name what is wrong.
 */
const f = parse('x * 10 + y');

describe('points', () => {
  it('a record, an array and a typed array give the same value', () => {
    expect(evaluate(f, { x: 2, y: 3 })).toBe(23);
    expect(evaluate(f, { y: 3, x: 2 })).toBe(23);
    expect(evaluate(f, [2, 3])).toBe(23);
    expect(evaluate(f, new Float64Array([2, 3]))).toBe(23);
  });

  it('repeated evaluation gives fresh values (the work buffer is reused, not stale)', () => {
    const g = parse(['x + y', 'x * y']);
    const a = evaluate(g, [1, 2]);
    const b = evaluate(g, [3, 4]);
    expect(Array.from(a)).toEqual([3, 2]);
    expect(Array.from(b)).toEqual([7, 12]);
  });

  it('a variable given no value is named (unbound-variable)', () => {
    const error = expectDifflabError(() => evaluate(f, { x: 1 }), 'unbound-variable');
    expect(error.message).toContain("'y'");
  });

  it('an inherited property is not a value', () => {
    const proto = { y: 1 };
    const point = Object.create(proto) as Record<string, number>;
    point.x = 1;
    expectDifflabError(() => evaluate(f, point), 'unbound-variable');
  });

  it('an array of the wrong length says both lengths and lists the variables (bad-point)', () => {
    for (const point of [[1], [1, 2, 3], []]) {
      const error = expectDifflabError(() => evaluate(f, point), 'bad-point');
      expect(error.message).toContain(`${point.length} value`);
      expect(error.message).toContain('2 variables (x, y)');
    }
  });

  it('a non-number is named (bad-point)', () => {
    let error = expectDifflabError(() => evaluate(f, { x: 1, y: '2' as unknown as number }), 'bad-point');
    expect(error.message).toContain("'y'");
    expect(error.message).toContain('string');
    error = expectDifflabError(() => evaluate(f, [1, null as unknown as number]), 'bad-point');
    expect(error.message).toContain("'y'");
    // biome-ignore lint/suspicious/noSparseArray: a hole is a missing value
    expectDifflabError(() => evaluate(f, [1, , 3].slice(0, 2) as number[]), 'bad-point');
  });

  it('a point that is not an object or array is refused (bad-point)', () => {
    for (const point of [null, undefined, 5, 'x=1']) {
      expectDifflabError(() => evaluate(f, point as unknown as number[]), 'bad-point');
    }
  });

  it('NaN and infinities are numbers: evaluation follows IEEE', () => {
    expect(evaluate(f, [Number.NaN, 1])).toBeNaN();
    expect(evaluate(f, [Number.POSITIVE_INFINITY, 1])).toBe(Number.POSITIVE_INFINITY);
  });

  it('a function of no variables takes an empty point', () => {
    const c = parse('2 + pi');
    expect(c.variables).toEqual([]);
    expect(evaluate(c, [])).toBe(2 + Math.PI);
    expect(evaluate(c, {})).toBe(2 + Math.PI);
  });
});

/**
 * `evaluate(f, at, { check: true })` throws at the first node whose value is NaN or ±Infinity and names it as
 * a printed subexpression; without `check` evaluation follows IEEE and returns the NaN.
 */
describe('non-finite check', () => {
  it("log(x - 5) * 2 at x = 1: the subexpression is 'log(x - 5)'", () => {
    const f = parse('log(x - 5) * 2');
    expect(evaluate(f, { x: 1 })).toBeNaN();
    const error = expectDifflabError(() => evaluate(f, { x: 1 }, { check: true }), 'non-finite');
    expect(error.subexpression).toBe('log(x - 5)');
    expect(error.message).toContain('NaN');
    // A finite value passes the check.
    expect(evaluate(f, { x: 6 }, { check: true })).toBe(0);
  });

  it('infinities are reported too, at the first node in evaluation order', () => {
    const f = parse('exp(x) * 0 + 1 / (x - 1000)');
    expect(evaluate(f, [1000])).toBeNaN(); // e^1000·0 = ∞·0
    const error = expectDifflabError(() => evaluate(f, [1000], { check: true }), 'non-finite');
    expect(error.subexpression).toBe('exp(x)');
    expect(error.message).toContain('Infinity');
  });

  it('a non-finite input is reported as its variable', () => {
    const f = parse('x + y');
    const error = expectDifflabError(() => evaluate(f, [1, Number.NaN], { check: true }), 'non-finite');
    expect(error.subexpression).toBe('y');
  });

  it('the check leaves the value of a finite multi-output function unchanged', () => {
    const f = parse(['sqrt(x)', 'x^2']);
    expect(Array.from(evaluate(f, [4], { check: true }))).toEqual([2, 16]);
    const error = expectDifflabError(() => evaluate(f, [-4], { check: true }), 'non-finite');
    expect(error.subexpression).toBe('sqrt(x)');
  });
});
