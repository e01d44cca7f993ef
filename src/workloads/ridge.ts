/**
 * `ridge`: the lectures' loss L(w) = (wᵀx − y)² + λ·wᵀw with deterministic data, K = |w|.
 */
import { dot, type Program, program, variable, withGraph } from '../ir/index.js';
import type { Workload } from './workload.js';

/** The data at size K: x cycles through eleven values in [−1, 1]; y = 0.5, λ = 5. */
export function ridgeData(K: number): { x: Float64Array; y: number; lambda: number } {
  return { x: Float64Array.from({ length: K }, (_, i) => ((i * 7) % 11) / 5 - 1), y: 0.5, lambda: 5 };
}

export const ridge: Workload = {
  name: 'ridge',
  description: 'L(w) = (wᵀx − y)² + λ·wᵀw, the lectures’ computational-graph example grown to K weights',
  kind: 'size',

  build(K: number): Program<number> {
    const { x, y, lambda } = ridgeData(K);
    return withGraph(() => {
      const w = Array.from({ length: K }, (_, i) => variable(`w${i}`));
      return program(dot(w, Array.from(x)).sub(y).pow(2).add(dot(w, w).mul(lambda)));
    });
  },

  point(K: number): Float64Array {
    return Float64Array.from({ length: K }, (_, i) => Math.sin(i + 1) / 4);
  },

  /** ∇L = 2(wᵀx − y)·x + 2λ·w */
  gradient(K: number, w: ArrayLike<number>): Float64Array {
    const { x, y, lambda } = ridgeData(K);
    let r = -y;
    for (let i = 0; i < K; i++) r += (w[i] as number) * (x[i] as number);
    return Float64Array.from(x, (xi, i) => 2 * r * xi + 2 * lambda * (w[i] as number));
  },
};
