/**
 * The complex rule of every op, generated from the op table: which ops have one; at points from each op's
 * domain sampler, the real part against the value rule and the imaginary part of a complex step against the
 * derivative computed in 64-digit arithmetic (not the table's partials in doubles: forms such as 1 − coth²x
 * or σ(1 − σ) lose digits to cancellation, which would blur a 1e−14 check); and the rule against mathjs's
 * complex functions at points well off the real axis.
 */
import { describe, expect, it } from 'vitest';
import { FIXED_OPS, type FixedOpDef, NARY_OPS, type NaryOpDef, OP_CODE, OPS } from '../../src/ir/ops.js';
import { COMPLEX_RULES, NARY_COMPLEX_RULES, Z } from '../../src/numeric/complex.js';
import { DOMAINS } from '../ir/support/domains.js';
import { seeded } from '../ir/support/random.js';
import { BIG_ALGEBRA, type Big, bigPartial } from './support/big.js';
import { COMPLEX_ALGEBRA, type Complex, complex, complexError } from './support/complex-reference.js';

const H = 1e-20;
const SAMPLES = 40;
/**
 * Complex step: Im f(x + ih)/h = f′(x) + O(h²) with no cancellation, so at h = 1e−20 only the rounding of
 * the rule and of the reference partial remain, a few ulps each.
 */
const STEP_TOL = 1e-14;
/** Against mathjs off the axis: both sides are a few elementary functions deep; 1e−12 leaves room. */
const MATHJS_TOL = 1e-12;

const worst = { step: 0, mathjs: 0 };

describe('complex rules', () => {
  it('exist exactly for the analytic ops', () => {
    for (const name of FIXED_OPS) {
      expect(COMPLEX_RULES[name] === null, name).toBe(!OPS[name].analytic);
    }
    for (const name of NARY_OPS) expect(OPS[name].analytic).toBe(true);
  });

  for (const name of FIXED_OPS) {
    const rule = COMPLEX_RULES[name];
    if (rule === null) continue;
    const def = OPS[name] as FixedOpDef;
    it(`${name}: a complex step gives the value rule and the table's partials`, () => {
      const rng = seeded(0xc0 + OP_CODE[name]);
      for (let s = 0; s < SAMPLES; s++) {
        const sample = DOMAINS[name](rng);
        const [x = 0, y = 0] = sample.args;
        const z = def.value(x, y);
        const positions = sample.wrt ?? (def.arity === 1 ? [0] : [0, 1]);
        for (const p of positions) {
          rule(x, p === 0 ? H : 0, y, p === 1 ? H : 0);
          const re = Z[0] as number;
          const step = (Z[1] as number) / H;
          const partial = bigPartial(BIG_ALGEBRA[name] as (...a: Big[]) => Big, sample.args, p);
          expect(Math.abs(re - z), `${name}(${x}, ${y}) real part`).toBeLessThanOrEqual(
            4 * Number.EPSILON * Math.abs(z),
          );
          const err = Math.abs(step - partial) / Math.max(Math.abs(partial), 1e-300);
          worst.step = Math.max(worst.step, err);
          expect(err, `${name}(${x}, ${y}) ∂/∂arg${p}: ${step} vs ${partial}`).toBeLessThanOrEqual(STEP_TOL);
        }
      }
    });

    it(`${name}: agrees with mathjs off the real axis`, () => {
      const rng = seeded(0xa5 + OP_CODE[name]);
      for (let s = 0; s < SAMPLES; s++) {
        const sample = DOMAINS[name](rng);
        let [x = 0, y = 0] = sample.args;
        // The imaginary parts: up to 0.3 in size, on the arguments the sample differentiates against.
        const positions = sample.wrt ?? [0, 1];
        const b = positions.includes(0) ? 0.6 * (rng() - 0.5) : 0;
        const d = def.arity === 2 && positions.includes(1) ? 0.6 * (rng() - 0.5) : 0;
        if (name === 'cbrt' && x < 0) x = -x; // cbrt continues the real cube root, not mathjs's principal one
        if (name === 'pow' && x < 0 && d === 0) y = Math.round(y);
        rule(x, b, y, d);
        const reference = COMPLEX_ALGEBRA[name](complex(x, b), complex(y, d)) as Complex;
        const err = complexError(Z[0] as number, Z[1] as number, reference);
        worst.mathjs = Math.max(worst.mathjs, err);
        expect(err, `${name}(${x} + ${b}i, ${y} + ${d}i) vs ${reference.toString()}`).toBeLessThanOrEqual(
          MATHJS_TOL,
        );
      }
    });
  }

  for (const name of NARY_OPS) {
    const def = OPS[name] as NaryOpDef;
    it(`${name}: a complex step gives the value and the partials; agrees with mathjs off the axis`, () => {
      const rng = seeded(0x7a + OP_CODE[name]);
      for (let s = 0; s < SAMPLES; s++) {
        const { args } = DOMAINS[name](rng);
        const count = args.length;
        const list = Int32Array.from(args.keys());
        const re = Float64Array.from(args);
        const z = def.value(re, list, 0, count);
        for (let k = 0; k < count; k++) {
          const im = new Float64Array(count);
          im[k] = H;
          NARY_COMPLEX_RULES[name](re, im, list, 0, count);
          const partial = bigPartial((...xs) => BIG_ALGEBRA[name](xs), args, k);
          expect(Math.abs((Z[0] as number) - z)).toBeLessThanOrEqual(
            8 * Number.EPSILON * Math.max(1, Math.abs(z)),
          );
          const err = Math.abs((Z[1] as number) / H - partial) / Math.max(Math.abs(partial), 1e-300);
          worst.step = Math.max(worst.step, err);
          expect(err, `${name} ∂/∂arg${k}`).toBeLessThanOrEqual(STEP_TOL);
        }
        const im = Float64Array.from(args, () => 0.6 * (rng() - 0.5));
        NARY_COMPLEX_RULES[name](re, im, list, 0, count);
        const reference = COMPLEX_ALGEBRA[name](args.map((a, k) => complex(a, im[k] as number)));
        expect(complexError(Z[0] as number, Z[1] as number, reference)).toBeLessThanOrEqual(MATHJS_TOL);
      }
    });
  }

  it('report', () => {
    console.log(`complex rules: worst step error ${worst.step}, worst mathjs error ${worst.mathjs}`);
  });
});
