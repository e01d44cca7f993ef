/**
 * Forward mode through loop calls: the tangents ride through each iteration's tangent sweep of the body.
 * A map's sum adds the rows' tangents; a logsumexp map weighs them by e^(y − z) (its partials), after a
 * first pass that computes z; a scan carries its carry's tangents from one iteration to the next.
 */
import {
  type Backend,
  capturedInput,
  type LoopCall,
  type Program,
  rowArg,
  rowInput,
} from '../../ir/index.js';
import { accumulate, UNTOUCHED } from '../../ir/ops.js';
import { type LoopTangent, loopTangent } from '../compiled/loop.js';
import { forgetMarks, guardAdjoint, markOutputs } from '../zero-factor.js';
import { callPrimal, drivesLoop, loadCall, loopWork, passCarry, setIteration } from './primal.js';
import { type ForwardWork, forwardWork, interpretTangent, tangentRunner } from './tangent.js';

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
  const { v: bv, t: bt } = work;
  const run = tangentRunner(body, check, backend);
  loadCall(call, v, bv);
  const in0 = body.inputStart;
  const lanesOf = (node: number, to: number) => {
    for (let j = 0; j < c; j++) bt[to * c + j] = t[node * c + j] as number;
  };
  // The lanes: the constants' untouched (−0, the zero-factor rule of ops.ts); the carry's and the captured
  // values' from the arguments; the row's from its arguments when the rows are expressions, untouched for
  // data; the index's untouched.
  bt.fill(UNTOUCHED, 0, in0 * c);
  for (let k = 0; k < nc; k++) lanesOf(args[k] as number, in0 + k);
  const cap = in0 + capturedInput(loop);
  bt.fill(UNTOUCHED, (in0 + nc) * c, cap * c);
  for (let k = 0; k < loop.captured; k++) lanesOf(args[nc + k] as number, cap + k);
  const r0 = in0 + rowInput(loop);
  const iteration = (i: number) => {
    setIteration(call, v, bv, in0, i);
    if (!loop.rowArgs) return;
    const base = rowArg(loop, i);
    for (let k = 0; k < loop.width; k++) lanesOf(args[base + k] as number, r0 + k);
  };
  const outs = body.outputs;
  // The compiled backend runs every iteration in one generated function (src/sweeps/compiled/loop.ts), the same
  // statements as the loops below; an iteration whose guard fails goes to the interpreter's sweep.
  const driver = tangentDriver(call, work, cap, check, backend);
  // Within the call only the carry's and expression rows' lanes change (the marks' memory, markOutputs).
  forgetMarks(work);
  const varying = nc + (loop.rowArgs ? loop.width : 0);
  const drive = (d: LoopTangent) =>
    d(
      v,
      t,
      bv,
      bt,
      guardAdjoint(body),
      loopWork(loop).ys,
      () => markOutputs(body, work, varying),
      () => interpretTangent(body, work, false, backend),
    );
  if (loop.kind === 'scan') {
    // The next carry's lanes go through a scratch copy, as its values do (passCarry): an output may be an
    // input node (a carry passed on as it is), whose lanes must be read before any is written.
    const next = new Float64Array(nc * c);
    const scratch = loopWork(loop).scratch;
    if (driver !== undefined) drive(driver);
    else
      for (let i = 0; i < n; i++) {
        iteration(i);
        run(work);
        for (let k = 0; k < perStep; k++) {
          const o = outs[nc + k] as number;
          const to = first + nc + i * perStep + k;
          v[to] = bv[o] as number;
          for (let j = 0; j < c; j++) t[to * c + j] = bt[o * c + j] as number;
        }
        for (let k = 0; k < nc; k++) {
          const o = outs[k] as number;
          for (let j = 0; j < c; j++) next[k * c + j] = bt[o * c + j] as number;
        }
        for (let j = 0; j < nc * c; j++) bt[in0 * c + j] = next[j] as number;
        passCarry(loop, bv, scratch);
      }
    for (let k = 0; k < nc; k++) {
      v[first + k] = bv[in0 + k] as number;
      t.set(bt.subarray((in0 + k) * c, (in0 + k) * c + c), (first + k) * c);
    }
    return;
  }
  // A map: the outputs' lanes accumulate from zero.
  t.fill(UNTOUCHED, first * c, (first + perStep) * c);
  if (loop.reduce === 'sum') {
    if (n === 0) v.fill(0, first, first + perStep);
    if (driver !== undefined) drive(driver);
    else
      for (let i = 0; i < n; i++) {
        iteration(i);
        run(work);
        for (let k = 0; k < perStep; k++) {
          const o = outs[k] as number;
          const y = bv[o] as number;
          v[first + k] = i === 0 ? y : (v[first + k] as number) + y;
          const to = (first + k) * c;
          for (let j = 0; j < c; j++) t[to + j] = accumulate(t[to + j] as number, 1, bt[o * c + j] as number);
        }
      }
    return;
  }
  // logsumexp: z and the rows' values first (the primal sweep of the call, which keeps them), then
  // Σ e^(y_i − z) ẏ_i.
  callPrimal(f, index, v, check, backend);
  const { ys } = loopWork(loop);
  if (driver !== undefined) drive(driver);
  else
    for (let i = 0; i < n; i++) {
      iteration(i);
      run(work);
      for (let k = 0; k < perStep; k++) {
        const p = Math.exp((ys[i * perStep + k] as number) - (v[first + k] as number));
        accumulateFrom(t, (first + k) * c, bt, (outs[k] as number) * c, p, c);
      }
    }
}

/**
 * The call's compiled tangent driver, where there is one: the compiled backend without `check` (which wants
 * every value and the interpreter's messages), a body without loops of its own, and the captured values' lanes
 * finite (a non-finite one fails every iteration's guard, so the step-by-step code runs them all).
 */
function tangentDriver(
  call: LoopCall,
  work: ForwardWork,
  cap: number,
  check: boolean,
  backend: Backend,
): LoopTangent | undefined {
  const { body, captured } = call.loop;
  if (!drivesLoop(call, check, backend)) return undefined;
  const { v: bv, t: bt, width: c } = work;
  for (let k = cap * c; k < (cap + captured) * c; k++) if (!Number.isFinite(bt[k])) return undefined;
  return loopTangent(call, c, bv, bt, guardAdjoint(body));
}

/** `to` lanes of t += p · `from` lanes of s, under the zero-factor rule (as accumulateLanes). */
function accumulateFrom(
  t: Float64Array,
  to: number,
  s: Float64Array,
  from: number,
  p: number,
  c: number,
): void {
  for (let j = 0; j < c; j++) t[to + j] = accumulate(t[to + j] as number, p, s[from + j] as number);
}
