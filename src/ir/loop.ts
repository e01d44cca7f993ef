/**
 * Loops in the IR: a map over rows of data with a reduction, and a scan with a carried state. A loop's body
 * is traced once from a JavaScript callback into a program of its own; the enclosing program holds one call
 * of it (outputs with code {@link LOOP}), so a program's size is that of its text, not of its execution.
 *
 * A body program's inputs are, in order: the carry (a scan's), the row, the iteration index, then the values
 * it captures from outside (every subexpression of the callback that does not depend on the carry, the row or
 * the index is computed once outside the loop and passed in). Its outputs are the next carry (a scan's),
 * then the per-iteration outputs.
 *
 * - map: `y = reduce_i body(row_i, i)`, output by output; `reduce` is `sum` or `logsumexp`.
 * - scan: `carry_{i+1}, out_i = body(carry_i, row_i, i)`; the call's outputs are the final carry, then every
 *   iteration's outputs (iteration-major).
 *
 * Semantics are those of the unrolled program ({@link unroll}), to the bit for the primal values.
 */
import { DifflabError } from './errors.js';
import { currentGraph, Expr, Graph, type Operand } from './graph.js';
import { CONST, LOOP, OP_ARITY, OP_CODE, VAR } from './ops.js';
import { buildProgram, type LoopCall, type Program } from './program.js';

/** How a map combines its rows' outputs. */
export type Reduce = 'sum' | 'logsumexp';

/** A loop: its kind, body program, data and shape. */
export interface Loop {
  readonly kind: 'map' | 'scan';
  /** The body: inputs carry, row, index, captured; outputs next carry, then per-iteration outputs. */
  readonly body: Program<Float64Array>;
  /** Number of iterations. */
  readonly n: number;
  /** The rows of data, row-major (`n × width` values); empty when the rows are expressions ({@link rowArgs}). */
  readonly rows: Float64Array;
  /**
   * True when the rows are expressions (differentiable, like the `xs` of JAX's scan): they are then the call's
   * last `n × width` arguments, after the carry and the captured values, and their adjoints flow back.
   */
  readonly rowArgs: boolean;
  /** Values per row. */
  readonly width: number;
  /** A scan's carry size (0 for a map). */
  readonly carry: number;
  /** Outputs of the body per iteration, after the carry. */
  readonly perStep: number;
  /** Number of captured inputs (the call's arguments after a scan's initial carry). */
  readonly captured: number;
  /** A map's reduction. */
  readonly reduce: Reduce | undefined;
  /** Outputs of a call: a map's `perStep`; a scan's `carry + n · perStep`. */
  readonly outputs: number;
}

/** The body's input position of the row's first value. */
export const rowInput = (loop: Loop): number => loop.carry;
/** The body's input position of the iteration index. */
export const indexInput = (loop: Loop): number => loop.carry + loop.width;
/** The body's input position of the first captured value. */
export const capturedInput = (loop: Loop): number => loop.carry + loop.width + 1;
/** The call argument of row i's first value, when the rows are expressions. */
export const rowArg = (loop: Loop, i: number): number => loop.carry + loop.captured + i * loop.width;

/**
 * What a loop runs over: a number of iterations (no data), an array of rows of equal length, or a flat
 * row-major array of numbers with its row width. Rows that hold expressions (a loop over some of the
 * function's own inputs, like the `xs` of JAX's scan) are differentiated through; rows of numbers are data.
 */
export type Rows =
  | number
  | readonly (readonly Operand[])[]
  | { readonly data: ArrayLike<number>; readonly width: number }
  | Gathered;

/** One table of a {@link gather}: `width` values per table row, flat; `index[i]` picks the table row of loop row i. */
export interface GatherPart {
  /** The table, row-major: expressions (differentiated through) or numbers (data). */
  readonly table: readonly Operand[] | ArrayLike<number>;
  /** Values per table row (default 1). */
  readonly width?: number;
  /** The table row of each loop row; absent: loop row i reads table row i. */
  readonly index?: ArrayLike<number>;
}

/** Rows gathered by index from tables ({@link gather}). */
export interface Gathered {
  readonly gather: readonly GatherPart[];
}

/**
 * Rows gathered by integer index from tables, like JAX's `cams[camIdx]`: loop row i is the first table's row
 * `index[i]`, then the second's, and so on. The loop's rows are then expressions (the table entries themselves,
 * no copies), so a table of the program's inputs is differentiated through; the index arrays are data.
 *
 * @example
 * // cameras of 2 parameters and weights, gathered for 3 observations
 * const rows = gather({ table: cams, width: 2, index: [0, 1, 0] }, { table: weights });
 */
export function gather(...parts: readonly GatherPart[]): Gathered {
  return { gather: parts };
}

export interface MapOptions {
  /** How the rows' outputs combine: `sum` (the default) or `logsumexp` (log Σ e^y, without overflow). */
  reduce?: Reduce;
}

/**
 * A map over rows with a reduction: `reduce_i body(row_i, i)`, the body traced once. The body gets the row as
 * expressions and the index as an expression, may read any expression built outside (it is captured), and
 * returns one expression (the call gives one) or several (the call gives as many, each reduced on its own).
 *
 * @example
 * const mu = variable('mu');
 * // Σ_i (x_i − μ)² over three data points
 * const loss = mapReduce([[1], [2], [4]], ([x]) => x.sub(mu).pow(2));
 * gradient(program(loss), [0]); // Float64Array [-14]
 */
export function mapReduce<const R extends Rows>(
  rows: R,
  body: (row: RowOf<R>, i: Expr) => Operand,
  options?: MapOptions,
): Expr;
export function mapReduce<const R extends Rows>(
  rows: R,
  body: (row: RowOf<R>, i: Expr) => readonly Operand[],
  options?: MapOptions,
): Expr[];
export function mapReduce(
  rows: Rows,
  body: (row: Expr[], i: Expr) => Operand | readonly Operand[],
  options: MapOptions = {},
): Expr | Expr[] {
  const reduce = options.reduce ?? 'sum';
  if (reduce !== 'sum' && reduce !== 'logsumexp') {
    throw new DifflabError(
      'invalid-argument',
      `mapReduce: reduce must be 'sum' or 'logsumexp', got '${String(reduce)}'`,
    );
  }
  const g = currentGraph();
  const data = readRows(g, rows, 'mapReduce');
  if (reduce === 'logsumexp' && data.n === 0) {
    throw new DifflabError('invalid-argument', 'mapReduce: logsumexp over no rows');
  }
  let single = false;
  const traced = trace(g, 0, data.width, (_carry, row, i) => {
    const out = data.unknownWidth ? bodyOverNoRows(body, row, i) : body(row as never, i);
    single = !Array.isArray(out);
    if (!single && (out as readonly Operand[]).length === 0) {
      throw new DifflabError('invalid-argument', 'mapReduce: the body returned no values');
    }
    return { carry: [], out: single ? [out as Operand] : (out as readonly Operand[]) };
  });
  const loop = loopOf('map', traced, data, 0, reduce);
  const first = g.call(loop, callArgs([], traced.captured, data.ids));
  const outs = Array.from({ length: loop.outputs }, (_, k) => new Expr(g, first + k));
  return single ? (outs[0] as Expr) : outs;
}

/**
 * A map without a reduction, after JAX's `vmap`: row i's outputs are `body(row_i, i)`, the body traced once, and
 * the call's outputs are every row's outputs, stacked (`out[i][k]`). It is a scan with no carry, so every method
 * and backend runs it as one (memory of one body per row, never of all rows at once); rows are independent, so
 * its Jacobian is block-diagonal over the rows ({@link blockJacobian}).
 *
 * @example
 * // the residuals w_i·(x_i − μ) of three observations, stacked
 * const mu = variable('mu');
 * const r = mapRows([[1, 0.5], [2, 1], [4, 2]], ([x, w]) => [w.mul(x.sub(mu))]); // r[i][0]
 */
export function mapRows<const R extends Rows>(
  rows: R,
  body: (row: RowOf<R>, i: Expr) => Operand | readonly Operand[],
): Expr[][] {
  const g = currentGraph();
  const data = readRows(g, rows, 'mapRows');
  // No rows, no outputs: the body never runs (and its row's width is unknown, so it is not traced).
  if (data.unknownWidth) return [];
  const traced = trace(g, 0, data.width, (_carry, row, i) => {
    const out = body(row as never, i);
    const list = Array.isArray(out) ? (out as readonly Operand[]) : [out as Operand];
    if (list.length === 0) throw new DifflabError('invalid-argument', 'mapRows: the body returned no values');
    return { carry: [], out: list };
  });
  const loop = loopOf('scan', traced, data, 0, undefined);
  const first = g.call(loop, callArgs([], traced.captured, data.ids));
  return Array.from({ length: data.n }, (_, i) =>
    Array.from({ length: traced.perStep }, (_, k) => new Expr(g, first + i * traced.perStep + k)),
  );
}

/**
 * A map's body traced over rows given as [] (no rows, so the row's width is unknown and the body gets an empty
 * row): a body that reads its row fails there, with an error that says so instead of the reader's TypeError.
 */
function bodyOverNoRows<T>(body: (row: Expr[], i: Expr) => T, row: Expr[], i: Expr): T {
  try {
    return body(row, i);
  } catch (e) {
    throw new DifflabError(
      'invalid-argument',
      `mapReduce: no rows ([]), so the body's row has no values and the body failed on it (${e instanceof Error ? e.message : String(e)}); give no rows of width w as { data: new Float64Array(0), width: w }`,
    );
  }
}

/** A call's arguments: a scan's initial carry, the captured values, the rows when they are expressions. */
function callArgs(
  init: readonly number[],
  captured: readonly number[],
  rows: Int32Array | undefined,
): Int32Array {
  // Rows alone (a gather's, typically, with nothing captured) are the arguments as they are: no second copy.
  if (rows !== undefined && init.length === 0 && captured.length === 0) return rows;
  const args = new Int32Array(init.length + captured.length + (rows?.length ?? 0));
  args.set(init, 0);
  args.set(captured, init.length);
  if (rows !== undefined) args.set(rows, init.length + captured.length);
  return args;
}

/** What a scan's body returns: the next carry (same shape as the carry), or it with per-iteration outputs. */
export type ScanStep<C> = C | { readonly carry: C; readonly out?: readonly Operand[] };

/** Expressions in the shape of `C`: a tuple stays a tuple (so `([p, q]) => …` destructures to expressions). */
export type ExprsOf<C extends readonly unknown[]> = { -readonly [K in keyof C]: Expr };

/**
 * What a body receives as its row: for rows written as tuples, a tuple of expressions of the same length (so
 * `([x, y]) => …` destructures to expressions); otherwise an array of expressions.
 */
export type RowOf<R> = R extends readonly (infer Row extends readonly unknown[])[]
  ? number extends Row['length']
    ? Expr[]
    : ExprsOf<Row>
  : Expr[];

/** A scan's results: the final carry, and each iteration's outputs (`out[i][k]`). */
export interface ScanResult<C> {
  readonly carry: C;
  readonly out: Expr[][];
}

/**
 * A loop with a carried state, after JAX's `lax.scan`: `carry_{i+1} = body(carry_i, row_i, i)`, the body
 * traced once. The carry is one expression or an array of them; the body may also return per-iteration
 * outputs as `{ carry, out }`. Over no rows given as `[]` (whose width is unknown) the body is not traced and
 * the carry is the initial one.
 *
 * @example
 * // the logistic map x ← r·x·(1 − x), 100 steps
 * const r = variable('r');
 * const { carry } = scan(variable('x0'), 100, (x) => r.mul(x).mul(sub(1, x)));
 */
export function scan<const R extends Rows>(
  init: Operand,
  rows: R,
  body: (carry: Expr, row: RowOf<R>, i: Expr) => ScanStep<Operand>,
): ScanResult<Expr>;
export function scan<const C extends readonly Operand[], const R extends Rows>(
  init: C,
  rows: R,
  body: (carry: ExprsOf<C>, row: RowOf<R>, i: Expr) => ScanStep<readonly Operand[]>,
): ScanResult<ExprsOf<C>>;
export function scan(
  init: Operand | readonly Operand[],
  rows: Rows,
  body: (carry: never, row: Expr[], i: Expr) => ScanStep<Operand | readonly Operand[]>,
): ScanResult<Expr | Expr[]> {
  const single = !Array.isArray(init);
  const initList = (single ? [init] : init) as readonly Operand[];
  const g = currentGraph();
  const data = readRows(g, rows, 'scan');
  const initIds = initList.map((o) => operandId(g, o, 'scan'));
  const c = initIds.length;
  if (c === 0) throw new DifflabError('invalid-argument', 'scan: the initial carry has no values');
  // Over no rows given as [] (width unknown, so the body is not traced) the carry stays the initial one, as in
  // JAX's lax.scan over a length-0 axis; rows of a known width ({ data, width }) trace the body as usual.
  if (data.unknownWidth) {
    const carry = initIds.map((id) => new Expr(g, id));
    return { carry: single ? (carry[0] as Expr) : carry, out: [] };
  }
  const traced = trace(g, c, data.width, (carry, row, i) => {
    const step = body((single ? carry[0] : carry) as never, row, i);
    const isStep =
      typeof step === 'object' && step !== null && !(step instanceof Expr) && !Array.isArray(step);
    const next = isStep ? (step as { carry: Operand | readonly Operand[] }).carry : step;
    const nextList = (single ? [next] : next) as readonly Operand[];
    if (!Array.isArray(nextList) || nextList.length !== c) {
      throw new DifflabError(
        'invalid-argument',
        `scan: the body must return a carry of ${c} value${c === 1 ? '' : 's'}, like the initial one`,
      );
    }
    return { carry: nextList, out: isStep ? ((step as { out?: readonly Operand[] }).out ?? []) : [] };
  });
  const loop = loopOf('scan', traced, data, c, undefined);
  const first = g.call(loop, callArgs(initIds, traced.captured, data.ids));
  const carry = Array.from({ length: c }, (_, k) => new Expr(g, first + k));
  const out: Expr[][] = [];
  for (let i = 0; i < data.n; i++) {
    const row: Expr[] = [];
    for (let k = 0; k < traced.perStep; k++) row.push(new Expr(g, first + c + i * traced.perStep + k));
    out.push(row);
  }
  return { carry: single ? (carry[0] as Expr) : carry, out };
}

/** The loop a trace and its rows make. */
function loopOf(
  kind: Loop['kind'],
  traced: { body: Program<Float64Array>; captured: readonly number[]; perStep: number },
  data: { n: number; width: number; rows: Float64Array; ids: Int32Array | undefined },
  carry: number,
  reduce: Reduce | undefined,
): Loop {
  return {
    kind,
    body: traced.body,
    n: data.n,
    rows: data.rows,
    rowArgs: data.ids !== undefined,
    width: data.width,
    carry,
    perStep: traced.perStep,
    captured: traced.captured.length,
    reduce,
    outputs: kind === 'map' ? traced.perStep : carry + data.n * traced.perStep,
  };
}

function readRows(
  g: Graph,
  rows: Rows,
  who: string,
): { n: number; width: number; rows: Float64Array; ids: Int32Array | undefined; unknownWidth?: true } {
  if (typeof rows === 'object' && rows !== null && 'gather' in rows) return gatherRows(g, rows, who);
  if (typeof rows === 'number') {
    if (!Number.isInteger(rows) || rows < 0) {
      throw new DifflabError(
        'invalid-argument',
        `${who}: the number of iterations must be a whole number ≥ 0, got ${rows}`,
      );
    }
    return { n: rows, width: 0, rows: new Float64Array(0), ids: undefined };
  }
  if (Array.isArray(rows)) {
    const list = rows as readonly (readonly Operand[])[];
    if (list.length === 0)
      return { n: 0, width: 0, rows: new Float64Array(0), ids: undefined, unknownWidth: true };
    const width = (list[0] as readonly Operand[]).length;
    const flat = new Float64Array(list.length * width);
    let exprs = false;
    list.forEach((row, i) => {
      if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
        throw new DifflabError('invalid-argument', `${who}: row ${i} is not an array`);
      }
      if (row.length !== width) {
        throw new DifflabError(
          'invalid-argument',
          `${who}: row ${i} has ${row.length} values, row 0 has ${width}`,
        );
      }
      for (let k = 0; k < width; k++) {
        const v = row[k];
        if (v instanceof Expr) exprs = true;
        else flat[i * width + k] = checkData(v, who, i, k);
      }
    });
    if (!exprs) return { n: list.length, width, rows: flat, ids: undefined };
    const ids = Int32Array.from(list.flatMap((row) => row.map((o) => operandId(g, o, who))));
    return { n: list.length, width, rows: new Float64Array(0), ids };
  }
  const { data, width } = rows as { data: ArrayLike<number>; width: number };
  if (!Number.isInteger(width) || width < 1 || data === undefined || data.length % width !== 0) {
    throw new DifflabError(
      'invalid-argument',
      `${who}: data of length ${data?.length} does not split into rows of width ${width}`,
    );
  }
  const flat = Float64Array.from(data);
  for (let k = 0; k < flat.length; k++) checkData(flat[k], who, Math.floor(k / width), k % width);
  return { n: flat.length / width, width, rows: flat, ids: undefined };
}

/**
 * Gathered rows as the row arguments' node ids: each table's entries become nodes once (numbers as constants),
 * then loop row i copies table row `index[i]` of each part, so the cost is O(rows × width) integers.
 */
function gatherRows(
  g: Graph,
  rows: Gathered,
  who: string,
): { n: number; width: number; rows: Float64Array; ids: Int32Array } {
  const parts = rows.gather;
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new DifflabError('invalid-argument', `${who}: gather() needs at least one table`);
  }
  const shapes = parts.map((part, t) => {
    const width = part.width ?? 1;
    const size = part.table?.length;
    if (!Number.isInteger(width) || width < 1 || size === undefined || size % width !== 0) {
      throw new DifflabError(
        'invalid-argument',
        `${who}: gather table ${t} of length ${size} does not split into rows of width ${width}`,
      );
    }
    return { width, rows: size / width, index: part.index };
  });
  const n = (shapes.find((s) => s.index !== undefined)?.index?.length ?? shapes[0]?.rows) as number;
  const width = shapes.reduce((w, s) => w + s.width, 0);
  const ids = new Int32Array(n * width);
  let offset = 0;
  parts.forEach((part, t) => {
    const { width: tw, rows: size, index } = shapes[t] as (typeof shapes)[number];
    const count = index?.length ?? size;
    if (count !== n) {
      throw new DifflabError(
        'invalid-argument',
        `${who}: gather table ${t} gives ${count} rows, table 0 gives ${n}`,
      );
    }
    // A loop, not Int32Array.from with a mapping function (which collects a JavaScript array first).
    const source = part.table as ArrayLike<Operand>;
    const table = new Int32Array(source.length);
    for (let k = 0; k < source.length; k++) table[k] = tableEntry(g, source[k] as Operand, who, t);
    for (let i = 0; i < n; i++) {
      const j = index === undefined ? i : (index[i] as number);
      if (!Number.isInteger(j) || j < 0 || j >= size) {
        throw new DifflabError(
          'invalid-argument',
          `${who}: gather table ${t}, row ${i}: index ${j} is not a row of the table (0 … ${size - 1})`,
        );
      }
      for (let k = 0; k < tw; k++) ids[i * width + offset + k] = table[j * tw + k] as number;
    }
    offset += tw;
  });
  return { n, width, rows: new Float64Array(0), ids };
}

function tableEntry(g: Graph, o: Operand, who: string, t: number): number {
  if (typeof o !== 'number' && !(o instanceof Expr)) {
    throw new DifflabError(
      'invalid-argument',
      `${who}: gather table ${t} holds something not a number or an expression`,
    );
  }
  return operandId(g, o, who);
}

function checkData(v: unknown, who: string, i: number, k: number): number {
  if (typeof v !== 'number') {
    throw new DifflabError(
      'invalid-argument',
      `${who}: row ${i}, value ${k} is not a number or an expression`,
    );
  }
  return v;
}

function operandId(g: Graph, o: Operand, who: string): number {
  if (typeof o === 'number') return g.constant(o);
  if (!(o instanceof Expr))
    throw new DifflabError('invalid-argument', `${who}: expected expressions or numbers`);
  if (o.graph !== g)
    throw new DifflabError('graph-mismatch', `${who}: an expression comes from a different graph`);
  return o.id;
}

let loopCounter = 0;

/**
 * Traces a body: fresh variables for the carry, the row and the index (names no parse can produce), the
 * callback, then the body program over those and the captured values.
 */
function trace(
  g: Graph,
  carry: number,
  width: number,
  callback: (carry: Expr[], row: Expr[], i: Expr) => { carry: readonly Operand[]; out: readonly Operand[] },
): { body: Program<Float64Array>; captured: number[]; perStep: number } {
  const tag = ++loopCounter;
  const firstId = g.size;
  const names: string[] = [];
  const param = (name: string) => {
    names.push(name);
    return new Expr(g, g.variable(`%loop${tag}.${name}`));
  };
  const carryParams = Array.from({ length: carry }, (_, k) => param(`carry${k}`));
  const rowParams = Array.from({ length: width }, (_, k) => param(`row${k}`));
  const index = param('i');
  const result = callback(carryParams, rowParams, index);
  const outIds = [...result.carry, ...result.out].map((o) => operandId(g, o, 'loop body'));
  const captured = capturedNodes(g, outIds, firstId, firstId + names.length);
  for (let k = 0; k < captured.length; k++) names.push(`captured${k}`);
  const params = [...carryParams, ...rowParams, index].map((e) => e.id);
  const body = buildProgram(g, outIds, false, {
    inputs: [...params, ...captured],
    inputNames: names,
  }) as Program<Float64Array>;
  return { body, captured, perStep: result.out.length };
}

/**
 * The nodes a body captures: the outermost nodes (not constants) that do not depend on the parameters, ids
 * `paramStart .. paramEnd − 1`, but are read by nodes that do (or are outputs). A node older than the
 * parameters cannot depend on them, so the search stops there.
 */
function capturedNodes(g: Graph, outIds: readonly number[], paramStart: number, paramEnd: number): number[] {
  // dep: 0 unknown, 1 on the stack, 2 independent, 3 dependent; for ids from paramStart on.
  const dep = new Uint8Array(g.size - paramStart);
  const isDep = (id: number) => id >= paramStart && dep[id - paramStart] === 3;
  // Each stack entry keeps its argument list and how far it has got in it, so a node of n arguments costs
  // O(n) in all (rescanning from the first argument on every return made wide nodes quadratic).
  const stack: { id: number; kids: number[]; next: number }[] = [];
  for (const root of outIds) {
    if (root < paramStart || dep[root - paramStart] !== 0) continue;
    stack.push({ id: root, kids: children(g, root), next: 0 });
    dep[root - paramStart] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: number; kids: number[]; next: number };
      const { id, kids } = top;
      let pushed = false;
      while (top.next < kids.length) {
        const child = kids[top.next++] as number;
        if (child >= paramStart && dep[child - paramStart] === 0) {
          dep[child - paramStart] = 1;
          stack.push({ id: child, kids: children(g, child), next: 0 });
          pushed = true;
          break;
        }
      }
      if (pushed) continue;
      stack.pop();
      const own = id < paramEnd && g.op[id] === VAR;
      dep[id - paramStart] = own || kids.some(isDep) ? 3 : 2;
    }
  }
  const captured: number[] = [];
  const seen = new Set<number>();
  const take = (id: number) => {
    if (isDep(id) || g.op[id] === CONST || seen.has(id)) return;
    seen.add(id);
    captured.push(id);
  };
  for (const root of outIds) take(root);
  for (let id = paramStart; id < g.size; id++)
    if (isDep(id)) for (const child of children(g, id)) take(child);
  return captured;
}

/** A node's arguments, except that a call's later outputs have its first output as their one argument. */
function children(g: Graph, id: number): number[] {
  if (g.op[id] === LOOP) {
    const call = g.calls[g.a[id] as number] as LoopCall;
    if (id !== call.first) return [call.first];
  }
  return g.args(id);
}

/** True when `f` holds a loop call. */
export function hasLoops(f: Program): boolean {
  return f.calls.length > 0;
}

/**
 * The same function with every loop unrolled: a flat program, as `parse` would give, whose primal values equal
 * the looped program's to the bit. Its size is the loops' executed size; {@link unrolledSize} tells it first.
 */
export function unroll<Out extends number | Float64Array>(f: Program<Out>): Program<Out> {
  if (!hasLoops(f)) return f;
  const g = new Graph();
  const inputs = f.variables.map((name) => g.variable(name));
  const outs = instantiate(f, g, inputs);
  return buildProgram(g, Array.from(outs), f.scalar, { variables: f.variables }) as Program<Out>;
}

/** The graph ids of `p`'s outputs, its nodes rebuilt in `g` on input nodes `inputs` (loops unrolled). */
function instantiate(p: Program, g: Graph, inputs: ArrayLike<number>): Int32Array {
  const ids = new Int32Array(p.size);
  for (let i = 0; i < p.inputStart; i++) ids[i] = g.constant(p.constants[i] as number);
  for (let k = 0; k < p.variables.length; k++) ids[p.inputStart + k] = inputs[k] as number;
  for (let i = p.opStart; i < p.size; i++) {
    const code = p.op[i] as number;
    if (code === LOOP) {
      if (p.b[i] !== 0) continue;
      const call = p.calls[p.a[i] as number] as LoopCall;
      const outs = unrollCall(
        call.loop,
        g,
        Array.from(call.args, (arg) => ids[arg] as number),
      );
      ids.set(outs, i);
      continue;
    }
    const arity = OP_ARITY[code] as number;
    if (arity === 1) ids[i] = g.apply(code, ids[p.a[i] as number] as number);
    else if (arity === 2)
      ids[i] = g.apply(code, ids[p.a[i] as number] as number, ids[p.b[i] as number] as number);
    else {
      const start = p.a[i] as number;
      const count = p.b[i] as number;
      ids[i] = g.applyN(
        code,
        Array.from(p.args.subarray(start, start + count), (arg) => ids[arg] as number),
      );
    }
  }
  return Int32Array.from(p.outputs, (o) => ids[o] as number);
}

/** A call's outputs, unrolled into `g`. */
function unrollCall(loop: Loop, g: Graph, args: readonly number[]): Int32Array {
  const { body, n, width, carry: c, perStep } = loop;
  const inputs = new Int32Array(body.variables.length);
  inputs.set(args.slice(c, c + loop.captured), capturedInput(loop));
  let carry = args.slice(0, c);
  const steps: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    inputs.set(carry, 0);
    for (let k = 0; k < width; k++) {
      inputs[c + k] = loop.rowArgs
        ? (args[rowArg(loop, i) + k] as number)
        : g.constant(loop.rows[i * width + k] as number);
    }
    inputs[c + width] = g.constant(i);
    const outs = instantiate(body, g, inputs);
    carry = Array.from(outs.subarray(0, c));
    steps.push(outs.subarray(c));
  }
  if (loop.kind === 'scan') {
    const result = new Int32Array(loop.outputs);
    result.set(carry, 0);
    for (let i = 0; i < steps.length; i++) result.set(steps[i] as Int32Array, c + i * perStep);
    return result;
  }
  return Int32Array.from({ length: perStep }, (_, k) => {
    const terms = steps.map((s) => s[k] as number);
    if (loop.reduce === 'logsumexp') return g.applyN(OP_CODE.logsumexp, terms);
    if (terms.length === 0) return g.constant(0);
    return terms.length === 1 ? (terms[0] as number) : g.applyN(OP_CODE.sum, terms);
  });
}

/**
 * The number of nodes the unrolled program would execute (operations, not leaves), computed on the loops'
 * structure without unrolling: each call counts its body's operations once per iteration, plus a map's
 * reduction node per output. Shared equal subterms across iterations are counted each time.
 */
export function unrolledOps(f: Program): number {
  let total = 0;
  for (let i = f.opStart; i < f.size; i++) {
    if (f.op[i] !== LOOP) {
      total++;
      continue;
    }
    if (f.b[i] !== 0) continue;
    const loop = (f.calls[f.a[i] as number] as LoopCall).loop;
    total += loop.n * unrolledOps(loop.body) + (loop.kind === 'map' ? loop.perStep : 0);
  }
  return total;
}

/** The most operations a method that unrolls loops will unroll (about 60 bytes each while it runs). */
export const UNROLL_LIMIT = 10_000_000;

const unrolled = new WeakMap<Program, Program>();

/**
 * `f` itself when it has no loops; otherwise its unrolled form (cached), for the methods that work on flat
 * programs only (`who` names the method in the `budget` error past {@link UNROLL_LIMIT} operations).
 */
export function unrollFor<Out extends number | Float64Array>(f: Program<Out>, who: string): Program<Out> {
  if (!hasLoops(f)) return f;
  let u = unrolled.get(f);
  if (u === undefined) {
    const ops = unrolledOps(f);
    if (ops > UNROLL_LIMIT) {
      throw new DifflabError(
        'budget',
        `${who} unrolls loops, and this program's loops run ${ops.toExponential(2)} operations (at most ${UNROLL_LIMIT.toExponential(0)}); forward and reverse mode run loops as loops`,
      );
    }
    u = unroll(f);
    unrolled.set(f, u);
  }
  return u as Program<Out>;
}
