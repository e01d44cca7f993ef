/**
 * The block Jacobian of stacked maps ({@link mapRows}): row i's outputs depend only on row i's values (and the
 * values the body captures), so the Jacobian of such a program is each row's body Jacobian, its columns
 * scattered through the gather to the program's inputs. One body Jacobian per row, by the method asked for,
 * handed to a visitor: memory of one block, whatever the number of rows.
 */
import { type MethodOptions, methods } from '../api.js';
import {
  type Backend,
  backendOf,
  cachedFor,
  type Differentiator,
  DifflabError,
  formatNode,
  indexInput,
  LOOP,
  type Program,
  rowArg,
  rowInput,
} from '../ir/index.js';
import { asDerivative } from '../ir/ops.js';
import type { LoopCall } from '../ir/program.js';
import { checkedPoint, checkOptions } from '../options.js';
import { adjointSweeps, jacobianKernel, type Point, sweepsFor, tapeFor } from '../sweeps/index.js';

/**
 * Receives one row's block: `block` is `rows.length × columns.length`, row-major; `rows[r]` is the position in
 * `f.outputs` of the block's row r (−1 when that body output is not an output of f), `columns[c]` the input
 * index of its column c (−1 for a constant or a row of data, whose column is dropped). Two columns of a block
 * name the same input when a row gathers it twice: add, do not assign. The arrays are reused: copy what you keep.
 */
export type BlockVisitor = (block: Float64Array, rows: Int32Array, columns: Int32Array) => void;

/**
 * The Jacobian of a program whose outputs are rows of stacked maps over its inputs (`mapRows` over rows
 * gathered from the inputs, numbers or constants), one block per row: `visit` gets, for every map and row,
 * the Jacobian of the row's outputs with respect to the row's values and the body's captured values, and
 * where they sit in the full Jacobian. Each block is `methods[method].jacobian` of the body at that row
 * (`gradient` for a body of one output), with the options `jacobian` takes (not `sparse`).
 *
 * Throws `invalid-argument` when an output of f is not a row output of a stacked map or is listed twice, or when a map's row or
 * captured value is computed by an operation (its Jacobian would need the chain rule through f).
 *
 * @example
 * blockJacobian(f, x, (block, rows, columns) => { ... }, { method: 'forward' });
 */
export function blockJacobian(f: Program, at: Point, visit: BlockVisitor, options?: MethodOptions): void {
  const method = checkOptions(options, 'jacobian');
  if ((options as { sparse?: boolean } | undefined)?.sparse !== undefined) {
    throw new DifflabError('invalid-argument', 'blockJacobian: the blocks are dense; sparse does not apply');
  }
  const x = checkedPoint(f, at, options);
  const d = methods[method] as Differentiator<object>;
  const { position, checked } = cachedFor(stackedOf, f, () => ({
    position: outputPositions(f),
    checked: f.calls.map((call) => (isStackedMap(call) ? checkedArgs(f, call) : undefined)),
  }));
  const backend = backendOf(options as { backend?: Backend } | undefined);
  const check = (options as { check?: boolean } | undefined)?.check === true;
  for (const call of f.calls) {
    if (!isStackedMap(call)) continue;
    const args = checked[f.calls.indexOf(call)] as Int32Array;
    if (method === 'reverse' && !check && call.loop.body.calls.length === 0) {
      reverseRows(f, call, args, x, position, visit, backend);
      continue;
    }
    // A body of one output: its gradient, the same numbers by a lighter call (a third of the time per row on a
    // body of three operations, ba's weight error).
    const one = call.loop.body.outputs.length === 1;
    const rowsOf = one
      ? (body: Program, bx: Float64Array) => [d.gradient(body, bx, options).value]
      : (body: Program, bx: Float64Array) => d.jacobian(body, bx, options).value;
    visitCall(f, call, args, x, position, rowsOf, visit);
  }
}

/** Each program's output positions and its stacked maps' checked arguments (a program's structure does not change). */
const stackedOf = new WeakMap<Program, { position: Int32Array; checked: (Int32Array | undefined)[] }>();

/** A map without a reduction: a scan with no carry. */
function isStackedMap(call: LoopCall): boolean {
  return call.loop.kind === 'scan' && call.loop.carry === 0;
}

/** Each node's position in `f.outputs` (−1 for none), after checking that every output is a stacked map's. */
function outputPositions(f: Program): Int32Array {
  const position = new Int32Array(f.size).fill(-1);
  f.outputs.forEach((o, k) => {
    const stacked = f.op[o] === LOOP && isStackedMap(f.calls[f.a[o] as number] as LoopCall);
    if (!stacked) {
      const expr = formatNode(f, o);
      throw new DifflabError(
        'invalid-argument',
        `blockJacobian: output ${k} (${expr}) is not a row of a stacked map (mapRows)`,
        { subexpression: expr },
      );
    }
    if ((position[o] as number) >= 0) {
      const expr = formatNode(f, o);
      throw new DifflabError(
        'invalid-argument',
        `blockJacobian: output ${k} (${expr}) repeats output ${position[o]}; list each row output once`,
        { subexpression: expr },
      );
    }
    position[o] = k;
  });
  return position;
}

/** The call's arguments, checked to be inputs or constants (their values are the point's or the program's). */
function checkedArgs(f: Program, call: LoopCall): Int32Array {
  for (const arg of call.args) {
    if (arg >= f.opStart) {
      const expr = formatNode(f, arg);
      throw new DifflabError(
        'invalid-argument',
        `blockJacobian: a stacked map reads ${expr}, an operation; its rows and captured values must be inputs or constants`,
        { subexpression: expr },
      );
    }
  }
  return call.args;
}

/**
 * The writer of a stacked map's body inputs for row i, at `into[at + k]` for body input k: the row's values, the
 * index, and the captured values (written here, once). An argument is a constant (its value the program's) or an
 * input (the point's); `columns[c]` gets the program input block column c reads, −1 for a constant or a row of
 * data (numbers are no columns; rows of expressions are the call's last arguments).
 */
function rowWriter(
  f: Program,
  call: LoopCall,
  args: Int32Array,
  x: Float64Array,
  into: Float64Array,
  at: number,
  columns: Int32Array,
): (i: number) => void {
  const { loop } = call;
  const { width, captured } = loop;
  const index = indexInput(loop);
  const { inputStart, constants } = f;
  const load = (arg: number, k: number, column: number) => {
    const input = arg >= inputStart;
    into[at + k] = input ? (x[arg - inputStart] as number) : (constants[arg] as number);
    columns[column] = input ? arg - inputStart : -1;
  };
  for (let k = 0; k < captured; k++) load(args[k] as number, index + 1 + k, width + k);
  const data = loop.rowArgs ? undefined : loop.rows;
  if (data !== undefined) columns.fill(-1, 0, width);
  return (i) => {
    if (data === undefined) {
      const base = captured + i * width;
      for (let k = 0; k < width; k++) load(args[base + k] as number, k, k);
    } else {
      for (let k = 0; k < width; k++) into[at + k] = data[i * width + k] as number;
    }
    into[at + index] = i;
  };
}

/** Runs `jacobianOf` on the body at each row and hands the block, its output rows and input columns to `visit`. */
function visitCall(
  f: Program,
  call: LoopCall,
  args: Int32Array,
  x: Float64Array,
  position: Int32Array,
  jacobianOf: (body: Program, bx: Float64Array) => Float64Array[],
  visit: BlockVisitor,
): void {
  const { loop, first } = call;
  const { body, n, width, captured, perStep } = loop;
  const index = indexInput(loop);
  // Body inputs: the row, the index (not a column: it is not differentiable), the captured values.
  const cols = width + captured;
  const bx = new Float64Array(body.variables.length);
  const block = new Float64Array(perStep * cols);
  const rows = new Int32Array(perStep);
  const columns = new Int32Array(cols);
  const writeRow = rowWriter(f, call, args, x, bx, 0, columns);
  for (let i = 0; i < n; i++) {
    writeRow(i);
    for (let r = 0; r < perStep; r++) rows[r] = position[first + i * perStep + r] as number;
    const J = jacobianOf(body, bx);
    for (let r = 0; r < perStep; r++) {
      const row = J[r] as Float64Array;
      for (let c = 0; c < width; c++) block[r * cols + c] = row[c] as number;
      for (let c = 0; c < captured; c++) block[r * cols + width + c] = row[index + 1 + c] as number;
    }
    visit(block, rows, columns);
  }
}

/**
 * Every row's block of a stacked map by reverse mode in one loop over the rows: per row, the row's values
 * written into the body's tape, the body's primal sweep and one adjoint sweep per body output, on the backend
 * asked for (the compiled backend's generated sweeps, the interpreter's with stored partials), with no
 * differentiator call per row. These are the sweeps `reverse.jacobian` (`gradient` for one output) runs on the
 * body at that row, in the same order, so the blocks are the same bits; what is left out is the per-call work
 * (statistics, the point's checks and copy, the rows' arrays), which took most of ba's Jacobian's time.
 *
 * On the compiled backend a body of fixed-arity ops runs its Jacobian kernel instead
 * (sweeps/compiled/jacobian.ts): the primal and every output's adjoint sweep in one generated function, the
 * values and adjoints in locals, the partials computed once and written out, the block written by the kernel;
 * the same bits. ba's Jacobian at p = 31,843 went from 40 to 14 ms of CPU time per call.
 */
function reverseRows(
  f: Program,
  call: LoopCall,
  args: Int32Array,
  x: Float64Array,
  position: Int32Array,
  visit: BlockVisitor,
  backend: Backend,
): void {
  const { loop, first } = call;
  const { body, n, width, captured, perStep } = loop;
  const index = indexInput(loop);
  const cols = width + captured;
  const tape = tapeFor(body);
  const { values: v, adjoints: adj } = tape;
  const start = body.inputStart;
  const block = new Float64Array(perStep * cols);
  const rows = new Int32Array(perStep);
  const columns = new Int32Array(cols);
  v.set(body.constants, 0);
  const writeRow = rowWriter(f, call, args, x, v, start, columns);
  // Where block row r's body output sits, and the body input of block column c.
  const outs = body.outputs;
  const seeds = Array.from(outs, (o) => (a: Float64Array) => {
    a[o] = 1;
  });
  const from = Int32Array.from({ length: cols }, (_, c) => start + (c < width ? c : index + 1 + c - width));
  const collect = (inputs: Float64Array, r: number) => {
    for (let c = 0; c < cols; c++) block[r * cols + c] = inputs[(from[c] as number) - start] as number;
  };
  const sweeps = sweepsFor(body, backend, false);
  // Generated code: every output's adjoint sweep in one kernel where the body has one, writing the block; a row
  // where it does not stand runs the sweeps below.
  const inputColumns = Array.from(from, (node) => node - start);
  const kernel = sweeps.generated ? jacobianKernel(body, inputColumns) : undefined;
  for (let i = 0; i < n; i++) {
    writeRow(i);
    for (let r = 0; r < perStep; r++) rows[r] = position[first + i * perStep + r] as number;
    if (kernel?.(v, block)) {
      visit(block, rows, columns);
      continue;
    }
    sweeps.primal(v, true);
    if (sweeps.generated) {
      // The generated adjoint sweep per output (it hands itself to the interpreter's rule where it must).
      for (let r = 0; r < perStep; r++) {
        sweeps.adjoint(tape, seeds[r] as (a: Float64Array) => void);
        for (let c = 0; c < cols; c++) block[r * cols + c] = asDerivative(adj[from[c] as number] as number);
      }
    } else {
      adjointSweeps(
        body,
        tape,
        perStep,
        (a, r) => (seeds[r] as (a: Float64Array) => void)(a),
        collect,
        backend,
      );
    }
    visit(block, rows, columns);
  }
}

/**
 * The blocks of stacked maps over rows of the program's own inputs: f's outputs are rows of stacked maps
 * (`mapRows`) whose rows gather f's inputs (or numbers), each input read by one row at most, and which capture
 * nothing. Row i's outputs then depend on row i's values alone, so every row's block comes from a few sweeps over
 * the whole program instead of one call per row: reverse mode and the symbolic method take one vjp per output
 * of a row (cotangent 1 on that output of every row), forward mode one jvp per value of a row (tangent 1 on
 * that value of every row); finite differences, and the symbolic method's rows that hold a NaN, the body's own
 * Jacobian per row (see bodyRows). Returns one array per call of f (in `f.calls` order), holding
 * its rows' blocks, `perStep × width` each, row-major, row i's at `i·perStep·width`; a column of a number is 0.
 *
 * Throws `invalid-argument` when an output is not a row of a stacked map, a map captures a value or reads an
 * operation, or an input is read twice, by two rows or by one (its column would hold the sum of both blocks' or
 * columns'), naming the input.
 *
 * @example
 * // r_i = (x_i·y_i, x_i + y_i) over rows (x_i, y_i) of f's inputs: blocks [[y_i, x_i], [1, 1]]
 * const [blocks] = rowBlocks(f, x, { method: 'reverse' });
 */
export function rowBlocks(f: Program, at: Point, options?: MethodOptions): Float64Array[] {
  const method = checkOptions(options, 'jvp');
  const x = checkedPoint(f, at, options);
  const maps = cachedFor(mapRowsOf, f, () => {
    const position = outputPositions(f);
    const read = new Uint8Array(f.variables.length);
    return f.calls.map((call) => rowsOf(f, call, position, read));
  });
  const d = methods[method] as Differentiator<object>;
  const out = maps.map((m) => new Float64Array(m.n * m.perStep * m.width));
  if (method === 'reverse' || method === 'symbolic') {
    const u = new Float64Array(f.outputs.length);
    for (let r = 0; r < Math.max(...maps.map((m) => m.perStep)); r++) {
      for (const m of maps) {
        for (let i = 0; r < m.perStep && i < m.n; i++) u[m.outputs[i * m.perStep + r] as number] = 1;
      }
      const g = d.vjp(f, x, u, options).value;
      maps.forEach((m, k) => {
        const block = out[k] as Float64Array;
        for (let i = 0; r < m.perStep && i < m.n; i++) {
          for (let c = 0; c < m.width; c++) {
            const input = m.inputs[i * m.width + c] as number;
            if (input >= 0) block[(i * m.perStep + r) * m.width + c] = g[input] as number;
          }
        }
      });
      u.fill(0);
    }
    if (method === 'symbolic') {
      const hasNaN = (block: Float64Array) => block.some(Number.isNaN);
      maps.forEach((m, k) => {
        bodyRows(f, m, x, out[k] as Float64Array, d, options, hasNaN);
      });
    }
    return out;
  }
  if (method === 'numeric') {
    maps.forEach((m, k) => {
      bodyRows(f, m, x, out[k] as Float64Array, d, options, () => true);
    });
    return out;
  }
  const v = new Float64Array(f.variables.length);
  for (let c = 0; c < Math.max(...maps.map((m) => m.width)); c++) {
    let seeded = false;
    for (const m of maps) {
      for (let i = 0; c < m.width && i < m.n; i++) {
        const input = m.inputs[i * m.width + c] as number;
        if (input < 0) continue;
        v[input] = 1;
        seeded = true;
      }
    }
    // A column of data in every row: no sweep (its blocks' column stays 0).
    if (!seeded) continue;
    const t = d.jvp(f, x, v, options).value;
    maps.forEach((m, k) => {
      const block = out[k] as Float64Array;
      for (let i = 0; c < m.width && i < m.n; i++) {
        for (let r = 0; r < m.perStep; r++) {
          block[(i * m.perStep + r) * m.width + c] = t[m.outputs[i * m.perStep + r] as number] as number;
        }
      }
    });
    v.fill(0);
  }
  return out;
}

/**
 * Row blocks from the body's own Jacobian at each row `redo` picks, the dense Jacobian's entries. Finite
 * differences take every row this way: one jvp along all rows at once steps by the largest value of the whole
 * point (‖x‖∞), so one large or infinite value elsewhere spoils every other row's block. The symbolic
 * method's vjp is uᵀJ in IEEE arithmetic, so a row's output that the cotangent leaves at 0 still sends
 * 0·∞ = NaN where its partial is infinite (reverse mode's vjp leaves it untouched): its rows holding a NaN are
 * computed again here, the others keep the vjps' (every entry finite, so no 0·∞ met them).
 */
function bodyRows(
  f: Program,
  m: MapRows,
  x: Float64Array,
  block: Float64Array,
  d: Differentiator<object>,
  options: MethodOptions | undefined,
  redo: (rowBlock: Float64Array) => boolean,
): void {
  const { loop, args } = m.call;
  const { body, width, perStep } = loop;
  const size = perStep * width;
  const bx = new Float64Array(body.variables.length);
  for (let i = 0; i < m.n; i++) {
    if (!redo(block.subarray(i * size, (i + 1) * size))) continue;
    for (let c = 0; c < width; c++) {
      const arg = loop.rowArgs ? (args[rowArg(loop, i) + c] as number) : -1;
      const input = m.inputs[i * width + c] as number;
      bx[rowInput(loop) + c] =
        input >= 0
          ? (x[input] as number)
          : arg >= 0
            ? (f.constants[arg] as number)
            : (loop.rows[i * width + c] as number);
    }
    bx[indexInput(loop)] = i;
    const J = d.jacobian(body, bx, options).value;
    for (let r = 0; r < perStep; r++) {
      for (let c = 0; c < width; c++) {
        // A number's column is 0, as the sweeps leave it.
        if ((m.inputs[i * width + c] as number) >= 0)
          block[(i * perStep + r) * width + c] = J[r]?.[rowInput(loop) + c] as number;
      }
    }
  }
}

/** Each program's rows, checked once (a program's structure does not change). */
const mapRowsOf = new WeakMap<Program, MapRows[]>();

/** A stacked map's rows: each value's input index (−1 for a number) and each output's position in f's outputs. */
interface MapRows {
  call: LoopCall;
  n: number;
  width: number;
  perStep: number;
  inputs: Int32Array;
  outputs: Int32Array;
}

/**
 * A call's rows, after checking that it is a stacked map that captures nothing, reads no operation, reads no
 * input another row reads (`read` marks the inputs read so far), and has every output among f's.
 */
function rowsOf(f: Program, call: LoopCall, position: Int32Array, read: Uint8Array): MapRows {
  const { loop, args, first } = call;
  const refuse = (why: string) => {
    throw new DifflabError('invalid-argument', `rowBlocks: ${why}`);
  };
  if (!isStackedMap(call)) refuse('every loop must be a stacked map (mapRows)');
  if (loop.captured > 0) refuse('a stacked map captures a value; every row would read it');
  const { n, width, perStep } = loop;
  const inputs = new Int32Array(n * width).fill(-1);
  for (let j = 0; loop.rowArgs && j < inputs.length; j++) {
    const arg = args[j] as number;
    if (arg >= f.opStart) {
      const expr = formatNode(f, arg);
      throw new DifflabError('invalid-argument', `rowBlocks: a row reads ${expr}, an operation`, {
        subexpression: expr,
      });
    }
    if (arg < f.inputStart) continue;
    const input = arg - f.inputStart;
    if (read[input] === 1) {
      // Twice by one row as well: its one adjoint would hold both columns' sum.
      const name = f.variables[input] as string;
      throw new DifflabError(
        'invalid-argument',
        `rowBlocks: input ${name} is read twice (by two rows, or twice by one)`,
        {
          subexpression: name,
        },
      );
    }
    read[input] = 1;
    inputs[j] = input;
  }
  const outputs = Int32Array.from({ length: n * perStep }, (_, o) => position[first + o] as number);
  if (outputs.includes(-1)) refuse('every row output of a stacked map must be an output of the program');
  return { call, n, width, perStep, inputs, outputs };
}
