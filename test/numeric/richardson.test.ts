/**
 * Richardson extrapolation (Ridders' method): the per-component error estimate bounds the actual error on
 * the corpus, and is small enough to mean something.
 */
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/ir/mathjs.js';
import { numeric, richardson } from '../../src/numeric/index.js';
import { evaluate } from '../../src/sweeps/interpret/primal.js';
import { CORPUS } from './support/corpus.js';

describe('richardson', () => {
  it('bounds the actual error of every component by its estimate, on every corpus function', () => {
    let worstRatio = 0;
    let worstEstimate = 0;
    for (const { source, f, points, exact } of CORPUS) {
      for (const x of points) {
        const { value, error, stats } = richardson(f, x);
        const g = exact(x);
        // Rounding makes any difference quotient's error relative to |f| as well as to |∇f|.
        let scale = Math.abs(evaluate(f, x));
        for (const t of g) scale = Math.max(scale, Math.abs(t));
        for (let i = 0; i < g.length; i++) {
          const actual = Math.abs((value[i] as number) - (g[i] as number));
          const estimate = error[i] as number;
          worstRatio = Math.max(worstRatio, actual / estimate);
          worstEstimate = Math.max(worstEstimate, estimate / scale);
          expect(actual, `${source} at [${x}], component ${i}: estimate ${estimate}`).toBeLessThanOrEqual(
            estimate,
          );
        }
        // Not vacuous: the estimates are far below what a plain central difference achieves (~1e−10 of the
        // scale).
        expect(stats.details.errorEstimate as number, `${source} at [${x}]`).toBeLessThanOrEqual(
          1e-11 * scale,
        );
        expect(stats.details.errorEstimate).toBe(Math.max(...error));
      }
    }
    console.log(
      `richardson: worst actual/estimate ${worstRatio}, worst estimate (relative) ${worstEstimate}`,
    );
  });

  it('agrees with the richardson scheme of numeric.gradient', () => {
    const f = parse('exp(x) * sin(y)');
    const a = richardson(f, [0.5, 1]);
    const b = numeric.gradient(f, [0.5, 1], { scheme: 'richardson' });
    expect(Array.from(a.value)).toEqual(Array.from(b.value));
    expect(b.stats.details.errorEstimate).toBe(Math.max(...a.error));
    expect(a.stats.evaluations).toBe(b.stats.evaluations);
  });

  it('restarts with smaller steps near the edge of the domain instead of returning NaN', () => {
    // log x at 0.05: the first steps (0.1, 0.05) reach x ≤ 0; d/dx log x = 20.
    const { value, error } = richardson(parse('log(x)'), [0.05]);
    expect(Math.abs((value[0] as number) - 20)).toBeLessThanOrEqual(error[0] as number);
    expect(error[0]).toBeLessThanOrEqual(1e-8);
  });

  it('is NaN with a NaN error where f is NaN', () => {
    const { value, error } = richardson(parse('log(x) * y'), [-1, 2]);
    expect(Number.isNaN(value[0]) && Number.isNaN(value[1])).toBe(true);
    expect(Number.isNaN(error[0]) && Number.isNaN(error[1])).toBe(true);
  });
});
