/**
 * GradBench kmeans: the cost f(C) = Σᵢ minⱼ ‖Pᵢ − Cⱼ‖² of centroids C (k × d) for points P (n × d), and the
 * Newton direction J ⊘ H, with J = ∂f/∂C and H the Hessian's diagonal (the Hessian is diagonal). Each
 * distance is one `dot` node of the differences; the minimum is a chain of `min` nodes, whose derivative
 * follows the branch taken (ties split evenly; random inputs have none). The sum over the points is a map,
 * its body one point's nearest distance.
 */
import { programCost } from '../../ir/differentiator.js';
import { DifflabError } from '../../ir/errors.js';
import { dot, type Expr, withGraph } from '../../ir/graph.js';
import { mapReduce } from '../../ir/loop.js';
import { type Program, program } from '../../ir/program.js';
import { finite, jsonRows, matrix, num, objectInput } from './input.js';
import { variables } from './scalar.js';
import type { GradbenchEval } from './types.js';

export interface KmeansInput {
  points: Float64Array[];
  centroids: Float64Array[];
  d: number;
}

export interface KmeansWorkload {
  readonly f: Program<number>;
  /** The centroids, flat row-major (the program's point). */
  readonly x: Float64Array;
  readonly k: number;
  readonly d: number;
}

export const kmeans: GradbenchEval<KmeansInput, KmeansWorkload> = {
  name: 'kmeans',
  functions: ['cost', 'dir'],
  primal: 'cost',
  derivatives: ['dir'],
  nested: false,
  read(input) {
    const o = objectInput(input, ['points', 'centroids']);
    const points = matrix(o.points, 'points');
    const d = points[0]?.length ?? 0;
    const centroids = matrix(o.centroids, 'centroids', undefined, d);
    if (points.length === 0 || centroids.length === 0 || d === 0) {
      throw new DifflabError(
        'invalid-argument',
        'input: expected at least one point, one centroid and d ≥ 1',
      );
    }
    return { points, centroids, d };
  },
  estimate: ({ points, centroids, d }) => {
    const pairs = points.length * centroids.length;
    return {
      nodes: pairs * (d + 2),
      edges: pairs * (4 * d + 2),
      built: centroids.length * (d + 2) * 2,
      inputs: centroids.length * d,
      outputs: 1,
      evaluations: 1,
    };
  },
  prepare({ points, centroids, d }) {
    return withGraph(() => {
      const k = centroids.length;
      const c = variables('C', k * d);
      // Σᵢ over the points as a map, its body (the nearest centroid's squared distance) traced once.
      const data = new Float64Array(points.length * d);
      for (const [i, p] of points.entries()) data.set(p, i * d);
      const cost = mapReduce({ data, width: d }, (p) => {
        let best: Expr | undefined;
        for (let j = 0; j < k; j++) {
          const diff = p.map((pl, l) => pl.sub(c[j * d + l] as Expr));
          const dist = dot(diff, diff);
          best = best === undefined ? dist : best.min(dist);
        }
        return best as Expr;
      });
      const x = new Float64Array(k * d);
      for (const [j, row] of centroids.entries()) x.set(row, j * d);
      return { f: program(cost, { variables: c }), x, k, d };
    });
  },
  cost(w) {
    return { ...programCost(w.f), inputs: w.x.length, outputs: 1, evaluations: 1 };
  },
  run(fn, w, engine) {
    if (fn === 'cost') return engine.evaluate(w.f, w.x);
    const { gradient, diagonal } = engine.gradientAndHessianDiagonal(w.f, w.x);
    const dir = new Float64Array(gradient.length);
    for (let i = 0; i < dir.length; i++) dir[i] = (gradient[i] as number) / (diagonal[i] as number);
    return dir;
  },
  output(fn, raw, w) {
    if (fn === 'cost') return num(raw, 'the cost');
    const dir = raw as Float64Array;
    for (const v of dir) finite(v, 'a Newton direction entry (is a cluster empty?)');
    return jsonRows(dir, w.k, w.d, 'the direction');
  },
};
