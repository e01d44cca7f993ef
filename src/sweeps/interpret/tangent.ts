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
import { UNTOUCHED } from '../../ir/ops.js';
import { sweepsFor } from '../backend.js';
import { accumulateLanes, binaryLanes, unaryLanes } from '../compiled/index.js';
import { markOutputs, type PointMemo } from '../zero-factor.js';
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
  const byWidth = cachedFor(works, f, () => new Map<number, ForwardWork>());
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
  sweepsFor(f, backend, check).tangent(work, memo);
}

/**
 * @internal The tangent sweep as a function of work arrays whose constants, inputs and their lanes are already
 * written: what a loop runs once per iteration (the program's sweeps looked up once, not per call). Where the
 * generated code's lanes stand, the output lanes' marks are set again (they cross out of the body).
 */
export function tangentRunner(f: Program, check: boolean, backend: Backend): (work: ForwardWork) => void {
  const sweeps = sweepsFor(f, backend, check);
  // One call deep per iteration where the interpreter runs.
  if (!sweeps.generated) return (work) => interpretTangent(f, work, check, backend);
  return (work) => {
    if (sweeps.tangent(work)) markOutputs(f, work);
  };
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
