/**
 * The summed map's recording driver with locals reads some adjoints off the body's structure (loop.ts's
 * adjointForms): where a row entry's adjoint is ±z (z the output's value, as exp's partial is its value) its
 * adjoint is stored from z and tested by the sum of the z's (±1 stored as such), and where a captured value's is, its sum is ±(the
 * sum of the z's), +0 where that sum is zero. The compiled gradient must keep the interpreter's bits: with the
 * captured value's sum zero (every exp underflows; √w at w = 0 then turns a reached +0 into NaN, where an
 * untouched −0 would give 0), NaN and ±∞ rows, and a sum that overflows from finite terms.
 */
import { describe, expect, it } from 'vitest';
import {
  type Expr,
  mapReduce,
  methods,
  type Program,
  program,
  variable,
  withGraph,
} from '../../src/index.js';
import { loopUsage, resetLoopUsage } from '../../src/sweeps/interpret/adjoint-loop.js';
import { sameBits, show } from './support/close.js';

/** Σ body(xᵢ, √w) over n inputs xᵢ, then `outer` of the sum; variables w, x₀ … x_{n−1}. */
function mapOf(n: number, body: (x: Expr, c: Expr) => Expr, outer: (s: Expr) => Expr): Program<number> {
  return withGraph(() => {
    const w = variable('w');
    const c = w.sqrt();
    const xs = Array.from({ length: n }, (_, k) => variable(`x${k}`));
    const s = mapReduce(
      xs.map((x) => [x]),
      ([x]) => body(x as Expr, c),
    );
    return program(outer(s), { variables: [w, ...xs] });
  });
}

const BODIES: readonly [string, (x: Expr, c: Expr) => Expr][] = [
  // x's adjoint z, c's −z.
  ['exp(x − c)', (x, c) => x.sub(c).exp()],
  // x's −z, c's z.
  ['exp(c − x)', (x, c) => c.sub(x).exp()],
  // Through a negation: x's −z, c's z.
  ['exp(−(x − c))', (x, c) => x.sub(c).neg().exp()],
  // Through an addition: both z.
  ['exp(x + c)', (x, c) => x.add(c).exp()],
  // Row adjoints ±1: x's 1, c's −1 (a sum row by row, as before).
  ['x − c', (x, c) => x.sub(c)],
  ['−(c − x)', (x, c) => c.sub(x).neg()],
  // The row entry itself: its adjoint the seed, 1.
  ['x', (x) => x],
  // x used twice, c not read: the adjoint sweep runs for x's alone.
  ['exp(x · x)', (x) => x.mul(x).exp()],
  // c used twice: its sum row by row, as before.
  ['exp(x − c) · c', (x, c) => x.sub(c).exp().mul(c)],
];

const OUTERS: readonly [string, (s: Expr) => Expr][] = [
  ['s', (s) => s],
  ['log s', (s) => s.log()],
  ['s · s', (s) => s.mul(s)],
];

/** Points [w, x…]: ordinary, every exp underflowing (either sign of x), NaN, ±∞, overflowing sums, zeros. */
function points(n: number): number[][] {
  const base = Array.from({ length: n }, (_, k) => Math.sin(k + 1) * 3);
  const at = (k: number, value: number) => base.map((x, j) => (j === k ? value : x));
  return [
    [4, ...base],
    [0, ...base],
    [0, ...base.map(() => -1000)],
    [0, ...base.map(() => 1000)],
    [4, ...base.map(() => -1000)],
    [4, ...at(n - 1, Number.NaN)],
    [4, ...at(0, Number.POSITIVE_INFINITY)],
    [4, ...at(0, Number.NEGATIVE_INFINITY)],
    [0, ...base.map(() => 709)],
    [0, ...base.map(() => -709)],
    [Number.POSITIVE_INFINITY, ...base],
    [Number.NaN, ...base],
    [0, ...base.map(() => 0)],
    [0, ...base.map(() => -0)],
  ];
}

describe("the recording driver's adjoints read off the body", () => {
  it("the interpreter's bits for bodies whose adjoints are ±z, at n = 1, 3, 9 and 40", () => {
    for (const n of [1, 3, 9, 40]) {
      for (const [name, body] of BODIES) {
        for (const [outerName, outer] of OUTERS) {
          const f = mapOf(n, body, outer);
          for (const x of points(n)) {
            const compiled = methods.reverse.gradient(f, x, { backend: 'compile' }).value;
            const interpreted = methods.reverse.gradient(f, x, { backend: 'interpret' }).value;
            const vjp = methods.reverse.vjp(f, x, [1], { backend: 'compile' }).value;
            const vjpInterpreted = methods.reverse.vjp(f, x, [1], { backend: 'interpret' }).value;
            const at = `${outerName} of Σ ${name}, n = ${n}, at ${show(x.slice(0, 4))}…`;
            expect(
              sameBits(compiled, interpreted),
              `${at}: ${show(compiled)} against ${show(interpreted)}`,
            ).toBe(true);
            expect(
              sameBits(vjp, vjpInterpreted),
              `${at}, vjp: ${show(vjp)} against ${show(vjpInterpreted)}`,
            ).toBe(true);
          }
        }
      }
    }
  });

  it('every exp underflowing: √w at w = 0 meets a reached zero, NaN on both backends', () => {
    const f = mapOf(
      3,
      (x, c) => x.sub(c).exp(),
      (s) => s,
    );
    for (const backend of ['compile', 'interpret'] as const) {
      const g = methods.reverse.gradient(f, [0, -1000, -1000, -1000], { backend }).value;
      expect(Number.isNaN(g[0]), `${backend}: [${g}]`).toBe(true);
    }
  });

  it('a NaN or ±∞ row adjoint read off z still hands the call to the noted driver, as the running test did', () => {
    // No captured value: the rows' adjoints z are tested by the sum of the z's alone.
    const f = withGraph(() => {
      const xs = Array.from({ length: 4 }, (_, k) => variable(`x${k}`));
      const s = mapReduce(
        xs.map((x) => [x]),
        ([x]) => (x as Expr).exp(),
      );
      return program(s.log(), { variables: xs });
    });
    for (const [x, handed] of [
      [[0.5, -1, 2, 0.25], false],
      [[0.5, Number.NaN, 2, 0.25], true],
      [[0.5, -1, Number.POSITIVE_INFINITY, 0.25], true],
    ] as const) {
      resetLoopUsage();
      const g = methods.reverse.gradient(f, x, { backend: 'compile' }).value;
      expect(loopUsage().handedOver > 0, `at [${x}]`).toBe(handed);
      expect(sameBits(g, methods.reverse.gradient(f, x, { backend: 'interpret' }).value), `at [${x}]`).toBe(
        true,
      );
    }
  });
});
