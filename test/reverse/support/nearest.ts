/** kmeans' shape for the forward-over-reverse tests: a sum over data rows of a chain of min or max distances. */
import { dot, type Expr, mapReduce } from '../../../src/index.js';

/** Which chain: min throughout, max throughout, or max at every third centroid (j mod 3 = 1) and min elsewhere. */
export type ChainKind = 'min' | 'max' | 'mixed';

/** Σ over the rows of the chain over centroids j < k (`cs[j·d …]`) of |row − centroid j|². */
export function nearest(rows: number[][], cs: readonly Expr[], d: number, k: number, kind: ChainKind): Expr {
  return mapReduce(rows, (p) => {
    let best: Expr | undefined;
    for (let j = 0; j < k; j++) {
      const diff = p.map((pl, l) => pl.sub(cs[j * d + l] as Expr));
      const dist = dot(diff, diff);
      const max = kind === 'max' || (kind === 'mixed' && j % 3 === 1);
      best = best === undefined ? dist : max ? best.max(dist) : best.min(dist);
    }
    return best as Expr;
  });
}
