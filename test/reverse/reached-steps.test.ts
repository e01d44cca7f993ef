/**
 * A scan's backward steps over the part of its body that the touched outputs reach
 * (src/sweeps/interpret/reached.ts): ode's gradient of one component. The steps run where a scan keeps no
 * body values (√n and binomial checkpointing here; store-all for bodies too large to keep, ode's), so
 * store-all on these small bodies, which keeps them and sweeps every node, is the reference they must equal
 * to the bit; the unrolled program is the independent one. Last, store-all's compiled driver taking over once
 * the last iterations, run one at a time, have touched every carry's adjoint.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  dot,
  type Expr,
  logsumexp,
  methods,
  type Program,
  program,
  scan,
  unroll,
  variable,
  withGraph,
} from '../../src/index.js';
import { loopUsage } from '../../src/sweeps/interpret/adjoint-loop.js';
import { sameBits } from '../ir/support/close.js';
import { buildSpec, closeNormwise, type Spec, specArbitrary } from '../support/expressions.js';

const BACKENDS: readonly Backend[] = ['interpret', 'compile'];
const STRATEGIES = ['all', 'sqrt', 'binomial'] as const;

/**
 * A scan of `steps` iterations over a carry of `n` entries: entry i of the next carry is yᵢ + (spec of xᵢ, yᵢ₋₁,
 * the row r, yᵢ)/10, so a cotangent on the last entry reaches one entry more per step back; with `shift`, the
 * spec alone, which may leave yᵢ out (the reached entries then move as well as grow). The row is an
 * expression of the input a; each iteration also outputs dot(last three y, last three x) and a logsumexp of
 * the last two entries. Outputs: the final carry, then the last iteration's two outputs.
 */
function localScan(spec: Spec, n: number, steps: number, shift = false): Program<Float64Array> {
  return withGraph(() => {
    const xs = Array.from({ length: n }, (_, i) => variable(`x${i}`));
    const a = variable('a');
    const rows = Array.from({ length: steps }, (_, k) => [a.mul(k + 1)]);
    const { carry, out } = scan(
      xs.map((x) => x.mul(0.5)),
      rows,
      (y, [r]) => {
        const next = y.map((yi, i) => {
          const d = buildSpec(spec, [xs[i] as Expr, (i === 0 ? a : y[i - 1]) as Expr, r as Expr, yi]);
          return shift ? d : yi.add(d.div(10));
        });
        return { carry: next, out: [dot(y.slice(-3), xs.slice(-3)), logsumexp(y.slice(-2))] };
      },
    );
    return program([...carry, ...(out[steps - 1] as Expr[])], { variables: [...xs, a] });
  });
}

/** The vjp of f with cotangent u by one backend and strategy, and how many steps ran over a reached part. */
function vjpOf(
  f: Program,
  x: number[],
  u: number[],
  backend: Backend,
  checkpoint: (typeof STRATEGIES)[number],
): { value: number[]; reached: number } {
  const value = Array.from(methods.reverse.vjp(f, x, u, { backend, checkpoint }).value);
  return { value, reached: loopUsage().reachedSteps };
}

/** Cotangents that touch a few outputs: the last carry entry, the last iteration's outputs, both. */
function cotangents(f: Program): number[][] {
  const m = f.outputs.length;
  const unit = (ks: number[]) => Array.from({ length: m }, (_, k) => (ks.includes(k) ? 1.5 : 0));
  return [unit([m - 3]), unit([m - 2, m - 1]), unit([m - 3, m - 1])];
}

const SPECIAL = [0, -0, 1, -1, 0.5, 1e300, -1e300, 1e-300, Infinity, -Infinity, Number.NaN];

/**
 * At one point: every strategy and backend gives store-all's bits; the steps over the reached part ran where
 * no body values were kept and not otherwise; the numbers are the unrolled program's (NaN where it has NaN).
 */
function check(f: Program, x: number[], mismatches: string[]): { reached: number; steps: number } {
  const u = unroll(f);
  let reached = 0;
  let steps = 0;
  for (const cot of cotangents(f)) {
    const want = Array.from(methods.reverse.vjp(u, x, cot).value);
    const ref = vjpOf(f, x, cot, 'interpret', 'all');
    if (ref.reached !== 0) mismatches.push('store-all of a small body ran reached steps');
    if (!closeNormwise(ref.value, want, 1e-9))
      mismatches.push(`store-all [${ref.value}] vs unrolled [${want}]`);
    for (const backend of BACKENDS)
      for (const checkpoint of STRATEGIES) {
        const got = vjpOf(f, x, cot, backend, checkpoint);
        if (!sameBits(got.value, ref.value))
          mismatches.push(`${backend} ${checkpoint}: [${got.value}] vs store-all [${ref.value}] at [${x}]`);
        if (checkpoint !== 'all') {
          reached += got.reached;
          steps++;
        }
      }
  }
  return { reached, steps };
}

describe("a scan's backward steps over the reached part", () => {
  it('random local bodies at ordinary points: store-all’s bits, the unrolled numbers, and the steps do run', () => {
    const mismatches: string[] = [];
    let reached = 0;
    fc.assert(
      fc.property(
        specArbitrary(4, 3),
        fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 25, maxLength: 25 }),
        fc.boolean(),
        (spec, x, shift) => {
          reached += check(localScan(spec, 24, 4, shift), x, mismatches).reached;
        },
      ),
      { numRuns: 40, seed: 20261207 },
    );
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(reached).toBeGreaterThan(0);
  });

  it('at special points (±0, ±∞, NaN, ±1e300) the same, an infinite partial in the part not reached included', () => {
    const mismatches: string[] = [];
    fc.assert(
      fc.property(
        specArbitrary(4, 3),
        fc.array(fc.constantFrom(...SPECIAL), { minLength: 25, maxLength: 25 }),
        fc.boolean(),
        (spec, x, shift) => {
          check(localScan(spec, 24, 4, shift), x, mismatches);
        },
      ),
      { numRuns: 40, seed: 20261207 },
    );
    expect(mismatches.slice(0, 20)).toEqual([]);
  });

  it('a reach that grows past an eighth of the body hands the remaining steps to the sweeps over every node', () => {
    // y_i + x_i·y_{i−1}/10 over 64 entries, 30 steps: the last entry reaches one entry more per step back.
    const spec: Spec = {
      kind: 'binary',
      op: 'mul',
      left: { kind: 'var', index: 0 },
      right: { kind: 'var', index: 1 },
    };
    const f = localScan(spec, 64, 30);
    const x = Array.from({ length: 65 }, (_, i) => 0.3 + (i % 7) / 10);
    const mismatches: string[] = [];
    const { reached, steps } = check(f, x, mismatches);
    expect(mismatches).toEqual([]);
    // Each √n and binomial vjp ran some steps over the reached part and the rest over every node.
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThan(30 * steps);
  });
});

describe("store-all's driver after the last iterations run one at a time", () => {
  it('a loss that reads only a running total of the carry (lstm’s): the compiled gradient is the interpreter’s to the bit', () => {
    // h' = tanh(h·w + r), t' = t + h·r: the last iteration's seed touches t alone, the step before touches h too.
    const f = withGraph(() => {
      const w = variable('w');
      const h0 = variable('h0');
      const rows = Array.from({ length: 40 }, (_, k) => [Math.sin(k + 1)]);
      const { carry } = scan([h0, 0], rows, ([h, t], [r]) => [
        (h as Expr)
          .mul(w)
          .add(r as Expr)
          .tanh(),
        (t as Expr).add((h as Expr).mul(r as Expr)),
      ]);
      return program((carry[1] as Expr).mul(0.5), { variables: [w, h0] });
    });
    const u = unroll(f);
    for (const x of [
      [0.7, -0.3],
      [1.3, 0],
      [-0.2, 2.5],
    ]) {
      const want = Array.from(methods.reverse.gradient(u, x).value);
      const interp = Array.from(methods.reverse.gradient(f, x, { backend: 'interpret' }).value);
      const comp = Array.from(methods.reverse.gradient(f, x, { backend: 'compile' }).value);
      expect(closeNormwise(interp, want, 1e-12)).toBe(true);
      expect(sameBits(comp, interp)).toBe(true);
    }
  });

  it('one iteration, run by step: no driver marks, so a captured √w the seed does not reach keeps ∂/∂w = 0 at w = 0', () => {
    // h' = h·√w, t' = t + h·r, the loss t after one step: √w (computed outside, captured) is not reached, so its
    // infinite partial at w = 0 meets no adjoint. Marking it as the driver's iterations would gave 0·∞ = NaN.
    const f = withGraph(() => {
      const w = variable('w');
      const h0 = variable('h0');
      const root = w.sqrt();
      const { carry } = scan([h0, 0], [[2]], ([h, t], [r]) => [
        (h as Expr).mul(root),
        (t as Expr).add((h as Expr).mul(r as Expr)),
      ]);
      return program(carry[1] as Expr, { variables: [w, h0] });
    });
    const want = Array.from(methods.reverse.gradient(unroll(f), [0, 3]).value);
    expect(want).toEqual([0, 2]);
    for (const backend of BACKENDS)
      expect(Array.from(methods.reverse.gradient(f, [0, 3], { backend }).value)).toEqual(want);
  });
});

describe('store-all keeps the block locals of the body’s loops', () => {
  it('an LSTM-like cell per entry: the driver reads the kept σ and tanh values, to the interpreter’s bits', () => {
    // Per entry i (a loop of the generated code): g ← g·σ(h·wᵢ + bᵢ) + tanh(h·uᵢ), h ← σ(v·wᵢ)·tanh(g), whose
    // σ and tanh values live in locals; the loss reads only the running total of h·r.
    const B = 12;
    const f = withGraph(() => {
      const w = Array.from({ length: B }, (_, i) => variable(`w${i}`));
      const u = Array.from({ length: B }, (_, i) => variable(`u${i}`));
      const bias = Array.from({ length: B }, (_, i) => variable(`b${i}`));
      const rows = Array.from({ length: 30 }, (_, k) => [Math.sin(k + 1), Math.cos(k + 2)]);
      const init = [...Array.from({ length: 2 * B }, (_, k) => 0.1 * (k % 5)), 0];
      const { carry } = scan(init, rows, (state, [r, s]) => {
        const h = state.slice(0, B);
        const g = state.slice(B, 2 * B);
        const g2 = g.map((gi, i) =>
          gi
            .mul(
              (h[i] as Expr)
                .mul(w[i] as Expr)
                .add(bias[i] as Expr)
                .sigmoid(),
            )
            .add((h[i] as Expr).mul(u[i] as Expr).tanh()),
        );
        const h2 = g2.map((gi, i) =>
          (s as Expr)
            .mul(w[i] as Expr)
            .sigmoid()
            .mul(gi.tanh()),
        );
        const total = (state[2 * B] as Expr).add(
          dot(
            h2,
            h2.map(() => r as Expr),
          ),
        );
        return [...h2, ...g2, total];
      });
      return program(carry[2 * B] as Expr, { variables: [...w, ...u, ...bias] });
    });
    const u = unroll(f);
    const x = Array.from({ length: 3 * B }, (_, k) => Math.sin(3 * k + 1));
    const want = Array.from(methods.reverse.gradient(u, x).value);
    const interp = Array.from(methods.reverse.gradient(f, x, { backend: 'interpret' }).value);
    const comp = Array.from(methods.reverse.gradient(f, x, { backend: 'compile' }).value);
    expect(closeNormwise(interp, want, 1e-12)).toBe(true);
    expect(sameBits(comp, interp)).toBe(true);
  });
});
