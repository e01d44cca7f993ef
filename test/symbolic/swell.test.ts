/**
 * Expression swell: mathjs's derivative trees repeat equal subterms and grow faster than the function, while
 * the graph engine's derivative DAG grows like the function (Laue 2019). Asserted on growth rates, from
 * sizes at several sizes of input; the gradients are checked against closed forms on the way.
 */
import { describe, expect, test } from 'vitest';
import { type Expr, variable, withGraph } from '../../src/ir/graph.js';
import { type Program, program } from '../../src/ir/program.js';
import { graphDerivative, mathjsDerivatives, symbolic } from '../../src/symbolic/index.js';
import { product } from '../../src/workloads/index.js';

/** l₀ = x, l_{k+1} = 4 l_k (1 − l_k), n steps. */
function logisticMap(n: number): Program<number> {
  return withGraph(() => {
    let l: Expr = variable('x');
    for (let k = 0; k < n; k++) l = l.mul(4).mul(l.neg().add(1));
    return program(l);
  });
}

describe('Π wᵢ of K factors', () => {
  const Ks = [10, 20, 40];
  const sizes = Ks.map((K) => {
    const f = product.build(K);
    return { K, f, mathjs: mathjsDerivatives(f).treeSize, graph: graphDerivative(f).dagSize };
  });

  test('the mathjs derivative trees grow like K², the graph derivative DAG like K', () => {
    for (let i = 1; i < sizes.length; i++) {
      const [small, big] = [sizes[i - 1], sizes[i]] as [(typeof sizes)[number], (typeof sizes)[number]];
      // Doubling K: ×4 for quadratic growth, ×2 for linear.
      expect(big.mathjs / small.mathjs).toBeGreaterThan(3.6);
      expect(big.mathjs / small.mathjs).toBeLessThan(4.4);
      expect(big.graph / small.graph).toBeGreaterThan(1.8);
      expect(big.graph / small.graph).toBeLessThan(2.2);
    }
  });

  test.each(Ks)('both engines give ∂/∂wᵢ = Π_{j≠i} wⱼ at K = %i', (K) => {
    const f = product.build(K);
    const w = Array.from({ length: K }, (_, i) => 1 + Math.sin(i + 1) / 8);
    const expected = w.map((_, i) => w.reduce((p, wj, j) => (j === i ? p : p * wj), 1));
    for (const engine of ['mathjs', 'graph'] as const) {
      const g = symbolic.gradient(f, w, { engine }).value;
      g.forEach((gi, i) => {
        expect(Math.abs(gi - (expected[i] as number))).toBeLessThan(
          1e-14 * Math.abs(expected[i] as number) * K,
        );
      });
    }
  });
});

describe('the logistic map, n = 1..6 steps', () => {
  const steps = [1, 2, 3, 4, 5, 6];
  const sizes = steps.map((n) => {
    const f = logisticMap(n);
    return { n, mathjs: mathjsDerivatives(f).treeSize, graph: graphDerivative(f).dagSize };
  });

  test('the mathjs derivative tree grows by at least a factor 2 per step', () => {
    for (let i = 1; i < sizes.length; i++) {
      expect((sizes[i]?.mathjs as number) / (sizes[i - 1]?.mathjs as number)).toBeGreaterThanOrEqual(2);
    }
  });

  test('the graph derivative DAG grows by the same number of nodes per step', () => {
    const growth = sizes.slice(1).map((s, i) => s.graph - (sizes[i]?.graph as number));
    expect(new Set(growth).size).toBe(1);
    expect(growth[0]).toBeLessThan(15);
  });

  test.each(steps)('both engines give dlₙ/dx by the recurrence at n = %i', (n) => {
    const x = 0.3;
    let l = x;
    let dl = 1;
    for (let k = 0; k < n; k++) {
      dl = 4 * (1 - 2 * l) * dl;
      l = 4 * l * (1 - l);
    }
    for (const engine of ['mathjs', 'graph'] as const) {
      const g = symbolic.gradient(logisticMap(n), [x], { engine }).value[0] as number;
      expect(Math.abs(g - dl)).toBeLessThan(1e-12 * Math.max(1, Math.abs(dl)));
    }
  });
});
