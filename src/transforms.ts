/**
 * Function transforms in the spirit of JAX: `grad`, `valueAndGrad`, `jacfwd`, `jacrev`, `hessian`, `jvp`,
 * `vjp` over JavaScript functions of builder expressions. A function is traced once per shape of its
 * arguments into a program whose inputs are the arguments' numbers in argument order, and the program is
 * cached; each transform then calls the program-level function of the same job on it, so the two layers
 * share one implementation.
 *
 * Arguments and results are trees (JAX's pytrees): a number, an array of trees or a plain object of trees
 * (its keys taken in sorted order, as JAX does). `hessian`, `jvp` and `vjp` also keep their program-level
 * forms: given a program rather than a function, they are the program-level calls.
 */
import {
  gradient,
  jacobian,
  type MethodOptions,
  programArg,
  hessian as programHessian,
  jvp as programJvp,
  vjp as programVjp,
  type SparseOption,
} from './api.js';
import type { ForwardOptions } from './forward/index.js';
import {
  type CommonOptions,
  DifflabError,
  Expr,
  type Operand,
  type Program,
  program,
  variable,
  withGraph,
} from './ir/index.js';
import { type Call, checkOptions, type PointOptions } from './options.js';
import type { ReverseOptions } from './reverse/index.js';
import { evaluate, type Point } from './sweeps/index.js';

// ---------------------------------------------------------------------------------------------------------
// Types

/** What a traced function receives or returns: an expression (or, in results, a number), or trees of them. */
export type ExprTree = Operand | readonly ExprTree[] | { readonly [key: string]: ExprTree };

/** Numbers in the shape of `T` (a tree of expressions). */
export type Numbers<T> = T extends Operand ? number : { -readonly [K in keyof T]: Numbers<T[K]> };

/** What a transformed function takes for a parameter of type `T`: numbers in its shape. */
export type Input<T> = T extends Expr
  ? number
  : T extends readonly Expr[]
    ? readonly number[] | Float64Array
    : { readonly [K in keyof T]: Input<T[K]> };

/** The transformed function's parameters for a traced function's parameters `A`. */
export type Inputs<A extends readonly unknown[]> = { [K in keyof A]: Input<A[K]> };

/** Which arguments a transform differentiates: one position, or several (a tuple of results follows). */
export type Argnums = number | readonly number[];

/** The derivative with respect to the arguments at `N`: one argument's shape, or a tuple of them. */
export type WrtArgs<A extends readonly unknown[], N extends Argnums, Leaf = number> = N extends number
  ? Shaped<A[N], Leaf>
  : { -readonly [K in keyof N]: Shaped<A[N[K] & number], Leaf> };

/** `Leaf` in the shape of `T`. */
export type Shaped<T, Leaf> = T extends Operand ? Leaf : { -readonly [K in keyof T]: Shaped<T[K], Leaf> };

/** The Jacobian's shape: the output's shape with, at each leaf, the inputs' (`WrtArgs`). */
export type JacobianOf<R, A extends readonly unknown[], N extends Argnums> = Shaped<R, WrtArgs<A, N>>;

/** A traced function: takes expression trees, returns an expression tree. */
export type Traceable<A extends readonly unknown[], R extends ExprTree> = (...args: A) => R;

/** Options of the transforms: which arguments to differentiate (default 0), and the program-level options. */
export type TransformOptions<N extends Argnums = 0, O = MethodOptions> = O & { argnums?: N };

/** Options of the forward-mode transforms (`jacfwd`); no `out`, since a transform returns fresh trees. */
export type ForwardTransformOptions<N extends Argnums = 0> = TransformOptions<
  N,
  Omit<ForwardOptions, 'out'> & PointOptions
>;

/** Options of the reverse-mode transforms (`jacrev`). */
export type ReverseTransformOptions<N extends Argnums = 0> = TransformOptions<
  N,
  Omit<ReverseOptions, 'out'> & PointOptions
>;

// ---------------------------------------------------------------------------------------------------------
// Trees

type Tree = unknown;

/** True for a plain object (not an array, expression, typed array or class instance). */
function isPlainObject(t: unknown): t is Record<string, unknown> {
  if (t === null || typeof t !== 'object') return false;
  const proto = Object.getPrototypeOf(t);
  return proto === Object.prototype || proto === null;
}

/** Array-like nodes of a tree: arrays, and typed arrays of numbers. */
function isArrayNode(t: unknown): t is ArrayLike<unknown> {
  return Array.isArray(t) || (ArrayBuffer.isView(t) && !(t instanceof DataView));
}

/**
 * Where a leaf sits: its parent's path and its index or key there (joined only when a message or a name needs
 * it, so reading a long array builds no strings).
 */
type Leaf = (value: unknown, parent: string, step: number | string | undefined) => void;

/** The path of a leaf: `args[0][2]`, `args[1].w`, or the parent itself at the root. */
function pathOf(parent: string, step: number | string | undefined): string {
  if (step === undefined) return parent;
  return typeof step === 'number' ? `${parent}[${step}]` : `${parent}.${step}`;
}

/**
 * Visits a tree's leaves in order (arrays by index, objects by sorted key), calling `leaf` with each and where
 * it sits, and returns a key that is equal for trees of equal shape (an array of n leaves is `[n]`). Trees
 * are data written by hand, shallow: the walk recurses on their nesting, never on expression depth.
 */
function walk(t: Tree, path: string, leaf: Leaf, step?: number | string): string {
  const here = step === undefined ? path : pathOf(path, step);
  if (isArrayNode(t)) {
    // The children's keys are spelled out only when one of them is not a leaf.
    let keys: string[] | undefined;
    for (let i = 0; i < t.length; i++) {
      const child = t[i];
      if (isArrayNode(child) || isPlainObject(child)) {
        keys ??= Array.from({ length: i }, () => '#');
        keys.push(walk(child, here, leaf, i));
      } else {
        leaf(child, here, i);
        keys?.push('#');
      }
    }
    return keys === undefined ? `[${t.length}]` : `[${keys.join(',')}]`;
  }
  if (isPlainObject(t)) {
    let key = '{';
    for (const k of Object.keys(t).sort()) key += `${JSON.stringify(k)}:${walk(t[k], here, leaf, k)},`;
    return `${key}}`;
  }
  leaf(t, path, step);
  return '#';
}

/** A tree of `shape`'s shape whose leaves are `next()`, called in leaf order (arrays come back as arrays). */
function rebuild<T>(shape: Tree, next: () => T): unknown {
  if (isArrayNode(shape)) {
    const out = new Array<unknown>(shape.length);
    for (let i = 0; i < shape.length; i++) {
      const child = shape[i];
      out[i] = isArrayNode(child) || isPlainObject(child) ? rebuild(child, next) : next();
    }
    return out;
  }
  if (isPlainObject(shape)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(shape).sort()) out[k] = rebuild(shape[k], next);
    return out;
  }
  return next();
}

/** The leaves of a tree of numbers given for `what`, with its shape key, checked (finite unless allowed). */
function numbersOf(t: Tree, what: string, allowNonFinite: boolean): { values: number[]; key: string } {
  const values: number[] = [];
  const key = walk(t, what, (v, parent, step) => {
    if (typeof v !== 'number') {
      throw new DifflabError(
        'bad-point',
        `${pathOf(parent, step)} must be a number (or an array or plain object of numbers), got ${describe(v)}`,
      );
    }
    if (!allowNonFinite && !Number.isFinite(v)) {
      throw new DifflabError(
        'bad-point',
        `${pathOf(parent, step)} is ${v}; pass { allowNonFinite: true } if that is intended`,
      );
    }
    values.push(v);
  });
  return { values, key };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Expr) return 'an expression (a transformed function takes numbers)';
  return typeof v === 'object' ? `an object of class ${v.constructor?.name ?? 'unknown'}` : typeof v;
}

// ---------------------------------------------------------------------------------------------------------
// Tracing

/** A function traced at one shape of its arguments. */
interface Trace {
  readonly program: Program;
  /** The result's shape (leaves 0); a bare leaf for a function that returns one value. */
  readonly out: Tree;
  /** Per argument, the index of its first number among the program's inputs (and, last, their count). */
  readonly offsets: readonly number[];
}

/** The traces of each function, by the shape key of its arguments. */
const traces = new WeakMap<object, Map<string, Trace>>();

/** One call's arguments, read: the program traced for their shape, the point, and the arguments as given. */
interface TracedCall {
  readonly trace: Trace;
  readonly x: Float64Array;
  readonly args: readonly Tree[];
}

/** Reads the arguments of a call and traces `fn` for their shape (once: the program is cached). */
function traced(
  fn: (...args: never[]) => unknown,
  args: readonly Tree[],
  allowNonFinite: boolean,
): TracedCall {
  const values: number[] = [];
  const offsets: number[] = [];
  let key = '';
  args.forEach((arg, i) => {
    offsets.push(values.length);
    const read = numbersOf(arg, `args[${i}]`, allowNonFinite);
    for (const v of read.values) values.push(v);
    key += `${read.key};`;
  });
  offsets.push(values.length);
  let byShape = traces.get(fn);
  if (byShape === undefined) {
    byShape = new Map();
    traces.set(fn, byShape);
  }
  let trace = byShape.get(key);
  if (trace === undefined) {
    trace = traceOnce(fn, args, offsets);
    byShape.set(key, trace);
  }
  return { trace, x: Float64Array.from(values), args };
}

/**
 * Runs `fn` once on variables in the shape of `args` (named by their path, `args[0]`, `args[1].w[2]`, names
 * no parse produces) and turns its result into a program over all of them, in argument order. A fresh graph
 * holds the trace, so it is freed with the program's cache entry.
 */
function traceOnce(
  fn: (...args: never[]) => unknown,
  args: readonly Tree[],
  offsets: readonly number[],
): Trace {
  return withGraph(() => {
    const names: string[] = [];
    const name: Leaf = (_v, parent, step) => {
      names.push(pathOf(parent, step));
    };
    args.forEach((arg, i) => {
      walk(arg, `args[${i}]`, name);
    });
    let k = 0;
    const exprArgs = args.map((arg) => rebuild(arg, () => variable(names[k++] as string)));
    const result = callTraced(fn, exprArgs);
    const outputs: Operand[] = [];
    walk(result, 'the result', (v, parent, step) => {
      if (typeof v !== 'number' && !(v instanceof Expr)) {
        throw new DifflabError(
          'invalid-argument',
          `${pathOf(parent, step)} must be an expression or a number (or arrays and plain objects of them), got ${describe(v)}`,
        );
      }
      outputs.push(v);
    });
    const single = !isArrayNode(result) && !isPlainObject(result);
    if (outputs.length === 0) throw new DifflabError('invalid-argument', 'the function returned no values');
    const p = single
      ? program(outputs[0] as Operand, { variables: names })
      : program(outputs, { variables: names });
    return { program: p, out: rebuild(result, () => 0), offsets };
  });
}

/** Calls the traced function; an expression built outside it (in another graph) gets a hint. */
function callTraced(fn: (...args: never[]) => unknown, args: unknown[]): unknown {
  try {
    return (fn as (...a: unknown[]) => unknown)(...args);
  } catch (e) {
    if (e instanceof DifflabError && e.code === 'graph-mismatch') {
      throw new DifflabError(
        'graph-mismatch',
        `${e.message}: a transformed function must build from its arguments and numbers, not from expressions built outside it`,
        { cause: e },
      );
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Results in the arguments' shapes

/** The checked argument positions, as a list, and whether one position was asked for (not a tuple). */
function positions(argnums: Argnums | undefined, count: number): { list: number[]; single: boolean } {
  const asked = argnums ?? 0;
  const single = typeof asked === 'number';
  const list = single ? [asked] : [...(asked as readonly number[])];
  if (!single && !Array.isArray(asked)) {
    throw new DifflabError('invalid-argument', 'argnums must be a position or an array of positions');
  }
  const seen = new Set<number>();
  for (const n of list) {
    if (!Number.isInteger(n) || n < 0 || n >= count) {
      throw new DifflabError(
        'invalid-argument',
        `argnums: ${String(n)} is not the position of an argument (the call has ${count})`,
      );
    }
    if (seen.has(n)) throw new DifflabError('invalid-argument', `argnums: ${n} is listed twice`);
    seen.add(n);
  }
  return { list, single };
}

/** The values `at(i)` for program inputs i, in the shape of the arguments at `argnums`. */
function wrt(call: TracedCall, argnums: Argnums | undefined, at: (input: number) => unknown): unknown {
  const { list, single } = positions(argnums, call.args.length);
  const one = (n: number) => {
    let i = call.trace.offsets[n] as number;
    return rebuild(call.args[n], () => at(i++));
  };
  return single ? one(list[0] as number) : list.map(one);
}

/** Values in the result's shape: `values[k]` at its k-th leaf. */
function inResultShape(out: Tree, values: ArrayLike<unknown> | number): unknown {
  if (typeof values === 'number') return values;
  let k = 0;
  return rebuild(out, () => values[k++]);
}

/** The value at x, in the result's shape. */
function valueAt(call: TracedCall, options: CommonOptions | undefined): unknown {
  const evaluateOptions = {
    ...(options?.check === undefined ? {} : { check: options.check }),
    ...(options?.backend === undefined ? {} : { backend: options.backend }),
  };
  return inResultShape(call.trace.out, evaluate(call.trace.program, call.x, evaluateOptions));
}

/** A result (cotangent or tangent) given in the shape of `shape`, as a vector. */
function vectorLike(t: Tree, shape: Tree, what: string): number[] {
  const { values, key } = numbersOf(t, what, true);
  const expected = walk(shape, what, () => {});
  if (key !== expected) {
    throw new DifflabError('bad-point', `${what} must have the shape of ${describeShape(shape)}`);
  }
  return values;
}

/** A result's shape as text, numbers shown as n: `[n,{"a":n}]`. */
function describeShape(shape: Tree): string {
  return JSON.stringify(shape, (_k, v) => (typeof v === 'number' ? 'n' : v));
}

// ---------------------------------------------------------------------------------------------------------
// Options

/** Splits a transform's options into argnums and the program-level options, checked now (not at each call). */
function splitOptions<O extends object>(
  options: (O & { argnums?: Argnums }) | undefined,
  call: Call,
  fixed?: 'forward' | 'reverse',
): { argnums: Argnums | undefined; rest: O | undefined; allowNonFinite: boolean } {
  if (options === undefined)
    return { argnums: undefined, rest: fixed && ({ method: fixed } as O), allowNonFinite: false };
  if (options === null || typeof options !== 'object') {
    throw new DifflabError('invalid-argument', 'options must be an object');
  }
  const { argnums, ...rest } = options;
  if (argnums !== undefined && (call === 'jvp' || call === 'vjp')) {
    throw new DifflabError(
      'invalid-argument',
      `${call}: argnums does not apply (it differentiates every argument)`,
    );
  }
  // Checked for its form now; against the number of arguments at each call.
  if (argnums !== undefined) positions(argnums, Number.POSITIVE_INFINITY);
  // The transforms return fresh trees: there is no array for the gradient to be written into.
  if ((rest as { out?: unknown }).out !== undefined)
    throw new DifflabError('invalid-argument', `${call}: out does not apply to a transform`);
  if (fixed !== undefined) {
    if ((rest as { method?: unknown }).method !== undefined) {
      throw new DifflabError(
        'invalid-argument',
        `option 'method' does not apply: this transform is ${fixed} mode`,
      );
    }
    (rest as { method?: string }).method = fixed;
  }
  checkOptions(rest, call);
  return {
    argnums,
    rest: rest as unknown as O,
    allowNonFinite: (rest as PointOptions).allowNonFinite === true,
  };
}

function checkFunction(fn: unknown, who: string): void {
  if (typeof fn !== 'function') {
    throw new DifflabError('invalid-argument', `${who}: expected a function of expressions`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The transforms

/**
 * The gradient of a function that returns one number, as a function of the same arguments: its shape is that
 * of the argument at `argnums` (default 0, as in JAX), or a tuple for several positions. Reverse mode by
 * default; `method` and the program-level options ride in the same object.
 *
 * @example
 * grad((x, y) => x.mul(y).sin())(1, 2);                      // cos(2)·2: ∂/∂x at (1, 2)
 * grad((x, y) => x.mul(y).sin(), { argnums: [0, 1] })(1, 2); // [cos(2)·2, cos(2)]
 * grad((w: Expr[]) => dot(w, w))([3, 4]);                     // [6, 8]
 */
export function grad<A extends readonly unknown[] = Expr[], const N extends Argnums = 0>(
  fn: Traceable<A, Operand>,
  options?: TransformOptions<N>,
): (...args: Inputs<A>) => WrtArgs<A, N> {
  checkFunction(fn, 'grad');
  const { argnums, rest, allowNonFinite } = splitOptions(options, 'gradient');
  return ((...args: Tree[]) => {
    const call = traced(fn, args, allowNonFinite);
    const g = gradient(scalarProgram(call, 'grad'), call.x, rest);
    return wrt(call, argnums, (i) => g[i]);
  }) as never;
}

/**
 * The value and the gradient of a function that returns one number, as `[value, gradient]` (JAX's
 * `value_and_grad`); options as for {@link grad}.
 */
export function valueAndGrad<A extends readonly unknown[] = Expr[], const N extends Argnums = 0>(
  fn: Traceable<A, Operand>,
  options?: TransformOptions<N>,
): (...args: Inputs<A>) => [number, WrtArgs<A, N>] {
  checkFunction(fn, 'valueAndGrad');
  const { argnums, rest, allowNonFinite } = splitOptions(options, 'gradient');
  return ((...args: Tree[]) => {
    const call = traced(fn, args, allowNonFinite);
    const p = scalarProgram(call, 'valueAndGrad');
    const g = gradient(p, call.x, rest);
    return [valueAt(call, rest as CommonOptions), wrt(call, argnums, (i) => g[i])];
  }) as never;
}

/**
 * The Jacobian by forward mode (one tangent sweep per chunk of input directions), in the result's shape with,
 * at each of its leaves, the derivative in the shape of the arguments at `argnums` (default 0).
 *
 * @example
 * jacfwd((x: Expr) => [x.sin(), x.mul(x)])(2); // [cos 2, 4]
 */
export function jacfwd<
  A extends readonly unknown[] = Expr[],
  R extends ExprTree = ExprTree,
  const N extends Argnums = 0,
>(fn: Traceable<A, R>, options?: ForwardTransformOptions<N>): (...args: Inputs<A>) => JacobianOf<R, A, N> {
  checkFunction(fn, 'jacfwd');
  return jacobianTransform(fn, options, 'forward');
}

/** The Jacobian by reverse mode (one adjoint sweep per output), shaped as by {@link jacfwd}. */
export function jacrev<
  A extends readonly unknown[] = Expr[],
  R extends ExprTree = ExprTree,
  const N extends Argnums = 0,
>(fn: Traceable<A, R>, options?: ReverseTransformOptions<N>): (...args: Inputs<A>) => JacobianOf<R, A, N> {
  checkFunction(fn, 'jacrev');
  return jacobianTransform(fn, options, 'reverse');
}

function jacobianTransform(
  fn: (...args: never[]) => unknown,
  options: object | undefined,
  method: 'forward' | 'reverse',
): never {
  const { argnums, rest, allowNonFinite } = splitOptions(options, 'jacobian', method);
  return ((...args: Tree[]) => {
    const call = traced(fn, args, allowNonFinite);
    const rows = jacobian(call.trace.program, call.x, rest as MethodOptions);
    let k = 0;
    return rebuild(call.trace.out, () => {
      const row = rows[k++] as Float64Array;
      return wrt(call, argnums, (i) => row[i]);
    });
  }) as never;
}

/**
 * The Hessian of a function that returns one number, by forward over reverse: for the argument at `argnums`
 * (default 0), its shape with that shape at each leaf (an n × n array for an array of n); for several
 * positions, a tuple of tuples (`H[a][b]` is ∂²f/∂args[a]∂args[b]).
 *
 * Given a program instead of a function, it is the program-level Hessian: `hessian(f, at, options?)`.
 *
 * @example
 * hessian((x: Expr, y: Expr) => x.mul(x).mul(y))(3, 2);  // 4 (∂²/∂x² of x²y is 2y)
 * hessian((w: Expr[]) => w[0].mul(w[1]))([3, 4]);        // [[0, 1], [1, 0]]
 * hessian(parse('x^2 * y'), [3, 2]);                     // [Float64Array [4, 6], Float64Array [6, 0]]
 */
export function hessian(f: Program<number>, at: Point, options?: PointOptions & SparseOption): Float64Array[];
export function hessian<A extends readonly unknown[] = Expr[], const N extends Argnums = 0>(
  fn: Traceable<A, Operand>,
  options?: TransformOptions<N, PointOptions>,
): (...args: Inputs<A>) => WrtArgs<A, N, WrtArgs<A, N>>;
export function hessian(f: unknown, ...rest: unknown[]): unknown {
  if (typeof f !== 'function')
    return programHessian(
      programArg(f, 'hessian') as Program<number>,
      rest[0] as Point,
      rest[1] as PointOptions,
    );
  if (rest.length > 1) {
    throw new DifflabError(
      'invalid-argument',
      'hessian(fn, options?) returns a function: call it with the point',
    );
  }
  const { argnums, rest: options, allowNonFinite } = splitOptions(rest[0] as object | undefined, 'hessian');
  return (...args: Tree[]) => {
    const call = traced(f as (...args: never[]) => unknown, args, allowNonFinite);
    const h = programHessian(scalarProgram(call, 'hessian'), call.x, options);
    return wrt(call, argnums, (i) => wrt(call, argnums, (j) => (h[i] as Float64Array)[j]));
  };
}

/**
 * Forward mode at a point along a direction, as `[value, tangent]` (JAX's `jvp`): `primals` holds the
 * arguments, `tangents` a direction in their shape; both results have the function's result's shape. Forward
 * mode by default (`method` may name another).
 *
 * Given a program instead of a function, it is the program-level call `jvp(f, at, v, options?)`: J·v alone.
 *
 * @example
 * jvp((x: Expr) => x.sin(), [0.5], [2]); // [sin 0.5, 2·cos 0.5]
 */
export function jvp(f: Program, at: Point, v: ArrayLike<number>, options?: MethodOptions): Float64Array;
export function jvp<A extends readonly unknown[] = Expr[], R extends ExprTree = ExprTree>(
  fn: Traceable<A, R>,
  primals: Inputs<A>,
  tangents: Inputs<A>,
  options?: MethodOptions,
): [Numbers<R>, Numbers<R>];
export function jvp(f: unknown, a: unknown, b: unknown, options?: MethodOptions): unknown {
  if (typeof f !== 'function')
    return programJvp(programArg(f, 'jvp'), a as Point, b as ArrayLike<number>, options);
  const { rest, allowNonFinite } = splitOptions({ method: 'forward', ...options }, 'jvp');
  const primals = argList(a, 'primals');
  const call = traced(f as (...args: never[]) => unknown, primals, allowNonFinite);
  const v = vectorLike(argList(b, 'tangents'), primals, 'tangents');
  const t = programJvp(call.trace.program, call.x, v, rest as MethodOptions);
  return [
    valueAt(call, rest as CommonOptions),
    inResultShape(call.trace.out, call.trace.program.scalar ? (t[0] as number) : t),
  ];
}

/**
 * Reverse mode at a point, as `[value, pullback]` (JAX's `vjp`): `primals` holds the arguments; `pullback(u)`,
 * for a cotangent u in the result's shape, gives uᵀJ as one tree per argument (an array, as JAX's tuple).
 * Reverse mode by default (`method` may name another).
 *
 * Given a program instead of a function, it is the program-level call `vjp(f, at, u, options?)`: uᵀJ alone.
 *
 * @example
 * const [y, pullback] = vjp((x: Expr, y: Expr) => x.mul(y), [3, 4]);
 * y;            // 12
 * pullback(1);  // [4, 3]
 */
export function vjp(f: Program, at: Point, u: ArrayLike<number>, options?: MethodOptions): Float64Array;
export function vjp<A extends readonly unknown[] = Expr[], R extends ExprTree = ExprTree>(
  fn: Traceable<A, R>,
  primals: Inputs<A>,
  options?: MethodOptions,
): [Numbers<R>, (cotangent: Numbers<R>) => { -readonly [K in keyof A]: Numbers<A[K]> }];
export function vjp(f: unknown, a: unknown, b?: unknown, c?: MethodOptions): unknown {
  if (typeof f !== 'function') return programVjp(programArg(f, 'vjp'), a as Point, b as ArrayLike<number>, c);
  if (c !== undefined)
    throw new DifflabError('invalid-argument', 'vjp(fn, primals, options?) takes three arguments');
  const { rest, allowNonFinite } = splitOptions(b as MethodOptions | undefined, 'vjp');
  const primals = argList(a, 'primals');
  const call = traced(f as (...args: never[]) => unknown, primals, allowNonFinite);
  const pullback = (cotangent: unknown) => {
    const u = vectorLike(cotangent, call.trace.out, 'the cotangent');
    const g = programVjp(call.trace.program, call.x, u, rest as MethodOptions);
    return wrt(
      call,
      primals.map((_, i) => i),
      (i) => g[i],
    );
  };
  return [valueAt(call, rest as CommonOptions), pullback];
}

/** The arguments of a jvp or vjp: an array, one entry per argument. */
function argList(t: unknown, what: string): Tree[] {
  if (!Array.isArray(t)) {
    throw new DifflabError(
      'invalid-argument',
      `${what} must be an array with one entry per argument of the function`,
    );
  }
  return t;
}

/** The program of a function that must return one number. */
function scalarProgram(call: TracedCall, who: string): Program<number> {
  if (!call.trace.program.scalar) {
    throw new DifflabError(
      'invalid-argument',
      `${who} needs a function that returns one number; this one returns ${describeShape(call.trace.out)} (use jacrev or jacfwd)`,
    );
  }
  return call.trace.program as Program<number>;
}
