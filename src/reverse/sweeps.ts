/**
 * Reverse mode behind the common interface: one forward sweep records the tape, one backward sweep per
 * cotangent accumulates adjoints. A whole gradient costs one sweep each way, whatever the number of inputs.
 */
import {
  backendOf,
  type CommonOptions,
  type Differentiator,
  DifflabError,
  emptyStats,
  now,
  type Program,
  type Result,
  readVector,
  requireScalar,
  type Stats,
} from '../ir/index.js';
import { asDerivativesInto } from '../ir/ops.js';
import {
  adjointOps,
  adjointSweeps,
  backward,
  type CheckpointOptions,
  generates,
  inputDerivativesInto,
  loadPoint,
  partialBytes,
  record,
  resetLoopUsage,
  type SweepBackend,
  sweepsFor,
  type Tape,
  tapeFor,
  tiered,
  tierOf,
} from '../sweeps/index.js';
import { putMemory, reverseMemory } from './memory.js';

export interface ReverseOptions extends CommonOptions, CheckpointOptions {}

/**
 * Records the tape at x, then runs one backward sweep per cotangent produced by `seeds` (each seeds the output
 * adjoints), handing the input adjoints to `collect`. Two or more sweeps on the interpreter read the partials
 * stored once after the recording (src/sweeps/interpret/stored.ts).
 */
function sweep(
  f: Program,
  x: ArrayLike<number>,
  cotangents: number,
  seed: (adjoints: Float64Array, sweep: number) => void,
  collect: (inputAdjoints: Float64Array, sweep: number) => void,
  options: ReverseOptions,
): Stats {
  const t0 = now();
  const point = readVector(x, f.variables.length, 'the point');
  const tape: Tape = tapeFor(f);
  const check = options.check ?? false;
  resetLoopUsage();
  let stored = false;
  tiered(f, 'reverse', cotangents, backendOf(options), (backend) => {
    record(f, point, tape, check, backend, options);
    stored = adjointSweeps(f, tape, cotangents, seed, collect, backend, options);
  });
  return sweepStats(f, tape, cotangents, stored, t0);
}

/**
 * The stats of one recording and `cotangents` backward sweeps started at time `t0`, with the partials stored
 * once or recomputed in every sweep (what ran: the compiled backend's generated sweeps recompute them).
 */
function sweepStats(f: Program, tape: Tape, cotangents: number, stored: boolean, t0: number): Stats {
  const stats = emptyStats();
  stats.evaluations = 1;
  stats.reverseSweeps = cotangents;
  stats.ops = adjointOps(f, cotangents, stored);
  // The tape, the stored partials, and with loops their bodies' tapes and what they kept for the backward sweeps.
  putMemory(stats, reverseMemory(f, tape, stored ? partialBytes(f) : 0));
  stats.details.partials = stored ? 'stored' : 'recomputed';
  stats.time = now() - t0;
  return stats;
}

/**
 * What a gradient call of a program reuses: its tape, the seed of its output (1), the view of the inputs'
 * adjoints, and its generated sweeps once used. One lookup per call: at K = 10 a gradient costs a few times a
 * tenth of a microsecond, and each lookup counts.
 */
interface GradientPlan {
  readonly tape: Tape;
  readonly seed: (adj: Float64Array) => void;
  readonly inputs: Float64Array;
  sweeps: SweepBackend | undefined;
}

const plans = new WeakMap<Program, GradientPlan>();

function planFor(f: Program): GradientPlan {
  let plan = plans.get(f);
  if (plan === undefined) {
    const tape = tapeFor(f);
    const node = f.outputs[0] as number;
    plan = {
      tape,
      seed: (adj) => {
        adj[node] = 1;
      },
      inputs: tape.adjoints.subarray(f.inputStart, f.opStart),
      sweeps: undefined,
    };
    plans.set(f, plan);
  }
  return plan;
}

/**
 * The gradient of a scalar function by one sweep each way, without statistics: what the top-level
 * `gradient` runs. Written out (no callbacks), since the call's fixed cost matters at small K; with
 * `options.out` it allocates nothing.
 */
export function reverseGradient(
  f: Program,
  x: ArrayLike<number>,
  options: ReverseOptions = {},
): Float64Array {
  requireScalar(f);
  const point = readVector(x, f.variables.length, 'the point');
  const plan = planFor(f);
  if (f.calls.length > 0) resetLoopUsage();
  const { tape, inputs } = plan;
  const asked = backendOf(options);
  const check = options.check ?? false;
  // A large program without loops runs the interpreter until its generated code is faster (tier.ts).
  const tier = asked === 'compile' && !check ? tierOf(f, 'gradient') : undefined;
  const useTier = tier !== undefined && !tier.settled;
  const backend = useTier && !tier.compiled() ? 'interpret' : asked;
  const timed = useTier && (backend === 'compile' || !tier.untimed());
  const t0 = timed ? performance.now() : 0;
  if (generates(f, backend, check)) {
    // record and backward, without looking the program's sweeps up again. Where the sweep without zero tests
    // meets an infinite or NaN partial, the interpreter's rule decides (sweepsFor).
    plan.sweeps ??= sweepsFor(f, backend, check);
    loadPoint(f, point, tape.values);
    plan.sweeps.primal(tape.values, true);
    plan.sweeps.adjoint(tape, plan.seed, options);
  } else {
    // One backward sweep follows the recording (a summed map may keep its rows' adjoints in the tape's).
    record(f, point, tape, check, backend, options, true);
    backward(f, tape, plan.seed, backend, options);
  }
  if (timed) tier.record(backend === 'compile', performance.now() - t0);
  const out = options.out;
  if (out !== undefined && out.length !== inputs.length) {
    throw new DifflabError('bad-point', `out has length ${out.length}, expected ${inputs.length}`);
  }
  // The derivatives written out in one pass over the inputs' adjoints (not converted in place, then copied);
  // with loops, a summed map's rows' adjoints scaled in that pass (inputDerivativesInto).
  const g = out ?? new Float64Array(inputs.length);
  if (f.calls.length > 0) inputDerivativesInto(f, tape, g);
  else asDerivativesInto(inputs, g);
  return g;
}

/** Reverse mode behind the common interface. */
export const reverse: Differentiator<ReverseOptions> = {
  method: 'reverse',

  gradient(f, x, options = {}): Result<Float64Array> {
    const t0 = now();
    const g = reverseGradient(f, x, options);
    return { value: g, stats: sweepStats(f, tapeFor(f), 1, false, t0) };
  },

  /** J row by row: one backward sweep per output. */
  jacobian(f, x, options = {}): Result<Float64Array[]> {
    const rows: Float64Array[] = [];
    const stats = sweep(
      f,
      x,
      f.outputs.length,
      (adj, o) => (adj[f.outputs[o] as number] = 1),
      (inputs) => rows.push(inputs.slice()),
      options,
    );
    return { value: rows, stats };
  },

  /** J·v by reverse mode: the m rows of J, each dotted with v (reverse mode has no cheaper way). */
  jvp(f, x, v, options = {}): Result<Float64Array> {
    const dir = readVector(v, f.variables.length, 'the tangent');
    const out = new Float64Array(f.outputs.length);
    const stats = sweep(
      f,
      x,
      f.outputs.length,
      (adj, o) => (adj[f.outputs[o] as number] = 1),
      (inputs, o) => {
        // A zero component of v does not touch its input (the zero-factor rule, ops.ts), as in forward mode.
        let s = 0;
        for (let k = 0; k < inputs.length; k++)
          if (dir[k] !== 0) s += (inputs[k] as number) * (dir[k] as number);
        out[o] = s;
      },
      options,
    );
    return { value: out, stats };
  },

  /** uᵀJ in one backward sweep, whatever the number of outputs. */
  vjp(f, x, u, options = {}): Result<Float64Array> {
    const cot = readVector(u, f.outputs.length, 'the cotangent');
    let out = new Float64Array(0);
    const stats = sweep(
      f,
      x,
      1,
      (adj) => {
        for (let o = 0; o < f.outputs.length; o++) {
          // A zero component of u does not touch its output (the zero-factor rule, ops.ts).
          const node = f.outputs[o] as number;
          if (cot[o] !== 0) adj[node] = (adj[node] as number) + (cot[o] as number) + 0;
        }
      },
      (inputs) => (out = inputs.slice()),
      options,
    );
    return { value: out, stats };
  },
};
