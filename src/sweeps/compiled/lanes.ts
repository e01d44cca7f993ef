/**
 * The tangent lanes of forward mode: how a node's `c` tangents are formed from its arguments' tangents and its
 * local partials. Shared by the interpreted tangent sweep and the compiled one, so both round alike.
 *
 * The zero-factor rule (ops.ts): an untouched lane (−0, no seeded input reaches it) contributes nothing, and a
 * node whose every argument's lane is untouched has an untouched lane; otherwise IEEE arithmetic, so a zero
 * partial against ∞ or NaN, or a reached zero tangent against an infinite partial, is NaN.
 */
import { isUntouched, UNTOUCHED } from '../../ir/ops.js';

/** The tangents of a node with one argument: `t[to + j] = p · t[from + j]`. */
export function unaryLanes(t: Float64Array, to: number, from: number, p: number, c: number): void {
  for (let j = 0; j < c; j++) t[to + j] = unaryLane(p, t[from + j] as number);
}

/** The tangents of a node with two arguments: `t[to + j] = px · t[xb + j] + py · t[yb + j]`. */
export function binaryLanes(
  t: Float64Array,
  to: number,
  xb: number,
  yb: number,
  px: number,
  py: number,
  c: number,
): void {
  for (let j = 0; j < c; j++) t[to + j] = binaryLane(px, t[xb + j] as number, py, t[yb + j] as number);
}

/** Adds `p · t[from .. from + c − 1]` to `t[to .. to + c − 1]` (lanes started at {@link UNTOUCHED}). */
export function accumulateLanes(t: Float64Array, to: number, from: number, p: number, c: number): void {
  for (let j = 0; j < c; j++) {
    const tj = t[from + j] as number;
    // A reached lane is never −0, so `tj !== 0` is the common test and the sign is read only at a zero.
    if (tj !== 0 || !isUntouched(tj)) t[to + j] = (t[to + j] as number) + (p * tj + 0);
  }
}

/** One lane of unaryLanes: p·t, untouched when t is. */
export function unaryLane(p: number, t: number): number {
  return t === 0 && isUntouched(t) ? UNTOUCHED : p * t + 0;
}

/** One lane of binaryLanes: px·tx + py·ty, each term left out where its tangent is untouched. */
export function binaryLane(px: number, tx: number, py: number, ty: number): number {
  const ux = tx === 0 && isUntouched(tx);
  const uy = ty === 0 && isUntouched(ty);
  if (ux) return uy ? UNTOUCHED : py * ty + 0;
  return uy ? px * tx + 0 : px * tx + py * ty + 0;
}
