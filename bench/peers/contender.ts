/**
 * What the peer benchmark compares: the four workloads, and the contenders that compute f or its gradient on
 * them (hand-written loops, difflab, TensorFlow.js, jax-js, mathjs, PyTorch), each prepared once per workload
 * and K and then called repeatedly.
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

/**
 * The calls of a contender that runs in another process (PyTorch, in a Python child), which JavaScript cannot
 * make synchronously: the peer times them with its own clock, so the round trip between the processes is not
 * part of the time (one round trip per batch of calls, outside the measured interval).
 */
export interface RemoteCalls {
  /** One call, its time on the peer's clock (ms), and its answer (as `run` would return it). */
  answer(): Promise<{ answer: number | ArrayLike<number>; ms: number }>;
  /** `n` calls back to back: their total time on the peer's clock, ms. */
  timed(n: number): Promise<number>;
}

/** A contender set up for one workload at one K: `run` is the call that is timed. */
export interface Prepared {
  /**
   * One evaluation of f (a number) or one full gradient (length K, in the workload's input order) at the
   * workload's point. Whatever the peer needs to hand the answer back to JavaScript (reading a tensor's data)
   * is part of the call. A prepared contender with `remote` may throw here: it is checked and timed through
   * `remote` instead.
   */
  run(): number | ArrayLike<number>;
  /**
   * Present when the calls happen in another process: the runner checks the answer and times the calls
   * through it, never through `run`.
   */
  remote?: RemoteCalls;
  /** Frees what `prepare` allocated (tensors, compiled functions), when there is anything to free. */
  dispose?(): void;
}

/** Whether a contender can run on this machine, and the versions of what it runs on. */
export type Availability =
  | { available: true; packages: Record<string, string> }
  | { available: false; reason: string };

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
  /**
   * For a contender that needs more than Node (a Python with PyTorch): asked once before the run; an
   * unavailable contender is left out of the run (with a line in the log), it does not fail.
   */
  availability?(): Promise<Availability>;
  /** Releases what the contender holds across sizes (a child process), once the run is over. */
  close?(): Promise<void>;
}
