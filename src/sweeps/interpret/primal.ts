/**
 * Evaluation: one ascending loop over the program (the primal sweep).
 */

import { type Backend, backendOf, cachedFor } from '../../ir/differentiator.js';
import { DifflabError } from '../../ir/errors.js';
import { formatNode } from '../../ir/format.js';
import { capturedInput, indexInput, type Loop, rowArg, rowInput } from '../../ir/loop.js';
import { FIXED_VALUE, LOOP, NARY_VALUE, OP_ARITY, OP_CODE } from '../../ir/ops.js';
import { generates, sweepsFor } from '../backend.js';
import { mapPrimal, scanPrimal } from '../compiled/loop.js';
import { tiered } from '../compiled/tier.js';

const { add: ADD, sub: SUB, mul: MUL } = OP_CODE;

import type { LoopCall, Program } from '../../ir/program.js';

/** What a sweep does at a loop call: computes the call's outputs into `v` (a method may also keep residuals). */
export type CallSweep = (f: Program, call: number, v: Float64Array, check: boolean, backend: Backend) => void;

/** A point: values by variable name, or an array in `f.variables` order. */
export type Point = Readonly<Record<string, number>> | ArrayLike<number>;

/** The point as a Float64Array in `f.variables` order, checking names, length and types. */
export function toPoint(f: Program, at: Point): Float64Array {
  const n = f.variables.length;
  if (at instanceof Float64Array && at.length === n) return new Float64Array(at);
  if (at === null || typeof at !== 'object') {
    throw new DifflabError('bad-point', `a point must be an object of values or an array, got ${typeof at}`);
  }
  const x = new Float64Array(n);
  if (isArrayLike(at)) {
    if (at.length !== n) {
      throw new DifflabError(
        'bad-point',
        `the point has ${at.length} value${at.length === 1 ? '' : 's'} but the function has ${n} variable${n === 1 ? '' : 's'} (${f.variables.join(', ')})`,
      );
    }
    for (let i = 0; i < n; i++) x[i] = checkNumber(at[i], f.variables[i] as string);
    return x;
  }
  const record = at as Readonly<Record<string, number>>;
  for (let i = 0; i < n; i++) {
    const name = f.variables[i] as string;
    if (!Object.hasOwn(record, name)) {
      throw new DifflabError('unbound-variable', `variable '${name}' was given no value`);
    }
    x[i] = checkNumber(record[name], name);
  }
  return x;
}

/** @internal The point for reading only: a Float64Array of the right length as it is, anything else by {@link toPoint}. */
export function readPoint(f: Program, at: Point): Float64Array {
  return at instanceof Float64Array && at.length === f.variables.length ? at : toPoint(f, at);
}

function isArrayLike(at: object): at is ArrayLike<number> {
  return Array.isArray(at) || ArrayBuffer.isView(at);
}

function checkNumber(v: unknown, name: string): number {
  if (typeof v !== 'number') {
    throw new DifflabError('bad-point', `the value of '${name}' must be a number, got ${typeof v}`);
  }
  return v;
}

/**
 * The primal sweep: fills `v` (length `f.size`) with every node's value at input `x`. With `check`, throws at
 * the first node whose value is not finite, naming its subexpression (by the interpreter, whatever the backend).
 * With `forAdjoint`, the compiled backend computes only the values an adjoint sweep reads (CompiledProgram's
 * tapePrimal).
 */
export function primalSweep(
  f: Program,
  x: ArrayLike<number>,
  v: Float64Array,
  check = false,
  backend: Backend = 'interpret',
  forAdjoint = false,
  onCall: CallSweep = callPrimal,
): Float64Array {
  loadPoint(f, x, v);
  if (check) for (let i = 0; i < f.opStart; i++) if (!Number.isFinite(v[i])) throwNonFinite(f, i, v);
  // The compiled primal keeps values used only inside a loop repetition out of v; with `check`, every
  // value is wanted, so the interpreter runs (the same numbers). A program with loop calls runs its own nodes
  // by the interpreter and its loops' bodies by the backend asked for (sweepsFor).
  sweepsFor(f, backend, check).primal(v, forAdjoint, onCall);
  return v;
}

/**
 * @internal The primal sweep as a function of a value array whose constants and inputs are already written:
 * what a loop runs once per iteration (the program's sweeps looked up once, not per call).
 */
export function primalRunner(
  f: Program,
  check: boolean,
  backend: Backend,
  forAdjoint = false,
  onCall: CallSweep = callPrimal,
): (v: Float64Array) => void {
  const sweeps = sweepsFor(f, backend, check);
  if (sweeps.generated) return (v) => sweeps.primal(v, forAdjoint);
  if (check) return (v) => interpretPrimal(f, v, check, backend, onCall);
  // Straight to the loop: a body of a few nodes runs once per iteration, and each step around it counts.
  const { op, a, b, opStart, size } = f;
  return (v) => primalNodes(f, op, a, b, v, opStart, size, false, backend, onCall);
}

/** @internal The interpreter's primal sweep over the operation nodes (constants and inputs already in `v`). */
export function interpretPrimal(
  f: Program,
  v: Float64Array,
  check: boolean,
  backend: Backend,
  onCall: CallSweep,
): void {
  const { op, a, b } = f;
  if (!check) {
    primalNodes(f, op, a, b, v, f.opStart, f.size, check, backend, onCall);
    return;
  }
  // Checked: node by node, each value tested as it is computed (a loop call's outputs, all computed at the
  // first, are tested one by one at their own nodes, which follow it).
  for (let i = f.opStart; i < f.size; i++) {
    primalNodes(f, op, a, b, v, i, i + 1, check, backend, onCall);
    if (!Number.isFinite(v[i])) throwNonFinite(f, i, v);
  }
}

/**
 * The primal sweep's loop over nodes `start` to `end` − 1. A function of its own, with everything it reads
 * before its loop passed in and no test for a checked sweep inside, for the reason given at the backward
 * sweep's (`adjointNodes`, src/sweeps/interpret/adjoint.ts): V8 then compiles it the same way in every process.
 */
function primalNodes(
  f: Program,
  op: Uint8Array,
  a: Int32Array,
  b: Int32Array,
  v: Float64Array,
  start: number,
  end: number,
  check: boolean,
  backend: Backend,
  onCall: CallSweep,
): void {
  for (let i = start; i < end; i++) {
    const code = op[i] as number;
    // The commonest ops written out (what their value rules compute), the others called from the table.
    if (code === ADD) v[i] = (v[a[i] as number] as number) + (v[b[i] as number] as number);
    else if (code === MUL) v[i] = (v[a[i] as number] as number) * (v[b[i] as number] as number);
    else if (code === SUB) v[i] = (v[a[i] as number] as number) - (v[b[i] as number] as number);
    else if (code === LOOP) {
      // A call's outputs are consecutive: the first computes them all.
      if (b[i] === 0) onCall(f, a[i] as number, v, check, backend);
    } else primalNode(f, v, i, code);
  }
}

/** @internal Node `i`'s value by its op's value rule. */
export function primalNode(f: Program, v: Float64Array, i: number, code: number): void {
  const { a, b, args } = f;
  const arity = OP_ARITY[code];
  if (arity === 1) v[i] = (FIXED_VALUE[code] as ValueRule)(v[a[i] as number] as number, 0);
  else if (arity === 2)
    v[i] = (FIXED_VALUE[code] as ValueRule)(v[a[i] as number] as number, v[b[i] as number] as number);
  else v[i] = (NARY_VALUE[code] as NaryValueRule)(v, args, a[i] as number, b[i] as number);
}

type ValueRule = (x: number, y: number) => number;
type NaryValueRule = NonNullable<(typeof NARY_VALUE)[number]>;

/** @internal Writes the constants' and the inputs' values into `v`: what every primal sweep starts from. */
export function loadPoint(f: Program, x: ArrayLike<number>, v: Float64Array): void {
  v.set(f.constants, 0);
  setInputs(f, x, v);
}

/** @internal Writes the inputs `x` into the value array `v` at the input nodes. */
export function setInputs(f: Program, x: ArrayLike<number>, v: Float64Array): void {
  if (x instanceof Float64Array) v.set(x, f.inputStart);
  else for (let i = 0; i < x.length; i++) v[f.inputStart + i] = x[i] as number;
}

/** @internal Throws the `non-finite` error for node `i`, naming its subexpression (shared by every sweep). */
export function throwNonFinite(f: Program, i: number, v: Float64Array): never {
  const expr = formatNode(f, i);
  throw new DifflabError('non-finite', `${expr} evaluates to ${v[i]}`, { subexpression: expr });
}

/**
 * @internal Throws the `non-finite` error for a derivative that became NaN or ±∞ at node i (`check`, like
 * PyTorch's anomaly detection): the tangent of node i in forward mode, its adjoint ∂f/∂node in reverse mode.
 */
export function throwNonFiniteDerivative(
  f: Program,
  i: number,
  value: number,
  kind: 'tangent' | 'adjoint',
  adjointOf = i,
): never {
  const expr = formatNode(f, i);
  const what =
    kind === 'tangent'
      ? `the tangent of ${expr} is ${value}`
      : adjointOf === i
        ? `the adjoint (∂f/∂·) of ${expr} is ${value}`
        : `the adjoint (∂f/∂·) of ${formatNode(f, adjointOf)} is ${value}, through the partial of ${expr}`;
  throw new DifflabError('non-finite', `${what}: the derivative is not a number from here on`, {
    subexpression: expr,
  });
}

/** Per-program work buffer, reused across calls so repeated evaluation allocates nothing per node. */
const buffers = new WeakMap<Program, Float64Array>();

/** @internal The program's reusable value buffer (not reentrant: copy out before calling user code). */
export function valueBuffer(f: Program): Float64Array {
  let v = buffers.get(f);
  if (v === undefined) {
    v = new Float64Array(f.size);
    buffers.set(f, v);
  }
  return v;
}

export interface EvaluateOptions {
  /** Throw a `non-finite` error at the first node whose value is NaN or ±Infinity, naming it. */
  check?: boolean;
  /** Run the interpreter (the default) or the program's compiled code; the values are the same. */
  backend?: Backend;
}

/**
 * Evaluates `f` at a point given by name or in `f.variables` order. IEEE semantics: log(−1) is NaN, not an
 * exception, unless `check` is set.
 *
 * @example
 * evaluate(parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)'), { w1: 3, w2: 4 }); // 246
 */
export function evaluate<Out extends number | Float64Array>(
  f: Program<Out>,
  at: Point,
  options: EvaluateOptions = {},
): Out {
  const x = readPoint(f, at);
  const check = options.check ?? false;
  const v = tiered(f, 'primal', 0, backendOf(options), (backend) =>
    primalSweep(f, x, valueBuffer(f), check, backend),
  );
  return readOutputs(f, v);
}

/** The outputs of a filled value array: a number for a scalar function, a fresh Float64Array otherwise. */
export function readOutputs<Out extends number | Float64Array>(f: Program<Out>, v: Float64Array): Out {
  if (f.scalar) return v[f.outputs[0] as number] as Out;
  // A loop, not Float64Array.from with a map function, which goes through the iterator protocol: on ba's
  // objective (31,843 evaluations of a 2-output program) that took a quarter of the time.
  const outs = f.outputs;
  const y = new Float64Array(outs.length);
  for (let k = 0; k < outs.length; k++) y[k] = v[outs[k] as number] as number;
  return y as Out;
}

/** @internal A loop's reusable work arrays: the body's values, a scan's carry in passing, a map's per-row outputs. */
export interface LoopWork {
  readonly v: Float64Array;
  /** Where a scan's next carry waits while it is copied into the carry inputs ({@link passCarry}). */
  readonly scratch: Float64Array;
  /** A logsumexp map's outputs, row by row (`n × perStep`); empty otherwise. */
  readonly ys: Float64Array;
}

const loopWorks = new WeakMap<Loop, LoopWork>();

/** @internal The loop's work arrays (not reentrant; a body never runs inside itself). */
export function loopWork(loop: Loop): LoopWork {
  return cachedFor(loopWorks, loop, () => ({
    v: new Float64Array(loop.body.size),
    scratch: new Float64Array(loop.carry),
    ys: new Float64Array(loop.reduce === 'logsumexp' ? loop.n * loop.perStep : 0),
  }));
}

/**
 * @internal Sets a body's inputs for iteration `i` in `target`, whose index `at` holds the body's first input:
 * the row (from the data, or from the values `v` of the row's argument nodes) and the index. The carry and the
 * captured values are the caller's.
 */
export function setIteration(
  call: LoopCall,
  v: Float64Array,
  target: Float64Array,
  at: number,
  i: number,
): void {
  const { loop } = call;
  const r = at + rowInput(loop);
  const w = loop.width;
  if (loop.rowArgs) {
    const base = rowArg(loop, i);
    for (let k = 0; k < w; k++) target[r + k] = v[call.args[base + k] as number] as number;
  } else for (let k = 0; k < w; k++) target[r + k] = loop.rows[i * w + k] as number;
  target[at + indexInput(loop)] = i;
}

/**
 * @internal Writes a body's constants, and the call's captured values (and a scan's initial carry) from `v`,
 * into the body's value array `bv`: what stays the same from one iteration to the next.
 */
export function loadCall(call: LoopCall, v: Float64Array, bv: Float64Array): void {
  const { loop, args } = call;
  const body = loop.body;
  bv.set(body.constants, 0);
  const in0 = body.inputStart;
  for (let k = 0; k < loop.carry; k++) bv[in0 + k] = v[args[k] as number] as number;
  const c0 = in0 + capturedInput(loop);
  for (let k = 0; k < loop.captured; k++) bv[c0 + k] = v[args[loop.carry + k] as number] as number;
}

/** @internal Copies a scan body's next carry (its first outputs) into its carry inputs, through `scratch`. */
export function passCarry(loop: Loop, bv: Float64Array, scratch: Float64Array): void {
  const outs = loop.body.outputs;
  const in0 = loop.body.inputStart;
  // An output may be an input node (a carry passed on as it is): read them all before writing any.
  for (let k = 0; k < loop.carry; k++) scratch[k] = bv[outs[k] as number] as number;
  for (let k = 0; k < loop.carry; k++) bv[in0 + k] = scratch[k] as number;
}

/**
 * @internal Runs a scan's iterations `from .. to − 1` by `run` on the body's values `bv`, whose carry inputs hold
 * the carry at `from`; on return they hold the carry at `to`. With `outputs`, writes each iteration's outputs
 * into the call's output nodes in `v`; `visit(i)` runs after iteration i's sweep, while the carry inputs still
 * hold its carry.
 */
export function scanSteps(
  call: LoopCall,
  v: Float64Array,
  bv: Float64Array,
  run: (bv: Float64Array, i: number) => void,
  from: number,
  to: number,
  outputs: boolean,
  visit?: (i: number) => void,
): void {
  const { loop, first } = call;
  const { body, carry: c, perStep } = loop;
  const outs = body.outputs;
  const scratch = loopWork(loop).scratch;
  for (let i = from; i < to; i++) {
    setIteration(call, v, bv, body.inputStart, i);
    run(bv, i);
    visit?.(i);
    if (outputs) {
      const base = first + c + i * perStep;
      for (let k = 0; k < perStep; k++) v[base + k] = bv[outs[c + k] as number] as number;
    }
    passCarry(loop, bv, scratch);
  }
}

/**
 * The primal sweep of a loop call: runs the body once per iteration and writes the call's outputs into `v`.
 * A sum starts from the first row's value and adds in row order, and logsumexp is the op table's rule over the
 * rows' values: the unrolled program's numbers, to the bit.
 */
export function callPrimal(
  f: Program,
  index: number,
  v: Float64Array,
  check: boolean,
  backend: Backend,
): void {
  const call = f.calls[index] as LoopCall;
  const { loop, first } = call;
  const { body, n, carry: c, perStep } = loop;
  const w = loopWork(loop);
  const bv = w.v;
  // The compiled backend runs the iterations by a generated driver (compiled/loop.ts): the statements below.
  const driven = drivesLoop(call, check, backend);
  const sweep = primalRunner(body, check, backend);
  // A checked sweep says which iteration of which call met NaN or ±∞.
  const run = check
    ? (values: Float64Array, i: number) => checkedIteration(f, first, i, () => sweep(values))
    : sweep;
  loadCall(call, v, bv);
  const in0 = body.inputStart;
  if (loop.kind === 'scan') {
    if (driven) scanPrimal(call, bv)(v, bv, 0, n, true, undefined);
    else scanSteps(call, v, bv, run, 0, n, true);
    for (let k = 0; k < c; k++) v[first + k] = bv[in0 + k] as number;
    return;
  }
  const outs = body.outputs;
  if (loop.reduce === 'sum' && n === 0) v.fill(0, first, first + perStep);
  if (driven) mapPrimal(call, bv)(v, bv, w.ys);
  else
    for (let i = 0; i < n; i++) {
      setIteration(call, v, bv, in0, i);
      run(bv, i);
      if (loop.reduce === 'sum') {
        for (let k = 0; k < perStep; k++) {
          const y = bv[outs[k] as number] as number;
          v[first + k] = i === 0 ? y : (v[first + k] as number) + y;
        }
      } else for (let k = 0; k < perStep; k++) w.ys[i * perStep + k] = bv[outs[k] as number] as number;
    }
  if (loop.reduce === 'logsumexp') {
    for (let k = 0; k < perStep; k++) v[first + k] = logsumexpRows(w.ys, k, perStep, n);
  }
}

/**
 * @internal Whether the compiled backend runs the call by a generated loop driver (compiled/loop.ts): a body
 * without loops of its own, and no `check` (which the interpreter does, node by node).
 */
export function drivesLoop(call: LoopCall, check: boolean, backend: Backend): boolean {
  return generates(call.loop.body, backend, check);
}

/**
 * Runs one iteration of a checked sweep; a `non-finite` error inside the body says which call and iteration it
 * happened in (the body's own names for the row and the carry mean nothing outside it).
 */
function checkedIteration(f: Program, first: number, i: number, run: () => void): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof DifflabError) || e.code !== 'non-finite') throw e;
    const where = formatNode(f, first, { maxLength: 120 });
    throw new DifflabError('non-finite', `${e.message}, in iteration ${i} of ${where}`, {
      subexpression: e.subexpression ?? where,
    });
  }
}

/** @internal log Σ_i e^{ys[i·stride + k]} by the op table's logsumexp rule (the unrolled node's value). */
export function logsumexpRows(ys: Float64Array, k: number, stride: number, n: number): number {
  const rows = Int32Array.from({ length: n }, (_, i) => i * stride + k);
  return (NARY_VALUE[OP_CODE.logsumexp] as NaryValueRule)(ys, rows, 0, n);
}
