/**
 * Evaluation: one ascending loop over the program (the primal sweep).
 */

import { compiled } from './compile/index.js';
import { type Backend, backendOf } from './differentiator.js';
import { DifflabError } from './errors.js';
import { formatNode } from './format.js';
import { FIXED_VALUE, NARY_VALUE, OP_ARITY, OP_CODE } from './ops.js';

const { add: ADD, sub: SUB, mul: MUL } = OP_CODE;

import type { Program } from './program.js';

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
): Float64Array {
  loadPoint(f, x, v);
  if (check) for (let i = 0; i < f.opStart; i++) if (!Number.isFinite(v[i])) throwNonFinite(f, i, v);
  // The compiled primal keeps values used only inside a loop repetition out of v; with `check`, every
  // value is wanted, so the interpreter runs (the same numbers).
  if (backend === 'compile' && !check) {
    if (forAdjoint) compiled(f).tapePrimal(v);
    else compiled(f).primal(v);
    return v;
  }
  const { op, a, b } = f;
  for (let i = f.opStart; i < f.size; i++) {
    const code = op[i] as number;
    // The commonest ops written out (what their value rules compute), the others called from the table.
    if (code === ADD) v[i] = (v[a[i] as number] as number) + (v[b[i] as number] as number);
    else if (code === MUL) v[i] = (v[a[i] as number] as number) * (v[b[i] as number] as number);
    else if (code === SUB) v[i] = (v[a[i] as number] as number) - (v[b[i] as number] as number);
    else primalNode(f, v, i, code);
    if (check && !Number.isFinite(v[i])) throwNonFinite(f, i, v);
  }
  return v;
}

/** Node `i`'s value by its op's value rule. */
function primalNode(f: Program, v: Float64Array, i: number, code: number): void {
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
  const v = primalSweep(f, x, valueBuffer(f), options.check ?? false, backendOf(options));
  return readOutputs(f, v);
}

/** The outputs of a filled value array: a number for a scalar function, a fresh Float64Array otherwise. */
export function readOutputs<Out extends number | Float64Array>(f: Program<Out>, v: Float64Array): Out {
  if (f.scalar) return v[f.outputs[0] as number] as Out;
  return Float64Array.from(f.outputs, (o) => v[o] as number) as Out;
}
