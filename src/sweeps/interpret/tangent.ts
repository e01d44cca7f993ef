/**
 * The tangent sweep: one ascending loop over the program that carries the primal value of every node and
 * `width` tangents at once (a chunk of directions, after ForwardDiff.jl). Tangents are stored node-major:
 * the tangents of node i are `t[i·width .. i·width + width − 1]`.
 */

import {
  type Backend,
  cachedFor,
  FIXED_VALUE,
  LOOP,
  type LoopCall,
  NARY_VALUE,
  type NaryOpDef,
  NUMERIC_PARTIALS,
  OP_ARITY,
  OP_CODE,
  OP_DEFS,
  type Program,
} from '../../ir/index.js';
import { isUntouched, UNTOUCHED } from '../../ir/ops.js';
import { accumulateLanes, binaryLanes, compiled, unaryLanes } from '../compiled/index.js';
import { outputsReachedByLanes } from '../zero-factor.js';
import { setInputs, throwNonFinite, throwNonFiniteDerivative } from './primal.js';

import { callTangent } from './tangent-loop.js';

type Rule = (x: number, y: number, z: number) => number;
type ValueRule = (x: number, y: number) => number;

const { dot: DOT, sum: SUM } = OP_CODE;

/** Reusable work arrays for one program and chunk width. */
export interface ForwardWork {
  readonly width: number;
  /** Primal values, one per node. */
  readonly v: Float64Array;
  /** Tangents, `width` per node. */
  readonly t: Float64Array;
}

const works = new WeakMap<Program, Map<number, ForwardWork>>();

/** The work arrays for `f` at chunk width `width`, allocated once and reused. */
export function forwardWork(f: Program, width: number): ForwardWork {
  let byWidth = works.get(f);
  if (byWidth === undefined) {
    byWidth = new Map();
    works.set(f, byWidth);
  }
  let w = byWidth.get(width);
  if (w === undefined) {
    w = { width, v: new Float64Array(f.size), t: new Float64Array(f.size * width) };
    byWidth.set(width, w);
  }
  return w;
}

/**
 * Runs one tangent sweep. Before the call, the caller has written the seeds: the tangents of the input nodes
 * (`t[(f.inputStart + k)·width + j]` is direction j's component along input k). Constants get zero
 * tangents here. Fills every node's value and tangents.
 *
 * The zero-factor rule (ops.ts): a tangent no seeded input reaches is −0 and contributes nothing, so a branch
 * the direction does not touch never poisons the result; otherwise IEEE arithmetic. The caller seeds the
 * inputs' lanes, writing an unseeded one as −0 ({@link UNTOUCHED}). With `check`, the first non-finite value
 * throws, naming its subexpression.
 */
export function tangentSweep(
  f: Program,
  x: ArrayLike<number>,
  work: ForwardWork,
  check = false,
  backend: Backend = 'interpret',
  memo: PointMemo = {},
): void {
  const { v, t, width: c } = work;
  v.set(f.constants, 0);
  t.fill(UNTOUCHED, 0, f.inputStart * c);
  setInputs(f, x, v);
  if (check) for (let i = 0; i < f.opStart; i++) if (!Number.isFinite(v[i])) throwNonFinite(f, i, v);
  // The compiled sweep keeps values used only inside a loop repetition out of v; with `check`, every value is
  // wanted, so the interpreter runs (the same numbers).
  if (backend === 'compile' && !check && f.calls.length === 0) {
    const program = compiled(f);
    program.tangent(c)(v, t);
    if (compiledTangentStands(f, program, work, memo)) return;
  }
  interpretTangent(f, work, check, backend);
}

const guardAdjoints = new WeakMap<Program, Float64Array>();

/** @internal The adjoints the compiled tangent sweep's guard runs on, one array per program. */
export function guardAdjoint(f: Program): Float64Array {
  return cachedFor(guardAdjoints, f, () => new Float64Array(f.size));
}

/**
 * Whether the compiled tangent sweep's lanes are the zero-factor rule's (ops.ts). The generated code skips
 * every zero factor, reached or not; that differs from the rule only where a zero meets ∞ or NaN. So its
 * lanes stand when the seeds and the outputs' lanes are finite and every local partial on an edge into a node
 * that depends on an input is finite, which the compiled adjoint sweep without zero tests tells at the cost
 * of one sweep (it stores a NaN or ±∞ in an input's adjoint exactly when it meets such a partial). Otherwise
 * the interpreter runs the sweep again.
 */
function compiledTangentStands(
  f: Program,
  program: ReturnType<typeof compiled>,
  work: ForwardWork,
  memo: PointMemo = {},
): boolean {
  const { v, t, width: c } = work;
  for (let k = f.inputStart * c; k < f.opStart * c; k++) if (!Number.isFinite(t[k])) return false;
  for (const o of f.outputs) for (let j = 0; j < c; j++) if (!Number.isFinite(t[o * c + j])) return false;
  if (memo.partialsFinite !== undefined) return memo.partialsFinite;
  memo.partialsFinite = program.untestedAdjoint(v, guardAdjoint(f), (a) => {
    for (const o of f.outputs) a[o] = 1;
  });
  return memo.partialsFinite;
}

/**
 * What one point's sweeps can share: whether every local partial is finite there (the compiled sweep's guard,
 * one adjoint sweep per point rather than per chunk of directions).
 */
export interface PointMemo {
  partialsFinite?: boolean;
}

/**
 * @internal The tangent sweep as a function of work arrays whose constants, inputs and their lanes are already
 * written: what a loop runs once per iteration (the compiled code looked up once, not per call).
 */
export function tangentRunner(
  f: Program,
  width: number,
  check: boolean,
  backend: Backend,
): (work: ForwardWork) => void {
  if (backend === 'compile' && !check && f.calls.length === 0) {
    const program = compiled(f);
    const run = program.tangent(width);
    return (work) => {
      run(work.v, work.t);
      if (compiledTangentStands(f, program, work)) markOutputs(f, work);
      else interpretTangent(f, work, check, backend);
    };
  }
  return (work) => interpretTangent(f, work, check, backend);
}

/**
 * @internal The zero-factor rule's marks on a loop body's output lanes, which cross into the next iteration or out of
 * the loop: the compiled sweep writes ±0 for a lane no seeded input reaches, where the rule has −0. A nonzero
 * lane is reached; a zero one is −0 unless an input whose lane is reached feeds that output (src/ir/reach.ts).
 * Only the lanes of inputs `0 .. varying − 1` may have changed since the last marks on `work` (by default all;
 * {@link forgetMarks} before a loop call's first iteration).
 */
export function markOutputs(f: Program, work: ForwardWork, varying = f.variables.length): void {
  const { t, width: c } = work;
  const outs = f.outputs;
  // Lanes in groups of 32, one bit each (outputsReachedByLanes).
  for (let g = 0; g < c; g += 32) {
    const w = Math.min(32, c - g);
    let reached: Int32Array | undefined;
    for (let k = 0; k < outs.length; k++) {
      const base = (outs[k] as number) * c + g;
      for (let j = 0; j < w; j++) {
        if (t[base + j] !== 0) continue;
        reached ??= reachedOutputs(f, work, g, w, varying);
        t[base + j] = ((reached[k] as number) >>> j) & 1 ? 0 : UNTOUCHED;
      }
    }
  }
}

/** Per work arrays and group of 32 lanes: the inputs each lane seeded when the outputs reached were last found, and those outputs. */
const laneReach = new WeakMap<ForwardWork, { seeded: Int32Array; reached: Int32Array }[]>();

/** @internal Drops the marks' memory of `work`'s input lanes: every input's lane may have changed. */
export function forgetMarks(work: ForwardWork): void {
  laneReach.delete(work);
}

/**
 * The outputs of `f` that an input seeded in lanes `g .. g + w − 1` reaches, a bit per lane (one pass over the
 * body for them all), kept while the seeded inputs stay the same: in a loop they change only while a direction
 * spreads through the carry, and a body's outputs-by-inputs flags (lstm's 57 × 323) cost more to read per
 * iteration than its sweep.
 */
function reachedOutputs(f: Program, work: ForwardWork, g: number, w: number, varying: number): Int32Array {
  const { t, width: c } = work;
  const groups = cachedFor(laneReach, work, () => []);
  let memo = groups[g >> 5];
  const nIn = f.variables.length;
  let same = memo !== undefined;
  const seeded = memo?.seeded ?? new Int32Array(nIn);
  for (let i = 0; i < (memo === undefined ? nIn : varying); i++) {
    const base = (f.inputStart + i) * c + g;
    let bits = 0;
    for (let j = 0; j < w; j++) if (!isUntouched(t[base + j] as number)) bits |= 1 << j;
    if (seeded[i] !== bits) {
      seeded[i] = bits;
      same = false;
    }
  }
  if (memo === undefined || !same) {
    memo = { seeded, reached: outputsReachedByLanes(f, seeded) };
    groups[g >> 5] = memo;
  }
  return memo.reached;
}

/** @internal The interpreter's tangent sweep over the operation nodes. */
export function interpretTangent(f: Program, work: ForwardWork, check: boolean, backend: Backend): void {
  const { v, t, width: c } = work;
  const { op, a, b, args } = f;
  const c0 = f.inputStart;
  for (let i = f.opStart; i < f.size; i++) {
    const code = op[i] as number;
    const arity = OP_ARITY[code];
    const base = i * c;
    if (arity === 1) {
      const xi = a[i] as number;
      const xv = v[xi] as number;
      const z = (FIXED_VALUE[code] as ValueRule)(xv, 0);
      v[i] = z;
      unaryLanes(t, base, xi * c, ((NUMERIC_PARTIALS[code] as readonly Rule[])[0] as Rule)(xv, 0, z), c);
    } else if (arity === 2) {
      const xi = a[i] as number;
      const yi = b[i] as number;
      const xv = v[xi] as number;
      const yv = v[yi] as number;
      const z = (FIXED_VALUE[code] as ValueRule)(xv, yv);
      v[i] = z;
      const partials = NUMERIC_PARTIALS[code] as readonly Rule[];
      binaryLanes(
        t,
        base,
        xi * c,
        yi * c,
        (partials[0] as Rule)(xv, yv, z),
        (partials[1] as Rule)(xv, yv, z),
        c,
      );
    } else if (code === DOT || code === SUM) {
      // The partials of dot and sum read straight from the values; constants (zero tangents) left out.
      const start = a[i] as number;
      const count = b[i] as number;
      const z = (NARY_VALUE[code] as NaryOpDef['value'])(v, args, start, count);
      v[i] = z;
      t.fill(UNTOUCHED, base, base + c);
      const h = code === DOT ? count >> 1 : 0;
      for (let k = start; k < start + count; k++) {
        const xi = args[k] as number;
        if (xi < c0) continue;
        const p = code === SUM ? 1 : (v[args[k < start + h ? k + h : k - h] as number] as number);
        accumulateLanes(t, base, xi * c, p, c);
      }
    } else if (code === LOOP) {
      // A loop call (no arity of its own): its outputs are consecutive, and the first computes them all.
      if (b[i] === 0) callTangent(f, a[i] as number, v, t, c, check, backend);
      if (check) {
        const end = i + (f.calls[a[i] as number] as LoopCall).loop.outputs;
        for (let k = i; k < end; k++) if (!Number.isFinite(v[k])) throwNonFinite(f, k, v);
      }
      continue;
    } else {
      const start = a[i] as number;
      const count = b[i] as number;
      const def = OP_DEFS[code] as NaryOpDef;
      const z = (NARY_VALUE[code] as NaryOpDef['value'])(v, args, start, count);
      v[i] = z;
      t.fill(UNTOUCHED, base, base + c);
      for (let k = 0; k < count; k++) {
        accumulateLanes(
          t,
          base,
          (args[start + k] as number) * c,
          def.numericPartial(v, args, start, count, z, k),
          c,
        );
      }
    }
    if (check) checkNode(f, i, v, t, c);
  }
}

/** `check`: the first node whose value, or any of whose tangents, is NaN or ±∞ throws, naming it. */
function checkNode(f: Program, i: number, v: Float64Array, t: Float64Array, c: number): void {
  if (!Number.isFinite(v[i])) throwNonFinite(f, i, v);
  for (let j = i * c; j < i * c + c; j++) {
    if (!Number.isFinite(t[j])) throwNonFiniteDerivative(f, i, t[j] as number, 'tangent');
  }
}
