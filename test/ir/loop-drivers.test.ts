/**
 * The compiled backend's loop drivers against the interpreter, to the bit, where the fuzzers in loops.test.ts
 * do not reach: maps of two outputs (sum and logsumexp) over data rows, whose outputs are a row entry, a
 * captured value, the index, a dot with the row or a constant (the map's primal driver and the Jacobian); and
 * maps and scans over rows of inputs, consecutive as lse's or not, with a max chain carried along (lse's
 * shape), exp's overflow, √ at 0 and special values anywhere (the scan's driver per use, with every carry or
 * every stride-th kept, the recording with expression rows and its marks).
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
  scan,
  variable,
  withGraph,
} from '../../src/index.js';
import { sameBits } from './support/close.js';

const SPECIAL = [
  0,
  -0,
  1,
  -1,
  1e154,
  -1e154,
  1e300,
  -1e300,
  1e-300,
  Infinity,
  -Infinity,
  Number.NaN,
  710,
  -745,
];
const number = (special: number) =>
  fc.oneof(
    { weight: special, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) },
  );

const TWO_OUTPUTS = ['row', 'captured', 'index', 'dot', 'constant'] as const;

/** Row i's two outputs for `shape`, from captured values a, b, c, e and a data row of 3. */
function twoOutputs(shape: (typeof TWO_OUTPUTS)[number], row: Expr[], i: Expr, xs: readonly Expr[]) {
  const [a, b, c, e] = xs as [Expr, Expr, Expr, Expr];
  const [r0, r1, r2] = row as [Expr, Expr, Expr];
  switch (shape) {
    case 'row':
      return [r0, r1.mul(a)];
    case 'captured':
      return [b, a.mul(r2).exp()];
    case 'index':
      return [i.mul(c), r0.sub(e).mul(i)];
    case 'dot':
      return [dot([a, b], [r0, r1]), dot([c, e], [r1, r2]).sin()];
    case 'constant':
      return [2.5, a.mul(b).add(r2)];
  }
}

const OVER_INPUTS = [
  'exp',
  'difference',
  'square',
  'sqrt',
  'logsumexp',
  'max chain',
  'scan',
  'index',
] as const;

/**
 * A program of a, b and the n·w inputs x, its rows the inputs in order (`consecutive`) or backwards, or their
 * square roots (`roots`: a row entry's adjoint meets √'s infinite partial at 0, where its mark decides between 0
 * and NaN); with `outer`, the loop's value y as a·exp(1/y), so that its sign of zero shows.
 */
function overInputs(
  shape: (typeof OVER_INPUTS)[number],
  n: number,
  w: number,
  consecutive: boolean,
  roots: boolean,
  outer: boolean,
) {
  return withGraph(() => {
    const [a, b] = [variable('a'), variable('b')];
    const xs = Array.from({ length: n * w }, (_, k) => variable(`x${k}`));
    const entries = roots ? xs.map((x) => x.sqrt()) : xs;
    const order = consecutive ? entries : [...entries].reverse();
    const rows = Array.from({ length: n }, (_, i) => order.slice(i * w, i * w + w));
    const first = (row: Expr[]) => row[0] as Expr;
    const last = (row: Expr[]) => row[row.length - 1] as Expr;
    const variables = [a, b, ...xs];
    const done = (y: Expr) => program(outer ? a.mul(constant(1).div(y).exp()) : y, { variables });
    switch (shape) {
      case 'exp':
        return done(mapReduce(rows, (row) => first(row).sub(a).exp()));
      case 'difference':
        return done(mapReduce(rows, (row) => first(row).sub(last(row)).mul(b)));
      case 'square':
        return done(mapReduce(rows, (row) => first(row).mul(first(row)).add(a)));
      case 'sqrt':
        return done(mapReduce(rows, (row) => first(row).mul(a).sqrt().mul(b)));
      case 'logsumexp':
        return done(mapReduce(rows, (row) => first(row).mul(a).add(last(row)), { reduce: 'logsumexp' }));
      case 'max chain': {
        // lse: the max by a scan, then Σ exp(x − max).
        const m = scan(xs[0] as Expr, rows, (c, row) => c.max(first(row))).carry;
        return done(
          mapReduce(rows, (row) => first(row).sub(m).exp())
            .log()
            .add(m),
        );
      }
      case 'scan': {
        const [p, q] = scan([a, b], rows, ([c, d], row) => [
          (c as Expr).mul(first(row)).add(d as Expr),
          (d as Expr).add(last(row).sin()),
        ]).carry;
        return done((p as Expr).add(q as Expr));
      }
      case 'index':
        return done(mapReduce(rows, (row, i) => first(row).mul(i).sub(a).mul(last(row))));
    }
  });
}

describe('the compiled loop drivers against the interpreter, to the bit (fast-check)', () => {
  it('maps of two outputs over data rows (sum and logsumexp): the primal and the Jacobian', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.constantFrom('sum', 'logsumexp'),
        fc.constantFrom(...TWO_OUTPUTS),
        fc.array(number(3), { minLength: 4, maxLength: 4 }),
        fc.array(number(5), { minLength: 60, maxLength: 60 }),
        (n, reduce, shape, point, data) => {
          fc.pre(reduce === 'sum' || n > 0);
          const f = withGraph(() => {
            const xs = ['a', 'b', 'c', 'e'].map((name) => variable(name));
            const rows = { data: data.slice(0, 3 * n), width: 3 };
            const outs = mapReduce(rows, (row, i) => twoOutputs(shape, row, i, xs), { reduce });
            return program(outs, { variables: xs });
          });
          for (const x of [point, point.map((v) => -v)]) {
            const e = (backend: Backend) => Array.from(evaluate(f, x, { backend }) as Float64Array);
            expect(sameBits(e('compile'), e('interpret'))).toBe(true);
            const j = (backend: Backend) =>
              methods.reverse.jacobian(f, x, { backend }).value.flatMap((r) => Array.from(r));
            expect(sameBits(j('compile'), j('interpret'))).toBe(true);
          }
        },
      ),
      { numRuns: 300, seed: 20261208 },
    );
  });

  it("maps and scans over rows of inputs (lse's shape among them): the primal and the gradient", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(1, 2, 7, 8, 9, 16, 17), fc.integer({ min: 1, max: 30 })),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(...OVER_INPUTS),
        fc.array(number(5), { minLength: 100, maxLength: 100 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (n, w, shape, point, consecutive, roots, outer) => {
          const f = overInputs(shape, n, w, consecutive, roots, outer);
          const x = Array.from({ length: 2 + n * w }, (_, k) => point[k % point.length] as number);
          // Twice at x (the second call runs the drivers built by the first), then at another point.
          for (const p of [x, x, x.map((v) => v * 0.5)]) {
            const e = (backend: Backend) => [evaluate(f, p, { backend }) as number];
            expect(sameBits(e('compile'), e('interpret'))).toBe(true);
            const g = (backend: Backend) => Array.from(methods.reverse.gradient(f, p, { backend }).value);
            expect(sameBits(g('compile'), g('interpret'))).toBe(true);
            // A scan's recording keeping every stride-th carry (√n) or a few (binomial): the same bits as all.
            const all = methods.reverse.vjp(f, p, [1.5], { backend: 'compile' }).value;
            for (const checkpoint of ['sqrt', 'binomial'] as const) {
              const c = (backend: Backend) =>
                Array.from(methods.reverse.vjp(f, p, [1.5], { backend, checkpoint, snapshots: 2 }).value);
              expect(sameBits(c('compile'), c('interpret'))).toBe(true);
              expect(sameBits(c('compile'), all)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200, seed: 20261208 },
    );
  });
});
