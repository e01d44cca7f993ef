/**
 * On random expressions, the four methods agree: forward, reverse and both symbolic engines to 1e-10
 * (norm-wise relative), central differences to their expected accuracy; the dot-product test
 * ⟨u, J v⟩ = ⟨uᵀJ, v⟩ holds between jvp and vjp; and forward and reverse mode build the same Jacobian.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { methods } from '../../src/index.js';
import { closeNormwise, isKinked, pointArbitrary, programOf, specArbitrary } from '../support/expressions.js';

const N = 3;
const RUNS = 300;

describe('all four methods agree on random expressions', () => {
  test('gradients: forward, symbolic (graph and mathjs) against reverse to 1e-10; central differences to 1e-6', () => {
    fc.assert(
      fc.property(specArbitrary(N), pointArbitrary(N), (spec, x) => {
        const f = programOf([spec], N);
        const r = methods.reverse.gradient(f, x).value;
        const fw = methods.forward.gradient(f, x).value;
        const sg = methods.symbolic.gradient(f, x, { engine: 'graph' }).value;
        expect(closeNormwise(fw, r, 1e-10), `forward ${fw} vs reverse ${r}`).toBe(true);
        expect(closeNormwise(sg, r, 1e-10), `symbolic graph ${sg} vs reverse ${r}`).toBe(true);
        if (!isKinked(spec)) {
          // Central differences with h = ε^(1/3)·max(1, |x|): truncation h²|f‴|/6 plus rounding ε|f|/h, about
          // 1e-10 relative for these functions; 1e-6 leaves room for larger third derivatives.
          const nd = methods.numeric.gradient(f, x).value;
          expect(closeNormwise(nd, r, 1e-6), `numeric ${nd} vs reverse ${r}`).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: 20261122 },
    );
  });

  test('the mathjs symbolic engine agrees with reverse mode to 1e-10', () => {
    fc.assert(
      fc.property(specArbitrary(N, 3), pointArbitrary(N), (spec, x) => {
        const f = programOf([spec], N);
        const r = methods.reverse.gradient(f, x).value;
        const sm = methods.symbolic.gradient(f, x, { engine: 'mathjs' }).value;
        expect(closeNormwise(sm, r, 1e-10), `symbolic mathjs ${sm} vs reverse ${r}`).toBe(true);
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  test('dot-product test: ⟨u, J v⟩ by jvp (forward) equals ⟨uᵀJ, v⟩ by vjp (reverse)', () => {
    fc.assert(
      fc.property(
        fc.array(specArbitrary(N), { minLength: 1, maxLength: 3 }),
        pointArbitrary(N),
        pointArbitrary(N),
        pointArbitrary(3),
        (specs, x, v, u3) => {
          const f = programOf(specs, N);
          const u = u3.slice(0, specs.length);
          const Jv = methods.forward.jvp(f, x, v).value;
          const uJ = methods.reverse.vjp(f, x, u).value;
          const left = Jv.reduce((acc, y, i) => acc + (u[i] as number) * y, 0);
          const right = uJ.reduce((acc, y, i) => acc + y * (v[i] as number), 0);
          const scale = Math.max(
            1,
            Jv.reduce((acc, y, i) => acc + Math.abs((u[i] as number) * y), 0),
            uJ.reduce((acc, y, i) => acc + Math.abs(y * (v[i] as number)), 0),
          );
          if (Number.isNaN(left) || Number.isNaN(right)) return Number.isNaN(left) === Number.isNaN(right);
          expect(Math.abs(left - right)).toBeLessThanOrEqual(1e-12 * scale);
          return true;
        },
      ),
      { numRuns: RUNS, seed: 7 },
    );
  });

  test('jacobian by forward mode equals jacobian by reverse mode', () => {
    fc.assert(
      fc.property(
        fc.array(specArbitrary(N), { minLength: 1, maxLength: 3 }),
        pointArbitrary(N),
        (specs, x) => {
          const f = programOf(specs, N);
          const Jf = methods.forward.jacobian(f, x).value;
          const Jr = methods.reverse.jacobian(f, x).value;
          Jr.forEach((row, i) => expect(closeNormwise(Jf[i] as Float64Array, row, 1e-12)).toBe(true));
        },
      ),
      { numRuns: RUNS, seed: 8 },
    );
  });
});
