/**
 * One node of the forward-over-reverse sweeps (hessian.ts): the forward step over values and tangents, and the
 * backward step over adjoints and their tangents, for the ops that have no step written out. The interpreter
 * and the compiled sweeps (compiled/dual.ts) both call these, so the two compute the same bits.
 */
import {
  DUAL_ALGEBRA,
  dualOf,
  FIXED_VALUE,
  type FixedOpDef,
  isUntouched,
  type NaryOpDef,
  NUMERIC_PARTIALS,
  OP_ARITY,
  OP_DEFS,
  type Program,
  UNTOUCHED,
} from '../../ir/index.js';
import { accumulate } from '../../ir/ops.js';

/** A program's values and tangents, and its adjoints and their tangents, one entry per node. */
export interface DualArrays {
  readonly val: Float64Array;
  readonly tan: Float64Array;
  readonly adj: Float64Array;
  readonly adjDot: Float64Array;
}

type Partial = (x: number, y: number, z: number) => number;

/** Stands for the absent second argument of a unary rule (which never reads it). */
const NO_ARG = dualOf(Number.NaN, UNTOUCHED);

/** `px·tx + py·ty` with untouched tangents left out (forward mode's binaryLane). */
export function twoTerms(px: number, tx: number, py: number, ty: number): number {
  return accumulate(accumulate(UNTOUCHED, px, tx), py, ty);
}

/**
 * ∂max(x, y) or ∂min(x, y) by argument k: the op table's rules (1 ± sign(x − y))/2 (ops.ts) over numbers,
 * written out (the same operations, so the same bits) rather than called through the rule table per node.
 */
export function minMaxPartial(max: boolean, k: 0 | 1, x: number, y: number): number {
  const s = Math.sign(x - y);
  return (max === (k === 0) ? 1 + s : 1 - s) / 2;
}

/**
 * The tangent of min's and max's partials, sign′·(ẋ − ẏ) = 0·(ẋ − ẏ): untouched when both tangents are, NaN
 * when one is not finite, else +0 (what the op-table rule gives over dual numbers).
 */
export function minMaxPartialTangent(tx: number, ty: number): number {
  return isUntouched(tx) && isUntouched(ty)
    ? UNTOUCHED
    : (isUntouched(tx) || tx - tx === 0) && (isUntouched(ty) || ty - ty === 0)
      ? 0
      : Number.NaN;
}

/**
 * adj[arg] += g·p and adjDot[arg] += g·ṗ + ġ·p, each term left out where one of its factors ṗ or ġ is untouched
 * (g is reached: the caller skips a node whose adjoint is untouched).
 */
export function send(
  adj: Float64Array,
  adjDot: Float64Array,
  arg: number,
  g: number,
  gDot: number,
  p: number,
  pDot: number,
): void {
  adj[arg] = (adj[arg] as number) + (g * p + 0);
  // A reached value is never −0, so `!== 0` settles the common case and the sign is read only at a zero.
  let d = adjDot[arg] as number;
  if (pDot !== 0 || !isUntouched(pDot)) d += g * pDot + 0;
  if (gDot !== 0 || !isUntouched(gDot)) d += p * gDot + 0;
  adjDot[arg] = d;
}

/** Node i's value and tangent, op `code` of fixed arity, from its op-table rules over numbers. */
export function fixedForward(f: Program, s: DualArrays, i: number, code: number): void {
  const { val, tan } = s;
  const arity = OP_ARITY[code] as number;
  const xi = f.a[i] as number;
  const yi = arity === 2 ? (f.b[i] as number) : xi;
  const x = val[xi] as number;
  const y = arity === 2 ? (val[yi] as number) : Number.NaN;
  const z = (FIXED_VALUE[code] as (x: number, y: number) => number)(x, y);
  const partials = NUMERIC_PARTIALS[code] as readonly Partial[];
  // Only a reached tangent's partial is evaluated: an untouched argument adds nothing.
  const tx = tan[xi] as number;
  let t = isUntouched(tx) ? UNTOUCHED : accumulate(UNTOUCHED, (partials[0] as Partial)(x, y, z), tx);
  if (arity === 2) {
    const ty = tan[yi] as number;
    if (!isUntouched(ty)) t = accumulate(t, (partials[1] as Partial)(x, y, z), ty);
  }
  val[i] = z;
  tan[i] = t;
}

/** Node i's value and tangent, an n-ary op `code` other than sum and dot, from its op-table rules. */
export function naryForward(f: Program, s: DualArrays, i: number, code: number): void {
  const { val, tan } = s;
  const { args } = f;
  const start = f.a[i] as number;
  const count = f.b[i] as number;
  const def = OP_DEFS[code] as NaryOpDef;
  const z = def.value(val, args, start, count);
  let t = UNTOUCHED;
  for (let k = 0; k < count; k++) {
    const tk = tan[args[start + k] as number] as number;
    if (!isUntouched(tk)) t = accumulate(t, def.numericPartial(val, args, start, count, z, k), tk);
  }
  val[i] = z;
  tan[i] = t;
}

/** Node i's backward step (adjoint g, its tangent gDot), op `code` of fixed arity, by its rule over duals. */
export function fixedBackward(
  f: Program,
  s: DualArrays,
  i: number,
  code: number,
  g: number,
  gDot: number,
): void {
  const { val, tan, adj, adjDot } = s;
  const arity = OP_ARITY[code] as number;
  const xi = f.a[i] as number;
  const yi = f.b[i] as number;
  const def = OP_DEFS[code] as FixedOpDef;
  const x = dualOf(val[xi] as number, tan[xi] as number);
  const y = arity === 2 ? dualOf(val[yi] as number, tan[yi] as number) : NO_ARG;
  const z = dualOf(val[i] as number, tan[i] as number);
  for (let k = 0; k < arity; k++) {
    const p = (def.partials[k] as FixedOpDef['partials'][number])(DUAL_ALGEBRA, x, y, z);
    send(adj, adjDot, k === 0 ? xi : yi, g, gDot, p.value, p.tangent);
  }
}

/** Node i's backward step, an n-ary op `code` other than sum and dot, by its rule over dual numbers. */
export function naryBackward(
  f: Program,
  s: DualArrays,
  i: number,
  code: number,
  g: number,
  gDot: number,
): void {
  const { val, tan, adj, adjDot } = s;
  const { args } = f;
  const start = f.a[i] as number;
  const count = f.b[i] as number;
  const def = OP_DEFS[code] as NaryOpDef;
  const xs = Array.from(args.subarray(start, start + count), (arg) =>
    dualOf(val[arg] as number, tan[arg] as number),
  );
  const z = dualOf(val[i] as number, tan[i] as number);
  for (let k = 0; k < count; k++) {
    const p = def.partial(DUAL_ALGEBRA, xs, z, k);
    send(adj, adjDot, args[start + k] as number, g, gDot, p.value, p.tangent);
  }
}
