/**
 * The expression graph: a hash-consed DAG stored in growable typed arrays, so building `x*y + x*y` creates
 * the product once and a graph of ten million nodes costs tens of bytes per node.
 *
 * A node is an integer id into a {@link Graph}; an {@link Expr} is a cheap handle (graph, id) with the fluent
 * builder methods. Leaves are constants and named variables; every other node is an op-table operation.
 */
import { DifflabError } from './errors.js';
import type { Loop } from './loop.js';
import {
  type Algebra,
  BINARY_OPS,
  type BinaryOpName,
  CONST,
  forEachOp,
  LOOP,
  NARY_OPS,
  type NaryOpName,
  OP_ARITY,
  OP_CODE,
  OP_NAMES,
  type OpName,
  UNARY_OPS,
  type UnaryOpName,
  VAR,
} from './ops.js';
import type { LoopCall } from './program.js';

const EMPTY = 0;

/** Mixes integers into a 32-bit hash (a multiply–xorshift step per word). */
function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** A store of hash-consed expression nodes. Most code uses the default graph through the builder functions. */
export class Graph {
  /** Op code per node (an op code, {@link CONST} or {@link VAR}). */
  op = new Uint8Array(1024);
  /** First argument; for a constant its index in `constants`, for a variable its index in `names`, for an
   * n-ary op the start of its arguments in `pool`. */
  a = new Int32Array(1024);
  /** Second argument; for an n-ary op the number of arguments. */
  b = new Int32Array(1024);
  size = 0;
  constants = new Float64Array(256);
  nConstants = 0;
  names: string[] = [];
  pool = new Int32Array(1024);
  poolSize = 0;
  /** The loop calls: each call's loop, its argument node ids, and the id of its first output node (a call's
   * outputs are consecutive nodes with code {@link LOOP}, `a` = the call's index, `b` = the output's index). */
  readonly calls: LoopCall[] = [];
  private readonly byName = new Map<string, number>();
  /** Open-addressing hash table of node id + 1 (0 = empty), load at most one half. */
  private slots = new Int32Array(2048);

  /** The node for a constant (equal constants, by `Object.is`, are one node). */
  constant(value: number): number {
    const h = this.hashConst(value);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = (this.slots[s] as number) - 1;
      if (id < 0) break;
      if (this.op[id] === CONST && Object.is(this.constants[this.a[id] as number], value)) return id;
    }
    if (this.nConstants === this.constants.length) this.constants = grow(this.constants, this.nConstants * 2);
    this.constants[this.nConstants] = value;
    return this.insert(CONST, this.nConstants++, 0, h);
  }

  /** The node for a variable (equal names are one node). */
  variable(name: string): number {
    const found = this.byName.get(name);
    if (found !== undefined) return found;
    this.names.push(name);
    const id = this.append(VAR, this.names.length - 1, 0);
    this.byName.set(name, id);
    return id;
  }

  /** The node for a unary or binary op applied to existing nodes. */
  apply(code: number, x: number, y = 0): number {
    const h = mix(mix(mix(0x12345, code), x), y);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = (this.slots[s] as number) - 1;
      if (id < 0) break;
      if (this.op[id] === code && this.a[id] === x && this.b[id] === y) return id;
    }
    return this.insert(code, x, y, h);
  }

  /** The node for an n-ary op over existing nodes. */
  applyN(code: number, args: ArrayLike<number>): number {
    let h = mix(0x6789, code);
    for (let i = 0; i < args.length; i++) h = mix(h, args[i] as number);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = (this.slots[s] as number) - 1;
      if (id < 0) break;
      if (this.op[id] === code && this.b[id] === args.length && this.sameArgs(this.a[id] as number, args))
        return id;
    }
    if (this.poolSize + args.length > this.pool.length) {
      this.pool = grow(this.pool, Math.max(this.pool.length * 2, this.poolSize + args.length));
    }
    const start = this.poolSize;
    for (let i = 0; i < args.length; i++) this.pool[start + i] = args[i] as number;
    this.poolSize += args.length;
    return this.insert(code, start, args.length, h);
  }

  /**
   * A call of `loop` on argument nodes `args`: appends its outputs (never shared) and returns the first one's id.
   * An Int32Array is kept as it is (the caller hands it over: a gather's rows are millions of ids); anything else
   * is copied.
   */
  call(loop: Loop, args: ArrayLike<number>): number {
    const index = this.calls.length;
    let first = -1;
    for (let k = 0; k < loop.outputs; k++) {
      const id = this.append(LOOP, index, k);
      if (k === 0) first = id;
    }
    this.calls.push({ loop, args: args instanceof Int32Array ? args : Int32Array.from(args), first });
    return first;
  }

  /** The argument node ids of a node (empty for leaves; a loop output's are its call's arguments). */
  args(id: number): number[] {
    const code = this.op[id] as number;
    if (code === CONST || code === VAR) return [];
    if (code === LOOP) return Array.from((this.calls[this.a[id] as number] as LoopCall).args);
    const arity = OP_ARITY[code] as number;
    if (arity === 1) return [this.a[id] as number];
    if (arity === 2) return [this.a[id] as number, this.b[id] as number];
    const start = this.a[id] as number;
    return Array.from(this.pool.subarray(start, start + (this.b[id] as number)));
  }

  private sameArgs(start: number, args: ArrayLike<number>): boolean {
    for (let i = 0; i < args.length; i++) if (this.pool[start + i] !== args[i]) return false;
    return true;
  }

  private hashConst(value: number): number {
    f64[0] = Number.isNaN(value) ? Number.NaN : value;
    return mix(mix(0xc0575, u32[0] as number), u32[1] as number);
  }

  private append(code: number, a: number, b: number): number {
    if (this.size === this.op.length) {
      const n = this.size * 2;
      this.op = grow(this.op, n);
      this.a = grow(this.a, n);
      this.b = grow(this.b, n);
    }
    const id = this.size++;
    this.op[id] = code;
    this.a[id] = a;
    this.b[id] = b;
    return id;
  }

  private insert(code: number, a: number, b: number, h: number): number {
    const id = this.append(code, a, b);
    if (2 * this.size > this.slots.length) this.rehash();
    else this.place(id, h);
    return id;
  }

  private place(id: number, h: number): void {
    const mask = this.slots.length - 1;
    let s = h & mask;
    while (this.slots[s] !== EMPTY) s = (s + 1) & mask;
    this.slots[s] = id + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let id = 0; id < this.size; id++) {
      const code = this.op[id] as number;
      if (code === VAR || code === LOOP) continue;
      this.place(id, this.hashOf(id));
    }
  }

  private hashOf(id: number): number {
    const code = this.op[id] as number;
    if (code === CONST) return this.hashConst(this.constants[this.a[id] as number] as number);
    if (OP_ARITY[code] !== 0) return mix(mix(mix(0x12345, code), this.a[id] as number), this.b[id] as number);
    let h = mix(0x6789, code);
    const start = this.a[id] as number;
    for (let i = 0; i < (this.b[id] as number); i++) h = mix(h, this.pool[start + i] as number);
    return h;
  }
}

function grow<A extends Uint8Array | Int32Array | Float64Array>(arr: A, n: number): A {
  const next = new (arr.constructor as new (n: number) => A)(n);
  next.set(arr);
  return next;
}

let defaultGraph = new Graph();

/** @internal The graph that the builder functions write to now. */
export function currentGraph(): Graph {
  return defaultGraph;
}

/**
 * Runs `build` with a fresh default graph and restores the previous one afterwards, so that the nodes it
 * builds can be garbage-collected once nothing refers to them (benchmarks and workloads build this way).
 */
export function withGraph<R>(build: () => R): R {
  const saved = defaultGraph;
  defaultGraph = new Graph();
  try {
    return build();
  } finally {
    defaultGraph = saved;
  }
}

/** An operand of the builder: an expression or a plain number (a constant). */
export type Operand = Expr | number;

/** The fluent forms of the unary operations: `x.sin()`, `x.exp()`, ... */
type UnaryMethods = { [K in UnaryOpName]: () => Expr };
/** The fluent forms of the binary operations: `x.add(y)`, `x.pow(2)`, ... */
type BinaryMethods = { [K in BinaryOpName]: (other: Operand) => Expr };

/** A handle to a node of a graph, with fluent builder methods. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fluent methods are installed from the op table
export class Expr {
  constructor(
    readonly graph: Graph,
    readonly id: number,
  ) {}

  /** The op name, 'const' / 'var' for a leaf, or 'loop' for an output of a loop call. */
  get op(): OpName | 'const' | 'var' | 'loop' {
    const code = this.graph.op[this.id] as number;
    if (code === CONST) return 'const';
    if (code === VAR) return 'var';
    if (code === LOOP) return 'loop';
    return OP_NAMES[code] as OpName;
  }

  /** The arguments of this node. */
  get args(): Expr[] {
    return this.graph.args(this.id).map((id) => new Expr(this.graph, id));
  }

  /** A constant's value (undefined for other nodes). */
  get value(): number | undefined {
    return this.graph.op[this.id] === CONST
      ? this.graph.constants[this.graph.a[this.id] as number]
      : undefined;
  }

  /** A variable's name (undefined for other nodes). */
  get name(): string | undefined {
    return this.graph.op[this.id] === VAR ? this.graph.names[this.graph.a[this.id] as number] : undefined;
  }
}

// Declaration merging gives Expr the typed fluent methods installed on its prototype below.
export interface Expr extends UnaryMethods, BinaryMethods {}

function graphOf(operands: readonly Operand[]): Graph {
  let g: Graph | undefined;
  for (const o of operands) {
    if (typeof o === 'number') continue;
    if (!(o instanceof Expr)) {
      throw new DifflabError('invalid-argument', `expected an expression or a number, got ${describe(o)}`);
    }
    if (g === undefined) g = o.graph;
    else if (o.graph !== g) {
      throw new DifflabError('graph-mismatch', 'cannot combine expressions built in different graphs');
    }
  }
  return g ?? defaultGraph;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function nodeOf(g: Graph, o: Operand): number {
  if (typeof o === 'number') return g.constant(o);
  return o.id;
}

/** A named variable (input) of the default graph. The same name is always the same variable. */
export function variable(name: string): Expr {
  if (typeof name !== 'string' || name.length === 0) {
    throw new DifflabError('invalid-argument', 'a variable needs a non-empty name');
  }
  return new Expr(defaultGraph, defaultGraph.variable(name));
}

/** A constant of the default graph. */
export function constant(value: number): Expr {
  if (typeof value !== 'number') throw new DifflabError('invalid-argument', `constant: expected a number`);
  return new Expr(defaultGraph, defaultGraph.constant(value));
}

/** Applies a unary or binary op by name to builder operands. */
export function applyOp(name: UnaryOpName | BinaryOpName, ...operands: Operand[]): Expr {
  const code = OP_CODE[name];
  const arity = OP_ARITY[code] as number;
  if (operands.length !== arity) {
    throw new DifflabError(
      'arity',
      `${name} takes ${arity} argument${arity === 1 ? '' : 's'}, got ${operands.length}`,
    );
  }
  const g = graphOf(operands);
  const x = nodeOf(g, operands[0] as Operand);
  const y = arity === 2 ? nodeOf(g, operands[1] as Operand) : 0;
  return new Expr(g, g.apply(code, x, y));
}

/** Applies an n-ary reduction to a list of operands (n-ary nodes keep sweeps to one tight loop). */
export function applyNary(name: NaryOpName, operands: readonly Operand[]): Expr {
  const g = graphOf(operands);
  const ids = operands.map((o) => nodeOf(g, o));
  return new Expr(g, g.applyN(OP_CODE[name], ids));
}

/** @internal The builder function of each fixed-arity op by name, registered ops too (`builders.ts` names them). */
export const BUILDERS: Record<string, (...operands: Operand[]) => Expr> = {};

// Each fixed-arity op's builder and fluent method, for registered ops too.
forEachOp((name, _code, def) => {
  if (def.arity === 'n') return;
  const op = name as UnaryOpName | BinaryOpName;
  BUILDERS[name] = def.arity === 1 ? (x) => applyOp(op, x) : (x, y) => applyOp(op, x, y as Operand);
  Object.defineProperty(Expr.prototype, name, {
    value:
      def.arity === 1
        ? function (this: Expr) {
            return applyOp(op, this);
          }
        : function (this: Expr, other: Operand) {
            return applyOp(op, this, other);
          },
  });
});

/** The builder function of the op named `name`: a built-in op, or one added with `registerOp`. */
export function builderOf(name: string): (...operands: Operand[]) => Expr {
  const builder = BUILDERS[name];
  if (builder === undefined)
    throw new DifflabError('invalid-argument', `no unary or binary op named '${name}'`);
  return builder;
}

/** Σ xᵢ as one n-ary node (0 for an empty list). */
export function sum(xs: readonly Operand[]): Expr {
  if (xs.length === 0) return constant(0);
  if (xs.length === 1) return typeof xs[0] === 'number' ? constant(xs[0]) : (xs[0] as Expr);
  return applyNary('sum', xs);
}

/** Σ xᵢ·yᵢ as one n-ary node. */
export function dot(xs: readonly Operand[], ys: readonly Operand[]): Expr {
  if (xs.length !== ys.length) {
    throw new DifflabError(
      'invalid-argument',
      `dot: vectors of different lengths (${xs.length} and ${ys.length})`,
    );
  }
  if (xs.length === 0) return constant(0);
  return applyNary('dot', [...xs, ...ys]);
}

/** log Σ e^xᵢ, computed without overflow, as one n-ary node. */
export function logsumexp(xs: readonly Operand[]): Expr {
  if (xs.length === 0) throw new DifflabError('invalid-argument', 'logsumexp of an empty list');
  return applyNary('logsumexp', xs);
}

/** The algebra of expressions in graph `g`: the partial rules run over it give symbolic derivatives. */
export function exprAlgebra(g: Graph): Algebra<Expr> {
  const a: Record<string, unknown> = { num: (c: number) => new Expr(g, g.constant(c)) };
  for (const name of UNARY_OPS) a[name] = (x: Expr) => applyOp(name, x);
  for (const name of BINARY_OPS) a[name] = (x: Expr, y: Expr) => applyOp(name, x, y);
  for (const name of NARY_OPS) a[name] = (xs: readonly Expr[]) => applyNary(name, xs);
  return a as Algebra<Expr>;
}
