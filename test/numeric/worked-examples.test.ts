/**
 * The worked examples of WORKED-EXAMPLES.md (1, 3 and 6) by every finite-difference scheme, against their
 * closed forms, with tolerances from each scheme's error bound.
 */
import { describe, expect, it } from 'vitest';
import { type Expr, variable, withGraph } from '../../src/ir/graph.js';
import { parse } from '../../src/ir/mathjs.js';
import { type Program, program } from '../../src/ir/program.js';
import { numeric, richardson, type Scheme } from '../../src/numeric/index.js';
import { evaluate } from '../../src/sweeps/interpret/primal.js';
import {
  COMPLEX_TOL,
  centralBound,
  centralStep,
  EPS,
  forwardBound,
  forwardStep,
  maxRelError,
} from './support/bounds.js';

const SCHEMES: readonly Scheme[] = ['forward', 'central', 'complex', 'richardson'];

/**
 * Checks a numeric gradient against the exact one by every scheme. `M2[i]`, `M3[i]` bound the second and
 * third derivatives along input i near x; `delta` bounds the rounding error of one evaluation of f.
 */
function expectGradient(
  f: Program,
  x: readonly number[],
  exact: readonly number[],
  M2: readonly number[],
  M3: readonly number[],
  delta: number,
): void {
  for (const scheme of SCHEMES) {
    const { value, stats } = numeric.gradient(f, x, { scheme });
    expect(value.length).toBe(exact.length);
    for (let i = 0; i < exact.length; i++) {
      const xi = x[i] as number;
      const err = Math.abs((value[i] as number) - (exact[i] as number));
      const where = `${scheme}, component ${i}: ${value[i]} vs ${exact[i]}`;
      if (scheme === 'forward') {
        expect(err, where).toBeLessThanOrEqual(forwardBound(forwardStep(xi), M2[i] as number, delta));
      } else if (scheme === 'central') {
        expect(err, where).toBeLessThanOrEqual(centralBound(centralStep(xi), M3[i] as number, delta));
      } else if (scheme === 'complex') {
        expect(err, where).toBeLessThanOrEqual(COMPLEX_TOL * Math.abs(exact[i] as number));
      } else {
        // Ridders: the estimate bounds the error, and it is small (1e−10 relative, far below central's).
        expect(err, where).toBeLessThanOrEqual(stats.details.errorEstimate as number);
        expect(stats.details.errorEstimate as number).toBeLessThanOrEqual(
          1e-10 * Math.max(1, Math.abs(exact[i] as number)),
        );
      }
    }
  }
}

describe('worked example 1: the computational-graph example L(w) = (wᵀx − y)² + λ wᵀw', () => {
  const f = parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');
  it('has the value 246 at w = [3, 4]', () => {
    expect(evaluate(f, [3, 4])).toBe(246);
  });
  it('has the gradient [52, 84] by every scheme', () => {
    // ∇L = 2(wᵀx − y)x + 2λw = 22·[1, 2] + 10·[3, 4]. L is quadratic: ∂²L/∂w₁² = 2 + 10 = 12,
    // ∂²L/∂w₂² = 8 + 10 = 18, no third derivative (central differences are exact but for rounding);
    // one evaluation is about ten roundings of numbers up to 250.
    expectGradient(f, [3, 4], [52, 84], [12, 18], [0, 0], 10 * EPS * 250);
  });
  it('richardson() reports each component with an error estimate that bounds its error', () => {
    const { value, error } = richardson(f, [3, 4]);
    expect(Math.abs((value[0] as number) - 52)).toBeLessThanOrEqual(error[0] as number);
    expect(Math.abs((value[1] as number) - 84)).toBeLessThanOrEqual(error[1] as number);
  });
});

describe('worked example 6: the PyTorch notebook', () => {
  const x = [0.21713, 1.01658, -0.62985];

  it('z = mean(3(x + 2)²) has ∇z = 2(x + 2) = [4.43426, 6.03316, 2.74030]', () => {
    const f = parse('(3*(x1+2)^2 + 3*(x2+2)^2 + 3*(x3+2)^2) / 3');
    const exact = x.map((t) => 2 * (t + 2));
    expect(maxRelError(exact, [4.43426, 6.03316, 2.7403])).toBeLessThanOrEqual(1e-15);
    // ∂²z/∂xᵢ² = 2, ∂³ = 0; z ≈ 15 with about fifteen roundings.
    expectGradient(f, x, exact, [2, 2, 2], [0, 0, 0], 15 * EPS * 16);
  });

  it('y = 2048x (2x doubled ten times): the vjp with v = [0.1, 1, 0.0001] is [204.8, 2048, 0.2048]', () => {
    const f = withGraph(() => {
      const xs = ['x1', 'x2', 'x3'].map((name) => variable(name));
      const ys = xs.map((xi) => {
        let y: Expr = xi.mul(2);
        for (let k = 0; k < 10; k++) y = y.mul(2);
        return y;
      });
      return program(ys);
    });
    const v = [0.1, 1, 0.0001];
    for (const scheme of SCHEMES) {
      const { value, stats } = numeric.vjp(f, x, v, { scheme });
      // Doubling is exact in binary, so every scheme is exact up to the final products vᵢ·2048.
      expect(maxRelError(value, [204.8, 2048, 0.2048]), scheme).toBeLessThanOrEqual(2 * EPS);
      expect(stats.evaluations, scheme).toBeGreaterThanOrEqual(3);
    }
  });

  it('linear regression: loss 980 and gradient [−130, −1700] at w = [0, 0]; one step gives [0.169, 2.21]', () => {
    const X = [
      [1, 40],
      [2, 30],
      [3, 20],
      [4, 10],
    ];
    const Y = [42, 34, 26, 18];
    const terms = X.map(([a, b], i) => `(${a}*w1 + ${b}*w2 - ${Y[i]})^2`);
    const f = parse(`(${terms.join(' + ')}) / 4`);
    expect(evaluate(f, [0, 0])).toBe(980);
    // ∂²/∂w₁² = (2/4)Σ X_i1² = 15, ∂²/∂w₂² = (2/4)Σ X_i2² = 1500; quadratic (no third derivative);
    // the loss, about 1000, takes about twenty roundings.
    expectGradient(f, [0, 0], [-130, -1700], [15, 1500], [0, 0], 20 * EPS * 1000);
    const g = numeric.gradient(f, [0, 0], { scheme: 'complex' }).value;
    const step = [0 - 0.0013 * (g[0] as number), 0 - 0.0013 * (g[1] as number)];
    expect(maxRelError(step, [0.169, 2.21])).toBeLessThanOrEqual(4 * EPS);
  });
});

describe('worked example 3: logistic regression', () => {
  // Q(w, b) = −Σᵢ [yᵢ log σ(zᵢ) + (1 − yᵢ) log(1 − σ(zᵢ))], z = Xw + b;
  // ∂Q/∂w = Xᵀ(σ(z) − y), ∂Q/∂b = Σᵢ (σ(zᵢ) − yᵢ).
  const X = [
    [1, 2],
    [-1, 0.5],
    [0.3, -1.2],
    [2, 1],
    [-0.7, -0.4],
  ];
  const y = [1, 0, 0, 1, 1];
  const w = [0.3, -0.2];
  const b = 0.1;
  const terms = X.map(([p, q], i) => {
    const z = `(${p}*w1 + ${q}*w2 + b)`;
    return y[i] === 1 ? `log(sigmoid(${z}))` : `log(1 - sigmoid(${z}))`;
  });
  const f = parse(`-(${terms.join(' + ')})`, { variables: ['w1', 'w2', 'b'] });
  const sigma = (t: number) => 1 / (1 + Math.exp(-t));
  const [w1 = 0, w2 = 0] = w;
  const residual = X.map(([p = 0, q = 0], i) => sigma(p * w1 + q * w2 + b) - (y[i] as number));
  const exact = [
    X.reduce((s, [p = 0], i) => s + p * (residual[i] as number), 0),
    X.reduce((s, [, q = 0], i) => s + q * (residual[i] as number), 0),
    residual.reduce((s, r) => s + r, 0),
  ];

  it('matches the closed-form gradient by every scheme', () => {
    // Along input j: ∂²Q = Σᵢ xᵢⱼ² σ′ ≤ Σᵢ xᵢⱼ²/4 and |∂³Q| = |Σᵢ xᵢⱼ³ σ″| ≤ Σᵢ |xᵢⱼ|³/(6√3), with x_b = 1.
    const column = (j: number) => X.map((row) => (j < 2 ? (row[j] as number) : 1));
    const M2 = [0, 1, 2].map((j) => column(j).reduce((s, t) => s + (t * t) / 4, 0));
    const M3 = [0, 1, 2].map((j) => column(j).reduce((s, t) => s + Math.abs(t) ** 3 / (6 * Math.sqrt(3)), 0));
    // Q ≈ 3, about fifty roundings (exp, log, sigmoid each within an ulp or two).
    expectGradient(f, [...w, b], exact, M2, M3, 50 * EPS * 4);
  });
});
