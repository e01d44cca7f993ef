/**
 * Forward over reverse through loops on the compiled backend (generated body sweeps) and with the sparse
 * backward sweep (nodes whose adjoint and adjoint's tangent are zero skipped): both give the interpreter's
 * sweep over every node to the bit, on random looped programs of the ops the sparse sweep takes and at
 * special points, and kmeans' Newton direction matches its closed form.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { derivativeEngine } from '../../src/gradbench/engine.js';
import { generateInput } from '../../src/gradbench/generate.js';
import {
  type Backend,
  dot,
  type Expr,
  mapReduce,
  type Program,
  program,
  scan,
  variable,
  withGraph,
} from '../../src/index.js';
import { type LoopCall, OP_CODE } from '../../src/ir/index.js';
import { planSegments } from '../../src/sweeps/compiled/index.js';
import { setSparseSweeps } from '../../src/sweeps/interpret/dual-marks.js';
import { GRADBENCH_EVALS } from '../../src/workloads/gradbench/index.js';
import type { KmeansInput, KmeansWorkload } from '../../src/workloads/gradbench/kmeans.js';
import type { GradbenchEval } from '../../src/workloads/gradbench/types.js';
import { sameBits } from '../ir/support/close.js';

afterEach(() => setSparseSweeps(true));

import { type Body, bodyArbitrary, build } from './support/bodies.js';
import { nearest } from './support/nearest.js';
import { SPECIAL, secondOrder } from './support/second-order.js';

/**
 * A scan and a sum map over the same rows, of random bodies. The captured values are √a, b and a·b, the rows
 * (when expressions) √a·i/2 − b and the first initial carry √c0: at a = 0 or c0 = 0 an infinite partial, where
 * an adjoint the loop does not reach must stay untouched (−0) and a reached zero must not (0·∞ is NaN). The
 * output is the scan's final carry, its last step's output and the maps' sums, weighted: the other steps'
 * outputs have untouched adjoints.
 */
function randomProgram(bodies: readonly Body[], n: number, exprRows: boolean): Program<number> {
  return withGraph(() => {
    const a = variable('a');
    const b = variable('b');
    const c0 = variable('c0');
    const c1 = variable('c1');
    const captured = [a.sqrt(), b, a.mul(b)];
    const rows = Array.from({ length: n }, (_, i) => [
      exprRows
        ? a
            .sqrt()
            .mul(0.5 * i)
            .sub(b)
        : 0.75 * i - 1,
    ]);
    const { carry, out } = scan([c0.sqrt(), c1], rows, ([p, q], [r]) => {
      const xs = [p as Expr, q as Expr, r as Expr, ...captured];
      return {
        carry: [build(bodies[0] as Body, xs), build(bodies[1] as Body, xs)],
        out: [build(bodies[2] as Body, xs)],
      };
    });
    const mapped = mapReduce(rows, ([r]) => build(bodies[3] as Body, [r as Expr, ...captured, r as Expr, a]));
    // As kmeans' body: each captured value read once, by a difference or a sum (their sums run in place).
    const [sa, cb, ab] = captured as [Expr, Expr, Expr];
    const differences = mapReduce(rows, ([r]) => {
      const x = r as Expr;
      return build(bodies[4] as Body, [x.sub(sa), cb.sub(x), x.add(ab), x, x.neg(), x.mul(x)]);
    });
    const [p, q] = carry as Expr[];
    const last = (out[n - 1] as Expr[])[0] as Expr;
    return program(
      (p as Expr)
        .add((q as Expr).mul(0.5))
        .add(last.mul(0.25))
        .add(mapped)
        .add(differences),
      {
        variables: [a, b, c0, c1],
      },
    ) as Program<number>;
  });
}

/** The interpreter's sweep over every node (sparse sweeps off): what the sparse sweeps must give to the bit. */
function fullSweep(f: Program<number>, x: readonly number[]): number[] {
  setSparseSweeps(false);
  const want = secondOrder(f, x, 'interpret');
  setSparseSweeps(true);
  return want;
}

/** Expects the sparse sweeps on each of `backends` to give `want`'s bits. */
function expectSparseBits(
  f: Program<number>,
  x: readonly number[],
  want: readonly number[],
  backends: readonly Backend[] = ['interpret', 'compile'],
): void {
  for (const backend of backends) expect(sameBits(secondOrder(f, x, backend), want)).toBe(true);
}

describe('forward over reverse through loops: compiled and sparse sweeps', () => {
  const point = fc.oneof(
    fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 }),
    fc.array(fc.constantFrom(...SPECIAL), { minLength: 4, maxLength: 4 }),
    // Finite inputs whose products overflow inside the bodies (the sparse sweep must not skip a node there).
    fc.array(fc.constantFrom(1e155, -1e155, 1e160, 2, -3), { minLength: 4, maxLength: 4 }),
  );
  it('random loops of add, sub, mul, neg, min, max and dot: the compiled backend and the sparse sweep give the interpreter’s sweep over every node, to the bit', () => {
    fc.assert(
      fc.property(
        fc.array(bodyArbitrary(6), { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        point,
        (bodies, n, exprRows, x) => {
          const f = randomProgram(bodies, n, exprRows);
          setSparseSweeps(false);
          const want = secondOrder(f, x, 'interpret');
          expect(sameBits(secondOrder(f, x, 'compile'), want)).toBe(true);
          setSparseSweeps(true);
          expect(sameBits(secondOrder(f, x, 'interpret'), want)).toBe(true);
          expect(sameBits(secondOrder(f, x, 'compile'), want)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 20261207 },
    );
  });
});

describe('the sparse sweep at a value that overflows inside a body', () => {
  it('a losing branch of min whose product is ∞ still sends 0·∞ = NaN, as the sweep over every node does', () => {
    // r² = ∞ for the row r = 1e200: the branch r²·q loses to r + p, gets a zero adjoint, and sends q the
    // partial r²: 0·∞ is NaN (along p, q's tangent is untouched, so no tangent is ∞). Every input is finite, so
    // only the body's own values tell the sparse sweep not to skip the branch.
    const f = withGraph(() => {
      const p = variable('p');
      const q = variable('q');
      return program(
        mapReduce([[1e200], [3]], ([r]) =>
          (r as Expr)
            .mul(r as Expr)
            .mul(q)
            .min((r as Expr).add(p)),
        ),
        { variables: [p, q] },
      ) as Program<number>;
    });
    const x = [1, 2];
    const want = fullSweep(f, x);
    expect(want.some(Number.isNaN)).toBe(true);
    expectSparseBits(f, x, want);
  });
});

describe('the lean sweeps of a sum map (tangents only where the sparse sweep reads them)', () => {
  it('kmeans-shaped maps (a chain of min over dot products of differences) at random and special points: the interpreter’s sweep over every node, to the bit', () => {
    // Small integers make ties (min's partials ½); the special values make the bounds fail or hold narrowly.
    const value = fc.oneof(
      fc.integer({ min: -2, max: 2 }),
      fc.double({ min: -3, max: 3, noNaN: true }),
      fc.constantFrom(1e150, -1e155, 1e160, 1e-300, Infinity, Number.NaN),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.array(value, { minLength: 15, maxLength: 15 }),
        fc.array(value, { minLength: 12, maxLength: 12 }),
        (d, k, n, max, c, data) => {
          const f = withGraph(() => {
            const cs = Array.from({ length: k * d }, (_, j) => variable(`c${j}`));
            const rows = Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d));
            return program(nearest(rows, cs, d, k, max ? 'max' : 'min'), {
              variables: cs,
            }) as Program<number>;
          });
          const x = c.slice(0, k * d);
          expectSparseBits(f, x, fullSweep(f, x));
        },
      ),
      { numRuns: 200, seed: 20261207 },
    );
  });

  it("kmeans' body in a loop that begins at a dot (a centroid's differences read by the next repetition's dot, the last one's after the loop): each centroid winning once, and a tie: the interpreter's sweep over every node, to the bit", () => {
    // d = 16, k = 8: the plan's loop repeats [dot, min, the next centroid's 16 differences] (checked below), so
    // the compiled lean sparse sweep's flags cross repetitions, and the last centroid's differences are read by
    // a dot after the loop. Row j sits near centroid j (every branch wins once, the last included); the last row
    // is the midpoint of centroids 6 and 7, in integers: a tie, both branches reached.
    const d = 16;
    const k = 8;
    const x = Array.from({ length: k * d }, (_, i) => ((i * 7919) % 23) - 11);
    const rows = Array.from({ length: k }, (_, j) =>
      Array.from({ length: d }, (_, l) => (x[j * d + l] as number) + 0.25 * (((j + l) % 3) - 1)),
    );
    rows.push(Array.from({ length: d }, (_, l) => ((x[6 * d + l] as number) + (x[7 * d + l] as number)) / 2));
    const f = withGraph(() => {
      const cs = Array.from({ length: k * d }, (_, j) => variable(`c${j}`));
      return program(nearest(rows, cs, d, k, 'min'), { variables: cs }) as Program<number>;
    });
    const body = (f.calls[0] as LoopCall).loop.body;
    const loops = planSegments(body).filter((s) => s.kind === 'loop' && s.period === d + 2);
    expect(loops.map((s) => body.op[s.start])).toEqual([OP_CODE.dot]);
    expectSparseBits(f, x, fullSweep(f, x), ['compile']);
  });

  it("a chain of min or max over k = 12 distances, each centroid nearest and farthest, and ties: the sweep that jumps along the chain gives the interpreter's sweep over every node, to the bit", () => {
    // The compiled lean sparse sweep keeps the chain's adjoint in variables and jumps over the repetitions where
    // it only passes through (chainJump in src/sweeps/compiled/dual.ts): d = 2 makes the plan's loop
    // [differences, dot, min], d = 16 [dot, min, the next differences] (flags across repetitions). The output
    // m·q + s² seeds the chain with a zero adjoint (q = 0), a zero one with a reached tangent (along q), and an
    // adjoint whose tangent no direction but s's reaches, where the chain's tangents are untouched too.
    const k = 12;
    for (const d of [2, 16]) {
      // Centroid j at 10·(5j mod 12) on every axis (the nearest centroid's predecessors in the chain are not
      // all nearer than the ones before them, so the sweep jumps), centroid 2 equal to centroid 0 and 9 to 3
      // (ties across the chain, one that runs its first repetitions). Rows: near each centroid (each wins, and
      // each loses as the farthest for max), the midpoint of centroids 0 and 5 (a tie), and the midpoint of the
      // first and last centroid.
      const place = (j: number) => 10 * ((5 * (j === 9 ? 3 : j === 2 ? 0 : j)) % 12);
      const centroid = (j: number) => Array.from({ length: d }, () => place(j));
      const x = Array.from({ length: k }, (_, j) => centroid(j)).flat();
      const near = (j: number) => centroid(j).map((v, l) => v + (l === 0 ? 1 : 0));
      const mid = (i: number, j: number) => centroid(i).map((v, l) => (v + (centroid(j)[l] as number)) / 2);
      const rows = [...Array.from({ length: k }, (_, j) => near(j)), mid(0, 5), mid(0, 11)];
      for (const max of [false, true]) {
        const f = withGraph(() => {
          const cs = Array.from({ length: k * d }, (_, j) => variable(`c${j}`));
          const q = variable('q');
          const s = variable('s');
          const m = nearest(rows, cs, d, k, max ? 'max' : 'min');
          return program(m.mul(q).add(s.mul(s)), { variables: [...cs, q, s] }) as Program<number>;
        });
        const body = (f.calls[0] as LoopCall).loop.body;
        expect(planSegments(body).some((g) => g.kind === 'loop' && g.period === d + 2)).toBe(true);
        for (const q of [1, 0]) {
          const at = [...x, q, 0.5];
          expectSparseBits(f, at, fullSweep(f, at), ['compile']);
        }
      }
    }
  });

  it("dot products of differences in shuffled pairs, in a loop whose entries do not move by fixed strides: the interpreter's sweep over every node, to the bit", () => {
    // kmeans' chain of min over the distances, plus a chain over dot(diff σ(j), diff σ(j + 1)): that chain is a
    // loop of [dot, min] whose dots read differences made before it, in shuffled order, so the lean sweeps store
    // those differences rather than compute them in the dots.
    const d = 3;
    const k = 7;
    const order = Array.from({ length: k }, (_, j) => (j * 3 + 1) % k);
    const x = Array.from({ length: k * d }, (_, i) => ((i * 37) % 11) - 5);
    const rows = Array.from({ length: k }, (_, j) =>
      Array.from({ length: d }, (_, l) => (x[j * d + l] as number) + 0.125 * l),
    );
    const f = withGraph(() => {
      const cs = Array.from({ length: k * d }, (_, j) => variable(`c${j}`));
      return program(
        mapReduce(rows, (p) => {
          const diffs = Array.from({ length: k }, (_, j) => p.map((pl, l) => pl.sub(cs[j * d + l] as Expr)));
          const chain = (dists: Expr[]) => dists.reduce((best, dist) => best.min(dist));
          const nearest = chain(diffs.map((e) => dot(e, e)));
          const pairs = order
            .slice(1)
            .map((j, i) => dot(diffs[order[i] as number] as Expr[], diffs[j] as Expr[]));
          return nearest.add(chain(pairs));
        }),
        { variables: cs },
      ) as Program<number>;
    });
    const body = (f.calls[0] as LoopCall).loop.body;
    const loops = planSegments(body).filter((s) => s.kind === 'loop' && body.op[s.start] === OP_CODE.dot);
    expect(loops.map((s) => s.kind === 'loop' && s.period)).toEqual([2]);
    expectSparseBits(f, x, fullSweep(f, x), ['compile']);
  });

  it('a losing branch of min whose tangent alone overflows still sends NaN: the bounds leave that call to the full sweeps', () => {
    // Along q, ((q·r·1e300 − 1e300)·1e10 + 5) at r = 1 has the value 5 but the tangent 1e310 = ∞ (a row's
    // expression, not one the loop hoists): the branch loses to r + p, and min's partials' tangent there is
    // 0·∞ = NaN. The lean forward sweep would not compute that
    // tangent; the bounds (here past 1e300) must send the call to the sweeps that do.
    const f = withGraph(() => {
      const p = variable('p');
      const q = variable('q');
      return program(
        mapReduce([[1], [1]], ([r]) =>
          (r as Expr).add(p).min(
            q
              .mul(r as Expr)
              .mul(1e300)
              .sub(1e300)
              .mul(1e10)
              .add(5),
          ),
        ),
        { variables: [p, q] },
      ) as Program<number>;
    });
    const x = [1, 1];
    const want = fullSweep(f, x);
    expect(want.some(Number.isNaN)).toBe(true);
    expectSparseBits(f, x, want);
  });
});

describe("kmeans' Newton direction", () => {
  const ev = GRADBENCH_EVALS.kmeans as GradbenchEval<KmeansInput, KmeansWorkload>;

  it('the gradient and the Hessian diagonal match the closed form on both backends, and agree to the bit', () => {
    const input = ev.read(generateInput({ eval: 'kmeans', sizes: { n: 200, k: 9, d: 4 } }));
    const w = ev.prepare(input);
    const { points, centroids, d } = input;
    // Closed form: each point's nearest centroid j; ∂f/∂c_j = 2·Σ (c_j − p) over its points, ∂²f/∂c_jl² = 2·count_j.
    const grad = new Float64Array(w.x.length);
    const diag = new Float64Array(w.x.length);
    for (const p of points) {
      let best = 0;
      let bestDist = Number.POSITIVE_INFINITY;
      centroids.forEach((c, j) => {
        let s = 0;
        for (let l = 0; l < d; l++) s += ((p[l] as number) - (c[l] as number)) ** 2;
        if (s < bestDist) [best, bestDist] = [j, s];
      });
      for (let l = 0; l < d; l++) {
        grad[best * d + l] =
          (grad[best * d + l] as number) + 2 * ((centroids[best]?.[l] as number) - (p[l] as number));
        diag[best * d + l] = (diag[best * d + l] as number) + 2;
      }
    }
    const results = (['interpret', 'compile'] as const).map((backend) =>
      derivativeEngine({ method: 'reverse', backend }).gradientAndHessianDiagonal(w.f, w.x),
    );
    for (const r of results) {
      expect(Array.from(r.diagonal)).toEqual(Array.from(diag));
      r.gradient.forEach((g, i) =>
        expect(Math.abs(g - (grad[i] as number))).toBeLessThanOrEqual(1e-12 * points.length),
      );
    }
    const [interp, comp] = results as [(typeof results)[0], (typeof results)[0]];
    expect(sameBits(comp.gradient, interp.gradient)).toBe(true);
    expect(sameBits(comp.diagonal, interp.diagonal)).toBe(true);
    // And the sweep over every node, unchanged, gives the same bits.
    setSparseSweeps(false);
    const full = derivativeEngine({ method: 'reverse', backend: 'interpret' }).gradientAndHessianDiagonal(
      w.f,
      w.x,
    );
    expect(sameBits(full.gradient, interp.gradient)).toBe(true);
    expect(sameBits(full.diagonal, interp.diagonal)).toBe(true);
  });
});
