/**
 * Forward mode through loop calls: the tangents ride through each iteration's tangent sweep of the body.
 * A map's sum adds the rows' tangents; a logsumexp map weighs them by e^(y − z) (its partials), after a
 * first pass that computes z; a scan carries its carry's tangents from one iteration to the next.
 */
import {
  type Backend,
  capturedInput,
  type LoopCall,
  loadCallInputs,
  logsumexpRows,
  loopWork,
  type Program,
  primalSweep,
  rowArg,
  rowInput,
  setIteration,
} from '../ir/index.js';
import { type ForwardWork, forwardWork, tangentSweep } from './sweep.js';

/**
 * The tangent sweep of call `index` of `f`: writes the values and the `c` tangent lanes of the call's outputs
 * into `v` and `t`, from its arguments' values and tangents.
 */
export function callTangent(
  f: Program,
  index: number,
  v: Float64Array,
  t: Float64Array,
  c: number,
  check: boolean,
  backend: Backend,
): void {
  const call = f.calls[index] as LoopCall;
  const { loop, first, args } = call;
  const { body, n, carry: nc, perStep } = loop;
  const work = forwardWork(body, c);
  const { x } = loopWork(loop);
  loadCallInputs(call, v, x);
  // The inputs' lanes: the carry's and the captured values' from the arguments, the row's and the index's zero.
  const bt = work.t;
  const in0 = body.inputStart;
  for (let k = 0; k < nc; k++)
    bt.set(t.subarray((args[k] as number) * c, (args[k] as number) * c + c), (in0 + k) * c);
  bt.fill(0, (in0 + nc) * c, (in0 + capturedInput(loop)) * c);
  const cap = capturedInput(loop);
  // Rows that are expressions bring their tangents; data rows have none (zero, set above).
  const r0 = in0 + rowInput(loop);
  const rowLanes = (i: number) => {
    if (!loop.rowArgs) return;
    const base = rowArg(loop, i);
    for (let k = 0; k < loop.width; k++) {
      const from = (args[base + k] as number) * c;
      bt.set(t.subarray(from, from + c), (r0 + k) * c);
    }
  };
  for (let k = 0; k < loop.captured; k++) {
    const from = (args[nc + k] as number) * c;
    bt.set(t.subarray(from, from + c), (in0 + cap + k) * c);
  }
  const outs = body.outputs;
  if (loop.kind === 'scan') {
    // The next carry's lanes go through a scratch copy: an output may be an input node (a carry passed on as
    // it is), whose lanes the copy must not overwrite before they are read.
    const next = new Float64Array(nc * c);
    for (let i = 0; i < n; i++) {
      setIteration(call, v, x, i);
      rowLanes(i);
      tangentSweep(body, x, work, check, backend);
      for (let k = 0; k < perStep; k++)
        writeOutput(work, outs[nc + k] as number, v, t, first + nc + i * perStep + k, c);
      for (let k = 0; k < nc; k++) {
        const o = outs[k] as number;
        x[k] = work.v[o] as number;
        next.set(bt.subarray(o * c, o * c + c), k * c);
      }
      bt.set(next, in0 * c);
    }
    for (let k = 0; k < nc; k++) {
      v[first + k] = x[k] as number;
      t.set(bt.subarray((in0 + k) * c, (in0 + k) * c + c), (first + k) * c);
    }
    return;
  }
  // A map: the outputs' lanes accumulate from zero.
  t.fill(0, first * c, (first + perStep) * c);
  if (loop.reduce === 'sum') {
    if (n === 0) v.fill(0, first, first + perStep);
    for (let i = 0; i < n; i++) {
      setIteration(call, v, x, i);
      rowLanes(i);
      tangentSweep(body, x, work, check, backend);
      for (let k = 0; k < perStep; k++) {
        const o = outs[k] as number;
        const y = work.v[o] as number;
        v[first + k] = i === 0 ? y : (v[first + k] as number) + y;
        for (let j = 0; j < c; j++)
          t[(first + k) * c + j] = (t[(first + k) * c + j] as number) + (work.t[o * c + j] as number);
      }
    }
    return;
  }
  // logsumexp: z first, then Σ e^(y_i − z) ẏ_i.
  const ys = loopWork(loop).ys;
  const pv = loopWork(loop).v;
  for (let i = 0; i < n; i++) {
    setIteration(call, v, x, i);
    rowLanes(i);
    primalSweep(body, x, pv, check, backend);
    for (let k = 0; k < perStep; k++) ys[i * perStep + k] = pv[outs[k] as number] as number;
  }
  for (let k = 0; k < perStep; k++) v[first + k] = logsumexpRows(ys, k, perStep, n);
  for (let i = 0; i < n; i++) {
    setIteration(call, v, x, i);
    rowLanes(i);
    tangentSweep(body, x, work, check, backend);
    for (let k = 0; k < perStep; k++) {
      const p = Math.exp((ys[i * perStep + k] as number) - (v[first + k] as number));
      accumulateLanesFrom(t, (first + k) * c, work.t, (outs[k] as number) * c, p, c);
    }
  }
}

/** Copies a body output's value and lanes into the enclosing program's node `to`. */
function writeOutput(
  work: ForwardWork,
  o: number,
  v: Float64Array,
  t: Float64Array,
  to: number,
  c: number,
): void {
  v[to] = work.v[o] as number;
  t.set(work.t.subarray(o * c, o * c + c), to * c);
}

/** `to` lanes += p · `from` lanes of another array, with the zero-factor rule of accumulateLanes. */
function accumulateLanesFrom(
  t: Float64Array,
  to: number,
  s: Float64Array,
  from: number,
  p: number,
  c: number,
): void {
  if (p === 0) return;
  for (let j = 0; j < c; j++) {
    const tj = s[from + j] as number;
    if (tj !== 0 || Number.isFinite(p)) t[to + j] = (t[to + j] as number) + p * tj;
  }
}
