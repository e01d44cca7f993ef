/**
 * The compiled backend: each program's sweeps as generated JavaScript (`new Function`), built on first use
 * and cached with the program. The interpreter stays the reference; the compiled sweeps give the same
 * numbers to the last bit (test/ir/compile.test.ts).
 *
 * Every compiled sweep works on the same arrays as the interpreter's: `v` holds every node's value (the
 * caller writes the constants and inputs, the sweep the rest), `adj` the adjoints, `t` the tangents.
 */
import { FIXED_VALUE, NARY_VALUE, type NaryOpDef, NUMERIC_PARTIALS, OP_DEFS } from '../ops.js';
import type { Program } from '../program.js';
import { type SweepCode, sweepSource } from './emit.js';
import { accumulateLanes, binaryLane, binaryLanes, unaryLane, unaryLanes } from './lanes.js';
import { activity, planSegments, type Segment } from './plan.js';

export { accumulateLanes, binaryLanes, unaryLanes } from './lanes.js';
export { activity, planSegments, type Segment } from './plan.js';

/** The compiled sweeps of one program. */
export interface CompiledProgram {
  /** The plan: loops and straight runs. */
  readonly segments: readonly Segment[];
  /**
   * Fills the values of the operation nodes (constants and inputs already in `v`), except those used only
   * inside their own loop repetition: they stay in locals, and the adjoint sweep computes them again.
   */
  primal(v: Float64Array): void;
  /** Accumulates adjoints from the seeded outputs down to the inputs (`adj` seeded, the rest zero). */
  adjoint(v: Float64Array, adj: Float64Array): void;
  /** Fills the values and `width` tangents per operation node (constants' and inputs' tangents set). */
  tangent(width: number): (v: Float64Array, t: Float64Array) => void;
}

/** A generated function: `(v, args, o)` for the primal sweep, `(v, adj or t, args, o)` for the others. */
type PrimalFn = (v: Float64Array, args: Int32Array, o: Int32Array | undefined) => void;
type SegmentFn = (v: Float64Array, w: Float64Array, args: Int32Array, o: Int32Array | undefined) => void;

const NARY_PARTIAL = OP_DEFS.map((d) => (d.arity === 'n' ? (d as NaryOpDef).numericPartial : undefined));

/** Compiles a sweep's code: its calls, each with its function and offsets. */
function build<Fn>(code: SweepCode): { fn: Fn; offsets: Int32Array | undefined }[] {
  const factory = new Function('V', 'P', 'N', 'Q', 'L1', 'L2', 'LA', 'S1', 'S2', 'K', code.source) as (
    ...tables: unknown[]
  ) => Fn[];
  const fns = factory(
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
  return code.calls.map((c) => ({ fn: fns[c.fn] as Fn, offsets: c.offsets }));
}

class Compiled implements CompiledProgram {
  readonly segments: readonly Segment[];
  private readonly activity: Uint8Array;
  private primalCalls: { fn: PrimalFn; offsets: Int32Array | undefined }[] | undefined;
  private adjointCalls: { fn: SegmentFn; offsets: Int32Array | undefined }[] | undefined;
  private readonly tangentFns = new Map<number, (v: Float64Array, t: Float64Array) => void>();

  constructor(private readonly f: Program) {
    this.segments = planSegments(f);
    this.activity = activity(f);
  }

  primal(v: Float64Array): void {
    this.primalCalls ??= build<PrimalFn>(sweepSource(this.f, 'primal', this.segments, this.activity));
    const args = this.f.args;
    for (const c of this.primalCalls) c.fn(v, args, c.offsets);
  }

  adjoint(v: Float64Array, adj: Float64Array): void {
    this.adjointCalls ??= build<SegmentFn>(sweepSource(this.f, 'adjoint', this.segments, this.activity));
    const args = this.f.args;
    for (const c of this.adjointCalls) c.fn(v, adj, args, c.offsets);
  }

  tangent(width: number): (v: Float64Array, t: Float64Array) => void {
    let run = this.tangentFns.get(width);
    if (run === undefined) {
      const calls = build<SegmentFn>(sweepSource(this.f, 'tangent', this.segments, this.activity, width));
      const args = this.f.args;
      run = (v, t) => {
        for (const c of calls) c.fn(v, t, args, c.offsets);
      };
      this.tangentFns.set(width, run);
    }
    return run;
  }
}

const cache = new WeakMap<Program, Compiled>();

/** The program's compiled sweeps (planned on first use; each sweep generated on its first call). */
export function compiled(f: Program): CompiledProgram {
  let c = cache.get(f);
  if (c === undefined) {
    c = new Compiled(f);
    cache.set(f, c);
  }
  return c;
}
