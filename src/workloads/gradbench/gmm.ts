/**
 * GradBench gmm: the log posterior of a Gaussian mixture with a Wishart prior (ADBench GMM, corrected).
 * Q_k is lower triangular with diagonal exp(q_k) and its strict lower part filled from l_k column by column;
 * βᵢₖ = αₖ + Σⱼ qₖⱼ − ½‖Qₖ(xᵢ − μₖ)‖² and
 *
 *   F = −(nd/2)·log 2π + Σᵢ LSEₖ(βᵢₖ) − n·LSE(α) − Σₖ[(γ²/2)(Σⱼ exp(2qₖⱼ) + Σₜ lₖₜ²) − m·Σⱼ qₖⱼ] + k·C,
 *
 * with C = ν·d·(log γ − ½ log 2) − log Γ_d(ν/2), ν = d + m + 1. LSE is difflab's max-shifted `logsumexp`
 * node. The data x are the rows of a map (Σᵢ is a loop over the points); α, μ, q and l are the program's
 * variables, in that order.
 */
import { programCost } from '../../ir/differentiator.js';
import { DifflabError } from '../../ir/errors.js';
import { constant, dot, type Expr, logsumexp, sum, withGraph } from '../../ir/graph.js';
import { mapReduce } from '../../ir/loop.js';
import { type Program, program } from '../../ir/program.js';
import { int, jsonArray, jsonRows, matrix, num, objectInput, vector } from './input.js';
import { variables } from './scalar.js';
import type { GradbenchEval } from './types.js';

export interface GmmInput {
  d: number;
  k: number;
  n: number;
  x: Float64Array[];
  alpha: Float64Array;
  mu: Float64Array[];
  q: Float64Array[];
  l: Float64Array[];
  m: number;
  gamma: number;
}

export interface GmmWorkload {
  readonly f: Program<number>;
  /** α, μ, q, l flattened row by row, in the program's variable order. */
  readonly x: Float64Array;
  readonly input: GmmInput;
}

/** log Γ(x) for x > 0 by the Lanczos approximation (g = 7, 9 terms; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The multivariate log-gamma log Γ_d(a) = ¼d(d−1) log π + Σⱼ₌₁..d log Γ(a + (1 − j)/2). */
export function logMultiGamma(a: number, d: number): number {
  let s = 0.25 * d * (d - 1) * Math.log(Math.PI);
  for (let j = 1; j <= d; j++) s += logGamma(a + (1 - j) / 2);
  return s;
}

/** Index in l_k of the strictly-lower entry (r, c) of Q_k, filled column by column. */
export function lIndex(r: number, c: number, d: number): number {
  return c * d - (c * (c + 1)) / 2 + (r - c - 1);
}

export const gmm: GradbenchEval<GmmInput, GmmWorkload> = {
  name: 'gmm',
  functions: ['objective', 'jacobian'],
  primal: 'objective',
  derivatives: ['jacobian'],
  nested: false,
  read(input) {
    const o = objectInput(input, ['d', 'k', 'n', 'x', 'alpha', 'mu', 'q', 'l', 'm', 'gamma']);
    const d = int(o.d, 'd', 1, 1e4);
    const k = int(o.k, 'k', 1, 1e6);
    const n = int(o.n, 'n', 1, 1e8);
    const gamma = num(o.gamma, 'gamma');
    if (!(gamma > 0)) throw new DifflabError('invalid-argument', 'input gamma: expected a positive number');
    return {
      d,
      k,
      n,
      x: matrix(o.x, 'x', n, d),
      alpha: vector(o.alpha, 'alpha', k),
      mu: matrix(o.mu, 'mu', k, d),
      q: matrix(o.q, 'q', k, d),
      l: matrix(o.l, 'l', k, (d * (d - 1)) / 2),
      m: int(o.m, 'm', 0, 1e9),
      gamma,
    };
  },
  estimate: ({ d, k, n }) => ({
    nodes: n * k * (2 * d + 4),
    edges: n * k * (d * d + 4 * d + 4),
    built: k * (2 * d + 4) + k * (d * d + 4 * d + 4),
    inputs: k + 2 * k * d + (k * d * (d - 1)) / 2,
    outputs: 1,
    evaluations: 1,
  }),
  prepare(input) {
    const { d, k, n, m, gamma } = input;
    return withGraph(() => {
      const alpha = variables('alpha', k);
      const mu = variables('mu', k * d);
      const q = variables('q', k * d);
      const nl = (d * (d - 1)) / 2;
      const l = variables('l', k * nl);
      const sumQ: Expr[] = [];
      const expQ: Expr[] = [];
      for (let c = 0; c < k; c++) {
        const qc = q.slice(c * d, (c + 1) * d);
        sumQ.push(sum(qc));
        for (const qj of qc) expQ.push(qj.exp());
      }
      // Σᵢ LSEₖ(βᵢₖ): a map over the data points, its body traced once (every term of β that does not depend on
      // the point, such as exp(q) and αₖ + Σⱼ qₖⱼ, is computed once outside the loop).
      const points = { data: flatRows(input.x, d), width: d };
      const perPoint = mapReduce(points, (xi) => {
        const betas: Expr[] = [];
        for (let c = 0; c < k; c++) {
          const z = xi.map((xij, j) => xij.sub(mu[c * d + j] as Expr));
          // (Q z)_r = exp(q_r)·z_r + Σ_{c' < r} Q_{r c'}·z_{c'}
          const u = z.map((zr, r) => {
            const coef: Expr[] = [expQ[c * d + r] as Expr];
            const vals: Expr[] = [zr];
            for (let cc = 0; cc < r; cc++) {
              coef.push(l[c * nl + lIndex(r, cc, d)] as Expr);
              vals.push(z[cc] as Expr);
            }
            return dot(coef, vals);
          });
          betas.push((alpha[c] as Expr).add(sumQ[c] as Expr).sub(dot(u, u).mul(0.5)));
        }
        return logsumexp(betas);
      });
      const priors: Expr[] = [];
      for (let c = 0; c < k; c++) {
        const qc = q.slice(c * d, (c + 1) * d);
        const lc = l.slice(c * nl, (c + 1) * nl);
        const squares = sum(qc.map((qj) => qj.mul(2).exp())).add(dot(lc, lc));
        priors.push(squares.mul((gamma * gamma) / 2).sub((sumQ[c] as Expr).mul(m)));
      }
      const nu = d + m + 1;
      const C = nu * d * (Math.log(gamma) - 0.5 * Math.log(2)) - logMultiGamma(nu / 2, d);
      const F = constant(-((n * d) / 2) * Math.log(2 * Math.PI))
        .add(perPoint)
        .sub(logsumexp(alpha).mul(n))
        .sub(sum(priors))
        .add(k * C);
      const x = new Float64Array(k + 2 * k * d + k * nl);
      x.set(input.alpha, 0);
      for (const [c, row] of input.mu.entries()) x.set(row, k + c * d);
      for (const [c, row] of input.q.entries()) x.set(row, k + k * d + c * d);
      for (const [c, row] of input.l.entries()) x.set(row, k + 2 * k * d + c * nl);
      return { f: program(F, { variables: [...alpha, ...mu, ...q, ...l] }), x, input };
    });
  },
  cost(w) {
    return { ...programCost(w.f), inputs: w.x.length, outputs: 1, evaluations: 1 };
  },
  run(fn, w, engine) {
    return fn === 'objective' ? engine.evaluate(w.f, w.x) : engine.gradient(w.f, w.x);
  },
  output(fn, raw, w) {
    if (fn === 'objective') return num(raw, 'the objective');
    const g = raw as Float64Array;
    const { k, d } = w.input;
    const nl = (d * (d - 1)) / 2;
    return {
      alpha: jsonArray(g.subarray(0, k), 'the gradient'),
      mu: jsonRows(g.subarray(k, k + k * d), k, d, 'the gradient'),
      q: jsonRows(g.subarray(k + k * d, k + 2 * k * d), k, d, 'the gradient'),
      l: jsonRows(g.subarray(k + 2 * k * d), k, nl, 'the gradient'),
    };
  },
};

/** Rows of equal length as one row-major array. */
function flatRows(rows: readonly Float64Array[], width: number): Float64Array {
  const out = new Float64Array(rows.length * width);
  for (const [i, row] of rows.entries()) out.set(row, i * width);
  return out;
}
