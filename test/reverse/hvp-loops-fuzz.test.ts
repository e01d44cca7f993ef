/**
 * Forward over reverse through nested loops, logsumexp maps and stacked maps, with bodies that also hold ops
 * the sparse backward sweep does not take (sqrt, exp, abs, div: their bodies run the sweep over every node):
 * the compiled backend and the sparse sweep give the interpreter's full sweep to the bit at special points, and
 * the Hessian agrees with the unrolled program's where the point is moderate (the sums run in another order).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Expr,
  mapReduce,
  mapRows,
  type Program,
  program,
  scan,
  unroll,
  variable,
  withGraph,
} from '../../src/index.js';
import { hessian } from '../../src/reverse/index.js';
import { setSparseSweeps } from '../../src/sweeps/interpret/dual-marks.js';
import { sameBits } from '../ir/support/close.js';
import { closeNormwise } from '../support/expressions.js';

afterEach(() => setSparseSweeps(true));

import { type Body, bodyArbitrary, build } from './support/bodies.js';
import { SPECIAL, secondOrder } from './support/second-order.js';

type Shape = 'map in scan' | 'scan in map' | 'logsumexp' | 'stacked';

/**
 * Programs in a, b, c0, c1 of one of four shapes: a scan whose body maps over the rows capturing the carry, a
 * map whose body scans over the rows from its row, a map of two outputs reduced by logsumexp, and a stacked
 * map whose rows' outputs the program sums through another body.
 */
function randomProgram(bodies: readonly Body[], n: number, exprRows: boolean, shape: Shape): Program<number> {
  return withGraph(() => {
    const [a, b, c0, c1] = ['a', 'b', 'c0', 'c1'].map((name) => variable(name)) as [Expr, Expr, Expr, Expr];
    const [b0, b1, b2] = bodies as [Body, Body, Body];
    const rows = Array.from({ length: n }, (_, i) => [exprRows ? a.mul(0.5 * i).sub(b) : 0.75 * i - 1]);
    let out: Expr;
    if (shape === 'map in scan') {
      const { carry } = scan([c0, c1], rows, ([p, q], [r]) => {
        const inner = mapReduce(rows, ([s]) => build(b0, [p as Expr, q as Expr, s as Expr, r as Expr, a, b]));
        const xs = [p as Expr, q as Expr, r as Expr, inner, a, b];
        return { carry: [build(b1, xs), build(b2, xs)] };
      });
      out = (carry[0] as Expr).add((carry[1] as Expr).mul(0.5));
    } else if (shape === 'scan in map') {
      out = mapReduce(rows, ([r]) => {
        const { carry } = scan([r as Expr], rows, ([p], [s]) => [
          build(b0, [p as Expr, s as Expr, r as Expr, a, b, c0]),
        ]);
        return build(b1, [carry[0] as Expr, r as Expr, a, b, c0, c1]);
      });
    } else if (shape === 'logsumexp') {
      const [m0, m1] = mapReduce(
        rows,
        ([r]) => [
          build(b0, [r as Expr, a, b, c0, c1, a.mul(b)]),
          build(b1, [r as Expr, c1, b, a, c0, r as Expr]),
        ],
        { reduce: 'logsumexp' },
      );
      out = (m0 as Expr).add((m1 as Expr).mul(c0));
    } else {
      const stacked = mapRows(rows, ([x]) => [
        build(b0, [x as Expr, a, b, c0, c1, a.sqrt()]),
        build(b1, [x as Expr, c1, b, a, c0, b.mul(c1)]),
      ]);
      out = stacked
        .map(([p, q]) => build(b2, [p as Expr, q as Expr, a, b, c0, c1]))
        .reduce((s, t) => s.add(t));
    }
    return program(out, { variables: [a, b, c0, c1] }) as Program<number>;
  });
}

describe('forward over reverse through nested and reduced loops', () => {
  const moderate = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 });
  const point = fc.oneof(
    moderate,
    fc.array(fc.constantFrom(...SPECIAL), { minLength: 4, maxLength: 4 }),
    fc.array(fc.constantFrom(1e155, -1e155, 1e160, 2, -3, 0), { minLength: 4, maxLength: 4 }),
  );
  const shapes: Shape[] = ['map in scan', 'scan in map', 'logsumexp', 'stacked'];
  for (const others of [false, true]) {
    for (const shape of shapes) {
      it(`${shape}${others ? ', bodies with sqrt, exp, abs and div' : ''}: every path the same bits, and the unrolled program's Hessian`, () => {
        fc.assert(
          fc.property(
            fc.array(bodyArbitrary(6, others), { minLength: 3, maxLength: 3 }),
            fc.integer({ min: 1, max: 3 }),
            fc.boolean(),
            point,
            (bodies, n, exprRows, x) => {
              const f = randomProgram(bodies, n, exprRows, shape);
              setSparseSweeps(false);
              const want = secondOrder(f, x, 'interpret');
              expect(sameBits(secondOrder(f, x, 'compile'), want)).toBe(true);
              setSparseSweeps(true);
              expect(sameBits(secondOrder(f, x, 'interpret'), want)).toBe(true);
              expect(sameBits(secondOrder(f, x, 'compile'), want)).toBe(true);
              // Moderate points only: near a subnormal, 1/x² overflows in one order of the sums and not the other.
              if (x.every((v) => v === 0 || (Math.abs(v) <= 2 && Math.abs(v) >= 1e-3))) {
                const unrolled = hessian(unroll(f), x).value.flatMap((row) => Array.from(row));
                expect(closeNormwise(want.slice(x.length), unrolled, 1e-12)).toBe(true);
              }
            },
          ),
          { numRuns: 100, seed: 20261207 + shapes.indexOf(shape) + (others ? 10 : 0) },
        );
      });
    }
  }
});
