/**
 * A summed map over consecutive input rows keeps its rows' adjoints in the program's adjoints during a gradient
 * (adjoint-loop.ts's directRun): where nothing above the map reads those inputs, the recording writes them at
 * their place, the zeroing leaves them, and the backward sweep scales them in place. The gradient's bits are
 * those of a recording that keeps the rows apart (a vjp, which may sweep more than once), and its numbers the
 * unrolled program's, on both backends; where another node above the map reads a row, the rows are kept apart.
 */
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  type Expr,
  mapReduce,
  methods,
  type Program,
  program,
  scan,
  unroll,
  variable,
  withGraph,
} from '../../src/index.js';
import { asDerivatives } from '../../src/ir/ops.js';
import { loopUsage } from '../../src/sweeps/interpret/adjoint-loop.js';
import { close, sameBits } from './support/close.js';

const BACKENDS: readonly Backend[] = ['interpret', 'compile'];

/** lse as the GradBench eval builds it: A = max xᵢ by a scan, then A + log Σ exp(xᵢ − A) by a map. */
function lse(n: number): Program<number> {
  return withGraph(() => {
    const xs = Array.from({ length: n }, (_, k) => variable(`x${k}`));
    const rows = xs.map((x) => [x]);
    // (At n = 1 the max is x₀ itself: a scan over no rows has no row to read.)
    const a =
      n === 1 ? (xs[0] as Expr) : scan(xs[0] as Expr, rows.slice(1), (m, [x]) => m.max(x as Expr)).carry;
    const s = mapReduce(rows, ([x]) => (x as Expr).sub(a).exp());
    return program(a.add(s.log()), { variables: xs });
  });
}

/** The points of n inputs: ordinary values, one NaN, one ±∞, all equal, and large ones whose exp overflows. */
function points(n: number): number[][] {
  const base = Array.from({ length: n }, (_, k) => Math.sin(k + 1) * 3);
  const at = (k: number, value: number) => base.map((x, j) => (j === k ? value : x));
  return [
    base,
    at(n - 1, Number.NaN),
    at(0, Number.POSITIVE_INFINITY),
    at(Math.floor(n / 2), Number.NEGATIVE_INFINITY),
    base.map(() => 0.25),
    base.map((x) => x * 300),
  ];
}

/**
 * The gradient of f at x on `backend`, checked against the unrolled program's and against asDerivatives of
 * the vjp with cotangent 1 (a recording that keeps the rows' adjoints in an array of their own); returns the
 * bytes the gradient's loops held beyond the tape and the vjp's.
 */
function gradientAgrees(f: Program<number>, x: number[], backend: Backend): [number, number] {
  const g = methods.reverse.gradient(f, x, { backend }).value;
  const held = loopUsage().residualBytes;
  const apart = asDerivatives(methods.reverse.vjp(f, x, [1], { backend }).value);
  const heldApart = loopUsage().residualBytes;
  const unrolled = methods.reverse.gradient(unroll(f), x, { backend }).value;
  expect(sameBits(g, apart), `${backend} at [${x}]: [${Array.from(g)}] against the vjp's`).toBe(true);
  // The unrolled program sums the max's adjoint, 1 − Σ softmax (a cancellation), in another order: the same
  // numbers but for the rounding of that sum at the largest entry (a few 1e−16 at most for these sizes).
  const near = Array.from(g).every((d, k) => close(d, unrolled[k] as number, 1e-15, 1e-14));
  expect(near, `${backend} at [${x}]: [${Array.from(g)}] against unrolled [${Array.from(unrolled)}]`).toBe(
    true,
  );
  return [held, heldApart];
}

describe("a summed map's rows' adjoints kept in the program's adjoints", () => {
  it("lse at n = 1, 2, 9, 40 with NaN, ±∞ and overflowing rows: the vjp's bits, no rows' bytes held", () => {
    for (const n of [1, 2, 9, 40]) {
      const f = lse(n);
      for (const x of points(n)) {
        for (const backend of BACKENDS) {
          const [held, heldApart] = gradientAgrees(f, x, backend);
          // The map's n rows' adjoints live in the tape's adjoints: 8n bytes fewer than the vjp keeps. At
          // n = 1 the max is x₀, which the sum A + log s reads above the map: the row is kept apart.
          expect(heldApart - held, `${backend}, n = ${n}`).toBe(n === 1 ? 0 : 8 * n);
        }
      }
    }
  });

  it('not where a node above the map reads a row: log Σ exp(xᵢ − a) + y·x₁ keeps the rows apart', () => {
    const f = withGraph(() => {
      const [a, y] = [variable('a'), variable('y')];
      const xs = Array.from({ length: 5 }, (_, k) => variable(`x${k}`));
      const s = mapReduce(
        xs.map((x) => [x]),
        ([x]) => (x as Expr).sub(a).exp(),
      );
      // y·x₁ after the map: its adjoint reaches x₁ before the map's backward sweep does.
      return program(s.log().add(y.mul(xs[1] as Expr)), { variables: [a, y, ...xs] });
    });
    for (const x of [
      [0.5, 2, 1, -1, 3, 0.5, 2],
      [0.5, -3, 1, Number.NaN, 3, 0.5, 2],
    ]) {
      for (const backend of BACKENDS) {
        const [held, heldApart] = gradientAgrees(f, x, backend);
        expect(held, backend).toBe(heldApart);
      }
    }
  });

  it("but where that node comes before the map, or the map captures a row too: the vjp's bits", () => {
    const before = withGraph(() => {
      const y = variable('y');
      const xs = Array.from({ length: 4 }, (_, k) => variable(`x${k}`));
      const p = y.mul(xs[2] as Expr).sin();
      const s = mapReduce(
        xs.map((x) => [x]),
        ([x]) => (x as Expr).mul(x as Expr).exp(),
      );
      // p first, so placed before the map (the program's nodes in postorder) and swept after it: it adds to
      // x₂'s adjoint once the map has scaled it.
      return program(p.mul(s.log()), { variables: [y, ...xs] });
    });
    const captured = withGraph(() => {
      const xs = Array.from({ length: 4 }, (_, k) => variable(`x${k}`));
      // x₀ is a row and a captured value of the same map: its captured adjoint is added after the rows'.
      const s = mapReduce(
        xs.map((x) => [x]),
        ([x]) => (x as Expr).mul(xs[0] as Expr).exp(),
      );
      return program(s.log(), { variables: xs });
    });
    for (const [f, x] of [
      [before, [1.5, 0.5, -1, 2, 0.25]],
      [before, [1.5, 0.5, -1, 2, Number.POSITIVE_INFINITY]],
      [captured, [0.5, -1, 2, 0.25]],
      [captured, [0, -1, 2, 0.25]],
    ] as const) {
      for (const backend of BACKENDS) {
        const [held, heldApart] = gradientAgrees(f, [...x], backend);
        expect(heldApart - held, backend).toBe(8 * 4);
      }
    }
  });

  it('a map whose value no seeded output reaches leaves its rows untouched: ∂/∂xᵢ = 0', () => {
    // The scan reads the map's sum s only in per-step outputs that nothing uses: the map's adjoint stays
    // untouched, its backward sweep sends nothing, and its rows' adjoints kept in the tape must read −0.
    const f = withGraph(() => {
      const y = variable('y');
      const xs = Array.from({ length: 3 }, (_, k) => variable(`x${k}`));
      const s = mapReduce(
        xs.map((x) => [x]),
        ([x]) => (x as Expr).exp(),
      );
      const { carry } = scan(y, { data: Float64Array.of(1, 2), width: 1 }, (c, [r]) => ({
        carry: c.mul(r as Expr),
        out: [s.mul(r as Expr)],
      }));
      return program(carry.add(y), { variables: [y, ...xs] });
    });
    for (const backend of BACKENDS) {
      const g = methods.reverse.gradient(f, [1.5, 0.5, -1, 2], { backend }).value;
      expect(Array.from(g), backend).toEqual([3, 0, 0, 0]);
      gradientAgrees(f, [1.5, 0.5, -1, 2], backend);
    }
  });
});
