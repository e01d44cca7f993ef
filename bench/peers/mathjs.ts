/**
 * mathjs on the peer workloads, as symbolic differentiation is met in practice: the loss written out as one
 * mathjs expression (parsed once), and a gradient is `derivative(expr, v)` for every input v followed by
 * evaluating each derivative tree at the point. The trees are not simplified (mathjs's simplifier takes
 * minutes on trees of these sizes); mathjs's derivative and evaluation recurse on the tree, so only small K.
 */
import { derivative, type MathNode, parse } from 'mathjs';
import { logregData, ridgeData } from '../../src/workloads/index.js';
import { type Contender, checkK, type PeerWorkload, type Prepared, workloadOf } from './contender.js';

/** A number as a mathjs literal that round-trips, parenthesised when negative. */
function literal(v: number): string {
  const s = String(v);
  return v < 0 || Object.is(v, -0) ? `(${s})` : s;
}

/** A workload at K as mathjs source text, with its input names in the workload's input order. */
export function mathjsSource(workload: PeerWorkload, K: number): { source: string; variables: string[] } {
  checkK(K);
  switch (workload) {
    case 'ridge': {
      // (wᵀx − y)² + λ·wᵀw
      const { x, y, lambda } = ridgeData(K);
      const w = Array.from({ length: K }, (_, i) => `w${i}`);
      const dot = w.map((wi, i) => `${wi} * ${literal(x[i] as number)}`).join(' + ');
      const norm = w.map((wi) => `${wi}^2`).join(' + ');
      return { source: `(${dot} - ${literal(y)})^2 + ${literal(lambda)} * (${norm})`, variables: w };
    }
    case 'rosenbrock': {
      // Σ_{i<K−1} 100(x_{i+1} − x_i²)² + (1 − x_i)²
      const x = Array.from({ length: K }, (_, i) => `x${i}`);
      const terms: string[] = [];
      for (let i = 0; i + 1 < K; i++) terms.push(`100 * (x${i + 1} - x${i}^2)^2 + (1 - x${i})^2`);
      return { source: terms.join(' + '), variables: x };
    }
    case 'product': {
      // Π wᵢ
      const w = Array.from({ length: K }, (_, i) => `w${i}`);
      return { source: w.join(' * '), variables: w };
    }
    case 'logreg': {
      // Σᵢ −log σ(zᵢ) = log(1 + e^−zᵢ) [yᵢ = 1], −log(1 − σ(zᵢ)) = log(1 + e^zᵢ) [yᵢ = 0], zᵢ = xᵢᵀw + b
      const { X, y } = logregData(K);
      const w = Array.from({ length: K - 1 }, (_, j) => `w${j}`);
      const terms = X.map((row, i) => {
        const z = `(${w.map((wj, j) => `${literal(row[j] as number)} * ${wj}`).join(' + ')} + b)`;
        return y[i] === 1 ? `log(1 + exp(-${z}))` : `log(1 + exp(${z}))`;
      });
      return { source: terms.join(' + '), variables: [...w, 'b'] };
    }
  }
}

/** mathjs's gradient of a workload at its point: one `derivative` and one evaluation per input. */
export function mathjsGradient(workload: PeerWorkload, K: number): Prepared {
  const { source, variables } = mathjsSource(workload, K);
  const node: MathNode = parse(source);
  const x = workloadOf(workload).point(K);
  const scope = new Map<string, number>(variables.map((v, i) => [v, x[i] as number]));
  return {
    run() {
      const g = new Float64Array(variables.length);
      variables.forEach((v, i) => {
        const d = derivative(node, v, { simplify: false }).evaluate(scope) as unknown;
        if (typeof d !== 'number') throw new Error(`mathjs: ∂f/∂${v} is not a real number`);
        g[i] = d;
      });
      return g;
    },
  };
}

/** mathjs 15, `derivative` per input (not simplified), then evaluated. */
export const mathjsContender: Contender = {
  id: 'mathjs',
  label: 'mathjs derivative',
  computes: 'gradient',
  precision: 'float64',
  // K derivative trees, each about the size of f, built and evaluated by recursive tree walks: measured, the
  // time grows as K^2.2 to K^2.6 between K = 10 and 1,000.
  growth: 2.5,
  prepare: mathjsGradient,
};
