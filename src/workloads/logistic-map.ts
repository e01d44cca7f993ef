/**
 * `logistic-map`: l₁ = x, lₙ₊₁ = 4lₙ(1 − lₙ), f = l_K (Baydin et al. 2018, Table 1). One input; K is the depth.
 * The program is a scan of K − 1 steps whose body, 4l(1 − l), is traced once: a program of a few nodes at every
 * K. Unrolled, each lₙ is one node used twice, so the DAG grows linearly (3K nodes for K ≥ 2) while the tree,
 * which copies lₙ into both factors, grows exponentially (6·2^(K−1) − 5 nodes); `metrics` gives both without
 * unrolling, and the swell section measures the unrolled program.
 */
import { type Expr, type Program, program, scan, sub, variable, withGraph } from '../ir/index.js';
import type { Workload } from './workload.js';

export const logisticMap: Workload = {
  name: 'logistic-map',
  description:
    'l₁ = x, lₙ₊₁ = 4lₙ(1 − lₙ), f = l_K (Baydin et al. 2018): one input, depth K; DAG 3K nodes, tree 6·2^(K−1) − 5',
  kind: 'depth',

  build(K: number): Program<number> {
    return withGraph(() => {
      const x = variable('x');
      if (K <= 1) return program(x);
      const { carry } = scan(x as Expr, K - 1, (l) => l.mul(4).mul(sub(1, l)));
      return program(carry, { variables: [x] });
    });
  },

  point(): Float64Array {
    return Float64Array.of(0.3);
  },

  /**
   * The chain rule in a loop: d₁ = 1, dₙ₊₁ = 4(1 − 2lₙ)dₙ. The map is chaotic (|dₙ| grows like 2ⁿ), so past
   * K ≈ 1000 the derivative overflows; the values lₙ stay in [0, 1].
   */
  gradient(K: number, at: ArrayLike<number>): Float64Array {
    let l = at[0] as number;
    let d = 1;
    for (let n = 1; n < K; n++) {
      d = 4 * (1 - 2 * l) * d;
      l = 4 * l * (1 - l);
    }
    return Float64Array.of(d);
  },
};
