/**
 * What the peer benchmark compares: the four workloads, and the contenders that compute f or its gradient on
 * them (hand-written loops, difflab, TensorFlow.js, jax-js, mathjs), each prepared once per workload and K and
 * then called repeatedly.
 */
import { DifflabError } from '../../src/index.js';
import { logreg, product, ridge, rosenbrock, type Workload } from '../../src/workloads/index.js';
import type { Precision } from './measure.js';

/** The workloads of the peer benchmark, in table order. */
export const PEER_WORKLOADS = ['ridge', 'rosenbrock', 'product', 'logreg'] as const;

export type PeerWorkload = (typeof PEER_WORKLOADS)[number];

const BY_NAME: { readonly [W in PeerWorkload]: Workload } = { ridge, rosenbrock, product, logreg };

/** The workload definition (build, point, reference gradient) behind a peer workload name. */
export function workloadOf(name: PeerWorkload): Workload {
  return BY_NAME[name];
}

/** Smallest K every peer workload is defined for (rosenbrock needs two inputs, logreg one feature). */
export const MIN_K = 2;

/** Throws an `invalid-argument` error unless K is an integer ≥ {@link MIN_K}. */
export function checkK(K: number): void {
  if (!Number.isInteger(K) || K < MIN_K) {
    throw new DifflabError('invalid-argument', `K must be an integer ≥ ${MIN_K}, got ${K}`);
  }
}

/** A contender set up for one workload at one K: `run` is the call that is timed. */
export interface Prepared {
  /**
   * One evaluation of f (a number) or one full gradient (length K, in the workload's input order) at the
   * workload's point. Whatever the peer needs to hand the answer back to JavaScript (reading a tensor's data)
   * is part of the call.
   */
  run(): number | ArrayLike<number>;
  /** Frees what `prepare` allocated (tensors, compiled functions), when there is anything to free. */
  dispose?(): void;
}

/** One way of computing f or ∇f on the peer workloads. */
export interface Contender {
  /** Short stable identifier, used in JSON and on the command line: `hand-f`, `tfjs`, ... */
  readonly id: string;
  /** The column header for people. */
  readonly label: string;
  /** Whether `run` computes f (a number) or ∇f. */
  readonly computes: 'f' | 'gradient';
  /** The arithmetic the contender computes in (TensorFlow.js has no float64 on the CPU). */
  readonly precision: Precision;
  /**
   * The exponent of the cost's growth in K (1: a constant times f; 2: K sweeps of a program of size ∝ K;
   * more for mathjs's derivative trees), used to skip a size whose projected time is past the budget.
   */
  readonly growth: number;
  /** Sets the contender up for a workload at K: data on the peer's side, tracing, compiling. */
  prepare(workload: PeerWorkload, K: number): Prepared | Promise<Prepared>;
}
