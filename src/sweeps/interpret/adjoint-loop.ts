/**
 * Reverse mode through loop calls. The recording sweep computes each call's outputs and keeps what its
 * backward sweep needs; the backward sweep runs each iteration's body forward and backward together, so a
 * loop holds the memory of one body, plus a scan's carries as its checkpointing keeps them.
 *
 * - A map whose sum has one output: the recording runs each row's sweeps at once and keeps Σ_i ∇y_i over the
 *   captured values (one vector); the backward sweep scales it by the output's adjoint.
 * - Any other map: the backward sweep runs each row's sweeps again, seeded by the output adjoints (times
 *   e^(y − z) for logsumexp).
 * - A scan: the backward sweep runs the iterations from last to first, each from its carry. `all` keeps every
 *   carry; `sqrt` keeps every ⌈√n⌉-th and recomputes a segment at a time; `binomial` keeps only the first and
 *   places at most `snapshots` more as Griewank's revolve does (the fewest recomputations for that memory).
 */
import {
  type Backend,
  cachedFor,
  capturedInput,
  DifflabError,
  forEachOp,
  isUntouched,
  LOOP,
  type Loop,
  type LoopCall,
  type Program,
  rowArg,
  rowInput,
  UNTOUCHED,
} from '../../ir/index.js';
import { asDerivativesInto, scaledDerivativesInto } from '../../ir/ops.js';
import { generates, type Seed, sweepsFor } from '../backend.js';
import {
  mapGradient,
  marksRows,
  rowRun,
  scanBackward,
  scanBackwardSteps,
  scanPrimal,
  testsRows,
} from '../compiled/loop.js';
import {
  drivenReach,
  markDriven,
  markInputs,
  markRows,
  markSums,
  reachedInputs,
  seededOutputs,
} from '../zero-factor.js';
import { backward, interpretAdjoint, type Tape, tapeFor } from './adjoint.js';
import {
  type CallSweep,
  callPrimal,
  drivesLoop,
  loadCall,
  loopWork,
  primalRunner,
  primalSweep,
  scanSteps,
  setIteration,
} from './primal.js';
import { ReachedSteps } from './reached.js';

/** How a scan's backward sweep gets its carries. */
export type Checkpoint = 'all' | 'sqrt' | 'binomial';

export interface CheckpointOptions {
  /** Which carries a scan keeps for its backward sweep (default `all`). */
  checkpoint?: Checkpoint;
  /** Binomial checkpointing's number of snapshots besides the first carry (default ⌈log₂ n⌉). */
  snapshots?: number;
}

/** What a call's backward sweep reads, kept by the recording. */
type Residual =
  | {
      readonly kind: 'gradient';
      readonly g: Float64Array;
      readonly rows: Float64Array;
      /**
       * Where `rows` is a view of the program's adjoints at their argument nodes ({@link directRun}), the first
       * one's node, whether they still hold the rows' adjoints (until this call's backward sweep), and whether
       * that sweep may leave their scaling to the derivatives' pass ({@link inputDerivativesInto}): where no
       * row's adjoint is −0 and only loop calls read the rows below the map; undefined where `rows` is an array
       * of its own.
       */
      readonly direct: { readonly at: number; held: boolean; readonly later: boolean } | undefined;
    }
  | { readonly kind: 'rows' }
  | {
      readonly kind: 'scan';
      readonly stride: number;
      readonly snaps: Float64Array;
      readonly snapshots: number;
      /** Store-all, when they fit: every iteration's body values (`n × body.size`), so that the backward
       * sweep runs each body's adjoint without running its primal again. */
      readonly tapes: Float64Array | undefined;
      /**
       * Whether every value and partial of every iteration is finite (finite ops on finite inputs,
       * {@link finiteScan}): then zero output adjoints only mark what they reach ({@link zeroScan}).
       */
      readonly finite: boolean;
    };

/**
 * The most bytes store-all spends on keeping every iteration's body values (beyond the carries): up to it, a
 * scan's backward sweep does not run its bodies' primal sweeps again.
 */
export const SCAN_TAPE_BUDGET = 256 * 2 ** 20;
/**
 * The largest body whose values store-all keeps. Keeping saves a call of the body's primal per iteration, which
 * pays for small bodies (lstm's); a large body's values cost more to copy and read back than its compiled primal
 * costs to run again (ode at n = 10⁵, s = 100, body of 2.2·10⁶ nodes: gradient 1.33 s recomputing, 1.77 s
 * keeping).
 */
const SCAN_TAPE_MAX_BODY = 10_000;

/**
 * The most iterations, last first, that a scan's backward sweep runs one at a time before handing the rest to
 * store-all's driver, waiting for every carry's adjoint to be touched (lstm's: after one).
 */
const LEAD_STEPS = 4;

/** What loops used in the sweeps since the last {@link resetLoopUsage}. */
export interface LoopUsage {
  /**
   * The most bytes held at once for backward sweeps beyond the tapes, counted as the arrays are allocated and
   * dropped: kept carries and gradients, store-all's body values, and the carries the backward sweep works on.
   */
  residualBytes: number;
  /** Runs of a body's primal sweep, recomputations included. */
  bodyPrimals: number;
  /** Runs of a body's backward sweep. */
  bodyBackwards: number;
  /**
   * The most carries held at once as checkpoints: every carry (store-all), every ⌈√n⌉-th (sqrt), or the first
   * and the snapshots revolve places (binomial).
   */
  checkpointCarries: number;
  /** The most carries held at once to work on: sqrt's segment of ⌈√n⌉, binomial's carry advanced from a snapshot. */
  workingCarries: number;
  /** Bytes of store-all's every-iteration body values (part of `residualBytes`). */
  bodyValueBytes: number;
  /**
   * Iterations a summed map's compiled recording handed to the interpreter's rule, since its fast adjoint
   * sweep stored NaN or ±∞.
   */
  handedOver: number;
  /** A scan's backward steps run over only the part of the body its touched outputs reach (reached.ts). */
  reachedSteps: number;
}

const usage: LoopUsage = {
  residualBytes: 0,
  bodyPrimals: 0,
  bodyBackwards: 0,
  checkpointCarries: 0,
  workingCarries: 0,
  bodyValueBytes: 0,
  handedOver: 0,
  reachedSteps: 0,
};

/** What is held now (the peaks above are the most these reached). */
const held = { bytes: 0, checkpoints: 0, working: 0 };
/** The residuals recorded since the last reset: those `held` counts (older ones are not released again). */
let counted = new WeakSet<object>();

/** Zeroes the loop counters (a method calls it before a gradient). */
export function resetLoopUsage(): void {
  usage.residualBytes = 0;
  usage.bodyPrimals = 0;
  usage.bodyBackwards = 0;
  usage.checkpointCarries = 0;
  usage.workingCarries = 0;
  usage.bodyValueBytes = 0;
  usage.handedOver = 0;
  usage.reachedSteps = 0;
  held.bytes = 0;
  held.checkpoints = 0;
  held.working = 0;
  counted = new WeakSet();
}

/** The loop counters since the last reset. */
export function loopUsage(): Readonly<LoopUsage> {
  return { ...usage };
}

/** Counts arrays taken (positive) or dropped (negative) for a backward sweep, and the peaks they reach. */
function hold(bytes: number, checkpoints: number, working: number): void {
  held.bytes += bytes;
  held.checkpoints += checkpoints;
  held.working += working;
  usage.residualBytes = Math.max(usage.residualBytes, held.bytes);
  usage.checkpointCarries = Math.max(usage.checkpointCarries, held.checkpoints);
  usage.workingCarries = Math.max(usage.workingCarries, held.working);
}

/** What a residual holds: bytes, and carries kept as checkpoints. */
function heldBy(r: Residual, carry: number): [number, number] {
  // Rows' adjoints kept in the program's adjoints hold no bytes beyond the tape.
  if (r.kind === 'gradient') return [r.g.byteLength + (r.direct === undefined ? r.rows.byteLength : 0), 0];
  if (r.kind === 'rows') return [0, 0];
  return [r.snaps.byteLength + (r.tapes?.byteLength ?? 0), carry === 0 ? 0 : r.snaps.length / carry];
}

const residuals = new WeakMap<Tape, Residual[]>();

function residualsOf(tape: Tape): Residual[] {
  return cachedFor(residuals, tape, () => []);
}

/**
 * The recording sweep of `f` into `tape` (every node's value), keeping each loop call's residuals. `oneSweep`:
 * the caller (a gradient) runs one backward sweep on this recording, no more, and then reads the inputs'
 * derivatives by {@link inputDerivativesInto}, not the adjoints themselves; so a summed map may keep its rows'
 * adjoints in the tape's adjoints ({@link directRun}) and leave their scaling to that pass.
 */
export function recordWithLoops(
  f: Program,
  x: ArrayLike<number>,
  tape: Tape,
  check: boolean,
  backend: Backend,
  options: CheckpointOptions,
  oneSweep = false,
): void {
  primalSweep(f, x, tape.values, check, backend, true, recordHook(tape, options, oneSweep && !check));
}

/**
 * What the recording sweep does at a loop call: its outputs, and its residuals kept with the tape. `direct`:
 * whether a summed map may keep its rows' adjoints in the tape's adjoints.
 */
function recordHook(tape: Tape, options: CheckpointOptions, direct = false): CallSweep {
  const kept = residualsOf(tape);
  return (g, index, v, check, backend) => {
    // A loop inside a body records once per iteration of the outer loop: the last recording replaces the one before.
    const before = kept[index];
    const carry = (g.calls[index] as LoopCall).loop.carry;
    if (before !== undefined && counted.has(before)) {
      const [bytes, carries] = heldBy(before, carry);
      hold(-bytes, -carries, 0);
      counted.delete(before);
    }
    const r = recordCall(g, index, v, check, backend, options, direct ? tape.adjoints : undefined);
    kept[index] = r;
    counted.add(r);
    const [bytes, carries] = heldBy(r, carry);
    hold(bytes, carries, 0);
  };
}

/**
 * One iteration of a body, forward then backward, on its tape whose constants and captured values are loaded
 * (loadCall) and whose row, index and carry the caller has just written: `values` says whether the caller reads
 * the body's output values (a recording that only feeds the backward sweep computes less).
 */
interface BodySweeps {
  readonly tape: Tape;
  run(seed: (adj: Float64Array) => void, values: boolean, touched?: Uint8Array): void;
  /**
   * The backward sweep alone, on values already in the tape. `touched`, when the caller knows it, flags the
   * outputs the seed touches (else the seed is tried on a probe to find them).
   */
  adjoint(seed: (adj: Float64Array) => void, touched?: Uint8Array): void;
}

function bodySweeps(loop: Loop, check: boolean, backend: Backend, options: CheckpointOptions): BodySweeps {
  const body = loop.body;
  const tape = tapeFor(body);
  const full = primalRunner(body, check, backend);
  const lean =
    body.calls.length === 0
      ? primalRunner(body, check, backend, true)
      : primalRunner(body, check, backend, true, recordHook(tape, options));
  const nested = body.calls.length > 0;
  // backward's choice, made once per call rather than per iteration (a checked sweep's options say so); one
  // call deep per iteration where the interpreter runs.
  const checked = 'check' in options && options.check === true;
  const sweeps = sweepsFor(body, backend, checked);
  const adjoint: (seed: Seed) => void = sweeps.generated
    ? (seed) => sweeps.adjoint(tape, seed, options)
    : (seed) => interpretAdjoint(body, tape, seed, backend, options, checked);
  // The sweep without zero tests loses the marks of what crosses the body's boundary: set them again.
  const marks = generates(body, backend, check);
  return {
    tape,
    run(seed, values, touched) {
      usage.bodyPrimals++;
      // A body with loops records them (their residuals) in any case.
      if (values && !nested) full(tape.values);
      else lean(tape.values);
      this.adjoint(seed, touched);
    },
    adjoint(seed, touched) {
      usage.bodyBackwards++;
      // Compiled: the sweep without zero tests, or where it meets ∞ or NaN the interpreter (sweepsFor decides).
      adjoint(seed);
      // A body with loops, or a checked one, runs on the interpreter, whose inputs' adjoints are exact.
      if (marks) markInputs(body, tape.adjoints, touched ?? seededOutputs(body, seed));
    },
  };
}

/**
 * A summed map's backward sweep into its expression rows: each row's kept gradient scaled by the output's
 * adjoint `ybar`, added to its argument nodes' adjoints (an untouched entry sends nothing), row by row as
 * {@link backwardCall}'s rowAdjoints does, in one loop without a call per row.
 */
function addRowGradients(
  call: LoopCall,
  args: Int32Array,
  adj: Float64Array,
  rows: Float64Array,
  ybar: number,
): void {
  const { loop } = call;
  const w = loop.width;
  const start = rowArg(loop, 0);
  // Consecutive argument nodes (lse's inputs): at their place, without the argument table, through a view of
  // them indexed from 0, and with ybar·p + 0 alone, which is p where ybar is 1 (p + 0 is p but at −0, skipped).
  // lse's 1.28M rows took 4.5 ms, now 3.2 (the loops timed apart).
  const at = rowRun(call);
  if (at >= 0) {
    const count = loop.n * w;
    const to = adj.subarray(at, at + count);
    let skipped = 0;
    for (let j = 0; j < count; j++) {
      const p = rows[j] as number;
      if (p === 0 && 1 / p < 0) {
        skipped++;
        continue;
      }
      to[j] = (to[j] as number) + (ybar * p + 0);
    }
    if (skipped === 0) noteReachedRun(adj, at, at + count);
    return;
  }
  for (let j = 0; j < loop.n * w; j++) {
    const p = rows[j] as number;
    if (p === 0 && 1 / p < 0) continue;
    const arg = args[start + j] as number;
    adj[arg] = (adj[arg] as number) + (ybar === 1 ? p : ybar * p + 0);
  }
}

/**
 * {@link addRowGradients} for rows kept in the program's adjoints `adj[at … at + count − 1]` ({@link directRun}),
 * in place: those entries hold the rows' adjoints p where the zeroing left −0, so t + (ybar·p + 0) is
 * ybar·p + 0 (−0 + y is y for every y), and an untouched p (−0) stays as the zeroing would have left it.
 */
function scaleRowGradients(adj: Float64Array, at: number, count: number, ybar: number): void {
  let skipped = 0;
  for (let j = at; j < at + count; j++) {
    const p = adj[j] as number;
    if (p === 0 && 1 / p < 0) {
      skipped++;
      continue;
    }
    adj[j] = ybar * p + 0;
  }
  if (skipped === 0) noteReachedRun(adj, at, at + count);
}

/** {@link directRun}'s answer for a call: the first row node (or −1), and whether only loop calls read the rows below. */
interface DirectRun {
  readonly at: number;
  readonly alone: boolean;
}

const directRuns = new WeakMap<LoopCall, DirectRun>();

/**
 * Where summed map call `call` of `f` may keep its rows' adjoints in `f`'s adjoints at the rows' nodes, during
 * a recording followed by one backward sweep: the first row node, or −1. The rows must be consecutive inputs
 * (lse's), no output of `f`, and read by no node above the call's outputs (nor by another call there): then
 * between the recording and this call's backward sweep nothing adds to their adjoints (the seed sets outputs',
 * the sweeps above reach other nodes), where the zeroing would have left −0. The zeroing leaves them alone
 * ({@link zeroAdjoints}), and the backward sweep scales them in place ({@link scaleRowGradients}): a pass over
 * the rows' adjoints fewer, and one that writes nothing on the zeroing's. `alone`: whether the operation nodes
 * below the call and its own captured values read none of the rows (only loop calls below do, lse's max): then
 * the map's backward sweep may leave its scaling to the derivatives' pass, since a loop call's backward sweep
 * that adds to those adjoints does it first ({@link settleScale}), and the interpreter's sweep over the other
 * nodes never touches them.
 */
function directRun(f: Program, call: LoopCall): DirectRun {
  return cachedFor(directRuns, call, () => {
    const { loop } = call;
    const count = loop.n * loop.width;
    const at = rowRun(call);
    const none = { at: -1, alone: false };
    if (count === 0 || at < f.inputStart || at + count > f.opStart) return none;
    const within = (node: number) => node >= at && node < at + count;
    for (const o of f.outputs) if (within(o)) return none;
    let read = false;
    // The call's own captured values are added to after its rows' scaling: none may be a row.
    let alone = true;
    for (let k = 0; k < rowArg(loop, 0); k++) if (within(call.args[k] as number)) alone = false;
    for (let i = f.opStart; i < f.size; i++) {
      if (i >= call.first && i < call.first + loop.outputs) continue;
      f.forEachArg(i, (arg) => {
        if (!within(arg)) return;
        if (i > call.first) read = true;
        else if (f.op[i] !== LOOP) alone = false;
      });
    }
    return read ? none : { at, alone };
  });
}

/**
 * Per adjoint array, a run of summed map rows' adjoints p whose scaling the map's backward sweep left for later:
 * each entry stands for ybar·p + 0 (no p is −0). The derivatives' pass scales them as it writes them out
 * ({@link inputDerivativesInto}); a sweep that would add to them first scales them in place ({@link settleScale}).
 */
const pendingScales = new WeakMap<Float64Array, { at: number; count: number; ybar: number }>();

/** Scales in place the run whose scaling was left for later on `adj`, if any. */
function settleScale(adj: Float64Array): void {
  const s = pendingScales.get(adj);
  if (s === undefined) return;
  pendingScales.delete(adj);
  scaleRowGradients(adj, s.at, s.count, s.ybar);
}

/**
 * The inputs' derivatives after a gradient's backward sweep (asDerivative of each input's adjoint) into `to`,
 * a run of rows' adjoints whose scaling was left for later scaled in the same pass (scaledDerivativesInto):
 * one pass over them, where scaling in place and then writing out took two. `tape` is `f`'s; that run of its
 * adjoints stays unscaled (the next sweep zeroes it).
 */
export function inputDerivativesInto(f: Program, tape: Tape, to: Float64Array): void {
  const adj = tape.adjoints;
  const inputs = adj.subarray(f.inputStart, f.opStart);
  const s = pendingScales.get(adj);
  if (s === undefined) {
    asDerivativesInto(inputs, to);
    return;
  }
  pendingScales.delete(adj);
  const from = s.at - f.inputStart;
  const end = from + s.count;
  // The inputs before and after the run only where there are any (lse's run is every input): a call that runs
  // in no gradient has no feedback, so V8 does not compile its loop again into this function (22 ms of
  // compile time at lse's n = 40,000, `node --trace-opt`, in the first second of gradients).
  if (from > 0) asDerivativesInto(inputs.subarray(0, from), to.subarray(0, from));
  scaledDerivativesInto(inputs.subarray(from, end), s.ybar, to.subarray(from, end));
  if (end < inputs.length) asDerivativesInto(inputs.subarray(end), to.subarray(end));
}

/**
 * The backward sweep's zeroing of `tape`'s adjoints (every entry −0, untouched), but where a recording kept a
 * summed map's rows' adjoints ({@link directRun}) still to be read.
 */
export function zeroAdjoints(tape: Tape): void {
  const adj = tape.adjoints;
  forgetReachedRuns(adj);
  pendingScales.delete(adj);
  const kept = residuals.get(tape);
  // Looked for only in a tape that has loop calls' residuals; an array only where one keeps its rows there.
  let runs: number[] | undefined;
  if (kept !== undefined) {
    for (const r of kept) {
      if (r?.kind !== 'gradient' || r.direct?.held !== true) continue;
      if (runs === undefined) runs = [];
      runs.push(r.direct.at, r.rows.length);
    }
  }
  if (runs === undefined) {
    adj.fill(UNTOUCHED);
    return;
  }
  if (runs.length === 2) {
    // One run (lse's): around it, without ordering runs.
    adj.fill(UNTOUCHED, 0, runs[0]);
    adj.fill(UNTOUCHED, (runs[0] as number) + (runs[1] as number));
    return;
  }
  // Disjoint (directRun: a call's rows are read by no call above it), in the order of their nodes.
  const order = Array.from({ length: runs.length / 2 }, (_, k) => k).sort(
    (p, q) => (runs[2 * p] as number) - (runs[2 * q] as number),
  );
  let from = 0;
  for (const k of order) {
    const at = runs[2 * k] as number;
    adj.fill(UNTOUCHED, from, at);
    from = at + (runs[2 * k + 1] as number);
  }
  adj.fill(UNTOUCHED, from);
}

function recordCall(
  f: Program,
  index: number,
  v: Float64Array,
  check: boolean,
  backend: Backend,
  options: CheckpointOptions,
  adj?: Float64Array,
): Residual {
  const call = f.calls[index] as LoopCall;
  const { loop, first } = call;
  const { body, n, carry: c, perStep } = loop;
  const outs = body.outputs;
  const in0 = body.inputStart;
  const cap = in0 + capturedInput(loop);
  if (loop.kind === 'map') {
    if (loop.reduce !== 'sum' || perStep !== 1) {
      // The backward sweep runs the rows again; here only their values.
      usage.bodyPrimals += n;
      callPrimal(f, index, v, check, backend);
      return { kind: 'rows' };
    }
    // Σ_i ∇y_i starts untouched: a captured value no row's output reaches keeps an untouched adjoint.
    const g = new Float64Array(loop.captured).fill(UNTOUCHED);
    // Rows that are expressions: each row's own gradient (n × width values), where the backward sweep adds it:
    // in the program's adjoints at the rows' nodes where nothing else writes there before it (directRun).
    const run = adj === undefined ? undefined : directRun(f, call);
    const at = run?.at ?? -1;
    const rows =
      at >= 0
        ? (adj as Float64Array).subarray(at, at + n * loop.width)
        : reusable(rowStores, loop, loop.rowArgs ? n * loop.width : 0);
    const r0 = in0 + rowInput(loop);
    // The body's tape (bodySweeps' own); its sweeps only where the interpreter runs the rows below: the
    // driver needs none, and building them per call made recordCall's compiled code larger.
    const tape = tapeFor(body);
    const { values: bv, adjoints: badj } = tape;
    loadCall(call, v, bv);
    const out = outs[0] as number;
    const seed = (adj: Float64Array) => {
      adj[out] = 1;
    };
    if (n === 0) v[first] = 0;
    // Whether a row's adjoint may be −0 (untouched): the interpreter's rows are taken as they come; after the
    // driver's marks, only where output 0 does not reach some row entry.
    let unmarked = true;
    // Over no rows the driver runs nothing, and its marks afterwards would set what no row touched.
    if (n > 0 && drivesLoop(call, check, backend)) {
      // The compiled backend's driver: the statements of the loop below, in one generated function.
      // An iteration whose fast sweep met ∞ or NaN: the interpreter's rule, on values computed again (backward).
      const slow = () => {
        usage.handedOver++;
        backward(loop.body, tape, seed, backend, options);
      };
      const fast = mapGradient(call, bv, badj, false);
      // Whether the rows' adjoints carry their marks already (the driver with locals writes them so).
      let rowsMarked = marksRows(fast);
      if (!fast(v, bv, badj, g, rows, slow)) {
        // A row's sweep left NaN or ±∞ in an input's adjoint: again, each row's stores tested (a rare point).
        g.fill(UNTOUCHED);
        mapGradient(call, bv, badj, true)(v, bv, badj, g, rows, slow);
        rowsMarked = false;
      }
      usage.bodyPrimals += n;
      usage.bodyBackwards += n;
      // The driver's sweep without zero tests does not mark what output 0 does not reach: mark it here.
      const reached = reachedInputs(body, Uint8Array.of(1));
      markSums(g, reached, capturedInput(loop));
      if (!rowsMarked) markRows(rows, reached, rowInput(loop), loop.width);
      // The marks leave −0 exactly on the row entries output 0 does not reach.
      unmarked = reached.subarray(rowInput(loop), rowInput(loop) + loop.width).some((r) => r !== 1);
    } else {
      const sweeps = bodySweeps(loop, check, backend, options);
      for (let i = 0; i < n; i++) {
        setIteration(call, v, bv, in0, i);
        sweeps.run(seed, true);
        const y = bv[out] as number;
        v[first] = i === 0 ? y : (v[first] as number) + y;
        for (let k = 0; k < g.length; k++) g[k] = (g[k] as number) + (badj[cap + k] as number);
        if (loop.rowArgs) copy(badj, r0, rows, i * loop.width, loop.width);
      }
    }
    const later = at >= 0 && !unmarked && run?.alone === true;
    return { kind: 'gradient', g, rows, direct: at >= 0 ? { at, held: true, later } : undefined };
  }
  const strategy = options.checkpoint ?? 'all';
  if (strategy !== 'all' && strategy !== 'sqrt' && strategy !== 'binomial') {
    throw new DifflabError(
      'invalid-argument',
      `checkpoint must be 'all', 'sqrt' or 'binomial', got '${String(strategy)}'`,
    );
  }
  const snapshots = strategy === 'binomial' ? snapshotCount(n, options.snapshots) : 0;
  // The forward pass: values only, on the loop's own value array.
  const w = loopWork(loop);
  const bv = w.v;
  // A body with loops of its own keeps residuals per iteration that one copy of its values would not hold.
  const keepTapes =
    strategy === 'all' &&
    body.calls.length === 0 &&
    body.size <= SCAN_TAPE_MAX_BODY &&
    n * body.size * 8 <= SCAN_TAPE_BUDGET;
  // A finite scan (lse's max) keeps no body values: its backward sweep is the marks of zeroScan whenever its
  // outputs' adjoints are zeros (lse's are), and otherwise runs each body from its carry, the same sweeps
  // to the same bits. Copying lse's body values took about a tenth of its gradient at n = 1.28M.
  const driver = drivesLoop(call, check, backend) ? scanPrimal(call, bv) : undefined;
  // The driver with locals tests the expression rows' entries as it reads them: the recording takes them as
  // finite, and where one is not, records again keeping the body values (a pass over lse's 1.28M fewer).
  const rowsTested = driver !== undefined && testsRows(driver);
  let finite = finiteScan(call, v, !rowsTested);
  // Store-all keeps the first carry alone of a finite scan, as one segment of sqrt's: its backward sweep is
  // zeroScan's marks, which read no carry, whenever its outputs' adjoints are zeros (lse's are), and otherwise
  // computes the carries again from the first (reverseScan), the same carries to the same bits. Keeping lse's
  // max's carries took about a fifteenth of its gradient at n = 40,000.
  let stride =
    strategy === 'sqrt'
      ? Math.max(1, Math.ceil(Math.sqrt(n)))
      : strategy === 'all' && !finite
        ? 1
        : Math.max(1, n);
  let snaps = reusable(snapStores, loop, Math.ceil(n / stride) * c);
  let tapes = keepTapes && !finite ? tapeStore(loop) : undefined;
  loadCall(call, v, bv);
  // After each iteration's sweep, before the carry passes on: its carry and values are those to keep.
  if (driver !== undefined) {
    // The first carry alone: copied here, and the driver runs its loop that keeps nothing (the primal's).
    let firstOnly = strategy === 'all' && stride > 1;
    if (firstOnly) copy(bv, in0, snaps, 0, c);
    // Keeping every iteration's values, the driver's body sweep stores its loops' block locals too, which
    // store-all's backward driver reads instead of computing them again (SweepOptions.stored in emit.ts).
    const record = (kept: Float64Array | undefined) =>
      scanPrimal(call, bv, kept !== undefined)(
        v,
        bv,
        0,
        n,
        true,
        firstOnly ? undefined : { snaps, stride, tapes: kept },
      );
    if (!record(tapes) && finite) {
      finite = false;
      usage.bodyPrimals += n;
      // Not finite after all: store-all's every carry, and its body values where they fit.
      if (firstOnly || keepTapes) {
        firstOnly = false;
        stride = 1;
        snaps = reusable(snapStores, loop, n * c);
        tapes = keepTapes ? tapeStore(loop) : undefined;
        loadCall(call, v, bv);
        record(tapes);
      }
    }
  } else
    scanSteps(call, v, bv, primalRunner(body, check, backend), 0, n, true, (i) => {
      if (i % stride === 0) copy(bv, in0, snaps, (i / stride) * c, c);
      tapes?.set(bv, i * body.size);
    });
  usage.bodyPrimals += n;
  for (let k = 0; k < c; k++) v[first + k] = bv[in0 + k] as number;
  if (tapes !== undefined) usage.bodyValueBytes = Math.max(usage.bodyValueBytes, tapes.byteLength);
  return { kind: 'scan', stride, snaps, snapshots, tapes, finite };
}

const tapeStores = new WeakMap<Loop, Float64Array>();
const rowStores = new WeakMap<Loop, Float64Array>();
const snapStores = new WeakMap<Loop, Float64Array>();

/**
 * A loop's array of `length` values from `store`, reused from one recording to the next (its last recording is
 * the only one a backward sweep reads), as the tape store is: lse's rows' gradients and max carries at n = 1.28M
 * were 20 MB allocated per gradient, and collecting them took about a sixth of it. Every entry is written by the
 * recording before it is read.
 */
function reusable(store: WeakMap<Loop, Float64Array>, loop: Loop, length: number): Float64Array {
  let a = store.get(loop);
  if (a === undefined || a.length !== length) {
    a = new Float64Array(length);
    store.set(loop, a);
  }
  return a;
}

/** A scan's store of every iteration's body values, reused from one recording to the next. */
function tapeStore(loop: Loop): Float64Array {
  return cachedFor(tapeStores, loop, () => new Float64Array(loop.n * loop.body.size));
}

function snapshotCount(n: number, requested: number | undefined): number {
  if (requested === undefined) return Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
  if (!Number.isInteger(requested) || requested < 1) {
    throw new DifflabError('invalid-argument', `snapshots must be a whole number ≥ 1, got ${requested}`);
  }
  return requested;
}

/**
 * The backward sweep of call `index` of `f`: adds to the adjoints of its arguments what the adjoints of its
 * outputs (already final in `adj`) send back. A call whose outputs all have zero adjoints sends nothing.
 */
export function backwardCall(
  f: Program,
  index: number,
  tape: Tape,
  backend: Backend,
  options: CheckpointOptions,
): void {
  const { values: v, adjoints: adj } = tape;
  const call = f.calls[index] as LoopCall;
  const { loop, first, args } = call;
  const { body, n, carry: c, perStep } = loop;
  let any = false;
  // A call none of whose outputs a seeded output reaches sends nothing; a reached zero adjoint still runs it
  // (against an infinite partial inside, 0·∞ is NaN, as in the unrolled program).
  for (let k = first; k < first + loop.outputs; k++) if (!isUntouched(adj[k] as number)) any = true;
  const residual = residualsOf(tape)[index];
  if (residual?.kind === 'gradient' && residual.direct !== undefined) {
    // The rows' adjoints kept in `adj` are read once: a second sweep on the recording would find them gone.
    if (!residual.direct.held) throw new Error('difflab: a recording kept in the adjoints swept twice');
    residual.direct.held = false;
    // A call that sends nothing leaves its rows' adjoints untouched, as the zeroing would have.
    if (!any) residual.rows.fill(UNTOUCHED);
  }
  if (!any) return;
  if (residual === undefined)
    throw new Error('difflab: a loop call was not recorded before its backward sweep');
  const in0 = body.inputStart;
  const cap = in0 + capturedInput(loop);
  const r0 = in0 + rowInput(loop);
  const outs = body.outputs;
  // The captured values' adjoints, summed over iterations, then added to the arguments'.
  // Sums of adjoints start untouched (−0 + −0 is −0, and −0 plus a reached adjoint is that adjoint).
  const gCap = new Float64Array(loop.captured).fill(UNTOUCHED);
  // A row's adjoints go straight to its argument nodes (expression rows only).
  const rowAdjoints = (i: number, from: Float64Array, offset: number, scale: number) => {
    if (!loop.rowArgs) return;
    const base = rowArg(loop, i);
    for (let k = 0; k < loop.width; k++) {
      const p = from[offset + k] as number;
      if (isUntouched(p)) continue;
      const arg = args[base + k] as number;
      adj[arg] = (adj[arg] as number) + (scale === 1 ? p : scale * p + 0);
    }
  };
  const addCaptured = (badj: Float64Array) => {
    for (let k = 0; k < gCap.length; k++) gCap[k] = (gCap[k] as number) + (badj[cap + k] as number);
  };
  if (residual.kind === 'gradient') {
    const ybar = adj[first] as number;
    for (let k = 0; k < loop.captured; k++) {
      const p = residual.g[k] as number;
      if (!isUntouched(p)) gCap[k] = ybar * p + 0;
    }
    settleScale(adj);
    const direct = residual.direct;
    if (direct?.later === true) {
      // Scaled in the derivatives' pass; no −0 among them, so reached now (noteReachedRun).
      pendingScales.set(adj, { at: direct.at, count: residual.rows.length, ybar });
      noteReachedRun(adj, direct.at, direct.at + residual.rows.length);
    } else if (direct !== undefined) scaleRowGradients(adj, direct.at, residual.rows.length, ybar);
    else if (loop.rowArgs) addRowGradients(call, args, adj, residual.rows, ybar);
  } else if (residual.kind === 'rows') {
    settleScale(adj);
    const sweeps = bodySweeps(loop, false, backend, options);
    const { values: bv, adjoints: badj } = sweeps.tape;
    loadCall(call, v, bv);
    const seed = (sa: Float64Array) => {
      for (let k = 0; k < perStep; k++) {
        const ybar = adj[first + k] as number;
        if (isUntouched(ybar)) continue;
        const o = outs[k] as number;
        // logsumexp: ∂z/∂y_i = e^(y_i − z), sent as the unrolled node's partials are (ȳ·p + 0): a row whose weight
        // is 0 (y_i = −∞) under a negative ȳ is reached (+0), not left untouched by −0.
        sa[o] =
          (sa[o] as number) +
          (loop.reduce === 'sum' ? ybar : ybar * Math.exp((bv[o] as number) - (v[first + k] as number)) + 0);
      }
    };
    for (let i = 0; i < n; i++) {
      setIteration(call, v, bv, in0, i);
      sweeps.run(seed, loop.reduce === 'logsumexp');
      addCaptured(badj);
      rowAdjoints(i, badj, r0, 1);
    }
  } else if (!(residual.finite && zeroScan(call, adj, gCap))) {
    // zeroScan's marks (+0, and ±0 into the captured values' and carries' adjoints) change no entry of a reached
    // run, scaled or not; anything else adds to adjoints, so a scaling left for later is done first.
    settleScale(adj);
    const sweeps = bodySweeps(loop, false, backend, options);
    const { values: bv, adjoints: badj } = sweeps.tape;
    loadCall(call, v, bv);
    const cbar = new Float64Array(c);
    for (let k = 0; k < c; k++) cbar[k] = adj[first + k] as number;
    let base = 0;
    // An untouched adjoint is skipped: x + (−0) is x for every x, and a few reached carries among many (ode's
    // gradient of one component) then cost a few stores, not one per carry.
    const seed = (sa: Float64Array) => {
      for (let k = 0; k < c; k++) {
        const g = cbar[k] as number;
        if (!isUntouched(g)) sa[outs[k] as number] = (sa[outs[k] as number] as number) + g;
      }
      for (let k = 0; k < perStep; k++) {
        const g = adj[base + k] as number;
        if (!isUntouched(g)) sa[outs[c + k] as number] = (sa[outs[c + k] as number] as number) + g;
      }
    };
    // The outputs the seed touches, read from the adjoints themselves (no probe over the body's outputs).
    const touched = new Uint8Array(outs.length);
    const touch = () => {
      for (let k = 0; k < c; k++) touched[k] = isUntouched(cbar[k] as number) ? 0 : 1;
      for (let k = 0; k < perStep; k++) touched[c + k] = isUntouched(adj[base + k] as number) ? 0 : 1;
      return touched;
    };
    const tapes = residual.tapes;
    const driven = drivesLoop(call, false, backend);
    // Where a driver may run: the inputs every output reaches (for its marks afterwards), or undefined.
    let reached = driven ? drivenReach(body, cbar, adj, first + c, first + loop.outputs) : undefined;
    // A driver's iteration whose fast sweep met ∞ or NaN: the interpreter's rule, on values computed again.
    const slow = (i: number) => {
      base = first + c + i * perStep;
      backward(body, sweeps.tape, seed, backend, options);
    };
    // Where the touched outputs reach a small part of the body (ode's gradient of one component), the steps
    // over that part alone (reached.ts), to the same numbers; a checked sweep's messages are the interpreter's.
    const reachedSteps =
      tapes === undefined && !('check' in options && options.check === true)
        ? new ReachedSteps(call, sweeps.tape, v, adj, cbar, gCap)
        : undefined;
    const step = (i: number, carries: Float64Array, at: number) => {
      base = first + c + i * perStep;
      if (reachedSteps?.step(i, carries, at)) {
        usage.bodyPrimals++;
        usage.bodyBackwards++;
        usage.reachedSteps++;
        rowAdjoints(i, badj, r0, 1);
        return;
      }
      if (tapes !== undefined) {
        copy(tapes, i * body.size, bv, 0, body.size);
        sweeps.adjoint(seed, touch());
      } else {
        copy(carries, at, bv, in0, c);
        setIteration(call, v, bv, in0, i);
        sweeps.run(seed, false, touch());
      }
      for (let k = 0; k < c; k++) cbar[k] = badj[in0 + k] as number;
      addCaptured(badj);
      rowAdjoints(i, badj, r0, 1);
    };
    // Store-all's driver needs every carry's adjoint touched. Where the last iterations leave some untouched
    // (lstm's loss reads only the running total of its carry; the last step touches the rest), those run by
    // step first, a few at most, and the driver runs the ones before them (data rows only: the driver's marks
    // on expression rows are for every row).
    let to = n;
    const lead = driven && tapes !== undefined && !loop.rowArgs ? LEAD_STEPS : 0;
    for (let k = 0; k < lead && reached === undefined && to > 0; k++) {
      step(to - 1, residual.snaps, 0);
      to--;
      reached = drivenReach(body, cbar, adj, first + c, first + c + to * perStep);
    }
    if (tapes !== undefined && reached !== undefined && to > 0) {
      // Store-all: the compiled backend's driver runs the steps below, from iteration to − 1 to the first (its
      // marks are those of iterations that touch every output: none to mark where every iteration ran above).
      scanBackward(call, bv, badj)(adj, bv, badj, tapes, cbar, gCap, slow, to);
      usage.bodyBackwards += to;
      markDriven(loop, args, adj, cbar, gCap, reached);
    } else {
      // Recomputing carries: values only, on the loop's own value array.
      const pv = loopWork(loop).v;
      const run = primalRunner(body, false, backend);
      loadCall(call, v, pv);
      const advance = (from: number, to: number, carries: Float64Array, at: number) => {
        copy(carries, at, pv, in0, c);
        if (driven) scanPrimal(call, pv)(v, pv, from, to, false, undefined);
        else scanSteps(call, v, pv, run, from, to, false);
        usage.bodyPrimals += to - from;
        copy(pv, in0, carries, at, c);
      };
      // Iterations from .. to − 1, last first, each from its carry at carries[at + (i − from)·c]: by the compiled
      // backend's driver (the statements of step, in one generated function), or by step one at a time. Only for
      // a small body, where the per-iteration calls the driver saves count: with ode's body (88,000 nodes at
      // n = 4,000, s = 200) the driver was 4–6× slower than the step-by-step code, likely because its
      // statements written out for every adjoint run make a function V8 does not optimise.
      // As for store-all above, the driver runs only where every output is touched and every carry reached.
      const drivenSteps = reached !== undefined && tapes === undefined && body.size <= SCAN_TAPE_MAX_BODY;
      const steps: Steps = drivenSteps
        ? (from, to, carries, at) => {
            scanBackwardSteps(call, bv, badj)(adj, v, bv, badj, carries, at, from, to, cbar, gCap, slow);
            usage.bodyPrimals += to - from;
            usage.bodyBackwards += to - from;
          }
        : (from, to, carries, at) => {
            for (let i = to - 1; i >= from; i--) step(i, carries, at + (i - from) * c);
          };
      // Iterations to .. n − 1 ran above (store-all: one carry kept per iteration, so these are the rest).
      reverseScan(to, c, residual, steps, advance);
      // Marks only where the driver ran some iteration (a scan over no rows touches nothing).
      if (drivenSteps && reached !== undefined && to > 0) markDriven(loop, args, adj, cbar, gCap, reached);
    }
    for (let k = 0; k < c; k++)
      adj[args[k] as number] = (adj[args[k] as number] as number) + (cbar[k] as number);
  }
  for (let k = 0; k < gCap.length; k++) {
    const arg = args[c + k] as number;
    adj[arg] = (adj[arg] as number) + (gCap[k] as number);
  }
}

/*
 * A scan whose outputs' adjoints are all zeros, some reached (+0): lse's max over 1.28M inputs, whose adjoint
 * 1 − Σ softmax comes out exactly 0. Each iteration's sweep then sends p·0 + 0 through every reached edge, which
 * is +0 wherever the partial p is finite, so it only marks what it reaches: every reached input +0, every other
 * one untouched, as the body's structure says. Where every partial is sure to be finite, those marks are set
 * without running the body (the backward sweep over lse's max took longer than the rest of the gradient).
 */

/**
 * The ops the op table marks `finite` (value and partials finite wherever their arguments are): a body of these
 * ops alone, from finite inputs, has finite values and partials in every iteration (its carries stay finite).
 */
const FINITE_OPS = new Set<number>();
forEachOp((_name, code, def) => {
  if (def.arity !== 'n' && def.finite === true) FINITE_OPS.add(code);
});

const finiteBodies = new WeakMap<Program, boolean>();

/** Whether every operation of the body is one of {@link FINITE_OPS} (a loop call is not). */
function finiteBody(body: Program): boolean {
  return cachedFor(finiteBodies, body, () => {
    for (let i = body.opStart; i < body.size; i++) if (!FINITE_OPS.has(body.op[i] as number)) return false;
    return true;
  });
}

/** Whether every one of `count` values `from[at[start + k]]` (or `from[start + k]` without `at`) is finite. */
function allFinite(from: ArrayLike<number>, start: number, count: number, at?: Int32Array): boolean {
  for (let k = 0; k < count; k++) {
    const x = from[at === undefined ? start + k : (at[start + k] as number)] as number;
    if (x - x !== 0) return false;
  }
  return true;
}

/**
 * Whether scan call `call`'s body's values and partials are all finite in every iteration: finite ops from
 * finite constants, initial carry, captured values and rows (the values in `v`, as the recording reads them).
 */
function finiteScan(call: LoopCall, v: Float64Array, rows = true): boolean {
  const { loop, args } = call;
  const { body, n, carry: c, width: w } = loop;
  if (!finiteBody(body)) return false;
  if (!allFinite(body.constants, 0, body.constants.length)) return false;
  if (!allFinite(v, 0, c + loop.captured, args)) return false;
  // Without `rows`, the caller tests the rows itself (the scan driver with locals, as it reads them).
  if (!rows) return true;
  return loop.rowArgs ? allFinite(v, rowArg(loop, 0), n * w, args) : allFinite(loop.rows, 0, n * w);
}

/**
 * The backward sweep of scan call `call` when its outputs' adjoints are all zeros and its body's values and
 * partials are all finite (the recording found it {@link finiteScan}): the marks each iteration's sweep would
 * leave, from the last iteration to the first, with the captured values' into `gCap` and the carries' and
 * expression rows' into `adj`. False (nothing done) where an output's adjoint is not zero.
 */
function zeroScan(call: LoopCall, adj: Float64Array, gCap: Float64Array): boolean {
  const { loop, first, args } = call;
  const { body, n, carry: c, perStep } = loop;
  for (let k = first; k < first + loop.outputs; k++) if (adj[k] !== 0) return false;
  const capIn = capturedInput(loop);
  const r = rowInput(loop);
  const touched = new Uint8Array(body.outputs.length);
  for (let k = 0; k < c; k++) touched[k] = isUntouched(adj[first + k] as number) ? 0 : 1;
  // The reach of the last touched outputs: asked again only when they change (lse's never do).
  let reached: Uint8Array | undefined;
  for (let i = n - 1; i >= 0; i--) {
    const base = first + c + i * perStep;
    for (let k = 0; k < perStep; k++) {
      const t = isUntouched(adj[base + k] as number) ? 0 : 1;
      if (touched[c + k] !== t) reached = undefined;
      touched[c + k] = t;
    }
    if (reached === undefined) {
      reached = reachedInputs(body, touched);
      for (let k = 0; k < gCap.length; k++) if (reached[capIn + k] === 1) gCap[k] = (gCap[k] as number) + 0;
      // The carry inputs' marks are the next (earlier) iteration's carry outputs' seeds.
      let same = true;
      for (let k = 0; k < c; k++) {
        if (touched[k] !== reached[k]) same = false;
        touched[k] = reached[k] as number;
      }
      // Unless they are the seeds this reach was asked with, the next iteration asks again.
      const asked = reached;
      if (!same) reached = undefined;
      if (loop.rowArgs) markRow(loop, args, adj, asked, r, i);
    } else if (loop.rowArgs) {
      // With no per-step outputs the reach stays as it is: rows i … 0 get the same marks, in one pass each.
      if (perStep === 0) {
        markRows0(call, adj, reached, r, i + 1);
        break;
      }
      markRow(loop, args, adj, reached, r, i);
    }
  }
  // The initial carry's adjoints: +0 added where the first iteration reaches the carry input.
  for (let k = 0; k < c; k++) {
    const arg = args[k] as number;
    if (touched[k] === 1) adj[arg] = (adj[arg] as number) + 0;
  }
  return true;
}

/**
 * Per adjoint array, one run of entries [from, to) known to hold no −0 in the backward sweep under way: each got
 * t + (ybar·p + 0), which is never −0 (ybar·p + 0 is not, and a sum is −0 only where both terms are). Within
 * one sweep the adjoints only have things added to them, and x + y is −0 only where x is, so the run stays
 * reached until the next sweep zeroes the array ({@link forgetReachedRuns}). Marking it (+ 0) changes nothing:
 * lse's max marks the rows its exp sum has just reached, a pass over the inputs fewer.
 */
const reachedRuns = new WeakMap<Float64Array, { from: number; to: number }>();

function noteReachedRun(adj: Float64Array, from: number, to: number): void {
  reachedRuns.set(adj, { from, to });
}

/** Forgets what {@link noteReachedRun} noted on `adj`: called where a backward sweep zeroes it. */
function forgetReachedRuns(adj: Float64Array): void {
  reachedRuns.delete(adj);
}

/** Whether adj[from … to − 1] is all reached ({@link noteReachedRun}). */
function reachedRun(adj: Float64Array, from: number, to: number): boolean {
  const run = reachedRuns.get(adj);
  return run !== undefined && run.from <= from && to <= run.to;
}

/** {@link markRow} for rows 0 … count − 1, entry by entry (lse's 1.28M rows of one entry). */
function markRows0(call: LoopCall, adj: Float64Array, reached: Uint8Array, r: number, count: number): void {
  const { loop, args } = call;
  const w = loop.width;
  const start = rowArg(loop, 0);
  // Consecutive argument nodes (lse's inputs): at their place, without the argument table.
  const at = rowRun(call);
  // Rows a map's backward sweep already reached hold no −0 to mark.
  if (at >= 0 && reachedRun(adj, at, at + count * w)) return;
  for (let k = 0; k < w; k++) {
    if (reached[r + k] !== 1) continue;
    if (at >= 0) {
      for (let j = at + k; j < at + count * w; j += w) adj[j] = (adj[j] as number) + 0;
      continue;
    }
    for (let j = start + k; j < start + count * w; j += w) {
      const arg = args[j] as number;
      adj[arg] = (adj[arg] as number) + 0;
    }
  }
}

/** Adds +0 to the adjoints of expression row i's entries that `reached` flags (body input `r + k` for entry k). */
function markRow(
  loop: Loop,
  args: Int32Array,
  adj: Float64Array,
  reached: Uint8Array,
  r: number,
  i: number,
): void {
  const rb = rowArg(loop, i);
  for (let k = 0; k < loop.width; k++) {
    const arg = args[rb + k] as number;
    if (reached[r + k] === 1) adj[arg] = (adj[arg] as number) + 0;
  }
}

/**
 * Copies `count` values from `from[fromStart …]` to `to[toStart …]`: by a loop for a few (a view is an object
 * per call, which costs more than the copy), by `set` for many (a block copy).
 */
function copy(from: Float64Array, fromStart: number, to: Float64Array, toStart: number, count: number): void {
  if (count > 64) to.set(from.subarray(fromStart, fromStart + count), toStart);
  else for (let k = 0; k < count; k++) to[toStart + k] = from[fromStart + k] as number;
}

/** Runs iterations `to − 1` down to `from`'s sweeps, iteration i from the carry at `carries[at + (i − from)·c …]`. */
type Steps = (from: number, to: number, carries: Float64Array, at: number) => void;
/** Runs iterations `from .. to − 1` on the carry held at `carries[at …]`, in place. */
type Advance = (from: number, to: number, carries: Float64Array, at: number) => void;

/**
 * Runs `steps` over i = n − 1 down to 0, getting each carry from the kept ones and `advance`.
 */
function reverseScan(
  n: number,
  c: number,
  residual: { stride: number; snaps: Float64Array; snapshots: number },
  steps: Steps,
  advance: Advance,
): void {
  const { stride, snaps } = residual;
  if (n === 0) return;
  if (stride === 1) {
    steps(0, n, snaps, 0);
    return;
  }
  if (residual.snapshots === 0) {
    // sqrt: one segment at a time, its carries recomputed from the segment's kept first carry.
    const segment = new Float64Array(stride * c);
    hold(segment.byteLength, 0, stride);
    for (let s = Math.ceil(n / stride) - 1; s >= 0; s--) {
      const start = s * stride;
      const end = Math.min(n, start + stride);
      copy(snaps, s * c, segment, 0, c);
      for (let i = start + 1; i < end; i++) {
        copy(segment, (i - start - 1) * c, segment, (i - start) * c, c);
        advance(i - 1, i, segment, (i - start) * c);
      }
      steps(start, end, segment, 0);
    }
    hold(-segment.byteLength, 0, -stride);
    return;
  }
  // The first carry is only read (copied from, stepped from): no copy of it.
  binomialReverse(0, n, snaps, residual.snapshots, c, steps, advance);
}

/** β(s, t) = C(s + t, s): the most iterations s snapshots (the first carry's among them) reverse with every
 * iteration run forward at most t times besides its recording (Griewank and Walther's binomial bound). */
function beta(s: number, t: number): number {
  let r = 1;
  for (let k = 1; k <= s; k++) r = (r * (t + k)) / k;
  return Math.round(r);
}

/** One level of binomialReverse: iterations l .. r − 1 from `carry` (at l), `s` free snapshots, its own `work` carry. */
interface Level {
  readonly l: number;
  r: number;
  readonly carry: Float64Array;
  readonly s: number;
  readonly work: Float64Array;
}

/**
 * Reverses iterations `l .. r − 1` from the carry at `l` with `s` free snapshots besides it, as revolve does.
 * With t the fewest forward runs per iteration for which β(s + 1, t) ≥ r − l, a snapshot goes at m: the right
 * part [m, r) is reversed with s − 1 free snapshots and at most t runs, the left part [l, m), already run once
 * to reach m, with s snapshots and t − 1 more. Of the splits that allow, m − l = max(r − l − β(s, t),
 * β(s + 1, t − 2)) gives Griewank's minimal number of forward runs, t·(r − l) − β(s + 2, t − 1).
 *
 * The right part is reversed first, as a level of its own on an explicit stack (at most s + 1 levels, and s
 * may be as large as n: no recursion), then its parent goes on with [l, m).
 */
function binomialReverse(
  l0: number,
  r0: number,
  carry0: Float64Array,
  s0: number,
  c: number,
  steps: Steps,
  advance: Advance,
): void {
  const levels: Level[] = [];
  // One carry per level: a snapshot placed at m while s > 0, the carry advanced towards each last iteration
  // once no snapshot is left.
  const enter = (l: number, r: number, carry: Float64Array, s: number) => {
    if (r - l === 1) {
      steps(l, r, carry, 0);
      return;
    }
    const work = new Float64Array(c);
    hold(work.byteLength, s > 0 ? 1 : 0, s > 0 ? 0 : 1);
    levels.push({ l, r, carry, s, work });
  };
  enter(l0, r0, carry0, s0);
  while (levels.length > 0) {
    const level = levels[levels.length - 1] as Level;
    const { l, carry, s, work } = level;
    const r = level.r;
    if (r - l === 1) {
      steps(l, r, carry, 0);
      levels.pop();
      hold(-work.byteLength, s > 0 ? -1 : 0, s > 0 ? 0 : -1);
      continue;
    }
    copy(carry, 0, work, 0, c);
    if (s === 0) {
      // No snapshot left: recompute from l for the last iteration, then the one before, ...
      advance(l, r - 1, work, 0);
      steps(r - 1, r, work, 0);
      level.r = r - 1;
      continue;
    }
    let t = 1;
    while (beta(s + 1, t) < r - l) t++;
    // The left part, run once more to reach m, then reversed with t − 1 runs: at most β(s + 1, t − 1), and at
    // least β(s + 1, t − 2), or moving an iteration from the right part to it would save a run.
    const left = Math.max(1, r - l - beta(s, t), t >= 2 ? beta(s + 1, t - 2) : 0);
    const m = l + Math.min(r - l - 1, left);
    advance(l, m, work, 0);
    level.r = m;
    enter(m, r, work, s - 1);
  }
}
