/**
 * Derivatives that every exact method once got wrong with nothing said, each checked against a closed form:
 * the mathjs engine's max and min, partials whose formulas overflow to 0 far from any singularity, and
 * Richardson extrapolation across a nearby pole.
 */
import { describe, expect, test } from 'vitest';
import { parse } from '../../src/index.js';
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
