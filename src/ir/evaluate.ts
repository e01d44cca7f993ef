/**
 * Evaluation: one ascending loop over the program (the primal sweep).
 */
import { DifflabError } from './errors.js';
import { formatNode } from './format.js';
import { type FixedOpDef, type NaryOpDef, OP_ARITY, OP_DEFS } from './ops.js';
import type { Program } from './program.js';

/** A point: values by variable name, or an array in `f.variables` order. */
export type Point = Readonly<Record<string, number>> | ArrayLike<number>;

/** The value rule of each op by code (fixed ops get `(x, y)`, n-ary ops get the argument range). */
export const FIXED_VALUE = OP_DEFS.map((d) =>
  d.arity === 'n' ? undefined : (d as FixedOpDef).value,
) as readonly ((x: number, y: number) => number)[];
export const NARY_VALUE = OP_DEFS.map((d) =>
  d.arity === 'n' ? (d as NaryOpDef).value : undefined,
) as readonly ((v: Float64Array, args: Int32Array, start: number, count: number) => number)[];

/** The point as a Float64Array in `f.variables` order, checking names, length and types. */
export function toPoint(f: Program, at: Point): Float64Array {
  const n = f.variables.length;
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
 * the first node whose value is not finite, naming its subexpression.
 */
export function primalSweep(f: Program, x: ArrayLike<number>, v: Float64Array, check = false): Float64Array {
  v.set(f.constants, 0);
  for (let i = 0; i < x.length; i++) v[f.inputStart + i] = x[i] as number;
  if (check) for (let i = 0; i < f.opStart; i++) if (!Number.isFinite(v[i])) throwNonFinite(f, i, v);
  const { op, a, b, args } = f;
  for (let i = f.opStart; i < f.size; i++) {
    const code = op[i] as number;
    const arity = OP_ARITY[code];
    if (arity === 1)
      v[i] = (FIXED_VALUE[code] as (x: number, y: number) => number)(v[a[i] as number] as number, 0);
    else if (arity === 2) {
      v[i] = (FIXED_VALUE[code] as (x: number, y: number) => number)(
        v[a[i] as number] as number,
        v[b[i] as number] as number,
      );
    } else
      v[i] = (NARY_VALUE[code] as NonNullable<(typeof NARY_VALUE)[number]>)(
        v,
        args,
        a[i] as number,
        b[i] as number,
      );
    if (check && !Number.isFinite(v[i])) throwNonFinite(f, i, v);
  }
  return v;
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
  const x = toPoint(f, at);
  const v = primalSweep(f, x, valueBuffer(f), options.check ?? false);
  return readOutputs(f, v);
}

/** The outputs of a filled value array: a number for a scalar function, a fresh Float64Array otherwise. */
export function readOutputs<Out extends number | Float64Array>(f: Program<Out>, v: Float64Array): Out {
  if (f.scalar) return v[f.outputs[0] as number] as Out;
  return Float64Array.from(f.outputs, (o) => v[o] as number) as Out;
}
