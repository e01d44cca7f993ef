/**
 * The program: the flat form every method runs. Nodes sit in evaluation order in typed arrays: first the
 * constants, then the inputs in variable order, then the operations, each after its arguments. Forward
 * sweeps are ascending loops over it and reverse sweeps descending ones; nothing recurses.
 */
import { DifflabError } from './errors.js';
import { Expr, Graph } from './graph.js';
import type { Loop } from './loop.js';
import { CONST, LOOP, OP_ARITY, OP_NAMES, type OpName, VAR } from './ops.js';

/**
 * A call of a loop in a program (or a graph): the loop, its argument nodes (a scan's initial carry, the values
 * its body captures, then, when the rows are expressions, the row entries) and its first output node. Its
 * outputs are the consecutive nodes `first .. first + loop.outputs − 1`, each with code {@link LOOP}.
 */
export interface LoopCall {
  readonly loop: Loop;
  readonly args: Int32Array;
  readonly first: number;
}

/** A differentiable function of named scalar inputs, as a flat program. */
export class Program<Out extends number | Float64Array = number | Float64Array> {
  /** Input names, in the order points and gradients use. */
  readonly variables: readonly string[];
  /** Number of nodes (the DAG size). */
  readonly size: number;
  /** Op code per node; leaves carry {@link CONST} or {@link VAR}. */
  readonly op: Uint8Array;
  /** First argument's node index; for an n-ary op the start of its arguments in `args`; for a variable its
   * position in `variables`; for a constant its index in `constants`. */
  readonly a: Int32Array;
  /** Second argument's node index; for an n-ary op its number of arguments. */
  readonly b: Int32Array;
  /** Argument node indices of the n-ary ops. */
  readonly args: Int32Array;
  /** Values of the constant nodes, which occupy indices `0 .. constants.length − 1`. */
  readonly constants: Float64Array;
  /** Index of the first input node; inputs occupy `inputStart .. inputStart + variables.length − 1`. */
  readonly inputStart: number;
  /** Index of the first operation node. */
  readonly opStart: number;
  /** The output nodes. */
  readonly outputs: Int32Array;
  /** True when the function has one output (its value is a number rather than a Float64Array). */
  readonly scalar: boolean;
  /** The loop calls, by the index that their output nodes hold in `a` (empty for a flat program). */
  readonly calls: readonly LoopCall[];
  /** The source text, when the program came from `parse`. */
  readonly source: string | readonly string[] | undefined;
  /** Type-level only (no runtime value): what evaluating the function returns. */
  declare readonly outputType?: Out;

  /** @internal Use {@link program} or `parse`. */
  constructor(fields: {
    variables: readonly string[];
    op: Uint8Array;
    a: Int32Array;
    b: Int32Array;
    args: Int32Array;
    constants: Float64Array;
    outputs: Int32Array;
    scalar: boolean;
    calls?: readonly LoopCall[];
    source?: string | readonly string[] | undefined;
  }) {
    this.variables = Object.freeze([...fields.variables]);
    this.op = fields.op;
    this.a = fields.a;
    this.b = fields.b;
    this.args = fields.args;
    this.constants = fields.constants;
    this.outputs = fields.outputs;
    this.scalar = fields.scalar;
    this.calls = Object.freeze([...(fields.calls ?? [])]);
    this.source = fields.source;
    this.size = fields.op.length;
    this.inputStart = fields.constants.length;
    this.opStart = this.inputStart + fields.variables.length;
  }

  /** The op name of node `i`, or 'const' / 'var', or 'loop' for an output of a loop call. */
  opName(i: number): OpName | 'const' | 'var' | 'loop' {
    const code = this.op[i] as number;
    if (code === LOOP) return 'loop';
    return code === CONST ? 'const' : code === VAR ? 'var' : (OP_NAMES[code] as OpName);
  }

  /** Calls `fn` with each argument index of node `i` (a loop output's are its call's arguments). */
  forEachArg(i: number, fn: (arg: number, position: number) => void): void {
    const code = this.op[i] as number;
    if (code === CONST || code === VAR) return;
    if (code === LOOP) {
      const args = (this.calls[this.a[i] as number] as LoopCall).args;
      for (let k = 0; k < args.length; k++) fn(args[k] as number, k);
      return;
    }
    const arity = OP_ARITY[code] as number;
    if (arity >= 1) fn(this.a[i] as number, 0);
    if (arity === 2) fn(this.b[i] as number, 1);
    if (arity === 0) {
      const start = this.a[i] as number;
      const count = this.b[i] as number;
      for (let k = 0; k < count; k++) fn(this.args[start + k] as number, k);
    }
  }

  /** Bytes held by the program's arrays. */
  get bytes(): number {
    return (
      this.op.byteLength +
      this.a.byteLength +
      this.b.byteLength +
      this.args.byteLength +
      this.constants.byteLength +
      this.outputs.byteLength
    );
  }
}

export interface ProgramOptions {
  /** The input order, as variable expressions or names; otherwise the order of first appearance. */
  variables?: readonly (Expr | string)[];
  /** @internal the source text recorded by `parse`. */
  source?: string | readonly string[];
  /** @internal Graph nodes that are the inputs, whatever their op, named by `inputNames` (loop bodies). */
  inputs?: readonly number[];
  /** @internal The names of `inputs`. */
  inputNames?: readonly string[];
}

/**
 * Turns builder expressions into a program. One expression gives a scalar function; an array gives a
 * function with several outputs.
 *
 * @example
 * const [x, y] = [variable('x'), variable('y')];
 * const f = program(x.mul(y).add(x.sin()));
 * f.variables; // ['x', 'y']
 */
export function program(output: Expr | number, options?: ProgramOptions): Program<number>;
export function program(outputs: readonly (Expr | number)[], options?: ProgramOptions): Program<Float64Array>;
export function program(
  outputs: Expr | number | readonly (Expr | number)[],
  options: ProgramOptions = {},
): Program<number> | Program<Float64Array> {
  const scalar = !Array.isArray(outputs);
  const list = (scalar ? [outputs] : outputs) as readonly (Expr | number)[];
  if (list.length === 0) throw new DifflabError('invalid-argument', 'a program needs at least one output');
  let graph: Graph | undefined;
  for (const o of list) {
    if (typeof o === 'number') continue;
    if (!(o instanceof Expr))
      throw new DifflabError('invalid-argument', 'program: outputs must be expressions');
    if (graph === undefined) graph = o.graph;
    else if (graph !== o.graph)
      throw new DifflabError('graph-mismatch', 'outputs come from different graphs');
  }
  for (const v of options.variables ?? []) {
    if (v instanceof Expr && graph !== undefined && v.graph !== graph) {
      throw new DifflabError('graph-mismatch', 'a variable comes from a different graph than the outputs');
    }
  }
  // A numeric output needs a graph to hold its constant: use the outputs' graph or a fresh one.
  const g = graph ?? new Graph();
  const ids = list.map((o) => (typeof o === 'number' ? g.constant(o) : o.id));
  return buildProgram(g, ids, scalar, options);
}

/** Builds the program for output node ids of graph `g` by an iterative depth-first traversal. */
export function buildProgram(
  g: Graph,
  outputIds: readonly number[],
  scalar: boolean,
  options: ProgramOptions = {},
): Program<number> | Program<Float64Array> {
  // index[id] = program index + 1 once placed (0: not yet seen).
  const index = new Int32Array(g.size);
  const constIds: number[] = [];
  const varIds: number[] = [];
  const opIds: number[] = [];
  // Explicit stack of (node, next argument to visit); a node is emitted after all its arguments (postorder).
  let stackNode: Int32Array<ArrayBuffer> = new Int32Array(64);
  let stackNext: Int32Array<ArrayBuffer> = new Int32Array(64);
  const SEEN = -1;
  // Given inputs are leaves here, whatever their op: the traversal stops at them.
  for (const id of options.inputs ?? []) index[id] = 1;
  for (const root of outputIds) {
    if (index[root] !== 0) continue;
    let top = 0;
    stackNode[0] = root;
    stackNext[0] = 0;
    index[root] = SEEN;
    while (top >= 0) {
      const id = stackNode[top] as number;
      const code = g.op[id] as number;
      const next = stackNext[top] as number;
      const child = childOf(g, id, code, next);
      if (child >= 0) {
        stackNext[top] = next + 1;
        if (index[child] !== 0) continue;
        index[child] = SEEN;
        if (++top === stackNode.length) {
          stackNode = growInt(stackNode);
          stackNext = growInt(stackNext);
        }
        stackNode[top] = child;
        stackNext[top] = 0;
        continue;
      }
      top--;
      if (code === CONST) constIds.push(id);
      else if (code === VAR) varIds.push(id);
      else if (code === LOOP) {
        // A call's outputs are placed together, in order, when the first is (the others reach their
        // arguments through it); an output placed that way is skipped when its own turn comes.
        const call = g.calls[g.a[id] as number] as LoopCall;
        if (id === call.first) {
          for (let k = 0; k < call.loop.outputs; k++) {
            opIds.push(call.first + k);
            index[call.first + k] = 1;
          }
        }
      } else opIds.push(id);
      index[id] = 1; // placed; the real index is assigned below
    }
  }

  const variables =
    options.inputs === undefined
      ? orderVariables(g, varIds, options.variables)
      : bodyInputs(varIds, options.inputs, options.inputNames);
  const nConst = constIds.length;
  const size = nConst + variables.ids.length + opIds.length;
  const op = new Uint8Array(size);
  const a = new Int32Array(size);
  const b = new Int32Array(size);
  const constants = new Float64Array(nConst);
  let next = 0;
  for (const id of constIds) {
    constants[next] = g.constants[g.a[id] as number] as number;
    op[next] = CONST;
    a[next] = next;
    index[id] = ++next;
  }
  variables.ids.forEach((id, position) => {
    op[next] = VAR;
    a[next] = position;
    if (id >= 0) index[id] = next + 1;
    next++;
  });
  let nArgs = 0;
  for (const id of opIds) if (OP_ARITY[g.op[id] as number] === 0) nArgs += g.b[id] as number;
  const args = new Int32Array(nArgs);
  let argNext = 0;
  const calls: LoopCall[] = [];
  for (const id of opIds) {
    const code = g.op[id] as number;
    op[next] = code;
    if (code === LOOP) {
      const call = g.calls[g.a[id] as number] as LoopCall;
      const output = g.b[id] as number;
      if (output === 0) {
        calls.push({ loop: call.loop, args: placedArgs(call.args, index), first: next });
      }
      a[next] = calls.length - 1;
      b[next] = output;
      index[id] = ++next;
      continue;
    }
    const arity = OP_ARITY[code] as number;
    if (arity === 0) {
      const start = g.a[id] as number;
      const count = g.b[id] as number;
      a[next] = argNext;
      b[next] = count;
      for (let k = 0; k < count; k++) args[argNext++] = (index[g.pool[start + k] as number] as number) - 1;
    } else {
      a[next] = (index[g.a[id] as number] as number) - 1;
      if (arity === 2) b[next] = (index[g.b[id] as number] as number) - 1;
    }
    index[id] = ++next;
  }
  const outputs = Int32Array.from(outputIds, (id) => (index[id] as number) - 1);
  return new Program({
    variables: variables.names,
    op,
    a,
    b,
    args,
    constants,
    outputs,
    scalar,
    calls,
    source: options.source,
  }) as Program<number> | Program<Float64Array>;
}

/**
 * A call's arguments as program indices. A plain loop, since Int32Array.from with a mapping function collects
 * its source into a JavaScript array first (gigabytes for a gather of tens of millions of ids).
 */
function placedArgs(args: Int32Array, index: Int32Array): Int32Array {
  const out = new Int32Array(args.length);
  for (let k = 0; k < args.length; k++) out[k] = (index[args[k] as number] as number) - 1;
  return out;
}

/** The `k`-th argument of node `id`, or −1 past the last. */
function childOf(g: Graph, id: number, code: number, k: number): number {
  if (code === CONST || code === VAR) return -1;
  if (code === LOOP) {
    // A call's later outputs depend on its first, which holds the arguments (one visit of them per call).
    const call = g.calls[g.a[id] as number] as LoopCall;
    if (id !== call.first) return k === 0 ? call.first : -1;
    return k < call.args.length ? (call.args[k] as number) : -1;
  }
  const arity = OP_ARITY[code] as number;
  if (arity === 0) return k < (g.b[id] as number) ? (g.pool[(g.a[id] as number) + k] as number) : -1;
  if (k === 0) return g.a[id] as number;
  if (k === 1 && arity === 2) return g.b[id] as number;
  return -1;
}

function growInt(arr: Int32Array): Int32Array<ArrayBuffer> {
  const next = new Int32Array(arr.length * 2);
  next.set(arr);
  return next;
}

/** The variables' graph ids (−1 for a listed name absent from the function) and names, in input order. */
function orderVariables(
  g: Graph,
  found: readonly number[],
  requested: readonly (Expr | string)[] | undefined,
): { ids: number[]; names: string[] } {
  const nameOf = (id: number) => g.names[g.a[id] as number] as string;
  if (requested === undefined) return { ids: [...found], names: found.map(nameOf) };
  const byId = orderById(g, found, requested);
  if (byId !== undefined) return byId;
  const byName = new Map(found.map((id) => [nameOf(id), id]));
  const names: string[] = [];
  const listed = new Set<string>();
  const ids: number[] = [];
  for (const v of requested) {
    const name = typeof v === 'string' ? v : v.name;
    if (name === undefined)
      throw new DifflabError('invalid-argument', 'variables: expected variables or names');
    if (listed.has(name)) throw new DifflabError('invalid-argument', `variables: '${name}' is listed twice`);
    listed.add(name);
    names.push(name);
    ids.push(byName.get(name) ?? -1);
  }
  const missing = [...byName.keys()].filter((n) => !listed.has(n));
  if (missing.length > 0) {
    throw new DifflabError(
      'invalid-argument',
      `variables: the function also depends on ${missing.map((n) => `'${n}'`).join(', ')}; list every variable`,
    );
  }
  return { ids, names };
}

/**
 * {@link orderVariables} when every requested variable is a variable node of `g` (the common case, and ba's two
 * million inputs): marks by node id instead of maps and sets of names, the same result and errors. Undefined
 * when some request is a name or an expression of another graph, which the by-name path decides.
 */
function orderById(
  g: Graph,
  found: readonly number[],
  requested: readonly (Expr | string)[],
): { ids: number[]; names: string[] } | undefined {
  for (const v of requested)
    if (typeof v === 'string' || v.graph !== g || g.op[v.id] !== VAR) return undefined;
  // 1: found (the function reads it), 2: listed, 3: both.
  const mark = new Uint8Array(g.size);
  for (const id of found) mark[id] = 1;
  const ids: number[] = [];
  const names: string[] = [];
  for (const v of requested) {
    const id = (v as Expr).id;
    const name = g.names[g.a[id] as number] as string;
    if (((mark[id] as number) & 2) !== 0)
      throw new DifflabError('invalid-argument', `variables: '${name}' is listed twice`);
    mark[id] = (mark[id] as number) | 2;
    names.push(name);
    ids.push(((mark[id] as number) & 1) !== 0 ? id : -1);
  }
  const missing = found.filter((id) => mark[id] === 1);
  if (missing.length > 0) {
    throw new DifflabError(
      'invalid-argument',
      `variables: the function also depends on ${missing.map((id) => `'${g.names[g.a[id] as number]}'`).join(', ')}; list every variable`,
    );
  }
  return { ids, names };
}

/** A loop body's inputs: the given graph nodes and names; every variable the body reads must be one of them. */
function bodyInputs(
  found: readonly number[],
  inputs: readonly number[],
  names: readonly string[] | undefined,
): { ids: number[]; names: string[] } {
  if (found.length > 0)
    throw new DifflabError('invalid-argument', 'a loop body reads a variable it was not given');
  return { ids: [...inputs], names: names === undefined ? inputs.map((_, k) => `x${k}`) : [...names] };
}
