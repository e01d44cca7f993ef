/**
 * Derivatives that exact methods once got wrong with nothing said, each checked against a closed form or the
 * chain rule's 0·∞: the mathjs engine's max and min, partials whose formulas overflow to 0 far from any
 * singularity, the zero-factor rule (one rule in every method, Dual numbers and Hessians included), removable
 * singularities, and Richardson extrapolation across a nearby pole.
 */
import { describe, expect, test } from 'vitest';
import { Dual, hessian, hvp, methods, parse } from '../../src/index.js';
import { richardson } from '../../src/numeric/index.js';
import { EXACT_METHODS } from '../support/exact-methods.js';

/** Asserts every exact method's gradient of `source` at `x` against `exact` to 1e-13 relative. */
function allMethodsGive(source: string, x: number[], exact: number[]): void {
  const f = parse(source);
  for (const [name, by] of Object.entries(EXACT_METHODS)) {
    const g = Array.from(by(f, x));
    for (let i = 0; i < exact.length; i++) {
      const want = exact[i] as number;
      expect(
        Math.abs((g[i] as number) - want),
        `${name}: ∂${source}/∂x${i} = ${g[i]}, want ${want}`,
      ).toBeLessThanOrEqual(1e-13 * Math.abs(want));
    }
  }
}

describe('max and min in the mathjs engine do not cancel', () => {
  test('d/dy exp(max(y, z)) at (1, −1e300) is e', () => {
    allMethodsGive('exp(max(y, z))', [1, -1e300], [Math.E, 0]);
  });
  test('d/dx max(1e16·x, x) at −1 is 1', () => {
    allMethodsGive('max(1e16*x, x)', [-1], [1]);
  });
  test('d/dx min(x, coth(x)) at 1e-8 is 1', () => {
    allMethodsGive('min(x, coth(x))', [1e-8], [1]);
  });
});

describe('partials do not overflow to 0 for large arguments', () => {
  // asinh(eˣ) = x + ln 2 + O(e^−2x) and acosh(eˣ) likewise: derivative 1 to the last bit at x = 400.
  test('asinh(exp(x)) at 400 has derivative 1', () => {
    allMethodsGive('asinh(exp(x))', [400], [1]);
  });
  test('acosh(exp(x)) at 400 has derivative 1', () => {
    allMethodsGive('acosh(exp(x))', [400], [1]);
  });
  test('asinh and acosh at 1e300 have derivative 1e-300', () => {
    allMethodsGive('asinh(x) + acosh(y)', [1e300, 1e300], [1e-300, 1e-300]);
  });
  test('log10(x) and log(x, 3) at 1e308 have derivatives 1/(x ln 10) and 1/(x ln 3)', () => {
    allMethodsGive('log10(x) + log(y, 3)', [1e308, 1e308], [1 / 1e308 / Math.LN10, 1 / 1e308 / Math.log(3)]);
  });
});

/** Asserts every exact method's gradient of `source` at `x`: NaN where `want` is NaN, else `want` exactly. */
function allMethodsGiveExactly(source: string, x: number[], want: number[]): void {
  const f = parse(source);
  for (const [name, by] of Object.entries(EXACT_METHODS)) {
    expect(Array.from(by(f, x)), `${name}: ∇${source} at [${x}]`).toEqual(want);
  }
}

describe('the zero-factor rule is one rule: every exact method gives the same answer', () => {
  // A zero reached through the program (x − x, y − y, z/z − 1 in the exponent's tangent) against an infinite
  // partial is 0·∞: NaN by every method (forward mode once skipped the zero tangent and gave a number).
  test('sqrt(x − x) at 0', () => {
    allMethodsGiveExactly('sqrt(x - x)', [0], [Number.NaN]);
  });
  test('x^(y − y) at (0, 1)', () => {
    allMethodsGiveExactly('x^(y - y)', [0, 1], [Number.NaN, Number.NaN]);
  });
  test('z^(z/z) at −1', () => {
    allMethodsGiveExactly('z^(z/z)', [-1], [Number.NaN]);
  });
  test('a branch the input does not reach contributes nothing: ∇(2x + √y) at (0, 0) is [2, NaN]', () => {
    allMethodsGiveExactly('2 * x + sqrt(y)', [0, 0], [2, Number.NaN]);
  });
});

describe('the mathjs engine keeps constants below 1e−15', () => {
  // mathjs compares with absTol 1e−15 by default: its derivative() took x^1e−300 for x^0 and 1e−300^y for 0^y.
  test('d/dx x^1e−300 at 2 is 1e−300 · 2^(1e−300 − 1)', () => {
    allMethodsGive('x^1e-300', [2], [1e-300 * 2 ** (1e-300 - 1)]);
  });
  test('d/dy 1e−300^y at 1 is 1e−300 · ln 1e−300', () => {
    allMethodsGive('1e-300^y', [1], [1e-300 * Math.log(1e-300)]);
  });
});

describe("the mathjs engine's differences by design (zero-factor-fuzz.test.ts lists them)", () => {
  const mathjs = (source: string, x: number[]) =>
    Array.from(methods.symbolic.gradient(parse(source), x, { engine: 'mathjs' }).value);
  const reverse = (source: string, x: number[]) =>
    Array.from(methods.reverse.gradient(parse(source), x).value);
  test('an expanded op overflows: σ′(−1e300) is NaN by 1/(1 + e^−x), 0 by the op table', () => {
    expect(mathjs('sigmoid(x)', [-1e300])).toEqual([Number.NaN]);
    expect(reverse('sigmoid(x)', [-1e300])).toEqual([0]);
  });
  test("mathjs's rule for a constant exponent 0 is a structural 0: (acos y)^0 at 3 has 0, not 0·NaN", () => {
    expect(mathjs('acos(y)^0', [3])).toEqual([0]);
    expect(reverse('acos(y)^0', [3])).toEqual([Number.NaN]);
  });
  test('the quotient rule squares the denominator: d/dy (x/y) at (1e−300, 1e−300) is NaN by (u′v − uv′)/v²', () => {
    // −x/y² = −1e300, which the op table's rule −(x/y)/y gives; y² underflows to 0 in mathjs's form.
    expect(mathjs('x / y', [1e-300, 1e-300])[1]).toBeNaN();
    expect(reverse('x / y', [1e-300, 1e-300])[1]).toBeCloseTo(-1e300, -287);
  });
});

describe('Dual numbers and Hessians follow the same rule', () => {
  test('a reached zero tangent against an infinite partial is NaN: √(x − x) at 0 over Dual numbers', () => {
    const x = new Dual(0, 1);
    expect(x.sub(x).sqrt().tangent).toBeNaN();
  });
  test('a constant carries no tangent, even into an infinite partial: √0 · x at x = 3 has tangent 0', () => {
    // new Dual(0) and new Dual(0, 0) are both constants, as a zero component of forward mode's direction is.
    for (const c of [new Dual(0), new Dual(0, 0)]) {
      expect(Object.is(new Dual(3, 1).mul(c.sqrt()).tangent, 0)).toBe(true);
    }
  });
  test("log(x)'s Hessian at 0 is NaN, as its gradient is (not −∞)", () => {
    const f = parse('log(x)');
    expect(Array.from(hessian(f, [0])[0] as Float64Array)).toEqual([Number.NaN]);
    expect(Array.from(hvp(f, [0], [1]))).toEqual([Number.NaN]);
  });
  test('x·y + √y at (1, 0): the branch x does not reach adds nothing, so H = [[0, 1], [1, NaN]]', () => {
    // ∂²/∂x² = 0 and ∂²/∂x∂y = 1 exactly; ∂²/∂y² = −1/(4 y^(3/2)) is infinite at 0, reported as NaN.
    const H = hessian(parse('x*y + sqrt(y)'), [1, 0]).map((r) => Array.from(r));
    expect(H).toEqual([
      [0, 1],
      [1, Number.NaN],
    ]);
  });
  test('a zero reached through the program meets the infinite second partial: H of √(x − x) + x² at 0 is NaN', () => {
    expect(Array.from(hessian(parse('sqrt(x - x) + x^2'), [0])[0] as Float64Array)).toEqual([Number.NaN]);
  });
});

describe('removable singularities give NaN, as in PyTorch and JAX, never a confident 0', () => {
  // Each is a zero partial against an infinite tangent: the true derivatives are 1, 0 (one-sided), 1 and −1.
  for (const [source, x] of [
    ['1/(1/x)', 0],
    ['asec(1/x)', 0],
    ['sech(asech(x))', 1],
    ['cos(acosh(x))', 1],
  ] as const) {
    test(`${source} at ${x}`, () => {
      allMethodsGiveExactly(source, [x], [Number.NaN]);
    });
  }
});

describe('Richardson extrapolation near a pole', () => {
  test('1/x at 0.001: the value is within its error estimate of −1e6, and the estimate is under 20%', () => {
    const { value, error } = richardson(parse('1/x'), [0.001]);
    const exact = -1e6;
    expect(Math.abs((value[0] as number) - exact)).toBeLessThanOrEqual(error[0] as number);
    expect(error[0] as number).toBeLessThan(0.2 * Math.abs(exact));
  });
  test('the error estimate bounds the actual error at 198 points within 0.1 of the pole of 1/x', () => {
    const f = parse('1/x');
    for (let i = 1; i <= 99; i++) {
      for (const x of [i * 1e-3, -i * 1e-3]) {
        const { value, error } = richardson(f, [x]);
        const actual = Math.abs((value[0] as number) + 1 / (x * x));
        expect(actual, `1/x at ${x}: ${value[0]} ± ${error[0]}`).toBeLessThanOrEqual(error[0] as number);
      }
    }
  });
});
