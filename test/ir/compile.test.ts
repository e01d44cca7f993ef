/**
 * The compiled backend against the interpreter, its reference: the same values, gradients, Jacobians and
 * tangents to the last bit (Object.is on every component, so −0 and NaN count), on random expressions at
 * ordinary and special points, on programs the planner turns into loops, and on the workloads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  constant,
  DifflabError,
  dot,
  type Expr,
  evaluate,
  gradient,
  logsumexp,
  methods,
  type Program,
  program,
  sum,
  unroll,
  variable,
  withGraph,
} from '../../src/index.js';
import { dotBatches } from '../../src/sweeps/compiled/batch.js';
import { chainNodes } from '../../src/sweeps/compiled/chain.js';
import { primable, sweepSource, useCounts } from '../../src/sweeps/compiled/emit.js';
import { activity, adjointNeeds, compiled, planSegments } from '../../src/sweeps/compiled/index.js';
import { backward, record, tapeFor } from '../../src/sweeps/interpret/adjoint.js';
import { logreg, workloads } from '../../src/workloads/index.js';

const WORKLOADS = Object.values(workloads);

import { buildSpec, pointArbitrary, programOf, type Spec, specArbitrary } from '../support/expressions.js';
import { sameBits } from './support/close.js';

const vec = (x: number | Float64Array) => (typeof x === 'number' ? [x] : x);

/** Every sweep of f at x by both backends, flattened: value, Jacobian rows, vjp, jvp, forward gradients. */
function everything(f: Program, x: ArrayLike<number>, backend: Backend): Float64Array {
  const o = { backend };
  const top = { backend, allowNonFinite: true };
  const n = f.variables.length;
  const m = f.outputs.length;
  const u = Array.from({ length: m }, (_, k) => (k % 2 === 0 ? 1.5 : -0.25));
  const t = Array.from({ length: n }, (_, k) => (k % 3 === 0 ? -1 : 0.5));
  const parts: ArrayLike<number>[] = [
    vec(evaluate(f, x, o)),
    // The top-level gradient: the values the adjoint reads only, and the sweep without zero tests first
    // (the points include NaN and ±∞ on purpose).
    ...(m === 1 ? [gradient(f as Program<number>, x, top), gradient(f as Program<number>, x, top)] : []),
    ...methods.reverse.jacobian(f, x, o).value,
    methods.reverse.vjp(f, x, u, o).value,
    methods.forward.jvp(f, x, t, o).value,
    ...methods.forward.jacobian(f, x, { ...o, chunk: 1 }).value,
    ...methods.forward.jacobian(f, x, { ...o, chunk: 3 }).value,
  ];
  const out: number[] = [];
  for (const p of parts) out.push(...Array.from(p));
  return Float64Array.from(out);
}

function agree(f: Program, x: ArrayLike<number>): void {
  // The compiled reverse sweeps record only the values their adjoint sweep reads: poison the rest, so that a
  // value read but not recorded shows (rather than one left behind by an earlier sweep at the same point).
  // Poison the adjoints too: an adjoint the untested sweep means to write first, and does not, shows.
  tapeFor(f).values.fill(Number.NaN);
  tapeFor(f).adjoints.fill(Number.NaN);
  const fast = everything(f, x, 'compile');
  const reference = everything(f, x, 'interpret');
  if (!sameBits(fast, reference)) {
    const i = fast.findIndex((y, k) => !Object.is(y, reference[k]));
    expect.fail(`component ${i}: compiled ${fast[i]}, interpreted ${reference[i]}`);
  }
}

/** Doubles that exercise IEEE corners: zeros of both signs, infinities, NaN, and ordinary values. */
const specialPoint = (n: number) =>
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN),
      },
    ),
    { minLength: n, maxLength: n },
  );

describe('the compiled backend equals the interpreter to the last bit', () => {
  it('on random expressions with several outputs, at ordinary points', () => {
    fc.assert(
      fc.property(
        fc.array(specArbitrary(3), { minLength: 1, maxLength: 3 }),
        pointArbitrary(3),
        (specs, x) => {
          agree(programOf(specs, 3), x);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('at zeros of both signs, infinities and NaN (the zero-factor rule and IEEE arithmetic)', () => {
    fc.assert(
      fc.property(fc.array(specArbitrary(3), { minLength: 1, maxLength: 2 }), specialPoint(3), (specs, x) => {
        agree(programOf(specs, 3), x);
      }),
      { numRuns: 150 },
    );
  });

  it('on programs the planner turns into loops: a random block repeated along a chain and in a sum', () => {
    fc.assert(
      fc.property(
        specArbitrary(2, 3),
        fc.integer({ min: 5, max: 40 }),
        specialPoint(2),
        (block, reps, seed) => {
          const f = repeated(block, reps);
          expect(compiled(f).segments.some((s) => s.kind === 'loop')).toBe(true);
          const x = Array.from({ length: reps + 1 }, (_, i) => (seed[i % 2] as number) * (1 + i / 7));
          agree(f, x);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('on chains whose every link is used once (values and adjoints carried between repetitions)', () => {
    fc.assert(
      fc.property(
        specArbitrary(2, 3),
        fc.integer({ min: 5, max: 30 }),
        specialPoint(3),
        (block, reps, seed) => {
          const f = withGraph(() => {
            const x = Array.from({ length: reps + 1 }, (_, i) => variable(`x${i}`));
            let chain: Expr = x[0] as Expr;
            // Each link reads the previous one once, through the block's first argument or a product.
            for (let i = 0; i < reps; i++)
              chain = buildSpec(block, [x[i + 1] as Expr, x[i] as Expr]).mul(chain);
            return program(chain, { variables: x });
          });
          const x = Array.from({ length: reps + 1 }, (_, i) => (seed[i % 3] as number) * (1 - i / 50));
          agree(f, x);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('when a repetition reads its own nodes at a position that moves from one repetition to the next', () => {
    // Repetition r reads c_r: the argument's stride is not the loop's period, so c_r cannot be one local.
    const f = withGraph(() => {
      const xs = [0, 1, 2, 3].map((r) => variable(`x${r}`));
      const outs = xs.map((x, r) => {
        const c: Expr[] = [x.sin()];
        for (let k = 1; k <= 8; k++) c.push((c[k - 1] as Expr).add(x));
        return (c[8] as Expr).mul(c[r] as Expr);
      });
      return program(sum(outs), { variables: xs });
    });
    expect(compiled(f).segments.some((s) => s.kind === 'loop')).toBe(true);
    for (const x of [
      [0.5, 1.5, 2.5, 3.5],
      [0, -0, Number.NaN, 1e300],
    ])
      agree(f, x);
    // And against the closed form: d/dx_r [(sin x_r + 8x_r)(sin x_r + r·x_r)].
    const x = [0.5, 1.5, 2.5, 3.5];
    const g = methods.reverse.gradient(f, x, { backend: 'compile' }).value;
    x.forEach((xr, r) => {
      const [a, b] = [Math.sin(xr) + 8 * xr, Math.sin(xr) + r * xr];
      const expected = (Math.cos(xr) + 8) * b + a * (Math.cos(xr) + r);
      expect(Math.abs((g[r] as number) - expected)).toBeLessThan(1e-12 * Math.abs(expected));
    });
  });

  it('when the last repetition of a carried chain is also read inside the loop', () => {
    const f = withGraph(() => {
      const x = [0, 1, 2, 3].map((r) => variable(`x${r}`));
      const y = [0, 1, 2, 3].map((r) => variable(`y${r}`));
      const [q0, z0, n0] = [variable('q'), variable('z'), variable('n')];
      let q: Expr = q0;
      let n: Expr = n0;
      const m: Expr[] = [];
      const ns: Expr[] = [];
      for (let r = 0; r < 4; r++) {
        q = q.mul(n);
        const z = r === 0 ? z0 : r === 1 ? (m[0] as Expr) : r === 2 ? (ns[1] as Expr) : q;
        m.push((x[r] as Expr).sin().mul(z));
        n = (m[r] as Expr).add(y[r] as Expr);
        ns.push(n);
      }
      // An input the function does not use shifts the node indices into the shape that once went wrong.
      return program(q.add(n), { variables: [...x, ...y, 'q', 'z', 'unused', 'n'] });
    });
    expect(compiled(f).segments.some((s) => s.kind === 'loop' && s.period === 4)).toBe(true);
    agree(f, [0.5, 1.5, 2.5, 3.5, 0.1, 0.2, 0.3, 0.4, 1.1, 1.2, 0, 1.3]);
    agree(f, [0, -0, 1, Number.POSITIVE_INFINITY, 0.1, 0.2, 0.3, 0.4, 1.1, 1.2, 0, 1.3]);
  });

  it('on n-ary nodes inside loops: dot, sum and logsumexp over sliding windows', () => {
    const f = withGraph(() => {
      const x = Array.from({ length: 30 }, (_, i) => variable(`x${i}`));
      const terms: Expr[] = [];
      for (let i = 0; i + 4 <= 30; i++) {
        const w = x.slice(i, i + 4);
        terms.push(dot(w, [1, -2, 0.5, 3]).mul(logsumexp(w)), sum(w).sin(), dot(w, w));
      }
      return program(sum(terms), { variables: x });
    });
    expect(compiled(f).segments.some((s) => s.kind === 'loop')).toBe(true);
    agree(
      f,
      Array.from({ length: 30 }, (_, i) => Math.sin(i) * 2),
    );
    agree(
      f,
      Array.from({ length: 30 }, (_, i) => (i === 7 ? -0 : i === 11 ? Number.NaN : Math.cos(i))),
    );
  });

  it("on dot products over a repetition's own nodes or the previous repetition's (kmeans' distances and their minimum)", () => {
    // Each centroid's differences from the point, a dot product of them with themselves or with sums, and a
    // chain of min: the primal loop keeps these values in variables (and the plan may start its loop anywhere in
    // the block, so that a dot product reads the previous repetition's differences).
    for (const d of [3, 8, 16]) {
      const k = 7;
      const f = withGraph(() => {
        const p = Array.from({ length: d }, (_, l) => variable(`p${l}`));
        const c = Array.from({ length: k * d }, (_, j) => variable(`c${j}`));
        let best: Expr | undefined;
        for (let j = 0; j < k; j++) {
          const diff = p.map((pl, l) => pl.sub(c[j * d + l] as Expr));
          const plus = p.map((pl, l) => pl.add(c[j * d + l] as Expr));
          const dist = dot(diff, diff).add(dot(diff, plus));
          best = best === undefined ? dist : best.min(dist);
        }
        return program(best as Expr, { variables: [...p, ...c] });
      });
      expect(compiled(f).segments.some((s) => s.kind === 'loop')).toBe(true);
      // Ordinary points too: with this many inputs a special point nearly always has a NaN or ∞ somewhere.
      const n = d + k * d;
      const ordinary = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });
      fc.assert(
        fc.property(fc.oneof(ordinary, specialPoint(n)), (x) => agree(f, x)),
        { numRuns: 30, seed: 20261207 },
      );
    }
  });

  it('on sums and dot products over the same inputs, with and without later uses of those inputs', () => {
    // Their adjoint loops run as one; where nothing after them reads the inputs, that loop writes them first.
    const data = [0.5, -1, 2, 0, 3, -0.25, 1, 4, -2, 0.75, 1.5, -3];
    for (const later of [false, true]) {
      const f = withGraph(() => {
        const w = data.map((_, i) => variable(`w${i}`));
        const loss = dot(w, data).sub(1).pow(2).add(dot(w, w).mul(0.5)).add(sum(w).sin());
        // A later product of two inputs: their adjoints are written before the fused loop reads them.
        const y = later ? loss.add((w[2] as Expr).mul(w[5] as Expr)) : loss;
        return program(y, { variables: w });
      });
      agree(
        f,
        data.map((d, i) => Math.sin(i + d)),
      );
      agree(
        f,
        data.map((_, i) => (i === 3 ? Number.NaN : i === 4 ? -0 : i / 7)),
      );
    }
  });

  it("on dot products whose entries step by 2 from their first or their second entry (gmm's (Q z)ᵣ)", () => {
    // uᵣ = dot([lᵣ₀, …, lᵣᵣ], [zᵣ, z₀, …, zᵣ₋₁]) with the z and u nodes alternating, then dot(u, u): the sweeps
    // read z and u by their step instead of through `args`, zᵣ on its own. One cluster is straight code (its dot
    // products past 16 terms loop over their entries), five are a loop over the clusters.
    const d = 17;
    for (const k of [1, 5]) {
      const f = gmmShaped(
        d,
        k,
        (coef, z, r) => dot(coef, [z[r] as Expr, ...z.slice(0, r)]),
        // And halves that overlap (z₀…z₁₅ against z₁…z₁₆), each half stepping by 2: two loops, not one.
        (u, z) =>
          dot(u, u)
            .mul(-0.5)
            .add(dot(z.slice(0, d - 1), z.slice(1)).mul(0.01)),
      );
      const segments = planSegments(f);
      expect(segments.some((s) => s.kind === 'loop')).toBe(k > 1);
      const act = activity(f);
      for (const kind of ['primal', 'adjoint'] as const) {
        const { source } = sweepSource(f, kind, segments, act, { tests: false });
        expect(source).toMatch(/const [xy]q = [^;]* - 2 \* \(st \+ \d+\);/);
      }
      expect(sweepSource(f, 'adjoint', segments, act, { tests: false }).source).toContain('{ const k = st;');
      const n = f.variables.length;
      agree(
        f,
        Array.from({ length: n }, (_, i) => Math.sin(i) * 0.3),
      );
      agree(
        f,
        Array.from({ length: n }, (_, i) =>
          i === 5 ? -0 : i === d + 3 ? Number.POSITIVE_INFINITY : Math.cos(i) * 0.2,
        ),
      );
    }
  });

  it("on a loop's dot products and their adjoints four at a time (gmm's rows (Q z)ᵣ), each sum in its own order", () => {
    // Per cluster: uᵣ = dot([lᵣ₀, …, lᵣᵣ], [zᵣ, z₀, …, zᵣ₋₁]) (`shared`: the rows read the same z꜀ at each common
    // term) or dot(lᵣ, [zᵣ, …, z₀]) (the rows read different z at a term); with `chained`, each row also reads
    // the previous row's uᵣ₋₁ through a difference between them, so no two rows share a group.
    const d = 20;
    const k = 5;
    for (const shape of ['shared', 'reversed', 'chained'] as const) {
      const f = gmmShaped(
        d,
        k,
        (coef, z, r, u) => {
          const zr = z[r] as Expr;
          const before = z.slice(0, r);
          if (shape === 'shared') return dot(coef, [zr, ...before]);
          if (shape === 'reversed') return dot(coef, [zr, ...before.reverse()]);
          const last = u[r - 1];
          return dot(coef, [last === undefined ? zr : zr.sub(last), ...before]);
        },
        (u) => dot(u, u).mul(-0.5),
      );
      const segments = planSegments(f);
      expect(
        segments.some((s) => s.kind === 'loop'),
        shape,
      ).toBe(true);
      const { source } = sweepSource(f, 'primal', segments, activity(f), {});
      expect(source.includes('s$3 +=')).toBe(shape !== 'chained');
      expect(source.includes('const e = ')).toBe(shape === 'shared');
      // The adjoint sweep: the shared rows' adjoints four at a time too, z꜀'s adjoint held in `a` across them;
      // not where a row reads the one before it (that difference's adjoint must reach the row before it runs).
      const adjoint = sweepSource(f, 'adjoint', segments, activity(f), { tests: false }).source;
      expect(adjoint.includes('let a = adj[')).toBe(shape === 'shared');
      const n = f.variables.length;
      agree(
        f,
        Array.from({ length: n }, (_, i) => Math.sin(i) * 0.3),
      );
      agree(
        f,
        Array.from({ length: n }, (_, i) => (i === 7 ? -0 : i === d + 3 ? Number.NaN : Math.cos(i) * 0.2)),
      );
    }
  });

  it.each(WORKLOADS.map((w) => [w.name, w] as const))('on the %s workload at several sizes', (_, w) => {
    for (const K of [1, 2, 7, 50, 300]) agree(w.build(K), w.point(K));
  });
});

/** x₀ ∘ block ∘ block ..., and Σᵢ block(xᵢ, xᵢ₊₁): two ways a block repeats with strided arguments. */
/**
 * gmm's shape: per cluster c, z = x − μ_c, rows uᵣ = `row(coef, z, r, u)` (coef: the r + 1 entries of l for row r,
 * u: the rows before it), and β_c = `beta(u, z)`; the program is logsumexp of the β over x, μ and l.
 */
function gmmShaped(
  d: number,
  k: number,
  row: (coef: Expr[], z: Expr[], r: number, u: readonly Expr[]) => Expr,
  beta: (u: Expr[], z: Expr[]) => Expr,
): Program {
  return withGraph(() => {
    const x = Array.from({ length: d }, (_, j) => variable(`x${j}`));
    const mu = Array.from({ length: k * d }, (_, j) => variable(`m${j}`));
    const l = Array.from({ length: (k * d * (d + 1)) / 2 }, (_, j) => variable(`l${j}`));
    let at = 0;
    const betas: Expr[] = [];
    for (let c = 0; c < k; c++) {
      const z = x.map((xj, j) => xj.sub(mu[c * d + j] as Expr));
      const u: Expr[] = [];
      for (let r = 0; r < d; r++) {
        u.push(row(l.slice(at, at + r + 1), z, r, u));
        at += r + 1;
      }
      betas.push(beta(u, z));
    }
    return program(logsumexp(betas), { variables: [...x, ...mu, ...l] });
  });
}

function repeated(block: Spec, reps: number): Program {
  return withGraph(() => {
    const x = Array.from({ length: reps + 1 }, (_, i) => variable(`x${i}`));
    let chain: Expr = x[0] as Expr;
    const terms: Expr[] = [];
    for (let i = 0; i < reps; i++) {
      // The product term keeps a chain even when the block ignores its arguments.
      chain = buildSpec(block, [chain, x[i + 1] as Expr]).add(chain.mul(x[i + 1] as Expr));
      terms.push(buildSpec(block, [x[i] as Expr, x[i + 1] as Expr]));
    }
    return program([chain, sum(terms)], { variables: x });
  });
}

describe('the adjoint sweep without zero tests', () => {
  it('falls back to the interpreter where a zero factor meets ∞ or NaN, which gives NaN as PyTorch does', () => {
    // √x at x = 0 has an infinite partial; its adjoint is the reached 0 of the product with y = 0.
    const f = withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      return program(x.sqrt().mul(y).add(x.mul(2)));
    });
    for (const backend of ['interpret', 'compile'] as const) {
      const g = gradient(f, [0, 0], { backend });
      // ∂/∂x = y/(2√x) + 2 = 0·∞ + 2: NaN (the zero-factor rule of ops.ts); ∂/∂y = √x = 0.
      expect(Array.from(g)).toEqual([Number.NaN, 0]);
    }
  });

  it('keeps a seed of −0 (the tested sweep runs: the untested one would add +0 to it)', () => {
    const f = withGraph(() => {
      const x = variable('x');
      return program([x, x.mul(3)]);
    });
    const adjoints = (['interpret', 'compile'] as const).map((backend) => {
      const tape = tapeFor(f);
      record(f, [1.5], tape, false, backend);
      backward(f, tape, (adj) => (adj[f.outputs[0] as number] = -0), backend);
      return tape.adjoints[f.inputStart] as number;
    });
    expect(Object.is(adjoints[0], -0)).toBe(true);
    expect(Object.is(adjoints[1], -0)).toBe(true);
  });
});

describe('a variant with passive inputs (a loop body whose data rows and index no one differentiates)', () => {
  it("computes the other inputs' adjoints to the same bits and sends nothing to the passive ones", () => {
    // y = √r·x + r·x² + dot([x, r], [r, x]) with r passive: its partials never run, even where √r's is ∞.
    const f = withGraph(() => {
      const [x, r] = [variable('x'), variable('r')];
      return program(
        r
          .sqrt()
          .mul(x)
          .add(r.mul(x.mul(x)))
          .add(dot([x, r], [r, x])),
        { variables: [x, r] },
      );
    });
    const passive = Uint8Array.of(0, 1);
    const seed = (adj: Float64Array) => {
      adj[f.outputs[0] as number] = 1;
    };
    const xi = f.inputStart;
    for (const point of [
      [1.5, 0.25],
      [-2, 3],
      [0.5, 0],
    ]) {
      const tape = tapeFor(f);
      record(f, point, tape, false, 'interpret');
      backward(f, tape, seed, 'interpret');
      const want = tape.adjoints[xi] as number;
      // ∂y/∂x = √r + 2rx + 2r, by hand.
      expect(want).toBeCloseTo(
        Math.sqrt(point[1] as number) +
          2 * (point[1] as number) * (point[0] as number) +
          2 * (point[1] as number),
        12,
      );
      const adj = new Float64Array(f.size).fill(Number.NaN);
      expect(compiled(f, passive).untestedAdjoint(tape.values, adj, seed)).toBe(true);
      expect(Object.is(adj[xi], want)).toBe(true);
      // ∂y/∂r is not 0 at any of these points (∞ at r = 0): what the variant holds there is only its zeroing.
      expect(adj[xi + 1]).toBe(0);
    }
    // The full sweep meets √r's infinite partial at r = 0 and hands over; the variant does not reach it.
    const tape = tapeFor(f);
    record(f, [0.5, 0], tape, false, 'interpret');
    expect(compiled(f).untestedAdjoint(tape.values, new Float64Array(f.size), seed)).toBe(false);
  });
});

describe('the untested adjoint sweep, as generated', () => {
  const STORE = String.raw`adj\[(?:[^[\]]|\[[^[\]]*\])*\]`;
  /** The stores to adj left after taking out those followed by a NaN test. */
  const unchecked = (source: string) =>
    source
      .replace(new RegExp(String.raw`\{ const u = [^;]*; ${STORE} = u; bad \+= u - u; \}`, 'g'), '')
      .match(new RegExp(String.raw`${STORE} (?:\+|-)?= `, 'g')) ?? [];

  it('tests every value it stores in adj for NaN (and ±∞)', () => {
    const programs = [
      ...WORKLOADS.flatMap((w) => [3, 40, 300].map((K) => w.build(K))),
      ...fc.sample(specArbitrary(2, 3), { seed: 1, numRuns: 20 }).map((block) => repeated(block, 12)),
    ];
    for (const f of programs) {
      const a = activity(f);
      const { source } = sweepSource(f, 'adjoint', planSegments(f), a, {
        tests: false,
        need: adjointNeeds(f, a),
      });
      expect(source).toContain('bad += u - u');
      expect(unchecked(source)).toEqual([]);
    }
  });

  it('leaves no value from one call in a constant it adds to', () => {
    // The sum's contiguous run starts at the constant 3, whose adjoint the generated loop adds to.
    const f = withGraph(() => {
      const xs = Array.from({ length: 17 }, (_, i) => variable(`x${i}`));
      const s = sum([constant(3), ...xs]);
      return program([s.mul(xs[0] as Expr), s], { variables: xs });
    });
    const x = Array.from({ length: 17 }, (_, i) => i + 1);
    const o = { backend: 'compile' as const };
    methods.reverse.vjp(f, x, [Number.NaN, 1], o);
    const once = Array.from(methods.reverse.vjp(f, x, [1, 1], o).value);
    methods.reverse.vjp(f, x, [1, 1], o);
    expect(Array.from(methods.reverse.vjp(f, x, [1, 1], o).value)).toEqual(once);
    expect(tapeFor(f).adjoints[0]).toBe(2);
    expect(once).toEqual(Array.from(methods.reverse.vjp(f, x, [1, 1]).value));
  });
});

describe('the plan', () => {
  it('covers every operation node once, in order', () => {
    for (const w of WORKLOADS) {
      // The plan is of flat programs: a workload written with loops, unrolled.
      const f = unroll(w.build(200));
      let next = f.opStart;
      for (const s of compiled(f).segments) {
        expect(s.start).toBe(next);
        next = s.kind === 'loop' ? s.start + s.period * s.reps : s.end;
      }
      expect(next).toBe(f.size);
    }
  });

  it("finds Rosenbrock's term as one loop of six nodes repeated K − 1 times", () => {
    const f = WORKLOADS.find((w) => w.name === 'rosenbrock')?.build(1000) as Program;
    const loops = compiled(f).segments.filter((s) => s.kind === 'loop');
    expect(loops.map((s) => [s.period, s.reps])).toEqual([[6, 999]]);
  });

  it('compiles a 200,000-deep chain into one loop and differentiates it without recursion', () => {
    const n = 200_000;
    const f = withGraph(() => {
      const x = variable('x');
      let e: Expr = x;
      for (let i = 0; i < n; i++) e = e.mul(0.5).sin().add(x);
      return program(e);
    });
    expect(compiled(f).segments.length).toBeLessThan(5);
    const r = methods.reverse.gradient(f, [0.3], { backend: 'compile' }).value;
    expect(Object.is(r[0], methods.reverse.gradient(f, [0.3]).value[0])).toBe(true);
  });
});

describe('checks', () => {
  it('names the same first non-finite subexpression as the interpreter', () => {
    const f = withGraph(() => {
      const x = variable('x');
      return program(x.sub(2).log().add(x.neg().sqrt()).mul(3));
    });
    const messages = (['interpret', 'compile'] as const).map((backend) => {
      try {
        evaluate(f, [1], { check: true, backend });
        return 'no error';
      } catch (e) {
        expect(e).toBeInstanceOf(DifflabError);
        return `${(e as DifflabError).code}: ${(e as DifflabError).message}`;
      }
    });
    expect(messages[0]).toMatch(/^non-finite: log\(x - 2\) evaluates to NaN/);
    expect(messages[1]).toBe(messages[0]);
  });
});

describe('every method takes the backend option', () => {
  const f = withGraph(() => {
    const [x, y] = [variable('x'), variable('y')];
    return program(
      x
        .mul(y)
        .sin()
        .add(y.exp().mul(x.mul(x)))
        .sub(dot([x, y], [y, x]).sqrt()),
    );
  });
  const at = [0.7, 0.4];

  it.each(['numeric', 'symbolic', 'forward', 'reverse'] as const)(
    '%s gives the same gradient with either backend, to the last bit',
    (m) => {
      const a = methods[m].gradient(f, at, { backend: 'interpret' }).value;
      const b = methods[m].gradient(f, at, { backend: 'compile' }).value;
      expect(sameBits(a, b)).toBe(true);
      // And the gradient is right: against the closed form.
      const [x, y] = at as [number, number];
      const s = Math.sqrt(2 * x * y);
      const ref = [
        y * Math.cos(x * y) + 2 * x * Math.exp(y) - y / s,
        x * Math.cos(x * y) + x * x * Math.exp(y) - x / s,
      ];
      expect(Math.abs((a[0] as number) - (ref[0] as number))).toBeLessThan(1e-6);
      expect(Math.abs((a[1] as number) - (ref[1] as number))).toBeLessThan(1e-6);
    },
  );

  it('rejects an unknown backend with a clear error', () => {
    for (const m of ['numeric', 'symbolic', 'forward', 'reverse'] as const) {
      expect(() => methods[m].gradient(f, at, { backend: 'jit' as Backend })).toThrow(
        /unknown backend 'jit'/,
      );
    }
    expect(() => evaluate(f, at, { backend: 'jit' as Backend })).toThrow(/unknown backend 'jit'/);
  });
});

describe('squares', () => {
  it('x^2 by a constant exponent 2 compiles to x·x and 2x, equal to Math.pow and the pow rule at IEEE corners', () => {
    const f = withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      return program([x.pow(2).mul(y), y.sub(x).pow(2).pow(2), x.pow(y)]);
    });
    const special = [
      0,
      -0,
      1e-200,
      -3.5e155,
      1e308,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
    ];
    for (const x of special) for (const y of [2, -0.5, 0]) agree(f, [x, y]);
    // And in a loop, where a tangent sweep stands x − 1 in for ∂(x²)/∂y = x² ln x: at 1 and beside it, where
    // x² underflows or z ln x overflows, and at the corners.
    // The base is −1·xᵢ, whose tangent is −0 where xᵢ < 0 and its tangent is +0: there the sign of the
    // stand-in counts.
    const g = withGraph(() => {
      const x = Array.from({ length: 9 }, (_, i) => variable(`x${i}`));
      const squares = x.slice(0, 8).map((xi) => xi.mul(-1).pow(2));
      const terms = squares.map((s, i) => s.mul(x[i + 1] as Expr));
      // The squares are outputs too: in a sum, a tangent's −0 would vanish (0 + −0 = +0).
      return program([sum(terms).sqrt(), ...squares], { variables: x });
    });
    expect(compiled(g).segments.some((s) => s.kind === 'loop')).toBe(true);
    const near = [1, 1 + 2 ** -52, 1 - 2 ** -53, 1e-162, 2 ** -537, 1e150, 1e154, 0.5, 3];
    const points = [...near, ...near.map((x) => -x), ...special];
    // A sum of −0 terms is −0 (the sum starts from its first term), and √−0 = −0 has the partial −∞.
    agree(g, [3, -0, -0, -0, -0, -0, -0, -0, -0]);
    for (let k = 0; k < points.length; k++) {
      agree(
        g,
        Array.from({ length: 9 }, (_, i) => points[(k + i) % points.length] as number),
      );
    }
    fc.assert(
      fc.property(fc.double(), fc.double(), (x, y) => agree(f, [x, y])),
      { numRuns: 300 },
    );
  });
});

describe('batched dot products (constant data against one run of inputs, several in one loop)', () => {
  const N = 40;
  /** Ordinary data with zeros of both signs; with `special`, row 1 holds ∞ and NaN. */
  const cell = (i: number, j: number, special = false) => {
    const k = (i * 7 + j * 3) % 23;
    if (special && i === 1 && j === 5) return Number.POSITIVE_INFINITY;
    if (special && i === 1 && j === 9) return Number.NaN;
    return k === 0 ? 0 : k === 1 ? -0 : Math.sin(i + j * 1.7);
  };
  type Other = 'none' | 'before' | 'between' | 'after' | 'output' | 'special';
  /**
   * Σᵢ cᵢ·tanh(dataᵢ · w) (the data half first or second by row; c₁ = c₄ = 0, so those rows' adjoints are 0),
   * with another use of w before, between or after the dot products, or w₃ as an output; or with ∞ and NaN in
   * row 1, whose zero adjoint meets them (the untested sweep's NaN, and the tested sweep's zero-factor rule).
   */
  const build = (rows: number, other: Other) =>
    withGraph(() => {
      const w = Array.from({ length: N }, (_, j) => variable(`w${j}`));
      const terms: Expr[] = [];
      if (other === 'before') terms.push((w[4] as Expr).sin());
      for (let i = 0; i < rows; i++) {
        const data = Array.from({ length: N }, (_, j) => cell(i, j, other === 'special'));
        const d = i % 2 === 0 ? dot(data, w) : dot(w, data);
        terms.push(d.tanh().mul([1, 0, -2, 0.5, 0][i % 5] as number));
        if (other === 'between' && i === 0) terms.push((w[4] as Expr).sin());
      }
      if (other === 'after') terms.push((w[3] as Expr).mul(w[8] as Expr));
      const loss = sum(terms);
      return other === 'output'
        ? program([loss, w[3] as Expr], { variables: w })
        : program(loss, { variables: w });
    });
  const points = [
    Array.from({ length: N }, (_, j) => Math.cos(j) / 4),
    Array.from({ length: N }, (_, j) => (j === 3 ? -0 : j === 11 ? Number.NaN : j === 20 ? 1e308 : j / 50)),
  ];

  it.each([
    [2, 'none', 1, true],
    [9, 'after', 1, false],
    [6, 'output', 1, false],
    [5, 'before', 0, false],
    [5, 'between', 0, false],
    [3, 'special', 1, true],
  ] as const)('%i rows, another use of w: %s', (rows, other, adjointBatches, fresh) => {
    const f = build(rows, other);
    const batches = dotBatches(f, planSegments(f));
    expect(batches.primal.map((b) => b.members.length)).toEqual([rows]);
    expect(batches.adjoint.length).toBe(adjointBatches);
    if (adjointBatches > 0) expect(batches.adjoint[0]?.fresh).toBe(fresh);
    for (const x of points) agree(f, x);
  });

  it('batches a loop position only when it is batched in every repetition', () => {
    // Four repetitions of one block: three dot products against w, the last against u (alone in its group).
    const f = withGraph(() => {
      const w = Array.from({ length: N }, (_, j) => variable(`w${j}`));
      const u = Array.from({ length: N }, (_, j) => variable(`u${j}`));
      const terms = [0, 1, 2, 3].map((i) =>
        dot(
          Array.from({ length: N }, (_, j) => cell(i + 3, j)),
          i < 3 ? w : u,
        ).tanh(),
      );
      return program(sum(terms), { variables: [...w, ...u] });
    });
    expect(compiled(f).segments.some((s) => s.kind === 'loop')).toBe(true);
    expect(dotBatches(f, planSegments(f)).primal).toEqual([]);
    agree(
      f,
      Array.from({ length: 2 * N }, (_, j) => Math.sin(j) / 3),
    );
  });

  it('runs a loop position last in every repetition or in none', () => {
    // Four repetitions of one block: two against w, two against u (two batches). Another use of one run before
    // the dot products keeps that batch in the loop; the other batch must then stay in the loop too, or its
    // repetitions' adjoints are dropped (or added twice).
    for (const early of ['w', 'u'] as const) {
      const f = withGraph(() => {
        const w = Array.from({ length: N }, (_, j) => variable(`w${j}`));
        const u = Array.from({ length: N }, (_, j) => variable(`u${j}`));
        const pre = ((early === 'w' ? w : u)[0] as Expr).sin();
        const terms = [0, 1, 2, 3].map((i) =>
          dot(
            Array.from({ length: N }, (_, j) => cell(i + 3, j)),
            i < 2 ? w : u,
          ).tanh(),
        );
        // A later use of u, so that its batch is not the first to write u.
        const late = early === 'w' ? [(u[5] as Expr).mul(u[6] as Expr)] : [];
        return program(sum([pre, ...terms, ...late]), { variables: [...w, ...u] });
      });
      expect(compiled(f).segments.some((s) => s.kind === 'loop')).toBe(true);
      const batches = dotBatches(f, planSegments(f));
      expect(batches.primal.length).toBe(2);
      expect(batches.adjoint).toEqual([]);
      agree(
        f,
        Array.from({ length: 2 * N }, (_, j) => Math.sin(j) / 3),
      );
    }
  });

  it('computes logreg at K = 1,000 (unrolled from its maps) as the interpreter does', () => {
    const f = unroll(logreg.build(1000));
    const batches = dotBatches(f, planSegments(f));
    expect(batches.adjoint.map((b) => [b.members.length, b.fresh])).toEqual([[32, true]]);
    agree(f, logreg.point(1000));
  });
});

describe('chains of products (values again beside adjoints in the untested adjoint sweep)', () => {
  /** c₀·y₁·y₂·…, the chain on the left or on the right of each product, then used once more or not. */
  const chain = (links: number, side: 'left' | 'right', after: 'none' | 'log' | 'shared') =>
    withGraph(() => {
      const x = Array.from({ length: links + 1 }, (_, i) => variable(`x${i}`));
      let c: Expr = (x[0] as Expr).sin();
      for (let i = 1; i <= links; i++) c = side === 'left' ? c.mul(x[i] as Expr) : (x[i] as Expr).mul(c);
      // 'log' reads the chain's last value; 'shared' uses a factor twice, so the loop is no chain of products.
      const y = after === 'log' ? c.add(c.abs().log()) : after === 'shared' ? c.add((x[3] as Expr).cos()) : c;
      return program(y, { variables: x });
    });

  it.each([
    [9, 'left', 'none', true],
    [10, 'right', 'none', true],
    [11, 'left', 'log', true],
    [12, 'right', 'shared', false],
  ] as const)('%i links, the chain on the %s, used after: %s', (links, side, after, isChain) => {
    const f = chain(links, side, after);
    const segments = compiled(f).segments;
    const loops = segments.filter((s) => s.kind === 'loop');
    expect(loops.length).toBe(1);
    expect(chainNodes(f, segments, useCounts(f), activity(f)).length > 0).toBe(isChain);
    const n = links + 1;
    agree(
      f,
      Array.from({ length: n }, (_, i) => 1 + Math.sin(i) / 3),
    );
    // A zero factor (the adjoints before it are ±0), −0, ∞ (0·∞: the untested sweep's NaN) and NaN.
    for (const [at, value] of [
      [4, 0],
      [5, -0],
      [2, Number.POSITIVE_INFINITY],
      [7, Number.NaN],
    ] as const) {
      agree(
        f,
        Array.from({ length: n }, (_, i) => (i === at ? value : 1.5 - i / 9)),
      );
    }
  });

  it('takes a seed of −0 as the interpreter does, though the primal sweep left the chain out', () => {
    // Outputs: the chain, and x₀ itself, seeded −0 (so the tested sweep runs, and reads the chain's values).
    const f = withGraph(() => {
      const x = Array.from({ length: 10 }, (_, i) => variable(`x${i}`));
      let c: Expr = x[0] as Expr;
      for (let i = 1; i < 10; i++) c = c.mul(x[i] as Expr);
      return program([c, x[0] as Expr], { variables: x });
    });
    expect(chainNodes(f, compiled(f).segments, useCounts(f), activity(f)).length).toBeGreaterThan(0);
    const x = Array.from({ length: 10 }, (_, i) => 1 + i / 10);
    const adjoints = (['interpret', 'compile'] as const).map((backend) => {
      const tape = tapeFor(f);
      tape.values.fill(Number.NaN);
      record(f, x, tape, false, backend);
      backward(
        f,
        tape,
        (adj) => {
          adj[f.outputs[0] as number] = 1;
          adj[f.outputs[1] as number] = -0;
        },
        backend,
      );
      return Array.from(tape.adjoints.subarray(f.inputStart, f.opStart));
    });
    // ∂/∂xᵢ Π x = Π_{j≠i} xⱼ: no NaN from a value the primal sweep left out.
    expect(adjoints[0]?.every((g) => g > 0)).toBe(true);
    expect(sameBits(adjoints[1] as number[], adjoints[0] as number[])).toBe(true);
  });
});

describe('priming (every statement run once, loops cut short, before the first real call)', () => {
  it('cuts a counted loop to a repetition or two while `once` is set, and leaves it whole otherwise', () => {
    const loops = [
      'for (let k = 3; k < 100; k++) n++;',
      'for (let k = 3; k <= 100; k++) n++;',
      'for (let r = 99; r >= 0; r--) n++;',
      'for (let r = 99; r > 0; r--) n++;',
    ];
    for (const loop of loops) {
      const count = (once: boolean) =>
        new Function('once', `let n = 0; ${primable(loop)} return n;`)(once) as number;
      const whole = new Function(`let n = 0; ${loop} return n;`)() as number;
      expect(count(false)).toBe(whole);
      expect(count(true)).toBeGreaterThan(0);
      expect(count(true)).toBeLessThanOrEqual(2);
    }
  });

  it('leaves no loop of the generated sweeps uncut', () => {
    for (const w of WORKLOADS) {
      const f = w.build(60);
      const a = activity(f);
      const need = adjointNeeds(f, a);
      for (const options of [{}, { need }, { tests: false, need }, { need, tests: true }, { width: 5 }]) {
        for (const kind of ['primal', 'adjoint', 'tangent'] as const) {
          if ((kind === 'tangent') !== 'width' in options) continue;
          const { source } = sweepSource(f, kind, planSegments(f), a, options);
          for (const [header] of source.matchAll(/for \([^)]*\)/g))
            expect(header, `${w.name} ${kind}`).toMatch(/\$e = once \?|const e = once \?/);
        }
      }
    }
  });
});
