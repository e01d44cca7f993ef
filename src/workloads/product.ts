/**
 * `product`: Π wᵢ, the lectures' [A B C]′ = A′BC + AB′C + ABC′ example grown to K factors.
 */
import { type Expr, type Program, program, variable, withGraph } from '../ir/index.js';
import type { Workload } from './workload.js';

export const product: Workload = {
  name: 'product',
  description: 'Π wᵢ, the lectures’ [ABC]′ = A′BC + AB′C + ABC′ grown to K factors (a chain of products)',
  kind: 'size',

  build(K: number): Program<number> {
    return withGraph(() => {
      const w = Array.from({ length: K }, (_, i) => variable(`w${i}`));
      let p: Expr = w[0] as Expr;
      for (let i = 1; i < K; i++) p = p.mul(w[i] as Expr);
      return program(p);
    });
  },

  /** Factors near 1, so the product stays finite at any K. */
  point(K: number): Float64Array {
    return Float64Array.from({ length: K }, (_, i) => 1 + Math.sin(i + 1) / 8);
  },

  /** ∂/∂wᵢ Π w = Π_{j≠i} wⱼ, by prefix and suffix products (no division, exact at a zero factor). */
  gradient(K: number, w: ArrayLike<number>): Float64Array {
    const g = new Float64Array(K);
    let prefix = 1;
    for (let i = 0; i < K; i++) {
      g[i] = prefix;
      prefix *= w[i] as number;
    }
    let suffix = 1;
    for (let i = K - 1; i >= 0; i--) {
      g[i] = (g[i] as number) * suffix;
      suffix *= w[i] as number;
    }
    return g;
  },
};
