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
import { sweepSource } from './emit.js';
import { accumulateLanes, binaryLanes, unaryLanes } from './lanes.js';
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

/** A primal segment takes `(v, args)`; adjoint and tangent segments take `(v, adj or t, args)`. */
type PrimalFn = (v: Float64Array, args: Int32Array) => void;
type SegmentFn = (v: Float64Array, w: Float64Array, args: Int32Array) => void;

const NARY_PARTIAL = OP_DEFS.map((d) => (d.arity === 'n' ? (d as NaryOpDef).numericPartial : undefined));

function build<Fn>(source: string): Fn[] {
  const factory = new Function('V', 'P', 'N', 'Q', 'L1', 'L2', 'LA', source) as (
    ...tables: unknown[]
  ) => Fn[];
  return factory(
    FIXED_VALUE,
    NUMERIC_PARTIALS,
    NARY_VALUE,
    NARY_PARTIAL,
    unaryLanes,
    binaryLanes,
    accumulateLanes,
  );
}

class Compiled implements CompiledProgram {
  readonly segments: readonly Segment[];
  private readonly activity: Uint8Array;
  private primalFns: PrimalFn[] | undefined;
  private adjointFns: SegmentFn[] | undefined;
  private readonly tangentFns = new Map<number, (v: Float64Array, t: Float64Array) => void>();

  constructor(private readonly f: Program) {
    this.segments = planSegments(f);
    this.activity = activity(f);
  }

  primal(v: Float64Array): void {
    this.primalFns ??= build<PrimalFn>(sweepSource(this.f, 'primal', this.segments, this.activity));
    const args = this.f.args;
    for (const s of this.primalFns) s(v, args);
  }

  adjoint(v: Float64Array, adj: Float64Array): void {
    this.adjointFns ??= build<SegmentFn>(sweepSource(this.f, 'adjoint', this.segments, this.activity));
    const args = this.f.args;
    for (const s of this.adjointFns) s(v, adj, args);
  }

  tangent(width: number): (v: Float64Array, t: Float64Array) => void {
    let run = this.tangentFns.get(width);
    if (run === undefined) {
      const fns = build<SegmentFn>(sweepSource(this.f, 'tangent', this.segments, this.activity, width));
      const args = this.f.args;
      run = (v, t) => {
        for (const s of fns) s(v, t, args);
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
