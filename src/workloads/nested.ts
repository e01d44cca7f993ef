/**
 * `nested`: f(f(…f(x)…)) with K copies of f(u) = sin u + u²/4. One input; K is the depth.
 * From x = 0.5 the iterates rise to the attracting fixed point u* ≈ 1.749 of f (f′(u*) ≈ 0.7), so the values
 * stay in [0.5, 1.75] at every depth and the derivative decays geometrically. Each iterate is one node used
 * three times: the DAG grows linearly (4K + 2 nodes), the tree like 3^K ((7·3^K − 5)/2 nodes).
 */
import { type Expr, type Program, program, variable, withGraph } from '../ir/index.js';
import type { Workload } from './workload.js';

export const nested: Workload = {
  name: 'nested',
  description:
    'f(f(…f(x)…)), K copies of f(u) = sin u + u²/4: one input, depth K; DAG 4K + 2 nodes, tree (7·3^K − 5)/2',
  kind: 'depth',

  build(K: number): Program<number> {
    return withGraph(() => {
      const x = variable('x');
      let u: Expr = x;
      for (let n = 0; n < K; n++) u = u.sin().add(u.mul(u).mul(0.25));
      return program(u);
    });
  },

  point(): Float64Array {
    return Float64Array.of(0.5);
  },

  /** The chain rule in a loop: d₀ = 1, dₙ₊₁ = f′(uₙ)dₙ = (cos uₙ + uₙ/2)dₙ. */
  gradient(K: number, at: ArrayLike<number>): Float64Array {
    let u = at[0] as number;
    let d = 1;
    for (let n = 0; n < K; n++) {
      d *= Math.cos(u) + u / 2;
      u = Math.sin(u) + u * u * 0.25;
    }
    return Float64Array.of(d);
  },
};
