/**
 * The compiled backend: each program's sweeps as generated JavaScript (`new Function`), built on first use
 * and cached with the program. The interpreter stays the reference; the compiled sweeps give the same
 * numbers to the last bit (test/ir/compile.test.ts).
 *
 * Every compiled sweep works on the same arrays as the interpreter's: `v` holds every node's value (the
 * caller writes the constants and inputs, the sweep the rest), `adj` the adjoints, `t` the tangents.
 */
import {
  FIXED_VALUE,
  NARY_VALUE,
  type NaryOpDef,
  NUMERIC_PARTIALS,
  OP_ARITY,
  OP_CODE,
  OP_DEFS,
} from '../../ir/ops.js';
import type { Program } from '../../ir/program.js';
import { chainNodes } from './chain.js';
import { type SweepCode, sweepSource, useCounts } from './emit.js';
import { accumulateLanes, binaryLane, binaryLanes, unaryLane, unaryLanes } from './lanes.js';
import { activity, adjointNeeds, planSegments, type Segment } from './plan.js';

export { accumulateLanes, binaryLanes, unaryLanes } from './lanes.js';
export { activity, adjointNeeds, planSegments, type Segment } from './plan.js';

/** The compiled sweeps of one program. */
export interface CompiledProgram {
  /** The plan: loops and straight runs. */
  readonly segments: readonly Segment[];
  /**
   * Fills the values of the operation nodes (constants and inputs already in `v`), except those used only
   * inside their own loop repetition: they stay in locals, and the adjoint sweep computes them again.
   */
  primal(v: Float64Array): void;
  /**
   * Fills only the values an adjoint sweep reads, and what they are computed from ({@link adjointNeeds}); the
   * other nodes' values in `v` are left as they were. What a gradient needs, without the rest of f.
   */
  tapePrimal(v: Float64Array): void;
  /**
   * Zeroes `adj` where the sweep reads it, seeds it by `seed` (which sets the outputs' adjoints), and accumulates
   * adjoints from the outputs down to the inputs by the sweep without zero-factor tests. Returns true when it
   * stored no NaN or ±∞ in `adj`: every local partial it met on an active node was finite, so `adj` holds the
   * inputs' adjoints as the zero-factor rule gives them (what it holds elsewhere is unspecified). Returns false
   * when it stored one (`adj` then holds garbage) or for a −0 seed; the caller then runs the interpreter's rule
   * (interpret/adjoint.ts's backward).
   */
  untestedAdjoint(v: Float64Array, adj: Float64Array, seed: (adj: Float64Array) => void): boolean;
  /** Fills the values and `width` tangents per operation node (constants' and inputs' tangents set). */
  tangent(width: number): (v: Float64Array, t: Float64Array) => void;
  /**
   * @internal The tangent sweep's functions at `width` lanes, built and primed on `v` and `t` (the same ones
   * {@link tangent} runs): what a loop's tangent driver calls once per iteration (loop.ts).
   */
  tangentKernels(width: number, v: Float64Array, t: Float64Array): Kernels<TangentFn>;
  /**
   * @internal The full primal sweep's functions, built and primed on `v`: what a loop's generated driver calls
   * once per iteration (loop.ts).
   */
  primalKernels(v: Float64Array): Kernels<PrimalFn>;
  /**
   * @internal The adjoint sweep without zero tests, built and primed on `v` and `adj`, and the runs of `adj`
   * it needs zeroed before each call: a driver zeroes them, seeds, calls every function, and when one returns
   * true (it stored NaN or ±∞) hands the iteration to the interpreter's rule, as {@link untestedAdjoint}'s
   * callers do.
   */
  adjointKernels(v: Float64Array, adj: Float64Array): { calls: Kernels<UntestedFn>; zeroRuns: Int32Array };
  /**
   * @internal {@link adjointKernels} without a test at each store (its functions return false): the caller
   * zeroes, seeds and calls them as it would those, then tests the active inputs' adjoints for NaN or ±∞ (a
   * NaN or ±∞ stored anywhere reaches one; see SweepOptions.noted in emit.ts) and hands an iteration that
   * has one to the interpreter's rule. Its zero runs are adjointKernels'.
   */
  unnotedAdjointKernels(v: Float64Array, adj: Float64Array): Kernels<UntestedFn>;
  /**
   * @internal {@link primalKernels} that also store the loops' block locals in `v`, and {@link adjointKernels}
   * that read them there instead of computing them again (SweepOptions.stored in emit.ts): what a scan's
   * recording that keeps every iteration's values and its backward driver run (loop.ts).
   */
  storedPrimalKernels(v: Float64Array): Kernels<PrimalFn>;
  storedAdjointKernels(
    v: Float64Array,
    adj: Float64Array,
  ): { calls: Kernels<UntestedFn>; zeroRuns: Int32Array };
}

/** @internal Generated functions in the order a sweep calls them, each with its offsets. */
export type Kernels<Fn> = readonly { readonly fn: Fn; readonly offsets: Int32Array | undefined }[];

/** A generated function: `(v, args, o)` for the primal sweep, `(v, adj or t, args, o)` for the others. */
export type PrimalFn = (v: Float64Array, args: Int32Array, o: Int32Array | undefined) => void;
type SegmentFn = (v: Float64Array, w: Float64Array, args: Int32Array, o: Int32Array | undefined) => void;
/** A tangent sweep's segment: `(v, t, args, o)`. */
export type TangentFn = SegmentFn;
/** An adjoint sweep's segment without zero tests: true when it stored a NaN or ±∞ in `adj`. */
export type UntestedFn = (
  v: Float64Array,
  adj: Float64Array,
  args: Int32Array,
  o: Int32Array | undefined,
) => boolean;

const NARY_PARTIAL = OP_DEFS.map((d) => (d.arity === 'n' ? (d as NaryOpDef).numericPartial : undefined));

/** A sweep's calls, each with its function and offsets, and a switch of the generated code's `once`. */
interface Built<Fn> {
  readonly calls: { fn: Fn; offsets: Int32Array | undefined }[];
  readonly once: (on: boolean) => void;
}

/** Compiles a sweep's code. */
function build<Fn>(code: SweepCode): Built<Fn> {
  const factory = new Function('V', 'P', 'N', 'Q', 'L1', 'L2', 'LA', 'S1', 'S2', 'K', code.source) as (
    ...tables: unknown[]
  ) => [Fn[], (on: boolean) => void];
  const [fns, once] = factory(
    FIXED_VALUE,
    NUMERIC_PARTIALS,
    NARY_VALUE,
    NARY_PARTIAL,
    unaryLanes,
    binaryLanes,
    accumulateLanes,
    unaryLane,
    binaryLane,
    code.vectors,
  );
  return { calls: code.calls.map((c) => ({ fn: fns[c.fn] as Fn, offsets: c.offsets })), once };
}

/**
 * Source characters of cut runs per function before its first real call (see primable in emit.ts), and the
 * fewest and most runs: about what V8 executes before it optimises a function as a whole.
 */
const PRIMING_CHARS = 200_000;
const PRIMING_RUNS = [20, 2000] as const;

/**
 * Runs every function of a sweep with its loops cut short, on the arrays of the call about to be made (what it
 * writes there, the real call writes again), before its first real call: so that every statement has run, with
 * type feedback, before V8 compiles a long loop during a real call, and so that V8 optimises the function as a
 * whole rather than entering each call through the compiled loop (on-stack replacement) from unoptimised code.
 * (V8 gives a function a feedback vector only after some runs, and optimises it after some more.) Compiled
 * ridge's gradient at K = 10⁴ took 0.037 or 0.018 ms by the run without this; its primal sweep at K = 10⁵,
 * 0.33 or 0.12 ms.
 */
function prime<Fn extends (...args: never[]) => unknown>(
  built: Built<Fn>,
  run: (fn: Fn, offsets: Int32Array | undefined) => void,
): void {
  built.once(true);
  try {
    for (const c of built.calls) {
      const length = Function.prototype.toString.call(c.fn).length;
      const runs = Math.min(PRIMING_RUNS[1], Math.max(PRIMING_RUNS[0], Math.ceil(PRIMING_CHARS / length)));
      for (let k = 0; k < runs; k++) run(c.fn, c.offsets);
    }
  } finally {
    built.once(false);
  }
}

class Compiled implements CompiledProgram {
  readonly segments: readonly Segment[];
  private readonly activity: Uint8Array;
  private need: Uint8Array | undefined;
  private primalCalls: Built<PrimalFn>['calls'] | undefined;
  private tapeCalls: Built<PrimalFn>['calls'] | undefined;
  private fastCalls: Kernels<UntestedFn> | undefined;
  private unnotedCalls: Built<UntestedFn>['calls'] | undefined;
  private storedPrimalCalls: Built<PrimalFn>['calls'] | undefined;
  private storedAdjoint: { calls: Kernels<UntestedFn>; zeroRuns: Int32Array } | undefined;
  /** The runs of nodes whose adjoints the untested sweep may read from `adj` before writing them. */
  private zeroRuns: Int32Array | undefined;
  private readonly tangentFns = new Map<number, (v: Float64Array, t: Float64Array) => void>();
  /** The tangent sweeps' calls by width, primed (each on the arrays of its first call). */
  private readonly tangentCalls = new Map<number, Built<SegmentFn>['calls']>();

  constructor(
    private readonly f: Program,
    passive?: Uint8Array,
  ) {
    this.segments = planSegments(f);
    this.activity = activity(f, passive);
  }

  /** A primal sweep's calls, built and primed on `v` (the array of the call about to be made). */
  private primalBuilt(
    v: Float64Array,
    need: Uint8Array | undefined,
    stored = false,
  ): Built<PrimalFn>['calls'] {
    const built = build<PrimalFn>(
      sweepSource(this.f, 'primal', this.segments, this.activity, { need, stored }),
    );
    const args = this.f.args;
    prime(built, (fn, o) => fn(v, args, o));
    return built.calls;
  }

  primalKernels(v: Float64Array): Kernels<PrimalFn> {
    this.primalCalls ??= this.primalBuilt(v, undefined);
    return this.primalCalls;
  }

  primal(v: Float64Array): void {
    this.primalCalls ??= this.primalBuilt(v, undefined);
    const args = this.f.args;
    for (const c of this.primalCalls) c.fn(v, args, c.offsets);
  }

  /**
   * What the adjoint sweep reads from the primal sweep: adjointNeeds, but for the chains of products whose
   * values the untested adjoint sweep computes again (chain.ts). The interpreter, where it takes over, computes
   * every value again itself (interpret/adjoint.ts's backward).
   */
  private needs(): Uint8Array {
    if (this.need === undefined) {
      this.need = adjointNeeds(this.f, this.activity);
      const chains = chainNodes(this.f, this.segments, useCounts(this.f), this.activity);
      for (const n of chains) this.need[n] = 0;
    }
    return this.need;
  }

  tapePrimal(v: Float64Array): void {
    this.tapeCalls ??= this.primalBuilt(v, this.needs());
    const args = this.f.args;
    for (const c of this.tapeCalls) c.fn(v, args, c.offsets);
  }

  adjointKernels(v: Float64Array, adj: Float64Array): { calls: Kernels<UntestedFn>; zeroRuns: Int32Array } {
    if (this.fastCalls === undefined) {
      const { calls, zeroRuns } = this.untestedBuilt(v, adj, false);
      this.fastCalls = calls;
      this.zeroRuns = zeroRuns;
    }
    return { calls: this.fastCalls, zeroRuns: this.zeroRuns as Int32Array };
  }

  storedPrimalKernels(v: Float64Array): Kernels<PrimalFn> {
    this.storedPrimalCalls ??= this.primalBuilt(v, undefined, true);
    return this.storedPrimalCalls;
  }

  storedAdjointKernels(
    v: Float64Array,
    adj: Float64Array,
  ): { calls: Kernels<UntestedFn>; zeroRuns: Int32Array } {
    this.storedAdjoint ??= this.untestedBuilt(v, adj, true);
    return this.storedAdjoint;
  }

  /** The adjoint sweep without zero tests, built and primed, and the runs of `adj` it needs zeroed. */
  private untestedBuilt(
    v: Float64Array,
    adj: Float64Array,
    stored: boolean,
  ): { calls: Kernels<UntestedFn>; zeroRuns: Int32Array } {
    const f = this.f;
    const code = sweepSource(f, 'adjoint', this.segments, this.activity, {
      tests: false,
      need: this.needs(),
      stored,
    });
    const built = build<UntestedFn>(code);
    const args = f.args;
    prime(built, (fn, o) => fn(v, adj, args, o));
    return {
      calls: built.calls,
      zeroRuns: zeroRuns(f, code.held, this.activity, writtenConstants(f, this.activity)),
    };
  }

  unnotedAdjointKernels(v: Float64Array, adj: Float64Array): Kernels<UntestedFn> {
    if (this.unnotedCalls === undefined) {
      const code = sweepSource(this.f, 'adjoint', this.segments, this.activity, {
        tests: false,
        noted: false,
        need: this.needs(),
      });
      const built = build<UntestedFn>(code);
      const args = this.f.args;
      prime(built, (fn, o) => fn(v, adj, args, o));
      this.unnotedCalls = built.calls;
    }
    return this.unnotedCalls;
  }

  untestedAdjoint(v: Float64Array, adj: Float64Array, seed: (adj: Float64Array) => void): boolean {
    const f = this.f;
    const args = f.args;
    const runs = this.adjointKernels(v, adj).zeroRuns;
    for (let k = 0; k < runs.length; k += 2) adj.fill(0, runs[k], runs[k + 1]);
    seed(adj);
    let signed = false;
    for (const o of f.outputs) if (Object.is(adj[o], -0)) signed = true;
    if (signed) return false;
    let nan = false;
    for (const c of this.fastCalls as Kernels<UntestedFn>) if (c.fn(v, adj, args, c.offsets)) nan = true;
    return !nan;
  }

  tangentKernels(width: number, v: Float64Array, t: Float64Array): Kernels<TangentFn> {
    let calls = this.tangentCalls.get(width);
    if (calls === undefined) {
      const built = build<SegmentFn>(sweepSource(this.f, 'tangent', this.segments, this.activity, { width }));
      const args = this.f.args;
      prime(built, (fn, o) => fn(v, t, args, o));
      calls = built.calls;
      this.tangentCalls.set(width, calls);
    }
    return calls;
  }

  tangent(width: number): (v: Float64Array, t: Float64Array) => void {
    let run = this.tangentFns.get(width);
    if (run === undefined) {
      const args = this.f.args;
      run = (v, t) => {
        for (const c of this.tangentKernels(width, v, t)) c.fn(v, t, args, c.offsets);
      };
      this.tangentFns.set(width, run);
    }
    return run;
  }
}

/**
 * The constants (and passive inputs) whose adjoints the generated n-ary loops add to: a sum's arguments, and a
 * dot product's half with an active entry, run over whole, constants included. No one reads those adjoints,
 * but a value left in one (a NaN) would make the next call's NaN test run the tested sweep again.
 */
function writtenConstants(f: Program, active: Uint8Array): Uint8Array {
  const written = new Uint8Array(f.opStart);
  const { op, a, b, args } = f;
  const mark = (from: number, to: number) => {
    let any = false;
    for (let k = from; k < to && !any; k++) any = active[args[k] as number] === 1;
    if (!any) return;
    for (let k = from; k < to; k++) {
      const arg = args[k] as number;
      if (arg < f.opStart && active[arg] === 0) written[arg] = 1;
    }
  };
  for (let n = f.opStart; n < f.size; n++) {
    if (active[n] !== 1 || OP_ARITY[op[n] as number] !== 0) continue;
    const st = a[n] as number;
    const count = b[n] as number;
    if (op[n] === OP_CODE.dot) {
      mark(st, st + (count >> 1));
      mark(st + (count >> 1), st + 2 * (count >> 1));
    } else mark(st, st + count);
  }
  return written;
}

/**
 * Where the untested adjoint sweep needs zeros, as [start, end) pairs: the active inputs and operation nodes but
 * those it never reads from `adj` before writing them (`held`: kept in locals, carried, or first written), and
 * the constants and passive inputs it adds to (one run for everything when the runs would be many and short).
 */
function zeroRuns(f: Program, held: Uint8Array, active: Uint8Array, constants: Uint8Array): Int32Array {
  const zero = (n: number) =>
    n < f.inputStart || (n < f.opStart && active[n] === 0) ? constants[n] === 1 : held[n] === 0;
  const runs: number[] = [];
  for (let n = 0; n < f.size; ) {
    if (!zero(n)) {
      n++;
      continue;
    }
    const start = n;
    while (n < f.size && zero(n)) n++;
    runs.push(start, n);
  }
  if (runs.length / 2 > 64 && runs.length / 2 > f.size / 64) return Int32Array.of(runs[0] as number, f.size);
  return Int32Array.from(runs);
}

const cache = new WeakMap<Program, Compiled>();
/** The variants with passive inputs, by program and flags (as text). */
const passiveCache = new WeakMap<Program, Map<string, Compiled>>();

/**
 * The program's compiled sweeps (planned on first use; each sweep generated on its first call). With `passive`
 * (flags by input index), the sweeps of a variant in which those inputs count as constants: its adjoint sweep
 * leaves their adjoints, and what reaches only them, alone (a loop body's data rows and index, which no one
 * reads), and computes every other adjoint by the same statements in the same order.
 */
export function compiled(f: Program, passive?: Uint8Array): CompiledProgram {
  // Sweeps run a program with loop calls node by node and compile its bodies; they never ask for this.
  if (f.calls.length > 0) throw new Error('difflab: compiled() of a program with loop calls');
  if (passive?.includes(1)) {
    let byFlags = passiveCache.get(f);
    if (byFlags === undefined) {
      byFlags = new Map();
      passiveCache.set(f, byFlags);
    }
    const key = passive.join('');
    let v = byFlags.get(key);
    if (v === undefined) {
      v = new Compiled(f, passive);
      byFlags.set(key, v);
    }
    return v;
  }
  let c = cache.get(f);
  if (c === undefined) {
    c = new Compiled(f);
    cache.set(f, c);
  }
  return c;
}
