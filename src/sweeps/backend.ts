/**
 * The interface a backend implements, the primal, tangent and adjoint sweeps over one program (loops included),
 * its two implementations (the interpreter's sweeps, the compiled backend's generated code) and the one function
 * that picks between them ({@link sweepsFor}).
 */
import { type Backend, cachedFor, type Program } from '../ir/index.js';
import { type CompiledProgram, compiled } from './compiled/index.js';
import { interpretAdjoint, type Tape } from './interpret/adjoint.js';
import type { CheckpointOptions } from './interpret/adjoint-loop.js';
import { type CallSweep, callPrimal, interpretPrimal, loadPoint } from './interpret/primal.js';
import { type ForwardWork, interpretTangent } from './interpret/tangent.js';
import { compiledTangentStands, type PointMemo } from './zero-factor.js';

/** Sets the seeded outputs' adjoints (an unseeded one stays −0, untouched). */
export type Seed = (adjoints: Float64Array) => void;

/**
 * The three sweeps over one program. Each starts from arrays whose constants and inputs (and the inputs' lanes,
 * or the outputs' seeds) the caller has written.
 */
export interface SweepBackend {
  /**
   * Whether these are generated sweeps: their tangents and adjoints start at +0 where the zero-factor rule has
   * −0, so a loop body's lanes and adjoints that cross its boundary get their marks again (zero-factor.ts).
   */
  readonly generated: boolean;
  /**
   * Fills `v` with every operation node's value. `forAdjoint`: generated code computes only the values an
   * adjoint sweep reads. `onCall`: what the interpreter does at a loop call (a recording keeps residuals).
   */
  primal(v: Float64Array, forAdjoint?: boolean, onCall?: CallSweep): void;
  /**
   * Fills `work`'s values and tangent lanes. True when the lanes are the generated code's (they stood the
   * guard), false when the interpreter's. `memo`: what the chunks of one point share (the guard's sweep).
   */
  tangent(work: ForwardWork, memo?: PointMemo): boolean;
  /**
   * Zeroes the adjoints, seeds them, runs one descending sweep: on return the inputs hold their adjoints (with
   * the interpreter every node does). `tape.values` holds the primal values of {@link primal} with `forAdjoint`.
   */
  adjoint(tape: Tape, seed: Seed, options?: CheckpointOptions): void;
}

/**
 * The rule: generated code runs an unchecked program without loop calls. A checked sweep wants every node's
 * value and the interpreter's messages; a program with calls runs its own nodes by the interpreter and its
 * loops' bodies by the backend asked for (each body asks this again).
 */
export function generates(f: Program, backend: Backend, check: boolean): boolean {
  return backend === 'compile' && !check && f.calls.length === 0;
}

const compiledSweeps = new WeakMap<Program, SweepBackend>();
const interpreted = new WeakMap<Program, (SweepBackend | undefined)[]>();

/**
 * The sweeps of `f` for `backend`: its generated code where {@link generates} says so, else the interpreter's
 * (whose loop calls run their bodies by `backend`). Generated sweeps whose guard says their result does not
 * stand hand the sweep to the interpreter. Kept per program: a loop asks once per call, a gradient once.
 */
export function sweepsFor(f: Program, backend: Backend, check: boolean): SweepBackend {
  if (generates(f, backend, check))
    return cachedFor(compiledSweeps, f, () => generatedSweeps(f, compiled(f)));
  const byKind = cachedFor(interpreted, f, (): (SweepBackend | undefined)[] => []);
  const kind = (check ? 2 : 0) + (backend === 'compile' ? 1 : 0);
  let s = byKind[kind];
  if (s === undefined) {
    s = interpreterSweeps(f, check, backend);
    byKind[kind] = s;
  }
  return s;
}

/** The interpreter's sweeps; `backend` is what its loop calls run their bodies by. */
function interpreterSweeps(f: Program, check: boolean, backend: Backend): SweepBackend {
  return {
    generated: false,
    primal: (v, _forAdjoint = false, onCall = callPrimal) => interpretPrimal(f, v, check, backend, onCall),
    tangent: (work) => {
      interpretTangent(f, work, check, backend);
      return false;
    },
    adjoint: (tape, seed, options = {}) => interpretAdjoint(f, tape, seed, backend, options, check),
  };
}

/**
 * The generated sweeps of a program without loop calls, unchecked. The tangent sweep skips every zero factor
 * and the adjoint sweep has no zero tests: each stands where its guard (zero-factor.ts, CompiledProgram's
 * untestedAdjoint) says every partial it met was finite, and is otherwise run again by the interpreter's rule.
 */
function generatedSweeps(f: Program, program: CompiledProgram): SweepBackend {
  return {
    generated: true,
    primal: (v, forAdjoint = false) => {
      if (forAdjoint) program.tapePrimal(v);
      else program.primal(v);
    },
    tangent: (work, memo = {}) => {
      program.tangent(work.width)(work.v, work.t);
      if (compiledTangentStands(f, program, work, memo)) return true;
      interpretTangent(f, work, false, 'compile');
      return false;
    },
    adjoint: (tape, seed, options = {}) => {
      const { values: v, adjoints: adj } = tape;
      if (program.untestedAdjoint(v, adj, seed)) return;
      // The generated primal may have left values out (loop repetitions' locals, chains): compute them all.
      loadPoint(f, v.slice(f.inputStart, f.opStart), v);
      interpretPrimal(f, v, false, 'interpret', callPrimal);
      interpretAdjoint(f, tape, seed, 'compile', options);
    },
  };
}
