/** A named family of functions of size K, with the point to evaluate at and a closed-form gradient. */
import type { Program } from '../ir/index.js';

export interface Workload {
  readonly name: string;
  readonly description: string;
  /**
   * What K counts. `'size'`: K is the number of inputs (the point and the gradient have length K), and the
   * function grows with it. `'depth'`: K is a nesting depth and the function has one input, so the point and
   * the gradient have length 1 at every K (forward mode's best case; the DAG grows with K, the tree can grow
   * exponentially). Benchmarks use it to label the axis and to know what a gradient costs.
   */
  readonly kind: 'size' | 'depth';
  /** The function at size K (built with the builder, in a graph of its own). */
  build(K: number): Program<number>;
  /** A deterministic point: length K for a `'size'` workload, length 1 for a `'depth'` one. */
  point(K: number): Float64Array;
  /** The reference gradient, from a closed form (independent of every method). */
  gradient(K: number, at: ArrayLike<number>): Float64Array;
}
