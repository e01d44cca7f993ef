/** A named family of functions of size K, with the point to evaluate at and a closed-form gradient. */
import type { Program } from '../ir/index.js';

export interface Workload {
  readonly name: string;
  readonly description: string;
  /** The function at size K (built with the builder, in a graph of its own). */
  build(K: number): Program<number>;
  /** A deterministic point of length K. */
  point(K: number): Float64Array;
  /** The reference gradient, from a closed form (independent of every method). */
  gradient(K: number, at: ArrayLike<number>): Float64Array;
}
