/**
 * Loops in the IR (maps with a reduction, scans): every method against the unrolled program, closed forms,
 * the interpreter against the compiled backend to the bit, and the scan's checkpointing strategies.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateInput } from '../../src/gradbench/generate.js';
import {
  type Backend,
  constant,
  DifflabError,
  dot,
  type Expr,
  evaluate,
  hessian,
  mapReduce,
  mapRows,
  methods,
  metrics,
  Program,
  program,
  scan,
  sub,
  unroll,
  unrolledOps,
  variable,
  withGraph,
} from '../../src/index.js';
import type { LoopCall } from '../../src/ir/program.js';
import { hessian as reverseHessian } from '../../src/reverse/index.js';
import { memoryOf } from '../../src/reverse/memory.js';
import { sweepSource } from '../../src/sweeps/compiled/emit.js';
import { activity, planSegments } from '../../src/sweeps/compiled/index.js';
import { mapGradient, scanBackward } from '../../src/sweeps/compiled/loop.js';
import { loopUsage } from '../../src/sweeps/interpret/adjoint-loop.js';
import { GRADBENCH_EVALS } from '../../src/workloads/gradbench/index.js';
import type { GradbenchEval } from '../../src/workloads/gradbench/types.js';
import { buildSpec, closeNormwise, specArbitrary } from '../support/expressions.js';
import { sameBits } from './support/close.js';

const BACKENDS: readonly Backend[] = ['interpret', 'compile'];

const vec = (x: number | Float64Array) => (typeof x === 'number' ? [x] : Array.from(x));

/** Every exact derivative of f at x by one backend, flattened: Jacobian rows by both modes, a vjp, a jvp. */
function derivatives(f: Program, x: ArrayLike<number>, backend: Backend): number[] {
  const m = f.outputs.length;
  const n = f.variables.length;
  const u = Array.from({ length: m }, (_, k) => (k % 2 === 0 ? 1.5 : -0.25));
  const t = Array.from({ length: n }, (_, k) => (k % 3 === 0 ? -1 : 0.5));
  const o = { backend };
  return [
    ...vec(evaluate(f, x, o)),
    ...methods.reverse.jacobian(f, x, o).value.flatMap((r) => Array.from(r)),
    ...methods.reverse.vjp(f, x, u, o).value,
    // Checkpointed scans: each backward step from a kept or recomputed carry (the compiled backend's driver).
    ...methods.reverse.vjp(f, x, u, { ...o, checkpoint: 'sqrt' }).value,
    ...methods.reverse.vjp(f, x, u, { ...o, checkpoint: 'binomial', snapshots: 1 }).value,
    ...methods.forward.jvp(f, x, t, o).value,
    // A direction that leaves every other input untouched (the zero-factor rule's marks through the loops).
    ...methods.forward.jvp(
      f,
      x,
      t.map((d, k) => (k % 2 === 0 ? 0 : d)),
      o,
    ).value,
    ...methods.forward.jacobian(f, x, { ...o, chunk: 1 }).value.flatMap((r) => Array.from(r)),
    // Every direction in one sweep (the default chunk for a few inputs).
    ...methods.forward.jacobian(f, x, o).value.flatMap((r) => Array.from(r)),
    ...methods.forward.jacobian(f, x, { ...o, chunk: 3 }).value.flatMap((r) => Array.from(r)),
  ];
}

describe('mapReduce', () => {
  it('Σ s·(xᵢ − μ)² and its gradient [−2s Σ(xᵢ − μ), Σ(xᵢ − μ)²] by every method and backend', () => {
    const f = withGraph(() => {
      const mu = variable('mu');
      const s = variable('s');
      return program(
        mapReduce([[1], [2], [4]], ([x]) => (x as Expr).sub(mu).pow(2).mul(s)),
        { variables: [mu, s] },
      );
    });
    const [mu, s] = [0.5, 2];
    const xs = [1, 2, 4];
    const value = s * xs.reduce((acc, x) => acc + (x - mu) ** 2, 0);
    const grad = [
      -2 * s * xs.reduce((acc, x) => acc + (x - mu), 0),
      xs.reduce((acc, x) => acc + (x - mu) ** 2, 0),
    ];
    expect(evaluate(f, [mu, s])).toBeCloseTo(value, 13);
    for (const backend of BACKENDS) {
      for (const method of ['reverse', 'forward', 'numeric', 'symbolic'] as const) {
        const g = methods[method].gradient(f, [mu, s], { backend }).value;
        const digits = method === 'numeric' ? 8 : 12;
        expect(g[0]).toBeCloseTo(grad[0] as number, digits);
        expect(g[1]).toBeCloseTo(grad[1] as number, digits);
      }
    }
  });

  it('a body that does not use the row is hoisted: its captured value is computed once, outside', () => {
    const f = withGraph(() => {
      const a = variable('a');
      // a.sin() does not depend on the row: the body reads it as a captured value.
      return program(mapReduce(4, (_row, i) => a.sin().mul(i)));
    });
    expect(f.calls.length).toBe(1);
    const call = f.calls[0];
    expect(call?.loop.captured).toBe(1);
    expect(f.opName(call?.args[0] as number)).toBe('sin');
    // Σ_{i<4} i·sin a = 6 sin a
    expect(evaluate(f, [0.7])).toBeCloseTo(6 * Math.sin(0.7), 14);
    expect(methods.reverse.gradient(f, [0.7]).value[0]).toBeCloseTo(6 * Math.cos(0.7), 14);
  });

  it('logsumexp over rows: log Σ e^(wᵢ·x) and its gradient, the softmax-weighted mean of the rows', () => {
    const rows = [
      [1, 2],
      [-1, 0.5],
      [3, -2],
      [0, 0],
    ];
    const f = withGraph(() => {
      const w = [variable('w0'), variable('w1')];
      return program(
        mapReduce(rows, (r) => (r[0] as Expr).mul(w[0] as Expr).add((r[1] as Expr).mul(w[1] as Expr)), {
          reduce: 'logsumexp',
        }),
      );
    });
    const w = [0.3, -0.4];
    const z = rows.map((r) => (r[0] as number) * (w[0] as number) + (r[1] as number) * (w[1] as number));
    const lse = Math.log(z.reduce((acc, v) => acc + Math.exp(v), 0));
    const p = z.map((v) => Math.exp(v - lse));
    const grad = [0, 1].map((k) => rows.reduce((acc, r, i) => acc + (p[i] as number) * (r[k] as number), 0));
    expect(evaluate(f, w)).toBeCloseTo(lse, 13);
    // Its Hessian, Σ pᵢ rᵢrᵢᵀ − (Σ pᵢ rᵢ)(Σ pᵢ rᵢ)ᵀ, by forward over reverse through the loop.
    const h = hessian(f, w);
    for (const [j, k] of [
      [0, 0],
      [0, 1],
      [1, 1],
    ] as const) {
      const second = rows.reduce(
        (acc, r, i) => acc + (p[i] as number) * (r[j] as number) * (r[k] as number),
        0,
      );
      expect((h[j] as Float64Array)[k]).toBeCloseTo(second - (grad[j] as number) * (grad[k] as number), 13);
    }
    for (const backend of BACKENDS) {
      for (const method of ['reverse', 'forward'] as const) {
        const g = methods[method].gradient(f, w, { backend }).value;
        expect(g[0]).toBeCloseTo(grad[0] as number, 13);
        expect(g[1]).toBeCloseTo(grad[1] as number, 13);
      }
    }
  });

  it('several outputs, each reduced on its own; primal values equal the unrolled program to the bit', () => {
    const f = withGraph(() => {
      const a = variable('a');
      const b = variable('b');
      return program(
        mapReduce({ data: [0.5, 1, 1.5, 2, 2.5, 3], width: 2 }, ([x, y]) => [
          (x as Expr).mul(a).sin(),
          (y as Expr).add(b).exp().mul(a),
        ]),
      );
    });
    const u = unroll(f);
    expect(u.calls.length).toBe(0);
    expect(sameBits(evaluate(f, [0.3, -0.2]), evaluate(u, [0.3, -0.2]))).toBe(true);
    const ref = methods.reverse.jacobian(u, [0.3, -0.2]).value.flatMap((r) => Array.from(r));
    for (const backend of BACKENDS) {
      const jr = methods.reverse.jacobian(f, [0.3, -0.2], { backend }).value.flatMap((r) => Array.from(r));
      const jf = methods.forward.jacobian(f, [0.3, -0.2], { backend }).value.flatMap((r) => Array.from(r));
      expect(closeNormwise(jr, ref, 1e-14)).toBe(true);
      expect(closeNormwise(jf, ref, 1e-14)).toBe(true);
    }
  });

  it("a checked evaluation names the body's subexpression, the iteration and the call where NaN appears", () => {
    const f = withGraph(() => {
      const a = variable('a');
      return program(mapReduce([[1], [-2], [3]], ([x]) => (x as Expr).mul(a).log()));
    });
    expect(Number.isNaN(evaluate(f, [1]))).toBe(true);
    expect(() => evaluate(f, [1], { check: true })).toThrow(
      /log\(row0 \* captured0\) evaluates to NaN, in iteration 1 of map_sum\(3 rows; a\)/,
    );
  });

  it('refuses bad rows and reductions with coded errors', () => {
    withGraph(() => {
      const a = variable('a');
      const code = (fn: () => unknown) => {
        try {
          fn();
        } catch (e) {
          return e instanceof DifflabError ? e.code : 'not a DifflabError';
        }
        return 'no error';
      };
      expect(code(() => mapReduce([[1, 2], [3]], () => a))).toBe('invalid-argument');
      expect(code(() => mapReduce({ data: [1, 2, 3], width: 2 }, () => a))).toBe('invalid-argument');
      expect(code(() => mapReduce(-1, () => a))).toBe('invalid-argument');
      expect(code(() => mapReduce(2, () => a, { reduce: 'max' as never }))).toBe('invalid-argument');
      expect(code(() => mapReduce(0, () => a, { reduce: 'logsumexp' }))).toBe('invalid-argument');
      expect(code(() => scan([a, a], 3, (c) => [c[0] as Expr]))).toBe('invalid-argument');
      expect(code(() => scan([], 3, () => []))).toBe('invalid-argument');
      expect(code(() => mapReduce(3, () => []))).toBe('invalid-argument');
      expect(code(() => mapReduce(3, () => 'x' as never))).toBe('invalid-argument');
      expect(code(() => mapReduce([[1], [Number.NaN as never, 2]], () => a))).toBe('invalid-argument');
    });
  });
});

/** The logistic map x ← r·x·(1 − x) for n steps, as a scan. */
function logisticScan(n: number): Program<number> {
  return withGraph(() => {
    const r = variable('r');
    const x0 = variable('x0');
    const { carry } = scan(x0, n, (x) => r.mul(x).mul(sub(1, x)));
    return program(carry, { variables: [x0, r] });
  });
}

/** The logistic map and its derivatives by hand: x′ = r(1 − 2x)·x′ (+ x(1 − x) for d/dr). */
function logisticByHand(x0: number, r: number, n: number): { x: number; dx0: number; dr: number } {
  let x = x0;
  let dx0 = 1;
  let dr = 0;
  for (let k = 0; k < n; k++) {
    const slope = r * (1 - 2 * x);
    dr = x * (1 - x) + slope * dr;
    dx0 = slope * dx0;
    x = r * x * (1 - x);
  }
  return { x, dx0, dr };
}

describe('scan', () => {
  it('the logistic map and its gradient against the recurrence by hand, by every method and backend', () => {
    const n = 30;
    const f = logisticScan(n);
    expect(f.size).toBeLessThan(10);
    const ref = logisticByHand(0.3, 3.2, n);
    expect(evaluate(f, [0.3, 3.2])).toBeCloseTo(ref.x, 12);
    for (const backend of BACKENDS) {
      for (const method of ['reverse', 'forward', 'symbolic'] as const) {
        const g = methods[method].gradient(f, [0.3, 3.2], { backend, engine: 'graph' }).value;
        expect(closeNormwise(g, [ref.dx0, ref.dr], 1e-11)).toBe(true);
      }
    }
    // The mathjs engine unrolls the loop into a tree: 30 steps of x·(1 − x) double it each time (the swell).
    expect(() => methods.symbolic.gradient(f, [0.3, 3.2])).toThrow(/expression tree .* has 6\.44e\+9 nodes/);
  });

  it('every checkpointing strategy gives the store-all gradient to the bit, and keeps less', () => {
    const n = 400;
    const f = logisticScan(n);
    const x = [0.3, 3.2];
    const bytes: Record<string, number> = {};
    const primals: Record<string, number> = {};
    const all = methods.reverse.gradient(f, x, { checkpoint: 'all' });
    for (const checkpoint of ['all', 'sqrt', 'binomial'] as const) {
      for (const backend of BACKENDS) {
        const r = methods.reverse.gradient(f, x, { checkpoint, backend });
        expect(sameBits(r.value, all.value)).toBe(true);
        bytes[checkpoint] = r.stats.bytes;
        primals[checkpoint] = loopUsage().bodyPrimals;
      }
    }
    // store-all keeps n carries, √n keeps ⌈√n⌉ + a segment of ⌈√n⌉, binomial ⌈log₂ n⌉ snapshots.
    expect(bytes.all).toBeGreaterThan(bytes.sqrt as number);
    expect(bytes.sqrt).toBeGreaterThan(bytes.binomial as number);
    // Recomputation: store-all keeps each iteration's body values (they fit) and runs each body forward once,
    // √n about three times, binomial at most t + 2 times with β(s + 1, t) = C(s + 1 + t, t) ≥ n (s snapshots
    // and the first).
    expect(primals.all).toBe(n);
    expect(primals.sqrt).toBeLessThanOrEqual(3 * n);
    const s = Math.ceil(Math.log2(n));
    let t = 1;
    const beta = (a: number, b: number) => {
      let r = 1;
      for (let k = 1; k <= a; k++) r = (r * (b + k)) / k;
      return Math.round(r);
    };
    while (beta(s + 1, t) < n) t++;
    expect(primals.binomial).toBeLessThanOrEqual((t + 2) * n);
  });

  it('binomial checkpointing with one snapshot and with many still gives the store-all gradient', () => {
    const f = logisticScan(57);
    const x = [0.4, 3.7];
    const all = methods.reverse.gradient(f, x).value;
    for (const snapshots of [1, 2, 3, 7, 60]) {
      const g = methods.reverse.gradient(f, x, { checkpoint: 'binomial', snapshots }).value;
      expect(sameBits(g, all)).toBe(true);
    }
  });

  it('per-iteration outputs and a carry of two: a damped oscillator, against the unrolled program', () => {
    const f = withGraph(() => {
      const k = variable('k');
      const c = variable('c');
      const dt = 0.1;
      const { carry, out } = scan(
        [variable('p0'), variable('v0')],
        [[0], [1], [0], [0.5], [0]],
        ([p, v], [force]) => {
          const acc = (force as Expr).sub(k.mul(p as Expr)).sub(c.mul(v as Expr));
          const vNext = (v as Expr).add(acc.mul(dt));
          return { carry: [(p as Expr).add(vNext.mul(dt)), vNext], out: [(p as Expr).mul(p as Expr)] };
        },
      );
      return program([...carry, ...out.map((o) => o[0] as Expr)]);
    });
    expect(f.outputs.length).toBe(2 + 5);
    const u = unroll(f);
    const x = [1, 0.2, 4, 0.3];
    expect(sameBits(evaluate(f, x), evaluate(u, x))).toBe(true);
    const ref = derivatives(u, x, 'interpret');
    for (const backend of BACKENDS) expect(closeNormwise(derivatives(f, x, backend), ref, 1e-13)).toBe(true);
  });
});

/** A map inside a scan and a scan inside a map, as two outputs or as their sum. */
function nestedLoops(scalar: boolean): Program {
  return withGraph(() => {
    const w = variable('w');
    const b = variable('b');
    // a scan over 4 steps whose body sums over 3 rows
    const { carry } = scan(b, 4, (h, _row, i) =>
      mapReduce([[1], [2], [3]], ([x]) => (x as Expr).mul(w).add(h).tanh())
        .mul(0.5)
        .add(i.mul(0.01)),
    );
    // a map over 2 rows whose body runs a scan of 3 steps
    const inner = mapReduce([[0.5], [1.5]], ([x]) => scan(x as Expr, 3, (y) => y.mul(w).sin().add(b)).carry);
    return scalar
      ? program(carry.add(inner), { variables: [w, b] })
      : program([carry, inner], { variables: [w, b] });
  });
}

describe('types', () => {
  it('rows and carries written as tuples destructure to expressions (no casts under noUncheckedIndexedAccess)', () => {
    const f = withGraph(() => {
      const [w, b] = [variable('w'), variable('b')];
      const fit = mapReduce(
        [
          [1, 2],
          [3, 4],
        ],
        ([x, y]) => x.mul(w).add(b).sub(y).pow(2),
      );
      const { carry } = scan([w, b], 3, ([p, q]) => [q, p.add(q)]);
      const [p, q] = carry;
      return program([fit, p.add(q)], { variables: [w, b] });
    });
    // Σ (w·x + b − y)² at (0.5, 0.1): (0.5 + 0.1 − 2)² + (1.5 + 0.1 − 4)²; the scan of (p, q) ← (q, p + q) three
    // times from (w, b) passes (b, w + b), (w + b, w + 2b) and ends at (w + 2b, 2w + 3b), whose sum is 3w + 5b.
    const value = evaluate(f, [0.5, 0.1]);
    expect(value[0]).toBeCloseTo((0.6 - 2) ** 2 + (1.6 - 4) ** 2, 14);
    expect(value[1]).toBeCloseTo(3 * 0.5 + 5 * 0.1, 14);
  });
});

describe('rows that are expressions', () => {
  it('log-sum-exp from primitives (a scan of max, a map of exp) over the inputs: its gradient is the softmax', () => {
    const xs = [0.3, -1.2, 2.5, 0.9, 2.5 - 1e-9];
    const f = withGraph(() => {
      const vars = xs.map((_, i) => variable(`x${i}`));
      const rows = vars.map((v) => [v]);
      const { carry: a } = scan(vars[0] as Expr, rows.slice(1), (m, [x]) => m.max(x as Expr));
      const s = mapReduce(rows, ([x]) => (x as Expr).sub(a).exp());
      return program(a.add(s.log()), { variables: vars });
    });
    expect(f.calls.every((c) => c.loop.rowArgs)).toBe(true);
    const m = Math.max(...xs);
    const z = xs.reduce((acc, x) => acc + Math.exp(x - m), 0);
    const softmax = xs.map((x) => Math.exp(x - m) / z);
    expect(evaluate(f, xs)).toBeCloseTo(m + Math.log(z), 14);
    for (const backend of BACKENDS) {
      for (const method of ['reverse', 'forward'] as const) {
        expect(closeNormwise(methods[method].gradient(f, xs, { backend }).value, softmax, 1e-14)).toBe(true);
      }
    }
    // The Hessian through both loops, rows and all: diag(p) − p·pᵀ.
    const h = hessian(f, xs);
    xs.forEach((_, j) => {
      const expected = softmax.map((pk, k) => (j === k ? pk : 0) - (softmax[j] as number) * pk);
      expect(closeNormwise(h[j] as Float64Array, expected, 1e-13)).toBe(true);
    });
  });

  it("Horner's rule over coefficient inputs, p(t) = ((c₀t + c₁)t + c₂)t + c₃: ∂p/∂cⱼ = t^(3−j), ∂p/∂t = p′(t)", () => {
    const f = withGraph(() => {
      const c = [0, 1, 2, 3].map((j) => variable(`c${j}`));
      const t = variable('t');
      const { carry } = scan(
        0,
        c.map((cj) => [cj]),
        (acc, [cj]) => acc.mul(t).add(cj as Expr),
      );
      return program(carry, { variables: [...c, t] });
    });
    const [c0, c1, c2, c3, t] = [2, -1, 0.5, 3, 1.5];
    const expected = [t ** 3, t ** 2, t, 1, 3 * c0 * t ** 2 + 2 * c1 * t + c2];
    expect(evaluate(f, [c0, c1, c2, c3, t])).toBeCloseTo(((c0 * t + c1) * t + c2) * t + c3, 14);
    for (const backend of BACKENDS) {
      for (const checkpoint of ['all', 'sqrt', 'binomial'] as const) {
        const g = methods.reverse.gradient(f, [c0, c1, c2, c3, t], { backend, checkpoint }).value;
        expect(closeNormwise(g, expected, 1e-15)).toBe(true);
      }
      expect(
        closeNormwise(methods.forward.gradient(f, [c0, c1, c2, c3, t], { backend }).value, expected, 1e-15),
      ).toBe(true);
    }
  });
});

describe('nested loops', () => {
  it('a map inside a scan and a scan inside a map equal their unrolled programs', () => {
    const f = nestedLoops(false);
    expect(f.calls.length).toBe(2);
    const u = unroll(f);
    expect(unrolledOps(f)).toBeGreaterThanOrEqual(u.size - u.opStart);
    const x = [0.7, -0.3];
    expect(sameBits(vec(evaluate(f, x)), vec(evaluate(u, x)))).toBe(true);
    const ref = derivatives(u, x, 'interpret');
    for (const backend of BACKENDS) expect(closeNormwise(derivatives(f, x, backend), ref, 1e-13)).toBe(true);
  });

  it('methods that unroll loops (the Hessian, symbolic, the complex step) agree with the unrolled program', () => {
    const g = nestedLoops(true) as Program<number>;
    const u = unroll(g);
    const x = [0.7, -0.3];
    const flat = (rows: Float64Array[]) => rows.flatMap((r) => Array.from(r));
    // Forward over reverse runs the loops as loops; it sums in another order than the unrolled program.
    expect(closeNormwise(flat(hessian(g, x)), flat(hessian(u, x)), 1e-13)).toBe(true);
    const ref = methods.reverse.gradient(u, x).value;
    expect(closeNormwise(methods.symbolic.gradient(g, x).value, ref, 1e-13)).toBe(true);
    expect(closeNormwise(methods.numeric.gradient(g, x, { scheme: 'complex' }).value, ref, 1e-13)).toBe(true);
    expect(closeNormwise(methods.reverse.gradient(g, x).value, ref, 1e-14)).toBe(true);
  });
});

describe("the compiled backend's loop drivers", () => {
  it('an iteration whose fast adjoint sweep meets 0·∞ runs the tested sweep: the same bits as the interpreter', () => {
    // At b = 1 the second row is 0, where √|r| has an infinite derivative and |r| a zero one: the adjoint sweep
    // without zero tests makes NaN there, and the driver must hand that iteration to the tested sweep.
    const build = (kind: 'map' | 'scan') =>
      withGraph(() => {
        const a = variable('a');
        const b = variable('b');
        const rows = [0, 1, 2].map((i) => [b.sub(i)]);
        const out =
          kind === 'map'
            ? mapReduce(rows, ([r]) => a.mul((r as Expr).abs().sqrt()))
            : scan(a, rows, (c, [r]) => c.add((r as Expr).abs().sqrt().mul(a))).carry;
        return program(out, { variables: [a, b] });
      });
    for (const kind of ['map', 'scan'] as const) {
      const f = build(kind);
      const u = unroll(f);
      for (const point of [
        [0.5, 1],
        [0, 1],
        [2, 0],
      ]) {
        const interp = derivatives(f, point, 'interpret');
        expect(sameBits(interp, derivatives(f, point, 'compile'))).toBe(true);
        // A vjp scales the map's summed gradient once, the unrolled program each row's: the last bit may differ.
        expect(closeNormwise(interp, derivatives(u, point, 'interpret'), 1e-15)).toBe(true);
      }
    }
  });

  it("store-all's backward driver zeroes a long run of adjoints by fill: a carry of 40, each entry read twice", () => {
    // hₖ ← tanh(hₖ·wₖ + hₖ₊₁·r)·wₖ: each carry entry's adjoint gets two terms, so the driver zeroes the 40
    // carry adjoints before every iteration, one run long enough for `fill`.
    const m = 40;
    const f = withGraph(() => {
      const ws = Array.from({ length: m }, (_, k) => variable(`w${k}`));
      const init = ws.map((_, k) => constant(0.1 * (k + 1)));
      const { carry } = scan(init, [[1], [-0.5], [2], [0.25], [-1], [0.75]], (h, [r]) =>
        h.map((hk, k) =>
          hk
            .mul(ws[k] as Expr)
            .add((h[(k + 1) % m] as Expr).mul(r as Expr))
            .tanh()
            .mul(ws[k] as Expr),
        ),
      );
      return program(
        carry.reduce((s, c) => s.add(c)),
        { variables: ws },
      );
    });
    const x = Array.from({ length: m }, (_, k) => 0.5 + 0.03 * k);
    const interp = methods.reverse.gradient(f, x, { backend: 'interpret' }).value;
    const comp = methods.reverse.gradient(f, x, { backend: 'compile' }).value;
    expect(sameBits(comp, interp)).toBe(true);
    expect(closeNormwise(comp, methods.reverse.gradient(unroll(f), x).value, 1e-14)).toBe(true);
    // The path ran: the driver the gradient built (cached with the call) zeroes the carry's adjoints by fill.
    const call = f.calls[0] as LoopCall;
    const driver = scanBackward(call, new Float64Array(0), new Float64Array(0));
    expect(String(driver)).toContain(`adj.fill(0, 0, ${m})`);
  });
});

describe("the compiled backend's summed-map recording", () => {
  // Its fast adjoint sweep has no test at each store: it tests the captured values' and expression rows'
  // adjoints as it sums and keeps them (a NaN or ±∞ stored anywhere in the body reaches them), and where one
  // is NaN or ±∞ records the call again with each store tested, handing that row to the interpreter.
  const handedOver = (f: Program<number>, x: number[]) => {
    const g = methods.reverse.gradient(f, x, { backend: 'compile' }).value;
    const count = loopUsage().handedOver;
    expect(sameBits(g, methods.reverse.gradient(f, x, { backend: 'interpret' }).value)).toBe(true);
    return count;
  };

  it("hands a row whose sweep meets √'s infinite partial to the interpreter: through a captured value", () => {
    // Σᵣ √(x − r) · y over r = 0, 1, −1: at x = 1 only row 1 takes √ at 0.
    const f = withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      return program(
        mapReduce([[0], [1], [-1]], ([r]) =>
          x
            .sub(r as Expr)
            .sqrt()
            .mul(y),
        ),
        { variables: [x, y] },
      );
    });
    expect(handedOver(f, [1, 2])).toBe(1);
    expect(handedOver(f, [3, 2])).toBe(0);
  });

  it("hands a row whose sweep meets √'s infinite partial to the interpreter: through an expression row", () => {
    // Σᵢ √rᵢ over the rows x − i, i = 0, 1, 2, 3 (no captured value): at x = 2 row 2 takes √ at 0.
    const f = withGraph(() => {
      const x = variable('x');
      const rows = [0, 1, 2, 3].map((i) => [x.sub(i).mul(x.sub(i))]);
      return program(
        mapReduce(rows, ([r]) => (r as Expr).sqrt()),
        { variables: [x] },
      );
    });
    expect(handedOver(f, [2])).toBe(1);
    expect(handedOver(f, [5])).toBe(0);
  });

  it("hands a row whose sweep meets ∞ in a data row to the interpreter: llsq's dot, its sums tested after the last row", () => {
    // 19 rows: two blocks of 8 and three after them; ∞ in the row's entry k = 1, or nowhere (−1).
    const llsq = (infinite: number) =>
      withGraph(() => {
        const xs = [variable('x0'), variable('x1'), variable('x2')];
        const rows = Array.from({ length: 19 }, (_, i) =>
          [0.5, -1, 0.25, 2].map((d, k) => (i === infinite && k === 1 ? Infinity : d + i / 8)),
        );
        const out = mapReduce(rows, (row) => {
          const r = (row[0] as Expr).sub(dot(xs, row.slice(1)));
          return r.mul(r);
        });
        return program(out, { variables: xs });
      });
    const x = [0.5, -1, 2];
    expect(handedOver(llsq(-1), x)).toBe(0);
    for (const row of [3, 12, 17]) expect(handedOver(llsq(row), x)).toBe(1);
  });
});

describe("the compiled backend's tangent drivers", () => {
  /** Both NaN, or the same number. */
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    a.length === b.length &&
    Array.from(a).every((x, i) => (Number.isNaN(x) ? Number.isNaN(b[i]) : x === b[i]));

  it("an iteration whose fast tangent sweep meets an untouched lane with an infinite partial goes to the interpreter's sweep", () => {
    // Along y, x's lanes are untouched (−0). The compiled sweep writes such a lane through a unary node with a
    // finite partial as +0 (exp at row 0, where x·r = 0), and then √ at 0 meets it with an infinite partial:
    // ∞·(+0) = NaN, where by the zero-factor rule the lane stays untouched and ∂/∂y is finite. The guard's
    // adjoint sweep meets that ∞ too, and the driver must hand the iteration to the interpreter's sweep.
    const root = (u: Expr) => u.exp().sub(1).sqrt();
    const loops: Record<string, (x: Expr, y: Expr) => Expr> = {
      'sum map': (x, y) => mapReduce([[0], [1], [2]], ([r]) => root(x.mul(r as Expr)).add(y.mul(r as Expr))),
      'logsumexp map': (x, y) =>
        mapReduce([[0], [1], [2]], ([r]) => root(x.mul(r as Expr)).add(y.mul(r as Expr)), {
          reduce: 'logsumexp',
        }),
      scan: (x, y) => scan(y, [[0], [1], [2]], (c, [r]) => c.add(root(x.mul(r as Expr)))).carry,
      'scan over expression rows': (x, y) =>
        scan(y, [[x.sub(1)], [x], [x.add(1)]], (c, [r]) => c.mul(0.5).add(root(r as Expr))).carry,
    };
    const bad: string[] = [];
    for (const [name, loop] of Object.entries(loops)) {
      const f = withGraph(() => {
        const [x, y] = [variable('x'), variable('y')];
        return program(loop(x, y), { variables: [x, y] });
      });
      const u = unroll(f);
      const at = [1, 0.5];
      const want = methods.forward.gradient(u, at).value;
      expect(Number.isFinite(want[1]), `${name}: ∂/∂y of the unrolled program is finite`).toBe(true);
      for (const chunk of [1, 2]) {
        const interp = methods.forward.gradient(f, at, { chunk }).value;
        const comp = methods.forward.gradient(f, at, { chunk, backend: 'compile' }).value;
        if (!same(interp, want)) bad.push(`${name}, chunk ${chunk}: [${interp}] vs unrolled [${want}]`);
        if (!sameBits(comp, interp)) bad.push(`${name}, chunk ${chunk}: compiled [${comp}] vs [${interp}]`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('forward mode through a loop with more than 32 lanes', () => {
  it('a Jacobian of 40 columns in one sweep (the marks take lanes 32 at a time) agrees to the bit, and with the unrolled program', () => {
    // Entry 5j + 1 depends on itself alone, through exp, whose compiled lanes turn an untouched −0 into +0;
    // entry 5j takes the √ of it times the row, which is 0 in iteration 1 (an infinite partial). In iteration 1,
    // √ meets entry 5j + 1's lanes as iteration 0 left them: by the rule untouched but along its own
    // direction, so only the columns of x(5j + 1) have NaNs, if each lane's mark crossed the carry.
    const n = 40;
    const f = withGraph(() => {
      const x = Array.from({ length: n }, (_, k) => variable(`x${k}`));
      const { carry } = scan(x, [[1], [0], [1]], (c, [r]) =>
        c.map((ck, k) => {
          if (k % 5 === 0) return ck.add((c[k + 1] as Expr).mul(r as Expr).sqrt());
          if (k % 5 === 1) return ck.mul(0.5).exp();
          return ck
            .mul(0.5)
            .add(c[(k + 7) % n] as Expr)
            .sin();
        }),
      );
      return program(carry, { variables: x });
    });
    const at = Array.from({ length: n }, (_, k) => 0.1 + 0.02 * k);
    const J = (g: Program, backend: Backend) =>
      methods.forward.jacobian(g, at, { backend, chunk: n }).value.flatMap((r) => Array.from(r));
    const interp = J(f, 'interpret');
    expect(sameBits(J(f, 'compile'), interp)).toBe(true);
    const want = J(unroll(f), 'interpret');
    const differ = interp.filter((d, k) => {
      const w = want[k] as number;
      return Number.isNaN(w) ? !Number.isNaN(d) : Math.abs(d - w) > 1e-12 * Math.abs(w);
    });
    expect(differ).toEqual([]);
    // NaN at ∂(entry 5j)/∂x(5j + 1), the reached lane that meets √'s infinite partial, and where that spreads
    // in iteration 2: only in the columns of x(5j + 1).
    const nans = interp.flatMap((d, k) => (Number.isNaN(d) ? [k] : []));
    for (let j = 0; j < n / 5; j++) expect(nans).toContain(5 * j * n + 5 * j + 1);
    expect(nans.filter((k) => (k % n) % 5 !== 1)).toEqual([]);
  });
});

/** Loops of random bodies: a scan and a map over the same rows, nested in each other or not. */
function randomLoops(
  specs: readonly unknown[],
  n: number,
  reduce: 'sum' | 'logsumexp',
  exprRows: boolean,
  nested: boolean,
): Program<Float64Array> {
  return withGraph(() => {
    const a = variable('a');
    const b = variable('b');
    const c0 = variable('c0');
    const c1 = variable('c1');
    // Data rows, or rows that are expressions of the inputs (differentiated through).
    const rows = Array.from({ length: n }, (_, i) => [exprRows ? a.mul(0.3 * i).sub(b) : 0.25 * i - 0.4]);
    // A scan whose next carry is kept bounded by sin, and a map over the same rows.
    const { carry, out } = scan([c0, c1], rows, ([p, q], [r]) => {
      const xs = [p as Expr, q as Expr, r as Expr, a, b];
      // Nested: when asked, the second carry goes through a map over two rows inside the scan's body.
      const second = nested
        ? mapReduce(
            [[0.5], [-0.25]],
            ([s]) => buildSpec(specs[1] as never, [p as Expr, s as Expr, r as Expr, a, b]),
            {
              reduce,
            },
          )
        : buildSpec(specs[1] as never, xs);
      return {
        carry: [buildSpec(specs[0] as never, xs).sin(), second.sin()],
        out: [buildSpec(specs[2] as never, xs)],
      };
    });
    // Nested: a scan of two steps inside the map's body.
    const mapped = mapReduce(
      rows,
      ([r]) =>
        nested
          ? scan(r as Expr, 2, (y) => buildSpec(specs[2] as never, [a, b, y, a, b]).sin()).carry
          : buildSpec(specs[2] as never, [a, b, r as Expr, a, b]),
      { reduce },
    );
    // A stacked map (no carry, no reduction) over the same rows, its last row an output too.
    const stacked = mapRows(rows, ([r]) => [buildSpec(specs[1] as never, [b, a, r as Expr, a, b]).cos()]);
    return program(
      [...(carry as Expr[]), (out[n - 1] as Expr[])[0] as Expr, mapped, ...(stacked[n - 1] as Expr[])],
      {
        variables: [a, b, c0, c1],
      },
    ) as Program<Float64Array>;
  });
}

/** Special values: zeros of both signs, infinities, NaN, the ends of the exponent range, and ordinary ones. */
const SPECIAL = [0, -0, 1, -1, 0.5, 1e300, -1e300, 1e-300, Infinity, -Infinity, Number.NaN];

describe('random loops (fast-check)', () => {
  const BODY_VARS = 5; // carry0, carry1 | row0 | captured a, b
  it('maps and scans of random bodies, nested or not: the interpreter and the compiled backend agree to the bit, and both match the unrolled program', () => {
    fc.assert(
      fc.property(
        fc.array(specArbitrary(BODY_VARS, 3), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<'sum' | 'logsumexp'>('sum', 'logsumexp'),
        fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        (specs, n, reduce, point, exprRows, nested) => {
          const f = randomLoops(specs, n, reduce, exprRows, nested);
          const u = unroll(f);
          const interp = derivatives(f, point, 'interpret');
          const comp = derivatives(f, point, 'compile');
          expect(sameBits(interp, comp)).toBe(true);
          expect(sameBits(evaluate(f, point), evaluate(u, point))).toBe(true);
          expect(closeNormwise(interp, derivatives(u, point, 'interpret'), 1e-9)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 20261207 },
    );
  });

  it('at special points (±0, ±∞, NaN, ±1e300, 1e−300) every derivative is NaN where the unrolled one is, and the same number elsewhere', () => {
    // The zero-factor rule across iterations: what a loop passes from one iteration to the next, and from
    // a map's rows to the shared inputs, keeps the mark of an adjoint or tangent no seed reaches.
    const mismatches: string[] = [];
    fc.assert(
      fc.property(
        fc.array(specArbitrary(BODY_VARS, 3), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<'sum' | 'logsumexp'>('sum', 'logsumexp'),
        fc.array(fc.constantFrom(...SPECIAL), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        (specs, n, reduce, point, exprRows, nested) => {
          const f = randomLoops(specs, n, reduce, exprRows, nested);
          const compare = (what: string, got: readonly number[], want: readonly number[]) => {
            got.forEach((d, k) => {
              const w = want[k] as number;
              const ok = Number.isNaN(w)
                ? Number.isNaN(d)
                : Math.abs(d - w) <= 1e-9 * Math.max(Math.abs(d), Math.abs(w)) || d === w;
              if (!ok) mismatches.push(`${what} entry ${k}: ${d} vs unrolled ${w} at [${point}]`);
            });
          };
          const want = derivatives(unroll(f), point, 'interpret');
          for (const backend of BACKENDS) compare(backend, derivatives(f, point, backend), want);
          // The Hessian of the scan's last output, the map's and the stacked map's last row (forward over
          // reverse runs loops as loops).
          for (const o of [2, 3, 4]) {
            const scalar = new Program<number>({
              ...f,
              outputs: Int32Array.of(f.outputs[o] as number),
              scalar: true,
            });
            const H = (g: Program<number>) =>
              hessian(g, point, { allowNonFinite: true }).flatMap((r) => Array.from(r));
            compare(`hessian of output ${o}`, H(scalar), H(unroll(scalar)));
          }
        },
      ),
      { numRuns: 300, seed: 20261207 },
    );
    expect({ count: mismatches.length, first: mismatches.slice(0, 80) }).toEqual({ count: 0, first: [] });
  });
});

describe('loop drivers over data rows (fast-check)', () => {
  it('data rows of special values and bodies that read the index: the compiled drivers (index and data rows passive) give the interpreter’s bits', () => {
    // The compiled drivers' adjoint sweeps treat the index and data rows as constants (compiled(body, passive));
    // here the data hold ±0, ±∞, NaN and 1e300, and the body reads the index, so the nodes those reach have
    // partials the passive variant must still read right.
    const DATA = [0, -0, 1e300, Infinity, -1, Number.NaN, 2];
    fc.assert(
      fc.property(
        fc.array(specArbitrary(6, 3), { minLength: 2, maxLength: 2 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom<'sum' | 'logsumexp' | 'scan'>('sum', 'logsumexp', 'scan'),
        fc.array(fc.constantFrom(...SPECIAL), { minLength: 3, maxLength: 3 }),
        (specs, n, kind, x) => {
          const f = withGraph(() => {
            const [a, b, c] = [variable('a'), variable('b'), variable('c')];
            const rows = Array.from({ length: n }, (_, i) => [0.75 * i - 1, DATA[i % DATA.length] as number]);
            const out =
              kind === 'scan'
                ? (scan([c], rows, ([p], [r, d], i) => [
                    buildSpec(specs[0] as never, [p as Expr, r as Expr, d as Expr, i, a, b.mul(a)]),
                  ]).carry[0] as Expr)
                : mapReduce(
                    rows,
                    ([r, d], i) => [
                      buildSpec(specs[0] as never, [r as Expr, d as Expr, i, a, b, c]),
                      buildSpec(specs[1] as never, [i, d as Expr, r as Expr, c, b, a]),
                    ],
                    { reduce: kind },
                  ).reduce((s, t) => s.add(t));
            return program(out, { variables: [a, b, c] });
          });
          // Twice: the second call runs the drivers' primed code.
          for (let k = 0; k < 2; k++) {
            expect(sameBits(derivatives(f, x, 'compile'), derivatives(f, x, 'interpret'))).toBe(true);
          }
        },
      ),
      { numRuns: 300, seed: 20261207 },
    );
  });
});

describe('a summed map over data rows of a dot with the captured values (fast-check)', () => {
  it("llsq's body and its variants: the recording that adds each captured value's adjoint at once gives the interpreter's bits", () => {
    // The compiled recording writes such a dot's products from the row in place, and adds 0 + g·p to each
    // captured value's sum in the dot's adjoint loop (loop.ts's capturedRowDot); a captured value read also
    // by another node, or a dot whose halves are not one captured run and one row run, takes the other path.
    const DATA = [0, -0, 1e300, Infinity, -1, Number.NaN, 2, 0.5, -3];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('llsq', 'row first', 'x read twice', 'two dots'),
        fc.array(fc.constantFrom(...SPECIAL, 0.25, -2), { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 0, max: 8 }),
        (m, n, shape, point, shift) => {
          const f = withGraph(() => {
            const xs = Array.from({ length: m }, (_, k) => variable(`x${k}`));
            const rows = Array.from({ length: n }, (_, i) =>
              Array.from({ length: m + 1 }, (_, k) =>
                i === 0 && k === 0 ? 1 : (DATA[(i * 7 + k * 3 + shift) % DATA.length] as number),
              ),
            );
            const out = mapReduce(rows, (row) => {
              const t = row.slice(1) as Expr[];
              const r0 = row[0] as Expr;
              if (shape === 'llsq') {
                const r = r0.sub(dot(xs, t));
                return r.mul(r);
              }
              if (shape === 'row first') return dot(t, xs).mul(r0).sin();
              if (shape === 'x read twice') return dot(xs, t).add((xs[0] as Expr).mul(r0));
              return dot(xs, t).mul(dot(t, t));
            });
            return program(out, { variables: xs });
          });
          const x = point.slice(0, m);
          // Twice: the second call runs the drivers' primed code.
          for (let k = 0; k < 2; k++) {
            expect(sameBits(derivatives(f, x, 'compile'), derivatives(f, x, 'interpret'))).toBe(true);
            const g = (backend: Backend) => Array.from(methods.reverse.gradient(f, x, { backend }).value);
            expect(sameBits(g('compile'), g('interpret'))).toBe(true);
          }
        },
      ),
      { numRuns: 300, seed: 20261207 },
    );
  });

  it("in blocks of rows (each block's dot products in one loop, each captured value's sum stored once per block): the interpreter's bits", () => {
    // Mostly finite rows, so that most calls keep the fast recording's numbers; now and then one entry is NaN,
    // ±∞ or ±0, which the test of the sums after the last row finds (the call is recorded again) or not.
    // Up to 27 rows: no block, blocks and the rows after the last block.
    const DATA = [0.5, -1, 2, 0.25, 3, -0.75, 0, -0, 1.5, -2, 1e-300, 4, 0.125];
    const special = fc.tuple(fc.nat(26), fc.nat(6), fc.constantFrom(...SPECIAL));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 27 }),
        fc.constantFrom('llsq', 'row first', 'two dots'),
        fc.array(
          fc.oneof(
            { weight: 12, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
            { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) },
          ),
          { minLength: 6, maxLength: 6 },
        ),
        fc.integer({ min: 0, max: 12 }),
        fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: special }),
        (m, n, shape, point, shift, odd) => {
          const f = withGraph(() => {
            const xs = Array.from({ length: m }, (_, k) => variable(`x${k}`));
            const rows = Array.from({ length: n }, (_, i) =>
              Array.from({ length: m + 1 }, (_, k) =>
                odd !== undefined && odd[0] === i && odd[1] === k
                  ? odd[2]
                  : (DATA[(i * 7 + k * 3 + shift) % DATA.length] as number),
              ),
            );
            const out = mapReduce(rows, (row) => {
              const t = row.slice(1) as Expr[];
              const r0 = row[0] as Expr;
              if (shape === 'row first') return dot(t, xs).mul(r0).sin();
              if (shape === 'two dots' && m > 1) {
                // Two dots over the two halves of x, the second with the row's entries first.
                const h = m >> 1;
                return dot(xs.slice(0, h), t.slice(0, h))
                  .mul(dot(t.slice(h), xs.slice(h)))
                  .sub(r0);
              }
              const r = r0.sub(dot(xs, t));
              return r.mul(r);
            });
            return program(out, { variables: xs });
          });
          const x = point.slice(0, m);
          // Twice: the second call runs the drivers' primed code.
          for (let k = 0; k < 2; k++) {
            const g = (backend: Backend) => Array.from(methods.reverse.gradient(f, x, { backend }).value);
            expect(sameBits(g('compile'), g('interpret'))).toBe(true);
            expect(sameBits(derivatives(f, x, 'compile'), derivatives(f, x, 'interpret'))).toBe(true);
          }
          // The path ran: the recording the gradient built (cached with the call) has the blocks' loop.
          const call = f.calls[0] as LoopCall;
          const driver = mapGradient(call, new Float64Array(0), new Float64Array(0), false);
          expect(String(driver)).toContain('b += 8');
        },
      ),
      { numRuns: 300, seed: 20261207 },
    );
  });
});

describe('a summed map capturing more values than the local drivers keep (fast-check)', () => {
  it('captured values used once (by a dot, a difference or a product) sum in place across rows, those read twice row by row: the interpreter’s bits', () => {
    // Past 16 captured values the recording runs on the body's arrays, and a captured value used once adds its
    // adjoint to one sum across the rows, tested for NaN and ±∞ after the last (loop.ts's rowSummed).
    // Mostly finite rows, so that most calls keep the sums in place rather than record again with tests.
    const DATA = [0.5, -1, 2, 0.25, 3, -0.75, 1e300, 0, -0, 1.5, -2, 1e-300, 4];
    fc.assert(
      fc.property(
        fc.integer({ min: 17, max: 20 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('dot', 'differences', 'products', 'twice'),
        fc.array(
          fc.oneof(
            { weight: 12, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
            { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) },
          ),
          { minLength: 20, maxLength: 20 },
        ),
        fc.integer({ min: 0, max: 12 }),
        (m, n, shape, point, shift) => {
          const f = withGraph(() => {
            const xs = Array.from({ length: m }, (_, k) => variable(`x${k}`));
            const rows = Array.from({ length: n }, (_, i) =>
              Array.from({ length: m }, (_, k) => DATA[(i * 7 + k * 3 + shift) % DATA.length] as number),
            );
            const out = mapReduce(rows, (row) => {
              const r = row as Expr[];
              if (shape === 'dot')
                return dot(
                  xs,
                  r.map((e) => e.sin()),
                ).sin();
              // Every other captured value read twice: those are summed row by row, the rest in place.
              if (shape === 'twice')
                return xs.reduce(
                  (s, x, k) => s.add((r[k] as Expr).mul(k % 2 === 0 ? x.mul(x) : x).sin()),
                  xs[0] as Expr,
                );
              const terms = xs.map((x, k) =>
                shape === 'differences' ? x.sub(r[k] as Expr) : (r[k] as Expr).mul(x),
              );
              return terms.reduce((s, t) => s.add(t.mul(t)));
            });
            return program(out, { variables: xs });
          });
          const x = point.slice(0, m);
          const g = (backend: Backend) => Array.from(methods.reverse.gradient(f, x, { backend }).value);
          expect(sameBits(g('compile'), g('interpret'))).toBe(true);
          expect(sameBits(derivatives(f, x, 'compile'), derivatives(f, x, 'interpret'))).toBe(true);
        },
      ),
      { numRuns: 100, seed: 20261207 },
    );
  });

  it("gmm's objective, whose rows' dot products the recording's adjoint runs four at a time: the interpreter's bits", () => {
    // GradBench's gmm at d = 12 (k = 5 clusters, a loop; n = 5 points): its summed map's recording runs the body's
    // adjoint sweep without tests or notes (the captured values' sums tested after the last row). The second
    // point has α₃ = −0 and an exp(q) that overflows, which hands rows to the interpreter's rule.
    const ev = GRADBENCH_EVALS.gmm as GradbenchEval<unknown, { f: Program; x: Float64Array }>;
    const { f, x } = ev.prepare(ev.read(generateInput({ eval: 'gmm', sizes: { d: 12, k: 5, n: 5 } })));
    const call = f.calls[0] as LoopCall;
    const body = call.loop.body;
    const { source } = sweepSource(body, 'adjoint', planSegments(body), activity(body), { tests: false });
    expect(source).toContain('let a = adj[');
    const special = Float64Array.from(x, (v, i) => (i === 3 ? -0 : i === 5 + 5 * 12 + 5 ? 800 : v));
    for (const point of [x, special]) {
      const g = (backend: Backend) => Array.from(methods.reverse.gradient(f, point, { backend }).value);
      expect(sameBits(g('compile'), g('interpret'))).toBe(true);
    }
  });
});

describe('forward over reverse on the compiled backend (fast-check)', () => {
  it('random loops of any op, at ordinary and special points: the compiled body sweeps give the interpreter’s Hessians to the bit', () => {
    const point = fc.oneof(
      fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 4, maxLength: 4 }),
      fc.array(fc.constantFrom(...SPECIAL), { minLength: 4, maxLength: 4 }),
    );
    fc.assert(
      fc.property(
        fc.array(specArbitrary(5, 3), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<'sum' | 'logsumexp'>('sum', 'logsumexp'),
        point,
        fc.boolean(),
        fc.boolean(),
        (specs, n, reduce, x, exprRows, nested) => {
          const f = randomLoops(specs, n, reduce, exprRows, nested);
          for (const o of [0, 2, 3, 4]) {
            const scalar = new Program<number>({
              ...f,
              outputs: Int32Array.of(f.outputs[o] as number),
              scalar: true,
            });
            const H = (backend: Backend) =>
              reverseHessian(scalar, x, { backend }).value.flatMap((r) => Array.from(r));
            expect(sameBits(H('compile'), H('interpret'))).toBe(true);
          }
        },
      ),
      { numRuns: 200, seed: 20261207 },
    );
  });
});

describe('size without unrolling', () => {
  it("tree size, depth and operation count equal the unrolled program's, for maps, scans and nested loops", () => {
    const programs = [nestedLoops(false), nestedLoops(true), logisticScan(12)];
    for (const f of programs) {
      const u = unroll(f);
      const looped = metrics(f);
      const flat = metrics(u);
      expect(looped.treeSize).toBe(flat.treeSize);
      expect(looped.depth).toBe(flat.depth);
      expect(looped.unrolledOps).toBeGreaterThanOrEqual(flat.unrolledOps);
    }
    // The logistic map's tree doubles each step: x·r·(1 − x) holds x twice.
    const t = (k: number) => metrics(logisticScan(k)).treeSize;
    expect(t(13) - 2n * t(12)).toBe(t(12) - 2n * t(11));
  });

  it('a program of a few nodes stands for a million operations; metrics and the unrolled count say so', () => {
    const f = logisticScan(250_000);
    expect(f.size).toBeLessThan(10);
    // The body x·r·(1 − x): sub, mul, mul per step.
    expect(unrolledOps(f)).toBe(3 * 250_000);
    expect(metrics(f).dagSize).toBe(f.size);
    // Reverse mode runs it as a loop (a flat program of 750,000 operations is never built).
    const ref = logisticByHand(0.3, 2.5, 250_000);
    const g = methods.reverse.gradient(f, [0.3, 2.5], { checkpoint: 'sqrt' }).value;
    expect(closeNormwise(g, [ref.dx0, ref.dr], 1e-9)).toBe(true);
  });
});

describe('the zero-factor rule across iterations: loops give what their unrolled programs give', () => {
  /** Both NaN, or the same number (−0 and +0 alike: derivatives are reported as +0). */
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    a.length === b.length &&
    Array.from(a).every((x, i) => (Number.isNaN(x) ? Number.isNaN(b[i]) : x === b[i]));

  /** The gradient by reverse and forward mode on both backends, and the Hessian, against the unrolled program's. */
  it('a checkpointed scan whose second carry is unseeded: the compiled steps keep the rule (0, not NaN)', () => {
    // The second carry's adjoint is untouched and meets √|r|'s infinite partial at r = 0 (iteration 1's row):
    // by the rule it contributes nothing. The compiled √n and binomial steps once seeded it +0 and gave NaN.
    const a = variable('a');
    const b = variable('b');
    const { carry } = scan([a, b], [[b], [b.sub(1)], [b.sub(2)]], ([p], [r]) => [
      (p as Expr).add(a),
      (r as Expr).abs().sqrt(),
    ]);
    const f = program(carry, { variables: [a, b] });
    const want = Array.from(methods.reverse.vjp(unroll(f), [0.5, 1], [1, 0]).value);
    expect(want).toEqual([4, 0]);
    for (const checkpoint of ['all', 'sqrt', 'binomial'] as const)
      for (const backend of BACKENDS)
        expect(Array.from(methods.reverse.vjp(f, [0.5, 1], [1, 0], { backend, checkpoint }).value)).toEqual(
          want,
        );
  });

  function matchesUnrolled(f: Program<number>, x: number[], want: number[]): void {
    const u = unroll(f);
    for (const backend of BACKENDS) {
      for (const method of ['reverse', 'forward'] as const) {
        const g = methods[method].gradient(f, x, { backend }).value;
        const gu = methods[method].gradient(u, x, { backend }).value;
        expect(Array.from(gu), `${method} (${backend}), unrolled`).toEqual(want);
        expect(
          same(g, gu),
          `${method} (${backend}): loop [${Array.from(g)}], unrolled [${Array.from(gu)}]`,
        ).toBe(true);
      }
    }
    const H = hessian(f, x, { allowNonFinite: true }).flatMap((r) => Array.from(r));
    const Hu = hessian(u, x, { allowNonFinite: true }).flatMap((r) => Array.from(r));
    expect(same(H, Hu), `hessian: loop [${H}], unrolled [${Hu}]`).toBe(true);
  }

  const xy = () => [variable('x'), variable('y')] as const;

  it('a reached zero adjoint runs the body: y · Σᵣ √(x·r) at (0, 0) has ∂/∂x = 0·∞ = NaN', () => {
    const f = withGraph(() => {
      const [x, y] = xy();
      return program(y.mul(mapReduce([[1], [2]], ([r]) => x.mul(r as Expr).sqrt())), { variables: [x, y] });
    });
    matchesUnrolled(f, [0, 0], [Number.NaN, 0]);
  });

  it('a reached zero adjoint reaches an expression row: Σ over the row √x of r·y at (0, 0) has ∂/∂x = NaN', () => {
    const f = withGraph(() => {
      const [x, y] = xy();
      return program(
        mapReduce([[x.sqrt()]], ([r]) => (r as Expr).mul(y)),
        { variables: [x, y] },
      );
    });
    matchesUnrolled(f, [0, 0], [Number.NaN, 0]);
  });

  it('a captured value no output reaches stays untouched: a scan carrying √x beside y·2ⁿ has ∂/∂x = 0 at 0', () => {
    const f = withGraph(() => {
      const [x, y] = xy();
      const s = x.sqrt();
      const { carry } = scan([y, constant(1)], 2, ([c0, c1]) => ({ carry: [c0.mul(2), c1.add(s)] }));
      return program((carry as Expr[])[0] as Expr, { variables: [x, y] });
    });
    matchesUnrolled(f, [0, 1], [0, 4]);
  });

  // The summed map's driver with locals writes its rows' adjoints with their marks (compiled/loop.ts's
  // localMapGradient): an entry the output does not reach stays untouched, so √x at 0 sends nothing.
  it('a row entry no output reaches stays untouched: y · Σᵢ exp(rᵢ₀) over rows (y, √x), (2y, √(2x)) has ∂/∂x = 0 at 0', () => {
    const f = withGraph(() => {
      const [x, y] = xy();
      const rows = [
        [y, x.sqrt()],
        [y.mul(2), x.mul(2).sqrt()],
      ];
      return program(y.mul(mapReduce(rows, ([r]) => (r as Expr).exp())), { variables: [x, y] });
    });
    // d/dy of y·(eʸ + e²ʸ) at y = 0: (1 + 1) + 0 = 2.
    matchesUnrolled(f, [0, 0], [0, 2]);
  });

  // A scan whose outputs' adjoints are all zeros and whose body is finite ops (max) from finite values sets the
  // marks its sweep would leave without running it (sweeps/interpret/adjoint-loop.ts's zeroScan): they must be the sweep's.
  it('a zero adjoint into a scan of max marks what it reaches: y · max(√z, √x, √(2x), √w) at 0 is NaN in x, z, w', () => {
    const f = withGraph(() => {
      const [x, y] = xy();
      const z = variable('z');
      const c = variable('w').sqrt();
      const { carry } = scan(z.sqrt(), [[x.sqrt()], [x.mul(2).sqrt()]], (m, [r]) => m.max(r as Expr).max(c));
      return program(y.mul(carry), { variables: [x, y, z, 'w'] });
    });
    // The rows' marks give ∂/∂x = 0·∞, the initial carry's ∂/∂z and the captured value's ∂/∂w.
    matchesUnrolled(f, [0, 0, 0, 0], [Number.NaN, 0, Number.NaN, Number.NaN]);
    matchesUnrolled(f, [1, 0, 4, 1], [0, 2, 0, 0]);
  });

  // The scan driver with locals tests its expression rows as it reads them (compiled/loop.ts's localScanPrimal); the
  // recording takes the scan as finite until it finds one that is not, then records again keeping the body values.
  it('a row entry that is not finite keeps the body values: y · max(z, log w, x) at w = 0 as unrolled', () => {
    const f = withGraph(() => {
      const [x, y] = xy();
      const z = variable('z');
      const { carry } = scan(z, [[variable('w').log()], [x]], (m, [r]) => m.max(r as Expr));
      return program(y.mul(carry), { variables: [x, y, z, 'w'] });
    });
    // max(1, −∞, 2) = 2; ∂/∂w is 0·(1/w) = 0·∞ at w = 0.
    matchesUnrolled(f, [2, 0, 1, 0], [0, 2, 0, Number.NaN]);
    methods.reverse.gradient(f, [2, 0, 1, 0], { backend: 'compile' });
    expect(loopUsage().bodyValueBytes).toBeGreaterThan(0);
    // Store-all's every carry then, where a finite scan keeps its first alone.
    expect(loopUsage().checkpointCarries).toBe(2);
    matchesUnrolled(f, [2, 0, 1, 1], [0, 2, 0, 0]);
    methods.reverse.gradient(f, [2, 0, 1, 1], { backend: 'compile' });
    expect(loopUsage().bodyValueBytes).toBe(0);
    expect(loopUsage().checkpointCarries).toBe(1);
  });

  it('and leaves an unreached carry untouched: a second carry max(k, k) from √z, unused, keeps ∂/∂z = 0 at z = 0', () => {
    const f = withGraph(() => {
      const [x, y] = xy();
      const z = variable('z');
      const { carry } = scan([x, z.sqrt()], [[x.neg()], [x.abs()]], ([m, k], [r]) => [
        (m as Expr).max(r as Expr),
        (k as Expr).max(k as Expr),
      ]);
      return program(y.mul((carry as Expr[])[0] as Expr), { variables: [x, y, z] });
    });
    matchesUnrolled(f, [1, 0, 0], [0, 1, 0]);
  });

  // A summed map's backward sweep into consecutive rows notes them reached, and the finite scan over the same
  // rows then leaves out its marks there (adjoint-loop.ts's noteReachedRun): only within one backward sweep.
  it('a reached run is forgotten between sweeps: the jacobian of [Σ exp √xᵢ, y · max √xᵢ] at x = 0 is NaN in x', () => {
    for (const backend of BACKENDS) {
      const f = withGraph(() => {
        const [x0, x1, x2, y] = [variable('x0'), variable('x1'), variable('x2'), variable('y')];
        const rows = [[x0.sqrt()], [x1.sqrt()], [x2.sqrt()]];
        const s = mapReduce(rows, ([r]) => (r as Expr).exp());
        const { carry } = scan(rows[0]?.[0] as Expr, rows.slice(1), (m, [r]) => m.max(r as Expr));
        return program([s, y.mul(carry)], { variables: [x0, x1, x2, y] });
      });
      const x = [0, 0, 0, 0];
      const J = methods.reverse.jacobian(f, x, { backend }).value;
      const Ju = methods.reverse.jacobian(unroll(f), x, { backend }).value;
      // Row 1: the max's zero adjoint marks √xᵢ, and 0 · ∂√x/∂x at 0 is NaN; ∂/∂y = max √xᵢ = 0.
      expect(Array.from(J[1] as Float64Array), backend).toEqual([Number.NaN, Number.NaN, Number.NaN, 0]);
      for (let k = 0; k < 2; k++) expect(sameBits(J[k] as Float64Array, Ju[k] as Float64Array)).toBe(true);
    }
  });

  it('and a run with an entry the map does not reach is not noted: y · max bᵢ + Σ exp(aᵢ) over rows (aᵢ, √xᵢ) at 0', () => {
    const f = withGraph(() => {
      const [x0, x1, y] = [variable('x0'), variable('x1'), variable('y')];
      const rows = [
        [x0.exp(), x0.sqrt()],
        [x1.exp(), x1.sqrt()],
      ];
      // The scan first, as lse's: its backward sweep runs after the map's.
      const { carry } = scan(constant(-1), rows, (m, [, b]) => m.max(b as Expr));
      const s = mapReduce(rows, ([a]) => (a as Expr).exp());
      return program(y.mul(carry).add(s), { variables: [x0, x1, y] });
    });
    // ∂/∂xᵢ = e^(e⁰)·e⁰ + 0 · ∂√x/∂x at 0 = NaN (the max's zero adjoint marks √xᵢ); ∂/∂y = max(−1, 0, 0) = 0.
    matchesUnrolled(f, [0, 0, 0], [Number.NaN, Number.NaN, 0]);
  });

  it('a finite scan keeps its first carry alone: a seeded max of sin(xᵢ) recomputes the carries and each body, to the bits of store-all', () => {
    const xs = [variable('x0'), variable('x1'), variable('x2'), variable('x3')];
    const { carry } = scan(xs[0] as Expr, [[xs[1] as Expr], [xs[2] as Expr], [xs[3] as Expr]], (m, [r]) =>
      m.max((r as Expr).sin()),
    );
    const f = program(carry, { variables: xs });
    const x = [0.1, 1.2, 0.3, 1.4];
    // ∂ max / ∂x₃ = cos(1.4), the others 0: the largest of 0.1, sin 1.2, sin 0.3, sin 1.4 is sin 1.4.
    const want = [0, 0, 0, Math.cos(1.4)];
    for (const backend of BACKENDS) {
      const r = methods.reverse.gradient(f, x, { backend });
      expect(Array.from(r.value)).toEqual(want);
      expect(sameBits(r.value, methods.reverse.gradient(unroll(f), x, { backend }).value)).toBe(true);
      // The recording keeps no body values and the first carry alone; the backward sweep computes the other
      // two carries again, as one segment of sqrt's, and runs each body again from its carry: 3 + 2 + 3.
      const m = memoryOf(r.stats);
      expect([m.bodyValueBytes, m.checkpointCarries, m.workingCarries]).toEqual([0, 1, 3]);
      expect(loopUsage().bodyPrimals).toBe(8);
      expect(sameBits(r.value, methods.reverse.gradient(f, x, { backend, checkpoint: 'sqrt' }).value)).toBe(
        true,
      );
    }
  });

  it('a row that is not finite runs the scan as it is: y · max(x, 1/x) at (0, 0), as unrolled', () => {
    const f = withGraph(() => {
      const [x, y] = xy();
      const { carry } = scan(x, [[constant(1).div(x)]], (m, [r]) => m.max(r as Expr));
      return program(y.mul(carry), { variables: [x, y] });
    });
    // ∂/∂y = max(0, ∞) = ∞, reported as NaN.
    matchesUnrolled(f, [0, 0], [Number.NaN, Number.NaN]);
  });

  it('and in a map with two outputs, one unused: Σᵣ [r·y, r + √x] keeps ∂/∂x = 0 at 0', () => {
    const f = withGraph(() => {
      const [x, y] = xy();
      const s = x.sqrt();
      const [first] = mapReduce([[1], [2]], ([r]) => [(r as Expr).mul(y), (r as Expr).add(s)]);
      return program(first as Expr, { variables: [x, y] });
    });
    matchesUnrolled(f, [0, 1], [0, 3]);
  });

  it('a loop over no rows sends nothing: a map and a scan capturing √x over zero rows keep ∂/∂x = 0 at 0', () => {
    // No iteration runs, so the captured √x gets no adjoint and its infinite partial at 0 meets none. The
    // compiled map's recording driver and the √n and binomial steps once marked it reached (+0): 0·∞ = NaN.
    const none = { data: new Float64Array(0), width: 1 };
    const map = withGraph(() => {
      const [x, y] = xy();
      const s = x.sqrt();
      return program(mapReduce(none, ([r]) => (r as Expr).mul(s).mul(y)).add(y.mul(y)), {
        variables: [x, y],
      });
    });
    const scanned = withGraph(() => {
      const [x, y] = xy();
      const s = x.sqrt();
      const { carry } = scan([y], none, ([p], [r]) => [(p as Expr).mul(s).add(r as Expr)]);
      return program((carry[0] as Expr).add(y.mul(y)), { variables: [x, y] });
    });
    matchesUnrolled(map, [0, 1], [0, 2]);
    matchesUnrolled(scanned, [0, 1], [0, 3]);
    for (const checkpoint of ['sqrt', 'binomial'] as const)
      for (const backend of BACKENDS)
        expect(Array.from(methods.reverse.gradient(scanned, [0, 1], { backend, checkpoint }).value)).toEqual([
          0, 3,
        ]);
  });
});
