/**
 * `rosenbrock`: the extended Rosenbrock function Σ_{i<K−1} [100(x_{i+1} − x_i²)² + (1 − x_i)²], K = |x|.
 */
import { type Expr, type Program, program, sub, sum, variable, withGraph } from '../ir/index.js';
import type { Workload } from './workload.js';

export const rosenbrock: Workload = {
  name: 'rosenbrock',
  description:
    'Σ_{i<K−1} [100(x_{i+1} − x_i²)² + (1 − x_i)²], the extended Rosenbrock function of K inputs (K ≥ 2; at K = 1 the empty sum, 0)',
  kind: 'size',

  build(K: number): Program<number> {
    return withGraph(() => {
      const x = Array.from({ length: K }, (_, i) => variable(`x${i}`));
      const terms: Expr[] = [];
      for (let i = 0; i + 1 < K; i++) {
        const xi = x[i] as Expr;
        const next = x[i + 1] as Expr;
        terms.push(next.sub(xi.mul(xi)).pow(2).mul(100), sub(1, xi).pow(2));
      }
      // Listing the variables keeps x0 an input at K = 1, where the sum is empty.
      return program(sum(terms), { variables: x });
    });
  },

  /** The classic start (−1.2, 1, −1.2, 1, ...), perturbed so that no two entries are equal. */
  point(K: number): Float64Array {
    return Float64Array.from({ length: K }, (_, i) => (i % 2 === 0 ? -1.2 : 1) + Math.sin(i + 1) / 10);
  },

  /** ∂f/∂x_i = −400 x_i (x_{i+1} − x_i²) − 2(1 − x_i) [i < K−1] + 200 (x_i − x_{i−1}²) [i > 0] */
  gradient(K: number, x: ArrayLike<number>): Float64Array {
    const g = new Float64Array(K);
    for (let i = 0; i + 1 < K; i++) {
      const xi = x[i] as number;
      const r = (x[i + 1] as number) - xi * xi;
      g[i] = (g[i] as number) - 400 * xi * r - 2 * (1 - xi);
      g[i + 1] = (g[i + 1] as number) + 200 * r;
    }
    return g;
  },
};
