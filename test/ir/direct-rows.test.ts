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
import { asDerivative, asDerivatives, scaledDerivativesInto } from '../../src/ir/ops.js';
import { loopUsage } from '../../src/sweeps/interpret/adjoint-loop.js';
import { close, sameBits, show } from './support/close.js';

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

  // The map's backward sweep leaves the rows' scaling to the derivatives' pass where only loop calls below it
  // read the rows; a call below that adds to their adjoints scales them first (settleScale).
  it("a loop call below the map that adds to the rows' adjoints: a seeded max, a logsumexp, another sum", () => {
    const programs = [
      // y·A + log Σ exp(xᵢ − A): the max's adjoint is y, so its scan runs its backward sweep.
      (xs: Expr[], y: Expr) => {
        const { carry: a } = scan(
          xs[0] as Expr,
          xs.slice(1).map((x) => [x]),
          (m, [x]) => m.max(x as Expr),
        );
        const s = mapReduce(
          xs.map((x) => [x]),
          ([x]) => (x as Expr).sub(a).exp(),
        );
        return y.mul(a).add(s.log());
      },
      // log Σ exp(xᵢ − L), L = logsumexp of y·xᵢ: a map whose backward sweep runs its rows again.
      (xs: Expr[], y: Expr) => {
        const l = mapReduce(
          xs.map((x) => [x]),
          ([x]) => (x as Expr).mul(y),
          { reduce: 'logsumexp' },
        );
        return mapReduce(
          xs.map((x) => [x]),
          ([x]) => (x as Expr).sub(l).exp(),
        ).log();
      },
      // log Σ exp(xᵢ · m), m = Σ y·xᵢ²: a summed map over the same rows, kept apart (the map above reads them).
      (xs: Expr[], y: Expr) => {
        const m = mapReduce(
          xs.map((x) => [x]),
          ([x]) => (x as Expr).mul(x as Expr).mul(y),
        );
        return mapReduce(
          xs.map((x) => [x]),
          ([x]) => (x as Expr).mul(m).exp(),
        ).log();
      },
    ];
    for (const build of programs) {
      const f = withGraph(() => {
        const y = variable('y');
        const xs = Array.from({ length: 6 }, (_, k) => variable(`x${k}`));
        return program(build(xs, y), { variables: [y, ...xs] });
      });
      for (const x of [
        [0.75, 0.5, -1, 2, 0.25, 1.5, -0.5],
        [0.75, 0.5, -1, Number.NaN, 0.25, 1.5, -0.5],
        [-2, 0, 0, 0, 0, 0, 0],
      ]) {
        for (const backend of BACKENDS) gradientAgrees(f, x, backend);
      }
    }
  });

  it('two maps over disjoint runs, the later one over the earlier inputs: log Σ exp zⱼ + log Σ exp(xᵢ·y)', () => {
    // The map over z is placed first, so the zeroing meets the runs out of their nodes' order; the map over x
    // sweeps after the one over z and scales z's rows first.
    const f = withGraph(() => {
      const y = variable('y');
      const xs = Array.from({ length: 3 }, (_, k) => variable(`x${k}`));
      const zs = Array.from({ length: 4 }, (_, k) => variable(`z${k}`));
      const over = (vs: Expr[], body: (v: Expr) => Expr) =>
        mapReduce(
          vs.map((v) => [v]),
          ([v]) => body(v as Expr),
        ).log();
      const z = over(zs, (v) => v.exp());
      return program(z.add(over(xs, (v) => v.mul(y).exp())), { variables: [...xs, y, ...zs] });
    });
    for (const x of [
      [0.5, -1, 2, 0.75, 1, 2, 3, -4],
      [0.5, -1, 2, 0.75, 1, Number.NaN, 3, -4],
    ]) {
      for (const backend of BACKENDS) {
        const [held, heldApart] = gradientAgrees(f, x, backend);
        expect(heldApart - held, backend).toBe(8 * 7);
      }
    }
  });

  it('rows with an entry the map does not reach keep −0 there: √(Σ rᵢ₀²) over rows (x₀, x₁), (x₂, x₃) at 0', () => {
    // ∂/∂x₀ = ∞ · 0 = NaN where the map reaches (its output's adjoint 1/(2√0) = ∞); x₁ and x₃ stay untouched, 0.
    const f = withGraph(() => {
      const xs = Array.from({ length: 4 }, (_, k) => variable(`x${k}`));
      const s = mapReduce(
        [
          [xs[0] as Expr, xs[1] as Expr],
          [xs[2] as Expr, xs[3] as Expr],
        ],
        ([a]) => (a as Expr).mul(a as Expr),
      );
      return program(s.sqrt(), { variables: xs });
    });
    for (const backend of BACKENDS) {
      expect(Array.from(methods.reverse.gradient(f, [0, 0, 0, 0], { backend }).value), backend).toEqual([
        Number.NaN,
        0,
        Number.NaN,
        0,
      ]);
      gradientAgrees(f, [0, 0, 0, 0], backend);
      gradientAgrees(f, [0.5, 1, -2, 3], backend);
    }
  });

  it("a scaling that overflows in the derivatives' pass is NaN: √(Σ (xᵢ² − 1)) at (1, −1, 1) and (1e200, 1, 1)", () => {
    // At (1, −1, 1) the sum is 0 and its adjoint 1/(2√0) = ∞, times the rows' ±2: ±∞, reported NaN. At 1e200
    // the square overflows: ∞ − 1 = ∞, the adjoint 0, and ∂/∂x₀ = 0 · 2e200 = 0.
    const f = withGraph(() => {
      const xs = Array.from({ length: 3 }, (_, k) => variable(`x${k}`));
      const s = mapReduce(
        xs.map((x) => [x]),
        ([x]) => (x as Expr).mul(x as Expr).sub(1),
      );
      return program(s.sqrt(), { variables: xs });
    });
    for (const backend of BACKENDS) {
      const g = methods.reverse.gradient(f, [1, -1, 1], { backend }).value;
      expect(Array.from(g), backend).toEqual([Number.NaN, Number.NaN, Number.NaN]);
      gradientAgrees(f, [1, -1, 1], backend);
      gradientAgrees(f, [1e200, 1, 1], backend);
    }
  });
});

describe("the summed map's recording with locals tests its sums once, after the last row", () => {
  // The rows' adjoints and the captured values' adjoint sums are tested for NaN and ±∞ by running sums after
  // the loop; finite terms whose sum overflows fail that test too, and the call is recorded again with each
  // store tested (the noted driver): the interpreter's numbers all the same.
  it('rows whose adjoints are finite but sum to ∞, and a captured value whose adjoint sum overflows', () => {
    const f = withGraph(() => {
      const c = variable('c');
      const xs = Array.from({ length: 3 }, (_, k) => variable(`x${k}`));
      const s = mapReduce(
        xs.map((x) => [x]),
        ([x]) => (x as Expr).mul(c),
      );
      return program(s.mul(1e-300), { variables: [c, ...xs] });
    });
    for (const x of [
      [1e308, 1, 2, 3],
      [1, 1e308, 1e308, -1],
      [1e308, 1e308, 1e308, 1e308],
      [2, Number.NaN, 1, 1],
    ]) {
      // The loop sums the captured value's gradient before scaling it (c's sum overflows where the unrolled
      // program's scaled terms do not): the interpreter's loop code, which tests nothing, is the reference.
      const want = methods.reverse.gradient(f, x, { backend: 'interpret' }).value;
      const g = methods.reverse.gradient(f, x, { backend: 'compile' }).value;
      expect(sameBits(g, want), `at ${show(x)}: ${show(g)}, interpreted ${show(want)}`).toBe(true);
      const apart = asDerivatives(methods.reverse.vjp(f, x, [1], { backend: 'compile' }).value);
      expect(sameBits(g, apart)).toBe(true);
    }
  });
});

describe('scaledDerivativesInto: a scaling and the derivatives written out in one pass', () => {
  // Four running sums test for NaN and ±∞, one per entry of a group of four, and a loop the last one to three:
  // a bad entry anywhere, or a scaling that makes one, gives asDerivative(s·p + 0) entry by entry.
  it('one NaN, ±∞ or overflowing entry at any place, whatever the length and the scale', () => {
    for (const s of [1.5, -0.25, 1e10, Number.POSITIVE_INFINITY, Number.NaN, 0]) {
      for (let n = 1; n <= 9; n++) {
        for (let at = 0; at < n; at++) {
          for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, 0]) {
            const from = Float64Array.from({ length: n }, (_, k) => (k === at ? bad : k - 4.5));
            const into = new Float64Array(n);
            scaledDerivativesInto(from, s, into);
            const want = Array.from(from, (p) => asDerivative(s * p + 0));
            expect(sameBits(into, want), `s = ${s}, [${Array.from(from)}]`).toBe(true);
          }
        }
      }
    }
  });
});
