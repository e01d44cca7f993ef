/** The growth fits recover known exponents and bases, and say how well a model fits. */
import { describe, expect, test } from 'vitest';
import { fitExponential, fitGrowth, fitPower } from '../../src/report/fit.js';

describe('growth fits', () => {
  const K = [16, 32, 64, 128, 256, 512];

  test('a power law c·Kᵖ is recovered exactly, with R² = 1', () => {
    const fit = fitPower(
      K,
      K.map((k) => 3 * k ** 2),
    );
    expect(fit?.parameter).toBeCloseTo(2, 12);
    expect(fit?.coefficient).toBeCloseTo(3, 10);
    expect(fit?.r2).toBeCloseTo(1, 12);
  });

  test('a lower-order term bends the exponent: K² + 100K fits strictly between 1 and 2', () => {
    const fit = fitPower(
      K,
      K.map((k) => k * k + 100 * k),
    );
    expect(fit?.parameter).toBeGreaterThan(1);
    expect(fit?.parameter).toBeLessThan(2);
    expect(fit?.r2).toBeLessThan(1);
  });

  test('an exponential c·bⁿ is recovered, and fitGrowth prefers it over a power law for exponential data', () => {
    const n = [1, 2, 3, 4, 5, 6, 7, 8];
    const y = n.map((i) => 5 * 2.5 ** i);
    expect(fitExponential(n, y)?.parameter).toBeCloseTo(2.5, 12);
    expect(fitGrowth(n, y)?.model).toBe('exponential');
    expect(
      fitGrowth(
        K,
        K.map((k) => k ** 1.5),
      )?.model,
    ).toBe('power');
  });

  test('non-positive, infinite and missing values are left out; too few points give null', () => {
    const fit = fitPower([1, 2, 4, 8], [1, 0, Number.NaN, 64]);
    expect(fit?.points).toBe(2);
    expect(fit?.parameter).toBeCloseTo(2, 12);
    expect(fitPower([1], [1])).toBeNull();
  });

  test('noise lowers R² below 1', () => {
    const fit = fitPower(
      K,
      K.map((k, i) => k * (i % 2 === 0 ? 1.3 : 0.7)),
    );
    expect(fit?.r2).toBeLessThan(0.99);
  });
});
