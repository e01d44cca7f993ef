/**
 * difflab's contenders: `evaluate` (f), reverse mode and forward mode, each with the interpreter and with the
 * compiled backend (`backend: 'compile'`). All of them run on one program per workload and K, built once.
 */
import {
  type Backend,
  type EvaluateOptions,
  evaluate,
  gradient,
  type MethodOptions,
  type Program,
} from '../../src/index.js';
import { type Contender, checkK, type PeerWorkload, type Prepared, workloadOf } from './contender.js';

let cached: { workload: PeerWorkload; K: number; f: Program<number> } | undefined;

/**
 * The workload's program at K. The last one built is kept, so every difflab contender at one workload and K
 * runs on the same program (and the compiled backend's per-program cache is shared, as for a user who calls
 * several methods on one function).
 */
export function programFor(workload: PeerWorkload, K: number): Program<number> {
  checkK(K);
  if (cached === undefined || cached.workload !== workload || cached.K !== K) {
    cached = undefined; // let the old program go before the new one is built
    cached = { workload, K, f: workloadOf(workload).build(K) };
  }
  return cached.f;
}

/** Forgets the kept program (between workloads, so its memory can be reclaimed). */
export function releasePrograms(): void {
  cached = undefined;
}

function evaluateContender(backend: Backend): Contender {
  return {
    id: `difflab-f-${backend}`,
    label: `difflab f (${backend})`,
    computes: 'f',
    precision: 'float64',
    growth: 1,
    prepare(workload, K): Prepared {
      const f = programFor(workload, K);
      const x = workloadOf(workload).point(K);
      const options: EvaluateOptions = { backend };
      return { run: () => evaluate(f, x, options) };
    },
  };
}

function gradientContender(method: 'reverse' | 'forward', backend: Backend): Contender {
  return {
    id: `difflab-${method}-${backend}`,
    label: `difflab ${method} (${backend})`,
    computes: 'gradient',
    precision: 'float64',
    // Forward mode runs ⌈K/chunk⌉ tangent sweeps of a program of size ∝ K.
    growth: method === 'forward' ? 2 : 1,
    prepare(workload, K): Prepared {
      const f = programFor(workload, K);
      const x = workloadOf(workload).point(K);
      // The call a user makes: the top-level gradient, a fresh array each time (as the other contenders return).
      const options: MethodOptions = { method, backend };
      return { run: () => gradient(f, x, options) };
    },
  };
}

/** difflab's contenders, interpreter before compiled backend. */
export const difflabContenders: readonly Contender[] = [
  evaluateContender('interpret'),
  evaluateContender('compile'),
  gradientContender('reverse', 'interpret'),
  gradientContender('reverse', 'compile'),
  gradientContender('forward', 'interpret'),
  gradientContender('forward', 'compile'),
];
