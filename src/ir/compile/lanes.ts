/**
 * The tangent lanes of forward mode: how a node's `c` tangents are formed from its arguments' tangents and its
 * local partials. Shared by the interpreted tangent sweep and the compiled one, so both round alike.
 *
 * A zero factor (tangent or partial) contributes zero even against ∞ or NaN, so a branch a direction does not
 * touch never poisons the result; otherwise IEEE arithmetic.
 */

/** The tangents of a node with one argument: `t[to + j] = p · t[from + j]`. */
export function unaryLanes(t: Float64Array, to: number, from: number, p: number, c: number): void {
  t.fill(0, to, to + c);
  accumulateLanes(t, to, from, p, c);
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
  if (Number.isFinite(px) && Number.isFinite(py) && px !== 0 && py !== 0) {
    for (let j = 0; j < c; j++) t[to + j] = px * (t[xb + j] as number) + py * (t[yb + j] as number);
  } else {
    t.fill(0, to, to + c);
    accumulateLanes(t, to, xb, px, c);
    accumulateLanes(t, to, yb, py, c);
  }
}

/** Adds `p · t[from .. from + c − 1]` to `t[to .. to + c − 1]`. */
export function accumulateLanes(t: Float64Array, to: number, from: number, p: number, c: number): void {
  if (p === 0) return;
  if (Number.isFinite(p)) {
    for (let j = 0; j < c; j++) t[to + j] = (t[to + j] as number) + p * (t[from + j] as number);
  } else {
    for (let j = 0; j < c; j++) {
      const tj = t[from + j] as number;
      if (tj !== 0) t[to + j] = (t[to + j] as number) + p * tj;
    }
  }
}

/** One lane of unaryLanes: p·t as `0 + p·t`, zero when p is zero, and zero for a zero t when p is not finite. */
export function unaryLane(p: number, t: number): number {
  return p !== 0 && (p - p === 0 || t !== 0) ? 0 + p * t : 0;
}

/** One lane of binaryLanes' general path: from zero, px·tx then py·ty, each skipped as accumulateLanes skips. */
export function binaryLane(px: number, tx: number, py: number, ty: number): number {
  let s = 0;
  if (px !== 0 && (px - px === 0 || tx !== 0)) s = s + px * tx;
  if (py !== 0 && (py - py === 0 || ty !== 0)) s = s + py * ty;
  return s;
}
