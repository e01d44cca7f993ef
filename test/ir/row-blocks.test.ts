/**
 * The compiled summed-map recording's blocks of 8 rows (a data row's dot with the captured values, loop.ts's
 * rowBlocks) against the interpreter, to the bit: bodies that return the dot, read it twice, hold two dots, read
 * other captured values or the index beside it, meet √'s infinite partial, or share a captured value (no
 * blocks); counts of rows with no block, whole blocks and rows after the last one; data whose sums overflow
 * from finite terms, and NaN, ±∞ or ±0 placed anywhere or in the rows after the last block; the sum's sign of
 * zero through a function of it after the loop.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  constant,
  dot,
  type Expr,
  evaluate,
  mapReduce,
  methods,
  program,
  variable,
  withGraph,
} from '../../src/index.js';
import type { LoopCall } from '../../src/ir/program.js';
import { mapGradient } from '../../src/sweeps/compiled/loop.js';
import { sameBits } from './support/close.js';

const SPECIAL = [0, -0, 1, -1, 1e154, -1e154, 1e300, -1e300, 1e-300, Infinity, -Infinity, Number.NaN];
/** The rows' entries: mostly small, some whose products or sums overflow. */
const POOL = [0.5, -1, 2, 0.25, 3, -0.75, 0, -0, 1.5, -2, 1e-300, 4, 0.125, 1e200, -1e200];
const SHAPES = ['dot', 'llsq', 'square', 'two', 'extra', 'index', 'max', 'sqrt', 'shared'] as const;
type Shape = (typeof SHAPES)[number];

/** The body for `shape`: d = the dot of the first m captured values with m row entries from `off`. */
function body(shape: Shape, row: Expr[], i: Expr, xs: readonly Expr[], m: number, off: number): Expr {
  const t = row.slice(off, off + m);
  const c = xs.slice(0, m);
  const d = dot(c, t);
  const last = row[row.length - 1] as Expr;
  const [e0, e1] = [xs[m] as Expr, xs[m + 1] as Expr];
  switch (shape) {
    case 'dot':
      return d;
    case 'llsq': {
      const r = last.sub(d);
      return r.mul(r);
    }
    case 'square':
      return d.mul(d).add(d.sin());
    case 'two': {
      // The second with the row's entries first, over entries that overlap the first's.
      if (m < 2) return dot(t, c).mul(last);
      const h = m >> 1;
      return dot(c.slice(0, h), t.slice(0, h))
        .mul(dot(row.slice(1, 1 + m - h), c.slice(h)))
        .sub(last);
    }
    case 'extra':
      return d.mul(e0).sin().add(e1.mul(last));
    case 'index':
      return d.add(i).exp().mul(e0);
    case 'max':
      return d.max(last.mul(e1)).add(e0);
    case 'sqrt':
      return d.sqrt().mul(e0);
    case 'shared':
      return d.mul(c[0] as Expr);
  }
}

describe("the compiled summed-map recording's blocks of rows (fast-check)", () => {
  it("gives the interpreter's bits for any count of rows, special values anywhere", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2 }),
        fc.oneof(fc.constantFrom(0, 1, 7, 8, 9, 15, 16, 17, 24, 25), fc.integer({ min: 0, max: 40 })),
        fc.constantFrom(...SHAPES),
        fc.array(
          fc.oneof(
            { weight: 6, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
            { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) },
          ),
          { minLength: 8, maxLength: 8 },
        ),
        fc.integer({ min: 0, max: 14 }),
        fc.array(fc.tuple(fc.nat(40), fc.nat(9), fc.constantFrom(...SPECIAL)), { maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        (m, off, n, shape, point, shift, odd, late, outer) => {
          const w = m + off + 2;
          // A special value at (row, entry); `late` puts it in the rows after the last block.
          const at = (i: number, k: number) => {
            for (const [oi, ok, ov] of odd) {
              const row = late ? n - 1 - (oi % Math.max(1, n % 8)) : oi;
              if (row === i && ok % w === k) return ov;
            }
            return POOL[(i * 7 + k * 3 + shift) % POOL.length] as number;
          };
          const data = Array.from({ length: n * w }, (_, j) => at(Math.floor(j / w), j % w));
          const f = withGraph(() => {
            const xs = Array.from({ length: m + 2 }, (_, k) => variable(`x${k}`));
            const out = mapReduce({ data, width: w }, (row, i) => body(shape, row, i, xs, m, off));
            // `outer`: the sum's sign of zero shows in the gradient (exp(1/±0) is ∞ or 0).
            const a = xs[m + 1] as Expr;
            return program(outer ? a.mul(constant(1).div(out).exp()) : out, { variables: xs });
          });
          const x = point.slice(0, m + 2);
          // Twice (the second call runs the primed driver), then at another point.
          for (const p of [x, x, x.map((v) => -2 * v)]) {
            const g = (backend: Backend) => Array.from(methods.reverse.gradient(f, p, { backend }).value);
            expect(sameBits(g('compile'), g('interpret'))).toBe(true);
            const e = (backend: Backend) => [evaluate(f, p, { backend }) as number];
            expect(sameBits(e('compile'), e('interpret'))).toBe(true);
          }
          // The recording (cached with the call) has the blocks' loop wherever it applies.
          const driver = mapGradient(f.calls[0] as LoopCall, new Float64Array(0), new Float64Array(0), false);
          expect(String(driver).includes('b += 8')).toBe(shape !== 'shared');
        },
      ),
      { numRuns: 250, seed: 20261208 },
    );
  });
});
