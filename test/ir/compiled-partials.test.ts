/**
 * The compiled backend's partials written out from the op table's rules (src/sweeps/compiled/partials.ts):
 * every op without a hand-written numeric rule gets one, it gives the table's numeric partial to the bit at
 * random points, and a repeated subterm is computed once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXED_VALUE, NUMERIC_PARTIALS, OP_ARITY, OP_CODE, OP_DEFS, OP_NAMES } from '../../src/ir/ops.js';
import { partialSource } from '../../src/sweeps/compiled/partials.js';
import { same } from './support/close.js';

type Numeric = (x: number, y: number, z: number) => number;

/** The generated function, over the op table's value rules. */
function compile(source: string, name: string): Numeric {
  return new Function('V', `'use strict'; ${source.replace(/\bV(\d+)\(/g, 'V[$1](')} return ${name};`)(
    FIXED_VALUE,
  ) as Numeric;
}

/** Fixed-arity built-in ops whose numeric partials run the generic rule. */
const GENERIC = OP_NAMES.map((name, code) => ({ name, code })).filter(
  ({ code }) =>
    OP_ARITY[code] !== 0 && (OP_DEFS[code] as { numericPartials?: unknown }).numericPartials === undefined,
);

describe('partials written out for the compiled backend', () => {
  it('every op with a generic rule gets one, equal to the table’s partial to the bit at random points', () => {
    expect(GENERIC.length).toBeGreaterThan(30);
    const value = fc.oneof(
      fc.double({ min: -4, max: 4, noNaN: true }),
      fc.constantFrom(0, -0, 1, -1, Infinity, -Infinity, Number.NaN, 1e300, 1e-300),
    );
    for (const { name, code } of GENERIC) {
      for (let k = 0; k < (OP_ARITY[code] as number); k++) {
        const written = partialSource(code, k, `P${code}_${k}`);
        expect(written, `${name} ∂${k}`).toBeDefined();
        const fn = compile((written as { source: string }).source, `P${code}_${k}`);
        const want = (NUMERIC_PARTIALS[code] as readonly Numeric[])[k] as Numeric;
        const rule = FIXED_VALUE[code] as (x: number, y: number) => number;
        fc.assert(
          fc.property(value, value, (x, y) => {
            const z = rule(x, y);
            expect(same(fn(x, y, z), want(x, y, z)), `${name} ∂${k} at (${x}, ${y})`).toBe(true);
          }),
          { numRuns: 200, seed: 20261207 },
        );
      }
    }
  });

  it('a repeated subterm once: tanh’s sech x · sech x calls sech once', () => {
    const tanh = OP_CODE.tanh as number;
    const written = partialSource(tanh, 0, 'T');
    const calls = (written?.source ?? '').match(new RegExp(`V${OP_CODE.sech}\\(`, 'g')) ?? [];
    expect(calls.length).toBe(1);
    expect([...(written?.calls ?? [])]).toEqual([OP_CODE.sech]);
  });
});
