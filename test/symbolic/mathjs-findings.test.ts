/**
 * What mathjs 15's derivative() does, as found by experiment: the facts the mathjs engine's rewrites and
 * repairs rest on (src/symbolic/mathjs-engine.ts). If a mathjs upgrade changes one, this file says which
 * workaround to revisit. Each fact is shown next to the engine's answer.
 */
import { derivative, type MathNode, parse as mathjsParse, OperatorNode, SymbolNode } from 'mathjs';
import { describe, expect, test } from 'vitest';
import { parse } from '../../src/ir/mathjs.js';
import { symbolic } from '../../src/symbolic/index.js';

const d = (source: string | MathNode) =>
  derivative(typeof source === 'string' ? mathjsParse(source) : source, 'x', { simplify: false });

describe("mathjs's derivative()", () => {
  test.each(['expm1(x)', 'log1p(x)', 'log2(x)', 'sign(x)', 'max(x, 1)', 'min(x, 1)'])(
    'has no rule for %s',
    (source) => {
      expect(() => d(source)).toThrow(/Cannot process function/);
    },
  );

  test.each([
    'sqrt(x)',
    'cbrt(x)',
    'exp(x)',
    'log(x)',
    'log(x, 3)',
    'log10(x)',
    'sin(x)',
    'cos(x)',
    'tan(x)',
    'sec(x)',
    'csc(x)',
    'cot(x)',
    'asin(x)',
    'acos(x)',
    'atan(x)',
    'asec(x)',
    'acsc(x)',
    'acot(x)',
    'sinh(x)',
    'cosh(x)',
    'tanh(x)',
    'sech(x)',
    'csch(x)',
    'coth(x)',
    'asinh(x)',
    'acosh(x)',
    'atanh(x)',
    'asech(x)',
    'acsch(x)',
    'acoth(x)',
    'abs(x)',
  ])('has a rule for %s', (source) => {
    expect(() => d(source)).not.toThrow();
  });

  test('gives acoth the wrong sign: −1/(1 − x²); the engine rewrites acoth(x) as atanh(1/x)', () => {
    // d/dx acoth x = 1/(1 − x²) = −1/3 at x = 2.
    expect(d('acoth(x)').evaluate({ x: 2 })).toBeCloseTo(1 / 3, 15);
    expect(symbolic.gradient(parse('acoth(x)'), [2], { engine: 'mathjs' }).value[0]).toBeCloseTo(-1 / 3, 15);
  });

  test('writes abs′ as |x|/x, NaN at 0; the engine repairs it to sign(x)', () => {
    expect(d('abs(x)').evaluate({ x: 0 })).toBeNaN();
    expect(symbolic.gradient(parse('abs(x)'), [0], { engine: 'mathjs' }).value[0]).toBe(0);
  });

  test('writes cbrt′ with x^(2/3), complex for x < 0; the engine repairs it to cbrt(x)²', () => {
    expect(typeof d('cbrt(x)').evaluate({ x: -8 })).not.toBe('number');
    expect(symbolic.gradient(parse('cbrt(x)'), [-8], { engine: 'mathjs' }).value[0]).toBeCloseTo(1 / 12, 15);
  });

  test("tells a product's factors apart by identity: x·x with one shared x node gives 2, not 2x", () => {
    const x = new SymbolNode('x');
    expect(d(new OperatorNode('*', 'multiply', [x, x])).evaluate({ x: 3 })).toBe(2);
    // toMathjs shares equal subtrees, so the engine keeps factors distinct objects.
    expect(symbolic.gradient(parse('x*x'), [3], { engine: 'mathjs' }).value[0]).toBe(6);
  });

  test('recurses: a 20,000-deep chain overflows the stack with a RangeError', () => {
    let e: MathNode = new SymbolNode('x');
    for (let k = 0; k < 20_000; k++) e = new OperatorNode('-', 'unaryMinus', [e]);
    expect(() => d(e)).toThrow(RangeError);
  });
});
