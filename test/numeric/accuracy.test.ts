/**
 * Forward and central differences at their default steps: errors within the Taylor bounds, so of order √ε
 * (forward) and ε^(2/3) (central) on well-scaled smooth functions.
 */
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/ir/mathjs.js';
import { numeric } from '../../src/numeric/index.js';
import { centralBound, centralStep, EPS, forwardBound, forwardStep } from './support/bounds.js';

interface Case {
  readonly source: string;
  readonly f: (x: number) => number;
  readonly d1: (x: number) => number;
  readonly d2: (x: number) => number;
  readonly d3: (x: number) => number;
  readonly points: readonly number[];
  /** Rounding of one evaluation of f, in units of ε|f|: about one ulp per operation. */
  readonly ulps: number;
}

const CASES: readonly Case[] = [
  { source: 'exp(x)', f: Math.exp, d1: Math.exp, d2: Math.exp, d3: Math.exp, points: [-1, 0.5, 2], ulps: 1 },
  {
    source: 'sin(x)',
    f: Math.sin,
    d1: Math.cos,
    d2: (x) => -Math.sin(x),
    d3: (x) => -Math.cos(x),
    points: [0.3, 1, 2.5],
    ulps: 1,
  },
  {
    source: 'log(x)',
    f: Math.log,
    d1: (x) => 1 / x,
    d2: (x) => -1 / (x * x),
    d3: (x) => 2 / x ** 3,
    points: [0.5, 3, 1e4],
    ulps: 1,
  },
  {
    source: 'x^3',
    f: (x) => x ** 3,
    d1: (x) => 3 * x * x,
    d2: (x) => 6 * x,
    d3: () => 6,
    points: [1.3, -2, 1000],
    ulps: 1,
  },
  {
    source: '1 / (1 + x^2)',
    f: (x) => 1 / (1 + x * x),
    d1: (x) => (-2 * x) / (1 + x * x) ** 2,
    d2: (x) => (6 * x * x - 2) / (1 + x * x) ** 3,
    d3: (x) => (24 * x * (1 - x * x)) / (1 + x * x) ** 4,
    points: [0.5, -2],
    ulps: 3,
  },
];

/** sup |g| over [x − h, x + h], for h far below g's scale of variation: the endpoints and centre, + 1%. */
const sup = (g: (x: number) => number, x: number, h: number) =>
  1.01 * Math.max(Math.abs(g(x - h)), Math.abs(g(x)), Math.abs(g(x + h)));

describe('forward and central differences at the default steps', () => {
  for (const c of CASES) {
    const program = parse(c.source);
    for (const x of c.points) {
      it(`${c.source} at ${x}: within the Taylor bounds`, () => {
        const exact = c.d1(x);
        const delta = c.ulps * EPS * sup(c.f, x, 1e-4 * Math.max(1, Math.abs(x)));
        const hf = forwardStep(x);
        const fwd = numeric.gradient(program, [x], { scheme: 'forward' }).value[0] as number;
        expect(Math.abs(fwd - exact)).toBeLessThanOrEqual(forwardBound(hf, sup(c.d2, x, hf), delta));
        const hc = centralStep(x);
        const ctr = numeric.gradient(program, [x], { scheme: 'central' }).value[0] as number;
        expect(Math.abs(ctr - exact)).toBeLessThanOrEqual(centralBound(hc, sup(c.d3, x, hc), delta));
      });
    }
  }

  it('has error of order √ε (forward) and ε^(2/3) (central), relative to the size of f and its derivatives', () => {
    // For |x| ≤ 1 (h = √ε or ε^(1/3)) and M = max(1, |f|, |f″|, |f‴|) near x, the bounds above give
    // forward ≤ √ε·M(½ + 2·3) = 6.5√ε·M and central ≤ ε^(2/3)·M(1/6 + 3) < 3.2ε^(2/3)·M (3 ulps at most).
    let worstForward = 0;
    let worstCentral = 0;
    for (const c of CASES) {
      const program = parse(c.source);
      for (const x of [0.3, 0.5, 1]) {
        const M = Math.max(1, ...[c.f, c.d2, c.d3].map((g) => sup(g, x, 1e-4)));
        const exact = c.d1(x);
        const fwd = numeric.gradient(program, [x], { scheme: 'forward' }).value[0] as number;
        const ctr = numeric.gradient(program, [x], { scheme: 'central' }).value[0] as number;
        worstForward = Math.max(worstForward, Math.abs(fwd - exact) / M);
        worstCentral = Math.max(worstCentral, Math.abs(ctr - exact) / M);
      }
    }
    expect(worstForward).toBeLessThanOrEqual(6.5 * Math.sqrt(EPS));
    expect(worstCentral).toBeLessThanOrEqual(3.2 * EPS ** (2 / 3));
    console.log(
      `default steps: worst forward error/M ${worstForward} (√ε = ${Math.sqrt(EPS)}), ` +
        `worst central error/M ${worstCentral} (ε^(2/3) = ${EPS ** (2 / 3)})`,
    );
  });

  it('uses a fixed step when given one: central at h = 1e−3 has error h² f‴/6', () => {
    const h = 1e-3;
    const [d = 0] = numeric.gradient(parse('exp(x)'), [0.5], { step: h }).value;
    const truncation = ((h * h) / 6) * Math.exp(0.5);
    // The error is the truncation term to within its next term (h⁴ f⁽⁵⁾/120) and rounding (ε e^0.5/h).
    expect(Math.abs(d - Math.exp(0.5) - truncation)).toBeLessThanOrEqual(
      (h ** 4 / 120) * Math.exp(0.51) + (EPS * Math.exp(0.51)) / h,
    );
  });
});
