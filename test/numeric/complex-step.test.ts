/**
 * The complex-step scheme: full precision on analytic functions, NaN where f is NaN, and a clear refusal of
 * operations that are not analytic.
 */
import { describe, expect, it } from 'vitest';
import { DifflabError } from '../../src/ir/errors.js';
import { parse } from '../../src/ir/mathjs.js';
import { numeric } from '../../src/numeric/index.js';
import { COMPLEX_TOL } from './support/bounds.js';
import { CORPUS, normwiseError } from './support/corpus.js';

describe('complex step', () => {
  it('the corpus closed forms agree with the 64-digit reference', () => {
    for (const { source, points, gradient, exact } of CORPUS) {
      // The closed forms, in doubles, lose a few digits where they cancel.
      for (const x of points) expect(normwiseError(gradient(x), exact(x)), source).toBeLessThanOrEqual(1e-13);
    }
  });

  it('reaches 1e−14 relative error on analytic functions', () => {
    let worst = 0;
    for (const { source, f, points, exact } of CORPUS) {
      for (const x of points) {
        const { value, stats } = numeric.gradient(f, x, { scheme: 'complex' });
        const err = normwiseError(value, exact(x));
        worst = Math.max(worst, err);
        expect(err, `${source} at [${x}]`).toBeLessThanOrEqual(COMPLEX_TOL);
        // One complex evaluation per input.
        expect(stats.evaluations).toBe(x.length);
      }
    }
    console.log(`complex step: worst normwise relative error over the corpus ${worst}`);
  });

  it('differentiates Squire and Trapp’s function at x = 1.5 to full precision', () => {
    const f = parse('exp(x) / sqrt(sin(x)^3 + cos(x)^3)');
    const x = 1.5;
    const s = Math.sin(x);
    const c = Math.cos(x);
    const g = Math.exp(x) / Math.sqrt(s ** 3 + c ** 3);
    const exact = g * (1 - (3 * s * s * c - 3 * c * c * s) / (2 * (s ** 3 + c ** 3)));
    const [d = 0] = numeric.gradient(f, [x], { scheme: 'complex' }).value;
    expect(Math.abs(d - exact) / Math.abs(exact)).toBeLessThanOrEqual(COMPLEX_TOL);
    // Squire and Trapp's published value.
    expect(Math.abs(d - 4.0534278938986)).toBeLessThanOrEqual(1e-12);
  });

  it('keeps a negative base with an integer exponent real: d/dx x³ = 3x², d/dx x⁻² = −2x⁻³ at x < 0', () => {
    const f = parse('x^3 + y^-2 + z^4');
    const x = [-1.5, -0.8, -2.2];
    const [a = 0, b = 0, c = 0] = x;
    const exact = [3 * a * a, -2 / b ** 3, 4 * c ** 3];
    const { value } = numeric.gradient(f, x, { scheme: 'complex' });
    expect(normwiseError(value, exact)).toBeLessThanOrEqual(COMPLEX_TOL);
    for (let i = 0; i < 3; i++) {
      expect(
        Math.abs((value[i] as number) - (exact[i] as number)) / Math.abs(exact[i] as number),
      ).toBeLessThanOrEqual(COMPLEX_TOL);
    }
  });

  it('gives NaN where the real function is NaN (log or sqrt of a negative number), not a complex value', () => {
    for (const source of ['log(x) + y', 'sqrt(x) * y', 'x^0.5 + y', 'asin(x) + y', 'acosh(x) * y']) {
      const { value } = numeric.gradient(parse(source), [-2, 3], { scheme: 'complex' });
      expect(Number.isNaN(value[0]), source).toBe(true);
      expect(Number.isNaN(value[1]), source).toBe(true);
    }
    // (−2)³ is real, but y ↦ (−2)ʸ is not real off the integers: ∂x = 3·4, ∂y is NaN (as central gives).
    const { value } = numeric.gradient(parse('x^y'), [-2, 3], { scheme: 'complex' });
    expect(value[0]).toBeCloseTo(12, 13);
    expect(Number.isNaN(value[1])).toBe(true);
    expect(Number.isNaN(numeric.gradient(parse('x^y'), [-2, 3]).value[1])).toBe(true);
  });

  it('refuses abs, max and the other non-analytic operations, naming the operation and its subexpression', () => {
    const cases: [string, string][] = [
      ['abs(x) + y', 'abs'],
      ['max(x, 2*y) * x', 'max'],
      ['min(x, y)', 'min'],
      ['relu(x - y)', 'relu'],
      ['sign(x) * y', 'sign'],
      ['heaviside(y) + x', 'heaviside'],
    ];
    for (const [source, op] of cases) {
      const f = parse(source);
      let error: unknown;
      try {
        numeric.gradient(f, [1, 2], { scheme: 'complex' });
      } catch (e) {
        error = e;
      }
      expect(error, source).toBeInstanceOf(DifflabError);
      const e = error as DifflabError;
      expect(e.code).toBe('not-differentiable');
      expect(e.message).toContain(op);
      expect(e.subexpression?.startsWith(`${op}(`), `${source}: ${e.subexpression}`).toBe(true);
      // The other schemes still differentiate it.
      expect(() => numeric.gradient(f, [1, 2], { scheme: 'central' })).not.toThrow();
    }
  });

  it('allows a non-analytic operation on constants only: d/dx (|−2|·x) = 2', () => {
    const { value } = numeric.gradient(parse('abs(-2) * x'), [0.3], { scheme: 'complex' });
    expect(value[0]).toBe(2);
  });

  it('computes jvp with one complex evaluation and vjp with n', () => {
    const f = parse(['x*y', 'sin(x) + y^2']);
    const [x, y] = [0.7, -1.3];
    // J = [[y, x], [cos x, 2y]]
    const v = [2, -0.5];
    const jvp = numeric.jvp(f, [x, y], v, { scheme: 'complex' });
    expect(normwiseError(jvp.value, [y * 2 + x * -0.5, Math.cos(x) * 2 + 2 * y * -0.5])).toBeLessThanOrEqual(
      COMPLEX_TOL,
    );
    expect(jvp.stats.evaluations).toBe(1);
    const u = [0.3, 4];
    const vjp = numeric.vjp(f, [x, y], u, { scheme: 'complex' });
    expect(normwiseError(vjp.value, [0.3 * y + 4 * Math.cos(x), 0.3 * x + 4 * 2 * y])).toBeLessThanOrEqual(
      COMPLEX_TOL,
    );
    expect(vjp.stats.evaluations).toBe(2);
  });
});
