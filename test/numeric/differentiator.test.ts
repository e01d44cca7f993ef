/**
 * The Differentiator contract for finite differences: shapes, evaluation counts and stats, jvp and vjp,
 * IEEE semantics, kinks, option checks, and a deep chain.
 */
import { describe, expect, it } from 'vitest';
import { programCost } from '../../src/ir/differentiator.js';
import { DifflabError } from '../../src/ir/errors.js';
import { type Expr, variable, withGraph } from '../../src/ir/graph.js';
import { parse } from '../../src/ir/mathjs.js';
import { program } from '../../src/ir/program.js';
import { numeric, type Scheme } from '../../src/numeric/index.js';
import { COMPLEX_TOL, centralBound, centralStep, EPS } from './support/bounds.js';
import { normwiseError } from './support/corpus.js';

const SCHEMES: readonly Scheme[] = ['forward', 'central', 'complex', 'richardson'];

/** Tolerance by scheme for functions whose derivatives up to third order are of order 1 near |x| ≤ 2. */
const TOL: { readonly [K in Scheme]: number } = {
  forward: 1e-6, // ≈ 2√ε·(|f″| + 4|f|), see accuracy.test.ts
  central: 1e-9, // ≈ 2ε^(2/3)·(|f‴| + 4|f|)
  complex: COMPLEX_TOL,
  richardson: 1e-11, // the error estimates on the corpus stay below 4e−12 of the scale
};

function thrown(fn: () => unknown): DifflabError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DifflabError) return e;
    throw e;
  }
  throw new Error('expected a DifflabError');
}

describe('numeric differentiator', () => {
  it('is the numeric method', () => {
    expect(numeric.method).toBe('numeric');
  });

  it('counts evaluations: central 2n, forward n + 1, complex n; ops = evaluations × nodes', () => {
    for (const n of [1, 3, 8]) {
      const source = Array.from({ length: n }, (_, i) => `sin(x${i}) * x${i}`).join(' + ');
      const f = parse(source);
      const x = Array.from({ length: n }, (_, i) => 0.1 * (i + 1));
      const nodes = programCost(f).nodes;
      const expected: Record<Exclude<Scheme, 'richardson'>, number> = {
        central: 2 * n,
        forward: n + 1,
        complex: n,
      };
      for (const [scheme, evaluations] of Object.entries(expected)) {
        const { stats } = numeric.gradient(f, x, { scheme: scheme as Scheme });
        expect(stats.evaluations, scheme).toBe(evaluations);
        expect(stats.ops, scheme).toBe(evaluations * nodes);
        expect(stats.forwardSweeps).toBe(0);
        expect(stats.reverseSweeps).toBe(0);
        expect(stats.bytes).toBeGreaterThanOrEqual(8 * f.size);
        expect(stats.details.scheme).toBe(scheme);
      }
      // The default scheme is central.
      expect(numeric.gradient(f, x).stats.evaluations).toBe(2 * n);
      // Richardson: two evaluations per tableau level, at least four levels and at most ten per input.
      const r = numeric.gradient(f, x, { scheme: 'richardson' }).stats.evaluations;
      expect(r % 2).toBe(0);
      expect(r).toBeGreaterThanOrEqual(8 * n);
      expect(r).toBeLessThanOrEqual(20 * n);
    }
  });

  it('gives the same stats on the same call (deterministic counts)', () => {
    const f = parse('exp(x) * sin(y)');
    for (const scheme of SCHEMES) {
      const a = numeric.gradient(f, [0.3, 0.4], { scheme }).stats;
      const b = numeric.gradient(f, [0.3, 0.4], { scheme }).stats;
      expect({ ...a, time: 0 }).toEqual({ ...b, time: 0 });
    }
  });

  it('reports the step rule, or the fixed step', () => {
    const f = parse('x^2');
    expect(numeric.gradient(f, [1]).stats.details.step).toBe('cbrt(eps)*max(1,|x_i|)');
    expect(numeric.gradient(f, [1], { scheme: 'forward' }).stats.details.step).toBe('sqrt(eps)*max(1,|x_i|)');
    expect(numeric.gradient(f, [1], { scheme: 'complex' }).stats.details.step).toBe('1e-20');
    expect(numeric.gradient(f, [1], { step: 1e-4 }).stats.details.step).toBe(1e-4);
  });

  it("gives the m × n Jacobian of ['x*y', 'sin(x)+y^2'] by every scheme", () => {
    const f = parse(['x*y', 'sin(x)+y^2']);
    const [x, y] = [0.7, -1.3];
    // J = [[y, x], [cos x, 2y]]
    const exact = [
      [y, x],
      [Math.cos(x), 2 * y],
    ];
    for (const scheme of SCHEMES) {
      const { value, stats } = numeric.jacobian(f, [x, y], { scheme });
      expect(value.length).toBe(2);
      for (let k = 0; k < 2; k++) {
        expect(value[k]?.length).toBe(2);
        expect(normwiseError(value[k] as Float64Array, exact[k] as number[]), scheme).toBeLessThanOrEqual(
          TOL[scheme],
        );
      }
      if (scheme === 'central') expect(stats.evaluations).toBe(4);
      if (scheme === 'richardson') expect(stats.details.errorEstimate).toBeLessThanOrEqual(1e-11);
    }
  });

  it('computes jvp = J·v with one pair of evaluations (central), whatever n', () => {
    const f = parse(['x*y*z', 'exp(x) + sin(y) - z^2']);
    const p = [0.4, -0.9, 1.2];
    const [x, y, z] = p as [number, number, number];
    const v = [1.5, -2, 0.25];
    const J = [
      [y * z, x * z, x * y],
      [Math.exp(x), Math.cos(y), -2 * z],
    ];
    const exact = J.map((row) => row.reduce((s, t, i) => s + t * (v[i] as number), 0));
    for (const scheme of SCHEMES) {
      const { value, stats } = numeric.jvp(f, p, v, { scheme });
      expect(normwiseError(value, exact), scheme).toBeLessThanOrEqual(TOL[scheme]);
      if (scheme === 'central') expect(stats.evaluations).toBe(2);
      if (scheme === 'forward') expect(stats.evaluations).toBe(2);
      if (scheme === 'complex') expect(stats.evaluations).toBe(1);
    }
    // J·0 = 0 without evaluating.
    const zero = numeric.jvp(f, p, [0, 0, 0]);
    expect(Array.from(zero.value)).toEqual([0, 0]);
    expect(zero.stats.evaluations).toBe(0);
  });

  it('steps along v by h/‖v‖, so the jvp does not depend on the scale of v beyond linearity', () => {
    const f = parse('exp(x) * y');
    const small = numeric.jvp(f, [0.5, 2], [1e-6, 2e-6]).value[0] as number;
    const large = numeric.jvp(f, [0.5, 2], [1e6, 2e6]).value[0] as number;
    const exact = Math.exp(0.5) * 2 + Math.exp(0.5) * 2;
    expect(Math.abs(small / 1e-6 - exact)).toBeLessThanOrEqual(TOL.central * exact);
    expect(Math.abs(large / 1e6 - exact)).toBeLessThanOrEqual(TOL.central * exact);
  });

  it('computes vjp = uᵀJ column by column (n columns, as for the Jacobian)', () => {
    const f = parse(['x*y*z', 'exp(x) + sin(y) - z^2']);
    const p = [0.4, -0.9, 1.2];
    const [x, y, z] = p as [number, number, number];
    const [u0, u1] = [-0.5, 3];
    const u = [u0, u1];
    const exact = [u0 * y * z + u1 * Math.exp(x), u0 * x * z + u1 * Math.cos(y), u0 * x * y - u1 * 2 * z];
    for (const scheme of SCHEMES) {
      const { value, stats } = numeric.vjp(f, p, u, { scheme });
      expect(normwiseError(value, exact), scheme).toBeLessThanOrEqual(TOL[scheme]);
      if (scheme === 'central') expect(stats.evaluations).toBe(6);
    }
  });

  it('requires a scalar function for the gradient, and vectors of the right lengths', () => {
    const f = parse(['x', 'y']);
    expect(thrown(() => numeric.gradient(f, [1, 2])).code).toBe('invalid-argument');
    expect(thrown(() => numeric.jacobian(f, [1])).code).toBe('bad-point');
    expect(thrown(() => numeric.jvp(f, [1, 2], [1])).code).toBe('bad-point');
    expect(thrown(() => numeric.vjp(f, [1, 2], [1, 2, 3])).code).toBe('bad-point');
  });

  it('rejects unknown schemes and bad or too small steps', () => {
    const f = parse('x^2');
    expect(thrown(() => numeric.gradient(f, [1], { scheme: 'backward' as Scheme })).code).toBe(
      'invalid-argument',
    );
    for (const step of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(thrown(() => numeric.gradient(f, [1], { step })).code).toBe('invalid-argument');
    }
    // 1e−20 is below the spacing of doubles at 1 (2.2e−16): x + h = x.
    expect(thrown(() => numeric.gradient(f, [1], { step: 1e-20 })).code).toBe('invalid-argument');
    // ...but the complex step takes it (1e−20 is its default).
    expect(numeric.gradient(f, [1], { scheme: 'complex', step: 1e-20 }).value[0]).toBe(2);
  });

  it('returns NaN for NaN values without throwing, by every scheme', () => {
    const f = parse('log(x) * y');
    for (const scheme of SCHEMES) {
      for (const x of [
        [-1, 2],
        [Number.NaN, 2],
      ]) {
        const { value } = numeric.gradient(f, x, { scheme });
        expect(Number.isNaN(value[0]) && Number.isNaN(value[1]), `${scheme} at ${x}`).toBe(true);
      }
    }
  });

  it('with check: true, throws non-finite naming the subexpression', () => {
    const f = parse('log(x) * y');
    for (const scheme of SCHEMES) {
      const e = thrown(() => numeric.gradient(f, [-1, 2], { scheme, check: true }));
      expect(e.code).toBe('non-finite');
      expect(e.subexpression).toBe('log(x)');
    }
    // A finite point passes the check, at the cost of one more evaluation (forward evaluates f(x) anyway).
    expect(numeric.gradient(f, [1, 2], { check: true }).stats.evaluations).toBe(5);
    expect(numeric.gradient(f, [1, 2], { scheme: 'forward', check: true }).stats.evaluations).toBe(3);
  });

  it('at a kink gives the average of the one-sided slopes (central) or the right-hand one (forward)', () => {
    // The exact methods use abs′(0) = 0, relu′(0) = 0 and split max/min ties evenly.
    const abs = parse('abs(x)');
    const relu = parse('relu(x)');
    const max = parse('max(x, y)');
    expect(numeric.gradient(abs, [0]).value[0]).toBe(0);
    expect(numeric.gradient(relu, [0]).value[0]).toBe(0.5);
    // At x = y = 1 the representable steps up and down differ (doubles are twice as dense below 1), which
    // moves the ratio by about ε/h ≈ 4e−11.
    const tie = numeric.gradient(max, [1, 1]).value;
    expect(Math.abs((tie[0] as number) - 0.5)).toBeLessThanOrEqual(1e-10);
    expect(Math.abs((tie[1] as number) - 0.5)).toBeLessThanOrEqual(1e-10);
    expect(numeric.gradient(abs, [0], { scheme: 'forward' }).value[0]).toBe(1);
    expect(numeric.gradient(relu, [0], { scheme: 'forward' }).value[0]).toBe(1);
    expect(Array.from(numeric.gradient(max, [1, 1], { scheme: 'forward' }).value)).toEqual([1, 1]);
    // Away from the kink they are the ordinary slopes.
    expect(numeric.gradient(abs, [-2]).value[0]).toBe(-1);
    expect(numeric.gradient(relu, [-2]).value[0]).toBe(0);
  });

  it('differentiates a chain of 1,000,000 operations (no recursion)', () => {
    const N = 1_000_000;
    const f = withGraph(() => {
      const x = variable('x');
      let y: Expr = x;
      for (let k = 0; k < N; k++) y = y.sin();
      return program(y);
    });
    // The chain rule along the iterates yₖ₊₁ = sin yₖ, in a plain loop: the first and third derivatives of
    // sinᴺ at x₀ (y′ ← cos y·y′, y″ ← cos y·y″ − sin y·y′², y‴ ← cos y·y‴ − 3 sin y·y′y″ − cos y·y′³).
    const x0 = 1;
    let y = x0;
    let d1 = 1;
    let d2 = 0;
    let d3 = 0;
    for (let k = 0; k < N; k++) {
      const [s, c] = [Math.sin(y), Math.cos(y)];
      d3 = c * d3 - 3 * s * d1 * d2 - c * d1 ** 3;
      d2 = c * d2 - s * d1 * d1;
      d1 = c * d1;
      y = s;
    }
    const complex = numeric.gradient(f, [x0], { scheme: 'complex' });
    expect(complex.stats.evaluations).toBe(1);
    // Both sides accumulate N roundings, about √N·ε as a random walk; 1e−12 leaves a wide margin.
    expect(Math.abs((complex.value[0] as number) - d1) / d1).toBeLessThanOrEqual(1e-12);
    const central = numeric.gradient(f, [x0]);
    expect(central.stats.evaluations).toBe(2);
    // The Taylor bound with f‴ taken as 2|y‴| over the step (h ≈ 6e−6 against a scale of variation of about
    // 1) and each evaluation's rounding as √N ulps of |f| (a random walk of N roundings): f′ ≈ 4e−9 is tiny
    // next to f ≈ 1.7e−3, so rounding dominates and the relative error is large (about 3e−4).
    const bound = centralBound(centralStep(x0), 2 * Math.abs(d3), Math.sqrt(N) * EPS * Math.abs(y));
    expect(Math.abs((central.value[0] as number) - d1)).toBeLessThanOrEqual(bound);
  });
});
