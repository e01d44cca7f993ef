/**
 * Source generation for the compiled backend: JavaScript for a program's primal sweep, adjoint sweep and
 * tangent sweep, one function per segment of the plan (a loop, or a run of at most {@link CHUNK} nodes, small
 * enough for the engine to optimise). Every statement does what the interpreter does for that node, in the
 * same order and with the same rule functions, so the results agree to the last bit; add, sub, mul, div and
 * neg are written as operators, which is what their rules are.
 *
 * In a loop, a node used only by fixed-arity nodes of its own repetition keeps its value and adjoint in locals
 * (`l{p}`, `g{p}`): the primal sweep does not store it, and the adjoint sweep computes it again at the top of
 * the repetition (the same expression, so the same bits) before running the block backwards.
 */
import { OP_ARITY, OP_CODE } from '../../ir/ops.js';
import type { Program } from '../../ir/program.js';
import { batchAdjointSource, batchPrimalSource, type DotBatch, dotBatches } from './batch.js';
import { chainAdjointSource, productChain } from './chain.js';
import { partialBindings } from './partials.js';
import { isTwo, type Loop, type Segment } from './plan.js';

/** Most nodes per generated function for runs without a loop (fewer for tangent sweeps, whose statements
 * carry their lanes), so that every function stays small enough for the engine's optimising compiler. */
export const CHUNK = 400;
const TANGENT_CHUNK = 64;
/**
 * Adjoint sweeps write several statements per node: past about 150 nodes a straight run's function outgrew
 * what V8 optimises, and ran in its bytecode interpreter on every call (det at ℓ = 7, 811 nodes: the compiled
 * gradient took 95 µs, the interpreter's 8 µs).
 */
const ADJOINT_CHUNK = 150;

export type SweepKind = 'primal' | 'adjoint' | 'tangent';

/** How a sweep is generated, beyond its kind. */
export interface SweepOptions {
  /** Tangent sweeps: the lanes per node. */
  readonly width?: number;
  /**
   * Adjoint sweeps: skip a zero adjoint or partial by a test (the interpreter's zero-factor rule), as by
   * default. Without the tests, a zero factor that meets ∞ or NaN gives NaN where the rule gives nothing; the
   * caller checks for that and hands over to the interpreter (see CompiledProgram.untestedAdjoint).
   */
  readonly tests?: boolean;
  /**
   * Adjoint sweeps without tests: whether every store to `adj` is followed by a test for NaN or ±∞ and the
   * functions return whether one was (as by default). Without the notes the functions return false, and the
   * caller tests the inputs' adjoints instead (loop.ts's mapGradient): a NaN or ±∞ stored anywhere reaches
   * them, since every active node passes its adjoint on to its active arguments by additions and products,
   * with no zero test (a zero adjoint times an infinite partial is NaN), and NaN and ±∞ stay NaN or ±∞
   * through those.
   */
  readonly noted?: boolean;
  /**
   * Only these nodes' values are needed ({@link adjointNeeds}): the primal sweep computes no other, and the
   * adjoint sweep computes no other block local again.
   */
  readonly need?: Uint8Array;
  /**
   * Loops' block locals (values used only within their repetition): the primal sweep also stores them in `v`,
   * and the adjoint sweep reads them from `v` rather than computing them again (the same values). For a scan
   * whose recording keeps every iteration's values: lstm's body computes its σ and tanh again otherwise.
   */
  readonly stored?: boolean;
}

/** JavaScript expressions for the node's index and its arguments' (or, for an n-ary node, its argument list's
 * start and count). */
interface Site {
  readonly i: string;
  readonly a: string;
  readonly b: string;
  /** Whether the node, its first and its second argument depend on an input (in some repetition). */
  readonly active: readonly [boolean, boolean, boolean];
  /** x^2 with the constant exponent 2: x·x and ∂/∂x = 2x, which is what Math.pow and the pow rule give there
   * (fdlibm's pow returns x·x for y = 2, and x^1 is x). */
  readonly square?: boolean;
  /** For an n-ary node: where its argument list starts in each repetition (one entry outside a loop). */
  readonly list?: ArgList;
  /**
   * In a loop, the block positions of the node and its arguments whose values and adjoints live in locals
   * (`l{p}` and `g{p}`) rather than in `v` and `adj`: nodes used only within their own repetition.
   */
  readonly local?: readonly [number | undefined, number | undefined, number | undefined];
  /**
   * In a primal loop, values carried from the previous repetition in a variable rather than read back from `v`:
   * the name the node's value is also kept in (`n{p}`), and the names its arguments are read from (`c{q}`).
   */
  readonly carry?: readonly [string | undefined, string | undefined, string | undefined];
  /**
   * In a primal loop, a short dot product's entries as variables of its own repetition (see sameRepetition):
   * it is then written out over them.
   */
  readonly entries?: readonly string[];
  /**
   * In an adjoint loop, adjoints carried to the previous repetition in a variable: the name the node's own
   * adjoint is read from (`gn{p}`), and for each argument the variable its contribution goes to (`cg{q}`)
   * except in repetition 0, whose contributions go to `adj` (their node lies before the loop).
   */
  readonly carryAdjoint?: readonly [string | undefined, string | undefined, string | undefined];
  /** Adjoint sweeps: whether a zero adjoint or partial is skipped by a test (see {@link SweepOptions}). */
  readonly tests: boolean;
}

/** A double as JavaScript source that evaluates to exactly it (−0, ∞ and NaN included). */
export function literal(x: number): string {
  if (Object.is(x, -0)) return '(-0)';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '(-Infinity)';
  return x < 0 ? `(${x})` : String(x);
}

/** How a sweep reads node values and adjoints of a site: from the arrays, or from block locals. */
function valueRef(index: string, local: number | undefined): string {
  return local === undefined ? `v[${index}]` : `l${local}`;
}
function adjointRef(index: string, local: number | undefined): string {
  return local === undefined ? `adj[${index}]` : `g${local}`;
}

const ADD = OP_CODE.add;
const SUB = OP_CODE.sub;
const MUL = OP_CODE.mul;
const DIV = OP_CODE.div;
const NEG = OP_CODE.neg;
const SUM = OP_CODE.sum;
const DOT = OP_CODE.dot;
const POW = OP_CODE.pow;

const INFIX: Readonly<Record<number, string>> = { [ADD]: '+', [SUB]: '-', [MUL]: '*', [DIV]: '/' };

interface ArgList {
  readonly args: Int32Array;
  readonly starts: readonly number[];
  readonly count: number;
  readonly activity: Uint8Array;
  /** How the code names `base + r·d` (a literal outside loops, an offset parameter inside). */
  readonly strided: Strided;
  /** Registers a vector of constant values with the sweep and returns its name in the generated code. */
  readonly vector: (values: Float64Array) => string;
  /** The index of the first constant node (every node below it is a constant). */
  readonly inputStart: number;
  /** The constants' values, by node index. */
  readonly constants: Float64Array;
}

/** Writes `base + r·d` as source. */
type Strided = (base: number, d: number) => string;

/** An n-ary node's argument lists, starting at `starts` (one per repetition), of `count` entries. */
function argList(
  f: Program,
  starts: readonly number[],
  count: number,
  activity: Uint8Array,
  strided: Strided,
  vector: (values: Float64Array) => string,
): ArgList {
  return {
    args: f.args,
    starts,
    count,
    activity,
    strided,
    vector,
    inputStart: f.inputStart,
    constants: f.constants,
  };
}

/**
 * Where entries `from ..` of the argument range `st + offset .. st + offset + length − 1` step by a fixed amount
 * in every repetition (gmm's z entries, which lie between its u entries, step by 2) and the first of them moves
 * by a fixed stride: the source of that first node and the step. Else undefined.
 */
function progression(
  list: ArgList,
  offset: number,
  length: number,
  from: number,
): { base: string; step: number } | undefined {
  const { args, starts } = list;
  const n = length - from;
  if (n <= 0) return undefined;
  const entry = (r: number, j: number) => args[(starts[r] as number) + offset + from + j] as number;
  const firsts = starts.map((_, r) => entry(r, 0));
  const d = firsts.length > 1 ? (firsts[1] as number) - (firsts[0] as number) : 0;
  const step = n > 1 ? entry(0, 1) - entry(0, 0) : 1;
  for (let r = 0; r < starts.length; r++) {
    const first = firsts[r] as number;
    if (first !== (firsts[0] as number) + r * d) return undefined;
    for (let j = 1; j < n; j++) if (entry(r, j) !== first + j * step) return undefined;
  }
  return { base: list.strided(firsts[0] as number, d), step };
}

/**
 * How entry `k` of the argument range `st + offset .. st + offset + length − 1` is read, where `st` is the
 * generated code's start of the list: `args[k]`, or a plain node index where the range's nodes step by a fixed
 * amount in every repetition and its first node moves by a fixed stride.
 */
function rangeRef(list: ArgList, offset: number, length: number): (k: string) => string {
  const p = progression(list, offset, length, 0);
  if (p === undefined) return (k) => `args[${k}]`;
  if (p.step === 1) return (k) => `${p.base} + (${k}) - (st + ${offset})`;
  return (k) => `${p.base} + ${p.step} * ((${k}) - (st + ${offset}))`;
}

/**
 * How the value of entry `k` of an argument range is read: `v[...]`, or, when every entry is a constant in
 * every repetition, from a vector of their values made once (`K{n}`, the repetitions one after another), so a
 * dot product with constant data reads it contiguously instead of through `args`.
 */
function rangeValue(list: ArgList, offset: number, length: number): (k: string) => string {
  const { args, starts } = list;
  let constant = length > 0;
  for (const st of starts) {
    for (let k = st + offset; k < st + offset + length && constant; k++) {
      constant = (args[k] as number) < list.inputStart;
    }
  }
  if (!constant) {
    const ref = rangeRef(list, offset, length);
    return (k) => `v[${ref(k)}]`;
  }
  const values = new Float64Array(starts.length * length);
  starts.forEach((st, r) => {
    for (let k = 0; k < length; k++)
      values[r * length + k] = list.constants[args[st + offset + k] as number] as number;
  });
  const name = list.vector(values);
  const row = starts.length > 1 ? `r * ${length} + ` : '';
  return (k) => `${name}[${row}(${k}) - (st + ${offset})]`;
}

/** How a dot product's sweeps read one half of its arguments, entry `k` (k = `st + offset` for the first). */
interface HalfReads {
  /** What the reads need declared after `st`, or ''. */
  readonly decl: string;
  /** Whether the first entry is read on its own (at `head`), `at` and `value` holding for the others only. */
  readonly peeled: boolean;
  /** The first entry's node index. */
  readonly head: string;
  readonly at: (k: string) => string;
  readonly value: (k: string) => string;
}

/** Where a dot product's half steps by a fixed amount: from its first entry, or, with `peel`, its second. */
function halfSteps(
  list: ArgList,
  offset: number,
  h: number,
  peel: boolean,
): { p: { base: string; step: number }; from: number } | undefined {
  if (!rangeValue(list, offset, h)('st').startsWith('v[')) return undefined;
  const p = progression(list, offset, h, 0);
  if (p !== undefined) return { p, from: 0 };
  const q = peel && h > 2 ? progression(list, offset, h, 1) : undefined;
  return q === undefined ? undefined : { p: q, from: 1 };
}

/**
 * The two halves of a dot product as rangeRef and rangeValue read them, unless one steps by other than 1, or
 * steps only from its second entry on (gmm's [zᵣ, z₀, …, zᵣ₋₁], with `peel`). Then entry k of a half that steps
 * is `name + step·k`, `name` declared once per node as `first − step·start`: a loop's iteration computes one
 * product and one sum for the index. Written out in full (`first + step·(k − start)`, with `r·stride` in
 * `first`), the indices took gmm's adjoint loop at d = 64 past the size V8 optimises (61,440 bytes of bytecode),
 * where it ran several times slower.
 */
function dotHalves(list: ArgList, h: number, peel: boolean): [HalfReads, HalfReads] {
  const steps = [halfSteps(list, 0, h, peel), halfSteps(list, h, h, peel)];
  const plain = steps.every((st) => st === undefined || (st.from === 0 && st.p.step === 1));
  return [0, 1].map((half) => {
    const offset = half * h;
    const at = rangeRef(list, offset, h);
    const value = rangeValue(list, offset, h);
    const st = steps[half];
    if (plain || st === undefined) {
      return { decl: '', peeled: false, head: at(`st + ${offset}`), at, value };
    }
    const { p, from } = st;
    const name = half === 0 ? 'xq' : 'yq';
    const stepped = (k: string) => (p.step === 1 ? `${name} + (${k})` : `${name} + ${p.step} * (${k})`);
    const first = progression(list, offset, 1, 0);
    return {
      decl: `const ${name} = ${p.base} - ${p.step} * (st + ${offset + from});`,
      peeled: from === 1,
      head:
        from === 0 ? stepped(`st + ${offset}`) : first === undefined ? `args[st + ${offset}]` : first.base,
      at: stepped,
      value: (k: string) => `v[${stepped(k)}]`,
    };
  }) as [HalfReads, HalfReads];
}

/** Whether no node is an entry of both halves of a dot product, in any repetition. */
function disjointHalves(list: ArgList, h: number): boolean {
  const { args } = list;
  for (const st of list.starts) {
    const first = new Set<number>();
    for (let k = st; k < st + h; k++) first.add(args[k] as number);
    for (let k = st + h; k < st + 2 * h; k++) if (first.has(args[k] as number)) return false;
  }
  return true;
}

/** Declarations followed by a space each, or ''. */
function declared(...decls: string[]): string {
  return decls
    .filter((d) => d !== '')
    .map((d) => `${d} `)
    .join('');
}

/** Whether a dot node's two halves are the same nodes in every repetition: dot(w, w). */
function sameHalves(list: ArgList, h: number): boolean {
  for (const st of list.starts)
    for (let k = st; k < st + h; k++) if (list.args[k] !== list.args[k + h]) return false;
  return true;
}

/** Whether any entry of an argument range is active in some repetition. */
function rangeActive(list: ArgList, offset: number, length: number): boolean {
  for (const st of list.starts) {
    for (let k = st + offset; k < st + offset + length; k++) {
      if (list.activity[list.args[k] as number] === 1) return true;
    }
  }
  return false;
}

/** Most terms of a sum or dot written out rather than looped over. */
const UNROLL = 16;

/** The argument nodes of a short sum or dot outside a loop (non-empty), or undefined. */
function unrolledArgs(code: number, list: ArgList): number[] | undefined {
  const n = list.count;
  if (list.starts.length !== 1 || n === 0 || n > UNROLL || (code !== SUM && code !== DOT)) return undefined;
  if (code === DOT && n < 2) return undefined;
  const st = list.starts[0] as number;
  return Array.from(list.args.subarray(st, st + n));
}

function primalNode(code: number, s: Site): string {
  const arity = OP_ARITY[code] as number;
  if (arity === 0) {
    const list = s.list as ArgList;
    const n = list.count;
    const unrolled = unrolledArgs(code, list);
    if (unrolled !== undefined) {
      // A short sum or dot outside a loop, written out: the same additions, left to right from the first term.
      if (code === SUM) return `v[${s.i}] = ${unrolled.map((a) => `v[${a}]`).join(' + ')};`;
      const h = n >> 1;
      const terms = unrolled.slice(0, h).map((a, k) => `v[${a}] * v[${unrolled[k + h]}]`);
      return `v[${s.i}] = ${terms.join(' + ')};`;
    }
    if (code === SUM) {
      // As OPS.sum: from the first term, then left to right.
      if (n === 0) return `v[${s.i}] = 0;`;
      const ref = rangeRef(list, 0, n);
      return `{ const st = ${s.a}; let s = v[${ref('st')}];
        for (let k = st + 1; k < st + ${n}; k++) s += v[${ref('k')}]; v[${s.i}] = s; }`;
    }
    if (code === DOT && s.entries !== undefined) {
      // The same products added in the same order, over the entries' variables.
      const h = n >> 1;
      const e = s.entries;
      const terms = e.slice(0, h).map((x, k) => `${x} * ${e[k + h]}`);
      const kept = s.carry?.[0];
      const target = kept !== undefined ? `const ${kept} =` : `v[${s.i}] =`;
      return `${target} ${terms.join(' + ')};${kept !== undefined ? ` v[${s.i}] = ${kept};` : ''}`;
    }
    if (code === DOT) {
      // As OPS.dot: from the first product, then left to right.
      const h = n >> 1;
      if (h === 0) return `v[${s.i}] = 0;`;
      const [x, y] = dotHalves(list, h, true);
      const x0 = x.peeled ? `v[${x.head}]` : x.value('st');
      const y0 = y.peeled ? `v[${y.head}]` : y.value(`st + ${h}`);
      return `{ const st = ${s.a}; ${declared(x.decl, y.decl)}let s = ${x0} * ${y0};
        for (let k = st + 1; k < st + ${h}; k++) s += ${x.value('k')} * ${y.value(`k + ${h}`)}; v[${s.i}] = s; }`;
    }
    return `v[${s.i}] = N${code}(v, args, ${s.a}, ${n});`;
  }
  const x = s.carry?.[1] ?? valueRef(s.a, s.local?.[1]);
  const y = s.carry?.[2] ?? valueRef(s.b, s.local?.[2]);
  const self = s.local?.[0];
  const kept = s.carry?.[0];
  const target =
    kept !== undefined ? `const ${kept} =` : self === undefined ? `v[${s.i}] =` : `const l${self} =`;
  const after = kept !== undefined ? ` v[${s.i}] = ${kept};` : '';
  if (arity === 1) return `${target} ${code === NEG ? `-${x}` : `V${code}(${x}, 0)`};${after}`;
  if (s.square) return `${target} ${x} * ${x};${after}`;
  const infix = INFIX[code];
  return `${target} ${infix !== undefined ? `${x} ${infix} ${y}` : `V${code}(${x}, ${y})`};${after}`;
}

/** The value expression of a fixed-arity node in terms of `x` and `y`. */
export function valueExpr(code: number, s: Pick<Site, 'square'>): string {
  const arity = OP_ARITY[code] as number;
  if (arity === 1) return code === NEG ? '-x' : `V${code}(x, 0)`;
  if (s.square) return 'x * x';
  const infix = INFIX[code];
  return infix !== undefined ? `x ${infix} y` : `V${code}(x, y)`;
}

/** The partials of a fixed-arity node as expressions in `x`, `y`, `z` (numbers where they are constants). */
export function partialExprs(code: number, s: Pick<Site, 'square'>): [string, string] {
  // x²'s partial in the exponent, z·ln x, only ever meets the constant 2's tangent, 0, where only its sign,
  // zero and finiteness count: x − 1 has those wherever z·ln x is finite and nonzero (0 < x ≠ 1, 0 < z <
  // 1e300), which saves a logarithm per node in a tangent sweep.
  if (s.square) return ['2 * x', `(x > 0 && x !== 1 && z !== 0 && z < 1e300 ? x - 1 : P${code}_1(x, y, z))`];
  switch (code) {
    case ADD:
      return ['1', '1'];
    case SUB:
      return ['1', '-1'];
    case MUL:
      return ['y', 'x'];
    case NEG:
      return ['-1', ''];
    default:
      return [`P${code}_0(x, y, z)`, OP_ARITY[code] === 2 ? `P${code}_1(x, y, z)` : ''];
  }
}

/**
 * `target = g · p`: the one contribution a carried adjoint gets in a repetition, in a sweep without the
 * zero-factor tests. It is `0 + g · p` but for the sign of a zero, which cannot reach the result: whatever an
 * intermediate adjoint passes on (itself, through a sum, or times a partial) ends in the inputs' adjoints,
 * which start at +0 in `adj` and only add, and +0 plus ±0 is +0. Without the addition, a chain (Π wᵢ) has
 * half the latency.
 */
function setAdjoint(target: string, p: string): string {
  if (p === '1') return `${target} = g;`;
  if (p === '-1') return `${target} = -g;`;
  return `p = ${p}; ${target} = g * p;`;
}

/** `if (name !== 0) ` where the sweep tests for zero factors, nothing where it does not. */
function nonzero(name: string, tests: boolean): string {
  return tests ? `if (${name} !== 0) ` : '';
}

/** `target += g · p` (an adjoint in `adj` or a block local), skipping a zero partial (the zero-factor rule). */
function addAdjoint(target: string, p: string, tests: boolean): string {
  if (p === '1') return `${target} += g;`;
  if (p === '-1') return `${target} -= g;`;
  return `p = ${p}; ${nonzero('p', tests)}${target} += g * p;`;
}

function adjointNode(code: number, s: Site): string {
  const arity = OP_ARITY[code] as number;
  // A node that depends on no input passes its adjoint to constants only: nothing to do.
  if (!s.active[0]) return '';
  const nz = (name: string) => nonzero(name, s.tests);
  const head = `g = adj[${s.i}]; ${nz('g')}{`;
  if (arity === 0) {
    const list = s.list as ArgList;
    const n = list.count;
    const st = `const st = ${s.a};`;
    const unrolled = unrolledArgs(code, list);
    if (unrolled !== undefined) {
      // Written out, in the order of the loops below (constants left out).
      const active = (a: number) => list.activity[a] === 1;
      if (code === SUM) {
        const adds = unrolled.filter(active).map((a) => `adj[${a}] += g;`);
        return adds.length === 0 ? '' : `${head} ${adds.join(' ')} }`;
      }
      const h = n >> 1;
      const adds: string[] = [];
      for (let k = 0; k < n; k++) {
        const a = unrolled[k] as number;
        const other = unrolled[k < h ? k + h : k - h] as number;
        if (active(a)) adds.push(`p = v[${other}]; ${nz('p')}adj[${a}] += g * p;`);
      }
      return adds.length === 0 ? '' : `${head} ${adds.join(' ')} }`;
    }
    if (code === SUM) {
      if (!rangeActive(list, 0, n)) return '';
      const ref = rangeRef(list, 0, n);
      return `${head} ${st} for (let k = st; k < st + ${n}; k++) adj[${ref('k')}] += g; }`;
    }
    if (code === DOT) {
      const h = n >> 1;
      if (sameHalves(list, h)) {
        // dot(w, w): both contributions to w_k in one pass (each w_k gets the same additions, in the same order).
        const [w] = dotHalves(list, h, false);
        return rangeActive(list, 0, h)
          ? `${head} ${st} ${declared(w.decl)}for (let k = st; k < st + ${h}; k++) { p = ${w.value('k')}; ${nz('p')}{ const i = ${w.at('k')}; adj[i] = adj[i] + g * p + g * p; } } }`
          : '';
      }
      // The two halves in order, each left out when all its entries are constants. Where a half is read from its
      // second entry on (halfReads), each loop's first iteration is written on its own (the same statements).
      const [x, y] = dotHalves(list, h, true);
      const peel = x.peeled || y.peeled;
      const loop = (from: string, to: string, body: (head: boolean) => string) =>
        peel
          ? `{ const k = ${from}; ${body(true)} } for (let k = ${from} + 1; k < ${to}; k++) { ${body(false)} }`
          : `for (let k = ${from}; k < ${to}; k++) { ${body(false)} }`;
      const bothActive = rangeActive(list, 0, h) && rangeActive(list, h, h);
      if ((x.decl !== '' || y.decl !== '') && bothActive && disjointHalves(list, h)) {
        // No node in both halves: entry k's two contributions in one loop, each target getting its terms in the
        // order the two loops below give them (gmm's Lᵣ꜀ and z꜀).
        const body = (one: boolean) =>
          `p = ${one && y.peeled ? `v[${y.head}]` : y.value(`k + ${h}`)}; ${nz('p')}adj[${one && x.peeled ? x.head : x.at('k')}] += g * p; ` +
          `p = ${one && x.peeled ? `v[${x.head}]` : x.value('k')}; ${nz('p')}adj[${one && y.peeled ? y.head : y.at(`k + ${h}`)}] += g * p;`;
        return `${head} ${st} ${declared(x.decl, y.decl)}${loop('st', `st + ${h}`, body)} }`;
      }
      const first = rangeActive(list, 0, h)
        ? loop(
            'st',
            `st + ${h}`,
            (one) =>
              `p = ${one && y.peeled ? `v[${y.head}]` : y.value(`k + ${h}`)}; ${nz('p')}adj[${one && x.peeled ? x.head : x.at('k')}] += g * p;`,
          )
        : '';
      const second = rangeActive(list, h, h)
        ? loop(
            `st + ${h}`,
            `st + ${n}`,
            (one) =>
              `p = ${one && x.peeled ? `v[${x.head}]` : x.value(`k - ${h}`)}; ${nz('p')}adj[${one && y.peeled ? y.head : y.at('k')}] += g * p;`,
          )
        : '';
      return `${head} ${st} ${declared(x.decl, y.decl)}${first} ${second} }`;
    }
    return `${head} ${st} const z = v[${s.i}];
      for (let k = 0; k < ${n}; k++) { p = Q${code}(v, args, st, ${n}, z, k); ${nz('p')}adj[args[st + k]] += g * p; } }`;
  }
  const [px, py] = partialExprs(code, s);
  const toX = s.active[1];
  const toY = arity === 2 && s.active[2];
  const uses = (name: string) => (toX && px.includes(name)) || (toY && py.includes(name));
  const local = s.local ?? [undefined, undefined, undefined];
  const reads = [
    uses('x') ? `const x = ${valueRef(s.a, local[1])};` : '',
    uses('y') ? `const y = ${arity === 2 ? valueRef(s.b, local[2]) : '0'};` : '',
    uses('z') ? `const z = ${valueRef(s.i, local[0])};` : '',
  ].join(' ');
  const carry = s.carryAdjoint ?? [undefined, undefined, undefined];
  const open = `g = ${carry[0] ?? adjointRef(s.i, local[0])}; ${nz('g')}{`;
  const to = (index: string, localPos: number | undefined, carried: string | undefined, p: string) =>
    carried === undefined
      ? addAdjoint(adjointRef(index, localPos), p, s.tests)
      : `if (r === 0) { ${addAdjoint(adjointRef(index, localPos), p, s.tests)} } else { ${
          s.tests ? addAdjoint(carried, p, true) : setAdjoint(carried, p)
        } }`;
  // Partials read values only, so computing them in turn is the same as computing both first.
  return `${open} ${reads} ${toX ? to(s.a, local[1], carry[1], px) : ''} ${
    toY ? to(s.b, local[2], carry[2], py) : ''
  } }`;
}

/** Most lane statements (lanes × block nodes) a tangent loop writes out one by one instead of looping. */
const UNROLL_LANES = 128;

/** Most lanes kept in local variables while an n-ary node sums its arguments' tangents. */
const REGISTER_LANES = 16;

/**
 * `t[to + j] += p · t[from + j]` for the c lanes, as accumulateLanes does (a zero p adds nothing; a non-finite
 * p skips zero tangents). With `acc`, lane j accumulates in the local `a{j}` instead of `t[to + j]`.
 */
function accumulateSource(from: string, p: string, c: number, acc: boolean): string {
  if (!acc) {
    return `{ const p = ${p}, from = ${from};
      if (p !== 0 && p - p === 0) { for (let j = 0; j < ${c}; j++) t[to + j] += p * t[from + j]; }
      else LA(t, to, from, p, ${c}); }`;
  }
  const finite: string[] = [];
  const other: string[] = [];
  for (let j = 0; j < c; j++) {
    finite.push(`a${j} += p * t[from + ${j}];`);
    other.push(`q = t[from + ${j}]; if (q !== 0) a${j} += p * q;`);
  }
  return `{ const p = ${p}, from = ${from};
    if (p !== 0) { if (p - p === 0) { ${finite.join(' ')} } else { let q; ${other.join(' ')} } } }`;
}

/** Declarations of the lane accumulators (zero, as t.fill(0) leaves the lanes), and their final stores. */
function accumulators(c: number): [string, string] {
  const names = Array.from({ length: c }, (_, j) => `a${j}`);
  return [
    `let ${names.map((n) => `${n} = 0`).join(', ')};`,
    names.map((n, j) => `t[to + ${j}] = ${n};`).join(' '),
  ];
}

/**
 * A tangent sweep's code for a batch (see batch.ts), as calls: the values as in the primal sweep, and the run's
 * entries whose lanes are not all zero, `lo .. hi − 1`, into `range`; then each member's lanes, as tangentNode
 * computes them, over those entries only. That skips only terms p·(±0), which leave a lane unchanged: a lane
 * starts at +0 and only adds, so it never holds −0. (A forward-mode chunk seeds a few inputs: the run's other
 * entries have zero lanes.)
 */
function batchTangentCalls(
  b: DotBatch,
  c: number,
  vector: (values: Float64Array) => string,
  range: string,
): string[] {
  const end = b.first + b.length;
  const scan = `let lo = ${end}, hi = ${b.first};
for (let i = ${b.first}; i < ${end}; i++) {
  const from = i * ${c};
  for (let j = 0; j < ${c}; j++) if (t[from + j] !== 0) { if (i < lo) lo = i; hi = i + 1; break; }
}
${range}[0] = lo; ${range}[1] = hi;`;
  const acc = c <= REGISTER_LANES;
  const [declare, store] = acc ? accumulators(c) : ['', ''];
  const lanes = b.members.map((node, m) => {
    const data = vector(b.data[m] as Float64Array);
    const add = accumulateSource(`k * ${c}`, `${data}[k - ${b.first}]`, c, acc);
    return `{ const to = ${node * c}; ${acc ? declare : `t.fill(0, to, to + ${c});`}
  for (let k = lo; k < hi; k++) ${add} ${store} }`;
  });
  const calls = [`${batchPrimalSource(b, undefined, vector)}\n${scan}`];
  for (let m = 0; m < lanes.length; m += 4)
    calls.push(`const lo = ${range}[0], hi = ${range}[1];\n${lanes.slice(m, m + 4).join('\n')}`);
  return calls;
}

function tangentNode(code: number, s: Site, c: number): string {
  const arity = OP_ARITY[code] as number;
  const head = `const to = (${s.i}) * ${c};`;
  if (arity === 0) {
    const list = s.list as ArgList;
    const n = list.count;
    const value = `${primalNode(code, s)} const z = v[${s.i}];`;
    const clear = `t.fill(0, to, to + ${c});`;
    // Constants have zero tangents: leaving them out adds nothing (a sum from +0 never holds −0).
    const acc = c <= REGISTER_LANES;
    const [declare, store] = acc ? accumulators(c) : ['', ''];
    if (code === SUM) {
      const ref = rangeRef(list, 0, n);
      const lanes = acc
        ? Array.from({ length: c }, (_, j) => `a${j} += t[from + ${j}];`).join(' ')
        : `for (let j = 0; j < ${c}; j++) t[to + j] += t[from + j];`;
      const body = rangeActive(list, 0, n)
        ? `for (let k = st; k < st + ${n}; k++) { const from = (${ref('k')}) * ${c}; ${lanes} }`
        : '';
      return `{ ${head} const st = ${s.a}; ${value} ${acc ? declare : clear} ${body} ${store} }`;
    }
    if (code === DOT) {
      const h = n >> 1;
      const x = rangeRef(list, 0, h);
      const y = rangeRef(list, h, h);
      const first = rangeActive(list, 0, h)
        ? `for (let k = st; k < st + ${h}; k++) ${accumulateSource(`(${x('k')}) * ${c}`, rangeValue(list, h, h)(`k + ${h}`), c, acc)}`
        : '';
      const second = rangeActive(list, h, h)
        ? `for (let k = st + ${h}; k < st + ${n}; k++) ${accumulateSource(`(${y('k')}) * ${c}`, rangeValue(list, 0, h)(`k - ${h}`), c, acc)}`
        : '';
      return `{ ${head} const st = ${s.a}; ${value} ${acc ? declare : clear} ${first} ${second} ${store} }`;
    }
    return `{ ${head} const st = ${s.a}; ${value} ${clear}
      for (let k = 0; k < ${n}; k++) LA(t, to, args[st + k] * ${c}, Q${code}(v, args, st, ${n}, z, k), ${c}); }`;
  }
  const value = valueExpr(code, s);
  const [px, py] = partialExprs(code, s);
  if (arity === 1) {
    // As unaryLanes: zeros, then p times the argument's lanes (0 + p·t, so −0 becomes +0 as there).
    return `{ ${head} const xi = ${s.a}; const x = v[xi], y = 0;
      const z = ${value}; v[${s.i}] = z;
      const p = ${px}, from = xi * ${c};
      if (p !== 0 && p - p === 0) { for (let j = 0; j < ${c}; j++) t[to + j] = 0 + p * t[from + j]; }
      else L1(t, to, from, p, ${c}); }`;
  }
  // As binaryLanes: px·t_x + py·t_y when both partials are finite and non-zero.
  const lanes =
    px === '1' && (py === '1' || py === '-1')
      ? `for (let j = 0; j < ${c}; j++) t[to + j] = t[xb + j] ${py === '1' ? '+' : '-'} t[yb + j];`
      : `const px = ${px}, py = ${py};
        if (px !== 0 && py !== 0 && px - px === 0 && py - py === 0) {
          for (let j = 0; j < ${c}; j++) t[to + j] = px * t[xb + j] + py * t[yb + j];
        } else L2(t, to, xb, yb, px, py, ${c});`;
  return `{ ${head} const xi = ${s.a}, yi = ${s.b}; const x = v[xi], y = v[yi];
    const z = ${value}; v[${s.i}] = z;
    const xb = xi * ${c}, yb = yi * ${c};
    ${lanes} }`;
}

function nodeStatement(kind: SweepKind, code: number, s: Site, width: number): string {
  if (kind === 'primal') return primalNode(code, s);
  if (kind === 'adjoint') return adjointNode(code, s);
  return tangentNode(code, s, width);
}

/** The fixed-arity arguments of block position `p`: each one's index in repetition 0 and its stride. */
function argSlots(f: Program, loop: Loop, p: number): [number, number][] {
  const n = loop.start + p;
  const arity = OP_ARITY[f.op[n] as number] as number;
  const slots: [number, number][] = [];
  if (arity >= 1) slots.push([f.a[n] as number, loop.da[p] as number]);
  if (arity === 2) slots.push([f.b[n] as number, loop.db[p] as number]);
  return slots;
}

/** The variable a carried value is read from, if it is carried. */
function named(q: number | undefined): string | undefined {
  return q === undefined ? undefined : `c${q}`;
}

/** Whether the block of `period` nodes from `start` has an n-ary node. */
function sitesHaveNary(f: Program, start: number, period: number): boolean {
  for (let n = start; n < start + period; n++) if (OP_ARITY[f.op[n] as number] === 0) return true;
  return false;
}

/**
 * A tangent loop with the lanes innermost: per repetition, each node's value and partials once (the values of
 * nodes used only inside the repetition in locals), then one loop over the c lanes in which each node's
 * tangent is a local, stored only where it is used outside. The same arithmetic as unaryLanes and binaryLanes,
 * lane by lane: p·t with a zero or non-finite partial goes through S1 and S2, which follow their slow paths.
 */
function tangentLoop(
  f: Program,
  sites: readonly Site[],
  local: readonly boolean[],
  start: number,
  reps: number,
  c: number,
  sums: readonly { at: string; positions: readonly number[] }[],
): string {
  const values: string[] = [];
  const lanes: string[] = [];
  const bind = (e: string, p: number) => e.replace(/\b([xyz])\b/g, (_, n: string) => `${n}${p}`);
  const tangentOf = (index: string, localPos: number | undefined, constant: boolean) =>
    localPos !== undefined ? `d${localPos}` : constant ? '0' : `t[(${index}) * ${c} + j]`;
  sites.forEach((s, p) => {
    const code = f.op[start + p] as number;
    const arity = OP_ARITY[code] as number;
    const loc = s.local ?? [undefined, undefined, undefined];
    const x = valueRef(s.a, loc[1]);
    const y = arity === 2 ? valueRef(s.b, loc[2]) : '0';
    const value = bind(valueExpr(code, s), p);
    values.push(`const x${p} = ${x}, y${p} = ${y}; const z${p} = ${value};`);
    values.push(local[p] ? `const l${p} = z${p};` : `v[${s.i}] = z${p};`);
    const [px, py] = partialExprs(code, s);
    const a = f.a[start + p] as number;
    const tx = tangentOf(s.a, loc[1], s.active[1] === false && !/r/.test(s.a) && a < f.inputStart);
    if (arity === 1) {
      values.push(`const p${p} = ${bind(px, p)}; const f${p} = p${p} !== 0 && p${p} - p${p} === 0;`);
      lanes.push(`const d${p} = f${p} ? 0 + p${p} * ${tx} : S1(p${p}, ${tx});`);
    } else {
      const b = f.b[start + p] as number;
      const ty = tangentOf(s.b, loc[2], s.active[2] === false && !/r/.test(s.b) && b < f.inputStart);
      if (px === '1' && (py === '1' || py === '-1')) {
        lanes.push(`const d${p} = ${tx} ${py === '1' ? '+' : '-'} ${ty};`);
      } else if (ty === '0') {
        // y a constant (tangent 0), as binaryLanes does it: px·t + py·0 where both partials are finite and
        // nonzero; otherwise px·t as unaryLane does it, since a partial that is zero or not finite drops the
        // zero tangent (and unaryLane never gives −0, so a py·0 added to it would change nothing). No call per
        // lane where x^y's partial in y is NaN (x < 0).
        values.push(
          `const px${p} = ${bind(px, p)}, py${p} = ${bind(py, p)};`,
          `const fx${p} = px${p} !== 0 && px${p} - px${p} === 0, fy${p} = py${p} !== 0 && py${p} - py${p} === 0, zy${p} = py${p} * 0;`,
        );
        const x = `px${p} * ${tx}`;
        lanes.push(
          `const d${p} = fy${p} ? (fx${p} ? ${x} + zy${p} : S1(px${p}, ${tx})) : fx${p} ? 0 + ${x} : S1(px${p}, ${tx});`,
        );
      } else {
        values.push(
          `const px${p} = ${bind(px, p)}, py${p} = ${bind(py, p)};`,
          `const f${p} = px${p} !== 0 && py${p} !== 0 && px${p} - px${p} === 0 && py${p} - py${p} === 0;`,
        );
        lanes.push(
          `const d${p} = f${p} ? px${p} * ${tx} + py${p} * ${ty} : S2(px${p}, ${tx}, py${p}, ${ty});`,
        );
      }
    }
    if (!local[p]) lanes.push(`t[(${s.i}) * ${c} + j] = d${p};`);
  });
  // Sums of this loop's terms, added up inside it: the value from −0 (as from the first term), each lane
  // from 0, the terms in the sum's order (what the n-ary sum does after the loop).
  const before = sums.map((_, k) => `let sv${k} = -0;`);
  const after = sums.map(({ at }, k) => `v[${at}] = sv${k};`);
  sums.forEach(({ positions }, k) => {
    values.push(positions.map((p) => `sv${k} += l${p};`).join(' '));
  });
  const added = (k: number, acc: string) =>
    `${acc} = ${acc}${(sums[k]?.positions ?? []).map((p) => ` + d${p}`).join('')};`;
  if (c * sites.length <= UNROLL_LANES) {
    // The lanes written out, each in its own locals (a sum's lane accumulating in one), so the engine keeps
    // them in registers.
    const out: string[] = [];
    for (let j = 0; j < c; j++) {
      const lane = (line: string) => line.replace(/\bj\b/g, String(j)).replace(/\bd(\d+)\b/g, `d$1_${j}`);
      out.push(...lanes.map(lane), ...sums.map((_, k) => lane(added(k, `sa${k}_${j}`))));
      before.push(...sums.map((_, k) => `let sa${k}_${j} = 0;`));
      after.push(...sums.map(({ at }, k) => `t[(${at}) * ${c} + ${j}] = sa${k}_${j};`));
    }
    return `${before.join('\n')}\nfor (let r = 0; r < ${reps}; r++) {\n${values.join('\n')}\n${out.join('\n')}\n}\n${after.join('\n')}`;
  }
  // Otherwise one loop over the lanes, a sum's lanes accumulating in its slots of t.
  sums.forEach(({ at }, k) => {
    before.push(`for (let j = 0; j < ${c}; j++) t[(${at}) * ${c} + j] = 0;`);
    lanes.push(added(k, `t[(${at}) * ${c} + j]`));
  });
  return `${before.join('\n')}\nfor (let r = 0; r < ${reps}; r++) {\n${values.join('\n')}\nfor (let j = 0; j < ${c}; j++) {\n${lanes.join('\n')}\n}\n}\n${after.join('\n')}`;
}

/** `base + r·d` as source. */
function strided(base: number, d: number): string {
  if (d === 0) return String(base);
  if (d === 1) return `${base} + r`;
  return `${base} + r * ${d}`;
}

/** An adjoint index in a loop body, `o{j} + r·stride` (the base is `bases[j]`). */
function parseIndex(text: string, bases: readonly number[]): { base: number; stride: number } | undefined {
  const m = /^o(\d+)(?: \+ r(?: \* (\d+))?)?$/.exec(text);
  if (m === null) return undefined;
  return { base: bases[Number(m[1])] as number, stride: text.includes('r') ? Number(m[2] ?? 1) : 0 };
}

/**
 * One repetition's adjoint statements with each `adj[i]` that the repetition touches more than once held in a
 * local from its first access to the end of the repetition (the same additions in the same order, without a
 * store and a load between them). Only where no other index of the repetition can be the same node; a body
 * that reads adjoints through `args` is left as it is.
 *
 * Two indices `b + r·d` and `b + d + r·d` name the same node in repetitions r and r − 1 (xᵢ and xᵢ₊₁ in
 * Rosenbrock's term): the first one's local is carried to the next repetition (the loop runs r downwards) as
 * the second one's, so each such node is loaded once and stored once. The carried value starts from `adj`
 * before the loop, and the last one is stored after it.
 */
function registerAdjoints(
  lines: readonly string[],
  reps: number,
  bases: readonly number[],
  fresh: (base: number, stride: number, r: number) => boolean,
): { before: string[]; body: string[]; after: string[]; written: { base: number; stride: number }[] } {
  const text = lines.join('\n');
  const none = { before: [], body: [...lines], after: [], written: [] };
  if (text.includes('args[')) return none;
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/adj\[([^\]]+)\]/g))
    counts.set(m[1] as string, (counts.get(m[1] as string) ?? 0) + 1);
  const parsed = [...counts.keys()].map((key) => [key, parseIndex(key, bases)] as const);
  if (parsed.some(([, ix]) => ix === undefined)) return none;
  type Index = { base: number; stride: number };
  const distinct = (x: Index, y: Index) => {
    if (x.stride === y.stride) return x.base !== y.base;
    const r = (x.base - y.base) / (y.stride - x.stride);
    return !(Number.isInteger(r) && r >= 0 && r < reps);
  };
  const apart = (key: string, ix: Index, except: string) =>
    parsed.every(([other, iy]) => other === key || other === except || distinct(ix, iy as Index));
  // Pairs first: the lower index, carried on as the higher one.
  const pairs: [string, string][] = [];
  const paired = new Set<string>();
  for (const [low, il] of parsed) {
    const { base, stride } = il as Index;
    if (stride === 0 || paired.has(low)) continue;
    const high = parsed.find(([, ih]) => ih?.stride === stride && ih.base === base + stride);
    if (high === undefined || paired.has(high[0])) continue;
    if (!apart(low, il as Index, high[0]) || !apart(high[0], high[1] as Index, low)) continue;
    pairs.push([low, high[0]]);
    paired.add(low).add(high[0]);
  }
  const held = parsed.filter(
    ([key, ix]) => !paired.has(key) && (counts.get(key) as number) > 1 && apart(key, ix as Index, key),
  );
  // An index whose node no statement before this repetition's touches (its last user in the program is in
  // this repetition, and no other index here can be it) starts from 0 instead of a load: it needs no zeros.
  const written: Index[] = [];
  const isFresh = (ix: Index, from = 0) => {
    for (let r = from; r < reps; r++) if (!fresh(ix.base, ix.stride, r)) return false;
    return true;
  };
  let out = text;
  for (const [key, ix] of parsed) {
    if (paired.has(key) || (counts.get(key) as number) !== 1 || !apart(key, ix as Index, key)) continue;
    if (!isFresh(ix as Index)) continue;
    const once = new RegExp(`adj\\[${key.replace(/[+*]/g, '\\$&')}\\] ([+-])= `);
    const m = once.exec(out);
    if (m === null) continue;
    // (One made in repetition 0 only, to the node before the loop a carried adjoint ends at, is fresh there, and
    // in the other repetitions that key names carried nodes, which adj never holds.)
    out = `${out.slice(0, m.index)}adj[${key}] = 0 ${m[1]} ${out.slice(m.index + m[0].length)}`;
    written.push(ix as Index);
  }
  if (held.length === 0 && pairs.length === 0) return { ...none, body: [out], written };
  const at = (key: string, r: number) => key.replace(/\br\b/, String(r));
  const before: string[] = [];
  const loads: string[] = [];
  const stores: string[] = [];
  const after: string[] = [];
  let k = 0;
  for (const [key, ix] of held) {
    out = out.split(`adj[${key}]`).join(`a${k}`);
    const zero = isFresh(ix as Index);
    if (zero) written.push(ix as Index);
    loads.push(`let a${k} = ${zero ? '0' : `adj[${key}]`};`);
    stores.push(`adj[${key}] = a${k};`);
    k++;
  }
  pairs.forEach(([low, high], n) => {
    const [a, b] = [k++, k++];
    out = out.split(`adj[${low}]`).join(`a${a}`).split(`adj[${high}]`).join(`a${b}`);
    const [il, ih] = [parseIndex(low, bases) as Index, parseIndex(high, bases) as Index];
    // The low index's node is first touched in its repetition, the last repetition's high one in it.
    const lowZero = isFresh(il);
    const highZero = isFresh(ih, reps - 1);
    if (lowZero) written.push(il);
    if (highZero) written.push({ base: ih.base + (reps - 1) * ih.stride, stride: 0 });
    before.push(`let c${n} = ${highZero ? '0' : `adj[${at(high, reps - 1)}]`};`);
    loads.push(`let a${a} = ${lowZero ? '0' : `adj[${low}]`};`, `let a${b} = c${n};`);
    stores.push(`adj[${high}] = a${b};`, `c${n} = a${a};`);
    after.push(`adj[${at(low, 0)}] = c${n};`);
  });
  return { before, body: [...loads, out, ...stores], after, written };
}

/** Whether node `base + r·d` is active for some r < reps. */
function someActive(activity: Uint8Array, base: number, d: number, reps: number): boolean {
  for (let r = 0; r < reps; r++) if (activity[base + r * d] === 1) return true;
  return false;
}

/**
 * Which nodes are used outside their own loop repetition: by a node of another repetition or segment, by an
 * n-ary node, or as an output. The others live in locals in the primal and adjoint sweeps.
 */
export function escapes(f: Program, segments: readonly Segment[], fused: ReadonlySet<number>): Uint8Array {
  const block = new Int32Array(f.size).fill(-1);
  let id = 0;
  for (const seg of segments) {
    if (seg.kind !== 'loop') continue;
    for (let r = 0; r < seg.reps; r++, id++)
      block.fill(id, seg.start + r * seg.period, seg.start + (r + 1) * seg.period);
  }
  const out = new Uint8Array(f.size);
  for (const o of f.outputs) out[o] = 1;
  for (let u = f.opStart; u < f.size; u++) {
    const arity = OP_ARITY[f.op[u] as number] as number;
    if (arity === 0) {
      if (fused.has(u)) continue;
      const start = f.a[u] as number;
      for (let k = start; k < start + (f.b[u] as number); k++) out[f.args[k] as number] = 1;
      continue;
    }
    const x = f.a[u] as number;
    if (block[x] === -1 || block[x] !== block[u]) out[x] = 1;
    if (arity === 2) {
      const y = f.b[u] as number;
      if (block[y] === -1 || block[y] !== block[u]) out[y] = 1;
    }
  }
  return out;
}

/** The last node that uses each node as an argument (the program's size for an output, −1 for none). */
function lastUses(f: Program): Int32Array {
  const last = new Int32Array(f.size).fill(-1);
  for (let u = f.opStart; u < f.size; u++) {
    const arity = OP_ARITY[f.op[u] as number] as number;
    if (arity === 0) {
      const st = f.a[u] as number;
      for (let k = st; k < st + (f.b[u] as number); k++) last[f.args[k] as number] = u;
    } else {
      last[f.a[u] as number] = u;
      if (arity === 2) last[f.b[u] as number] = u;
    }
  }
  for (const o of f.outputs) last[o] = f.size;
  return last;
}

/** How many times each node is used: as an argument (each occurrence) or as an output. */
export function useCounts(f: Program): Int32Array {
  let uses = useCache.get(f);
  if (uses === undefined) {
    uses = countUses(f);
    useCache.set(f, uses);
  }
  return uses;
}

const useCache = new WeakMap<Program, Int32Array>();

function countUses(f: Program): Int32Array {
  const uses = new Int32Array(f.size);
  for (const o of f.outputs) uses[o] = (uses[o] as number) + 1;
  for (let u = f.opStart; u < f.size; u++) {
    const arity = OP_ARITY[f.op[u] as number] as number;
    if (arity === 0) {
      const start = f.a[u] as number;
      for (let k = start; k < start + (f.b[u] as number); k++) {
        const x = f.args[k] as number;
        uses[x] = (uses[x] as number) + 1;
      }
    } else {
      const x = f.a[u] as number;
      uses[x] = (uses[x] as number) + 1;
      if (arity === 2) {
        const y = f.b[u] as number;
        uses[y] = (uses[y] as number) + 1;
      }
    }
  }
  return uses;
}

/** A sum whose terms are nodes of one loop's block, taken in loop order and used by nothing else. */
interface FusedSum {
  readonly node: number;
  /** The block positions of the terms, in the order the sum adds them within a repetition. */
  readonly positions: readonly number[];
}

/**
 * The sums computed inside loops: Σ over a loop's repetitions of a few of its block nodes (Rosenbrock's
 * Σᵢ [100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²]), when the terms have no other use. The primal sweep adds the terms
 * as each repetition makes them, from −0 (−0 + x is x, so this is the sum from its first term, as OPS.sum
 * computes it); the adjoint sweep hands the sum's adjoint to the terms' block locals.
 */
function fusedSums(f: Program, segments: readonly Segment[], uses: Int32Array): Map<Loop, FusedSum[]> {
  const loops = segments.filter((seg): seg is Loop => seg.kind === 'loop');
  const out = new Map<Loop, FusedSum[]>();
  for (const seg of segments) {
    if (seg.kind !== 'straight') continue;
    for (let u = seg.start; u < seg.end; u++) {
      if (f.op[u] !== SUM) continue;
      const start = f.a[u] as number;
      const count = f.b[u] as number;
      const first = f.args[start] as number;
      const loop = loops.find((l) => first >= l.start && first < l.start + l.period);
      if (count === 0 || loop === undefined || count % loop.reps !== 0) continue;
      const m = count / loop.reps;
      const positions = Array.from({ length: m }, (_, j) => (f.args[start + j] as number) - loop.start);
      if (new Set(positions).size !== m || positions.some((p) => p < 0 || p >= loop.period)) continue;
      let ok = true;
      for (let r = 0; r < loop.reps && ok; r++) {
        for (let j = 0; j < m && ok; j++) {
          const x = loop.start + r * loop.period + (positions[j] as number);
          ok = f.args[start + r * m + j] === x && uses[x] === 1 && OP_ARITY[f.op[x] as number] !== 0;
        }
      }
      if (!ok) continue;
      out.set(loop, [...(out.get(loop) ?? []), { node: u, positions }]);
    }
  }
  return out;
}

/** A loop's code (see loopSource), its offsets, and which block positions live in locals. */
interface LoopCode {
  readonly text: string;
  readonly bases: number[];
  readonly local: readonly boolean[];
  /** Adjoint loops: the block positions whose adjoints are carried from one repetition to the next. */
  readonly carried?: readonly number[];
  /** Adjoint loops: the nodes `base + r·stride` whose adjoints the loop writes before anything reads them. */
  readonly written?: readonly { base: number; stride: number }[];
}

/**
 * A loop's code, with every node index written as an offset `o{j}` (plus `r` times its stride), and
 * the offsets: loops of the same shape get the same code, and share one function (and its optimisation).
 * A value read at the same index in every repetition, of a node before the loop, is read once before it.
 */
function loopSource(c: LoopContext, loop: Loop, sums: readonly FusedSum[]): LoopCode {
  const chain =
    c.kind === 'adjoint' && c.options.tests === false
      ? productChain(c.f, loop, c.uses, c.activity)
      : undefined;
  if (chain !== undefined) {
    // The chain's values again beside its adjoints (chain.ts): y_r's adjoints are written first.
    const { yBase, yStride } = chain;
    return {
      text: chainAdjointSource(chain, c.vector(new Float64Array(loop.reps))),
      bases: [],
      local: [false],
      carried: [0],
      written: [{ base: yBase, stride: yStride }],
    };
  }
  const code = loopCode(c, loop, sums);
  const fixed = new Set<number>();
  for (const m of code.text.matchAll(/\bv\[o(\d+)\]/g)) {
    const j = Number(m[1]);
    if ((code.bases[j] as number) < loop.start) fixed.add(j);
  }
  if (fixed.size === 0) return code;
  let text = code.text;
  for (const j of fixed) text = text.replaceAll(`v[o${j}]`, `k${j}`);
  const reads = [...fixed].map((j) => `const k${j} = v[o${j}];`).join(' ');
  return { ...code, text: `${reads}\n${text}` };
}

/**
 * In an adjoint loop without zero tests, each block local's first contribution as an assignment (`g{p} = x`
 * for `g{p} += x` from 0, `g{p} = -(x)` for `g{p} -= x`). That differs from adding to 0 only in the sign of a
 * zero, which cannot reach the result (see setAdjoint): a block local is never an input's adjoint, and those
 * start at +0 in `adj` and only add. The first contribution comes before any read (a node's users come before
 * it in the block), and without tests every contribution to a local runs.
 */
function firstContributions(
  block: readonly string[],
  local: readonly boolean[],
): { block: string[]; declared: string[] } {
  let text = block.join('\n');
  const declared: string[] = [];
  local.forEach((l, p) => {
    if (!l) return;
    const m = new RegExp(`\\bg${p} ([+-])= ([^;]*);`).exec(text);
    if (m === null) {
      declared.push(`let g${p} = 0;`);
      return;
    }
    const value = m[1] === '+' ? (m[2] as string) : `-(${m[2]})`;
    text = `${text.slice(0, m.index)}g${p} = ${value};${text.slice(m.index + m[0].length)}`;
    declared.push(`let g${p};`);
  });
  return { block: [text], declared };
}

/**
 * An adjoint loop's body with each value it reads more than once (at an index that moves with `r`) read once,
 * into a local at the top: the adjoint sweep writes no value, but the engine cannot know that `v` and `adj`
 * are different arrays, so it would read `v` again after every store to `adj`.
 */
function readsOnce(lines: readonly string[]): string[] {
  const text = lines.join('\n');
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/\bv\[(o\d+ \+ r(?: \* \d+)?)\]/g)) {
    counts.set(m[1] as string, (counts.get(m[1] as string) ?? 0) + 1);
  }
  const twice = [...counts].filter(([, n]) => n > 1).map(([key]) => key);
  if (twice.length === 0) return [...lines];
  let out = text;
  twice.forEach((key, n) => {
    out = out.split(`v[${key}]`).join(`u${n}`);
  });
  return [...twice.map((key, n) => `const u${n} = v[${key}];`), out];
}

/** What every loop of a sweep is generated with. */
interface LoopContext {
  readonly f: Program;
  readonly kind: SweepKind;
  readonly options: SweepOptions;
  readonly activity: Uint8Array;
  /** Which nodes are used outside their own repetition (see escapes). */
  readonly escaping: Uint8Array;
  readonly uses: Int32Array;
  /** Registers a vector of constant values with the sweep and returns its name in the generated code. */
  readonly vector: (values: Float64Array) => string;
  /** Adjoint sweeps: the last node using each node (see lastUses). */
  readonly lastUse: Int32Array | undefined;
  /** Dot products the sweep runs in batches, outside the loops (see batch.ts). */
  readonly batched: ReadonlySet<number>;
}

/**
 * In a primal loop computing every value: the block positions whose value a later node of the same repetition
 * reads, which keep it in a variable `n{p}` besides storing it (kmeans' differences, read by their dot
 * product, and the dot product, read by the minimum), and the short dot products whose entries are all such
 * values or values of the previous repetition (which join `carried`, read from `c{q}`), by position, with
 * their entries' variables: these are written out over them.
 */
function sameRepetition(
  c: LoopContext,
  loop: Loop,
  local: readonly boolean[],
  carried: Set<number>,
): { same: Set<number>; entries: Map<number, string[]> } {
  const { f, kind, options, batched } = c;
  const { start, period, reps } = loop;
  const same = new Set<number>();
  const entries = new Map<number, string[]>();
  if (kind !== 'primal' || options.need !== undefined) return { same, entries };
  const kept = (q: number) =>
    q >= 0 && q < period && !local[q] && !batched.has(start + q) && OP_ARITY[f.op[start + q] as number] !== 0;
  for (let p = 0; p < period; p++) {
    const n = start + p;
    const count = f.b[n] as number;
    if (f.op[n] === DOT && !batched.has(n) && count % 2 === 0 && count > 0 && count >> 1 <= UNROLL) {
      // Each entry's block position in its repetition (q ≥ 0) or the previous one (q < 0), the same in all.
      const qs: number[] = [];
      for (let j = 0; j < count; j++) {
        const q = (f.args[(f.a[n] as number) + j] as number) - start;
        let ok = q < p && kept(q < 0 ? q + period : q) && (q >= 0 || reps > 1);
        for (let r = 1; r < reps && ok; r++)
          ok =
            (f.args[(f.a[n] as number) + r * (loop.da[p] as number) + j] as number) - r * period - start ===
            q;
        if (ok) qs.push(q);
      }
      if (qs.length === count) {
        entries.set(
          p,
          qs.map((q) => (q < 0 ? `c${q + period}` : `n${q}`)),
        );
        for (const q of qs) (q < 0 ? carried : same).add(q < 0 ? q + period : q);
      }
    }
    for (const [base, d] of argSlots(f, loop, p)) {
      const q = base - start;
      if (d === period && (kept(q) || entries.has(q))) same.add(q);
    }
  }
  return { same, entries };
}

/** {@link loopSource} before reading the fixed values once. */
function loopCode(c: LoopContext, loop: Loop, sums: readonly FusedSum[]): LoopCode {
  const { f, kind, options, activity, escaping, uses, vector } = c;
  const { start, period, reps } = loop;
  const width = options.width ?? 0;
  const tests = options.tests ?? true;
  // Block positions whose value is needed in some repetition.
  const keep = Array.from({ length: period }, (_, p) => {
    const need = options.need;
    if (need === undefined) return true;
    for (let r = 0; r < reps; r++) if (need[start + r * period + p] === 1) return true;
    return false;
  });
  const bases: number[] = [];
  const strided: Strided = (base, d) => {
    // One name per distinct node index, so equal indices read alike (and share a held adjoint).
    let j = bases.indexOf(base);
    if (j < 0) j = bases.push(base) - 1;
    const o = `o${j}`;
    return d === 0 ? o : d === 1 ? `${o} + r` : `${o} + r * ${d}`;
  };
  // Block positions whose node stays inside its repetition in every repetition (not in tangent sweeps).
  const local = new Array<boolean>(period).fill(false);
  // A tangent loop keeps block locals only when it can run its lanes innermost (no n-ary node in the block).
  const lanesInner = kind === 'tangent' && !sitesHaveNary(f, start, period);
  if (kind !== 'tangent' || lanesInner) {
    for (let p = 0; p < period; p++) {
      let inside = OP_ARITY[f.op[start + p] as number] !== 0;
      for (let r = 0; r < reps && inside; r++) inside = escaping[start + r * period + p] === 0;
      local[p] = inside;
    }
    // A node read within its own repetition from a position that moves from one repetition to the next (an
    // argument whose stride is not the period) cannot be named as one local: it stays in the arrays.
    for (let p = 0; p < period; p++) {
      for (const [base, d] of argSlots(f, loop, p)) {
        if (d === period) continue;
        for (let r = 0; r < reps; r++) {
          const q = base + r * d - start - r * period;
          if (q >= 0 && q < period) local[q] = false;
        }
      }
    }
  }
  /** The block position of an argument that is a local of the same repetition. */
  const localArg = (base: number, d: number): number | undefined => {
    const p = base - start;
    return d === period && p >= 0 && p < period && local[p] ? p : undefined;
  };
  /** The block position of an argument that is a fixed-arity, non-local node of the previous repetition. */
  const previous = (base: number, d: number): number | undefined => {
    const q = base - start + period;
    const fixed = q >= 0 && q < period && OP_ARITY[f.op[start + q] as number] !== 0;
    return d === period && fixed && !local[q] ? q : undefined;
  };
  // Primal: a value the next repetition reads is carried in a variable (no store-to-load round trip).
  const carried = new Set<number>();
  const carriedArg = (base: number, d: number) => (kind === 'primal' ? previous(base, d) : undefined);
  for (let p = 0; p < period && kind === 'primal'; p++) {
    for (const [base, d] of argSlots(f, loop, p)) {
      const q = previous(base, d);
      if (q !== undefined) carried.add(q);
    }
  }
  // Adjoint: an adjoint whose only contribution comes from the next repetition is carried in a variable.
  const carriedAdjoint = new Set<number>();
  if (kind === 'adjoint') {
    const slots = new Map<number, number>();
    for (let p = 0; p < period; p++) {
      for (const [base, d] of argSlots(f, loop, p)) {
        const q = previous(base, d);
        if (q !== undefined) slots.set(q, (slots.get(q) ?? 0) + 1);
      }
    }
    // The last repetition's node must have no user inside the loop: its adjoint is read before the loop.
    const last = start + (reps - 1) * period;
    const usedInLast = new Set<number>();
    for (let p = 0; p < period; p++) {
      const n = last + p;
      const arity = OP_ARITY[f.op[n] as number] as number;
      if (arity === 0) {
        const st = f.a[n] as number;
        for (let k = st; k < st + (f.b[n] as number); k++) usedInLast.add((f.args[k] as number) - last);
      } else {
        usedInLast.add((f.a[n] as number) - last);
        if (arity === 2) usedInLast.add((f.b[n] as number) - last);
      }
    }
    for (const [q, k] of slots) {
      let only = k === 1 && !usedInLast.has(q);
      for (let r = 0; r + 1 < reps && only; r++) only = uses[start + r * period + q] === 1;
      if (only) carriedAdjoint.add(q);
    }
  }
  const adjointCarry = (base: number, d: number): string | undefined => {
    const q = previous(base, d);
    return q !== undefined && carriedAdjoint.has(q) ? `cg${q}` : undefined;
  };
  const { same, entries } = sameRepetition(c, loop, local, carried);
  const sameArg = (base: number, d: number): string | undefined => {
    const q = base - start;
    return d === period && same.has(q) ? `n${q}` : undefined;
  };
  const sites: Site[] = [];
  for (let p = 0; p < period; p++) {
    const n = start + p;
    const code = f.op[n] as number;
    const arity = OP_ARITY[code] as number;
    const a = f.a[n] as number;
    const b = f.b[n] as number;
    const da = loop.da[p] as number;
    const db = loop.db[p] as number;
    sites.push({
      tests,
      i: strided(n, period),
      a: strided(a, da),
      b: arity === 0 ? String(b) : strided(b, db),
      square: code === POW && Array.from({ length: reps }, (_, r) => b + r * db).every((c) => isTwo(f, c)),
      list:
        arity === 0
          ? argList(
              f,
              Array.from({ length: reps }, (_, r) => a + r * da),
              b,
              activity,
              strided,
              vector,
            )
          : undefined,
      active: [
        someActive(activity, n, period, reps),
        arity === 0 || someActive(activity, a, da, reps),
        arity === 2 && someActive(activity, b, db, reps),
      ],
      local: [
        local[p] ? p : undefined,
        arity === 0 ? undefined : localArg(a, da),
        arity === 2 ? localArg(b, db) : undefined,
      ],
      carryAdjoint:
        carriedAdjoint.size === 0 || arity === 0
          ? undefined
          : [
              carriedAdjoint.has(p) ? `gn${p}` : undefined,
              adjointCarry(a, da),
              arity === 2 ? adjointCarry(b, db) : undefined,
            ],
      carry:
        (carried.size === 0 && same.size === 0) || (arity === 0 && !same.has(p))
          ? undefined
          : [
              carried.has(p) || same.has(p) ? `n${p}` : undefined,
              arity === 0 ? undefined : (named(carriedArg(a, da)) ?? sameArg(a, da)),
              arity === 2 ? (named(carriedArg(b, db)) ?? sameArg(b, db)) : undefined,
            ],
      entries: entries.get(p),
    });
  }
  if (lanesInner) {
    const named = sums.map((sum) => ({ at: strided(sum.node, 0), positions: sum.positions }));
    return { text: tangentLoop(f, sites, local, start, reps, width, named), bases, local };
  }
  // What the primal sweep computes: every node, or with `need`, the needed nodes it stores (a needed local
  // is computed again by the adjoint sweep), the terms of the needed fused sums, the carried values needed,
  // and the locals and carried values those are computed from.
  const computed = keep.map((k, p) => options.need === undefined || (k && !local[p]));
  if (options.need !== undefined) {
    for (const sum of sums)
      if (options.need[sum.node] === 1) for (const p of sum.positions) computed[p] = true;
    for (let changed = true; changed; ) {
      changed = false;
      for (let p = 0; p < period; p++) {
        if (!computed[p]) continue;
        for (const [base, d] of argSlots(f, loop, p)) {
          for (const q of [localArg(base, d), carriedArg(base, d)]) {
            if (q === undefined || computed[q]) continue;
            computed[q] = true;
            changed = true;
          }
        }
      }
    }
  }
  // A batched dot product is batched in every repetition (see dotBatches).
  const body = sites.map((site, p) =>
    (kind === 'primal' && !computed[p]) || c.batched.has(start + p)
      ? ''
      : nodeStatement(kind, f.op[start + p] as number, site, width) +
        (kind === 'primal' && options.stored === true && local[p] ? ` v[${site.i}] = l${p};` : ''),
  );
  if (kind === 'primal') jamDots(f, loop, sites, body);
  if (kind === 'adjoint') {
    // The locals' values again, in order, and their adjoints from zero (plus the fused sums' adjoints);
    // then the block backwards.
    const again = sites.flatMap((site, p) =>
      local[p] && keep[p]
        ? [
            options.stored === true
              ? `const l${p} = v[${site.i}];`
              : primalNode(f.op[start + p] as number, site),
          ]
        : [],
    );
    const zeros = local.flatMap((l, p) => (l ? [`let g${p} = 0;`] : []));
    const names = sums.map((sum, j) => ({ sum, name: `sum${j}`, at: strided(sum.node, 0) }));
    const fromSums = names
      .filter(({ sum }) => activity[sum.node] === 1)
      .map(
        ({ sum, name }) =>
          `${nonzero(name, tests)}{ ${sum.positions.map((p) => `g${p} += ${name};`).join(' ')} }`,
      );
    if (!tests) jamAdjointDots(f, loop, sites, body);
    body.reverse();
    const carries = [...carriedAdjoint];
    const before = [
      ...names.map(({ name, at }) => `const ${name} = adj[${at}];`),
      // The last repetition's adjoints come from after the loop, in adj.
      ...carries.map((q) => `let cg${q} = adj[${strided(start + (reps - 1) * period + q, 0)}];`),
    ].join('\n');
    const take = carries.map((q) => `const gn${q} = cg${q}; cg${q} = 0;`);
    // Without tests every contribution runs, so a node first touched here can start from 0.
    const lastUse = c.lastUse;
    const fresh = (base: number, stride: number, r: number) => {
      const u = tests || lastUse === undefined ? -1 : (lastUse[base + r * stride] as number);
      return u >= start + r * period && u < start + (r + 1) * period;
    };
    const held = registerAdjoints([...fromSums, ...body], reps, bases, fresh);
    let block = held.body;
    let declared = zeros;
    if (!tests) ({ block, declared } = firstContributions(block, local));
    const inner = readsOnce([...take, ...again, ...declared, ...block]);
    const text = `${[before, ...held.before].join('\n')}\nfor (let r = ${reps - 1}; r >= 0; r--) {\n${inner.join('\n')}\n}\n${held.after.join('\n')}`;
    return { text, bases, local, carried: carries, written: held.written };
  }
  if (kind === 'primal') {
    const names = sums
      .map((sum, j) => ({ sum, name: `sum${j}`, at: strided(sum.node, 0) }))
      .filter(({ sum }) => options.need === undefined || options.need[sum.node] === 1);
    const kept = [...carried].filter((q) => computed[q]);
    const carry = kept.map((q) => `let c${q} = v[${strided(start + q - period, 0)}];`);
    const before = [...carry, ...names.map(({ name }) => `let ${name} = -0;`)].join('\n');
    const terms = [
      ...names.map(({ sum, name }) => sum.positions.map((p) => `${name} += l${p};`).join(' ')),
      ...kept.map((q) => `c${q} = n${q};`),
    ];
    if (body.every((line) => line === '') && names.length === 0) return { text: '', bases, local };
    const after = names.map(({ name, at }) => `v[${at}] = ${name};`).join('\n');
    const text = `${before}\nfor (let r = 0; r < ${reps}; r++) {\n${[...body, ...terms].join('\n')}\n}\n${after}`;
    return { text, bases, local };
  }
  return { text: `for (let r = 0; r < ${reps}; r++) {\n${body.join('\n')}\n}`, bases, local };
}

/** Most dot products of a loop's block computed in one loop over their terms (as batch.ts's JAM). */
const JAM_DOTS = 4;

/** The nodes node `n` reads (its arguments, or its argument list). */
function readsOf(f: Program, n: number): ArrayLike<number> {
  const arity = OP_ARITY[f.op[n] as number] as number;
  if (arity === 0) return f.args.subarray(f.a[n] as number, (f.a[n] as number) + (f.b[n] as number));
  return arity === 1 ? [f.a[n] as number] : [f.a[n] as number, f.b[n] as number];
}

/** Whether block position `p` reads, in some repetition, a node of its own repetition at a position of `group`. */
function readsGroup(f: Program, loop: Loop, p: number, group: readonly number[]): boolean {
  if (group.length === 0) return false;
  for (let r = 0; r < loop.reps; r++) {
    const base = loop.start + r * loop.period;
    const reads = readsOf(f, base + p);
    for (let k = 0; k < reads.length; k++) if (group.includes((reads[k] as number) - base)) return true;
  }
  return false;
}

/** Whether block position `p` is a dot product the primal loop computes into `v` by its plain loop. */
function jammable(f: Program, loop: Loop, site: Site, line: string, p: number): boolean {
  const n = loop.start + p;
  const count = f.b[n] as number;
  return (
    f.op[n] === DOT &&
    line !== '' &&
    count % 2 === 0 &&
    count >> 1 >= 2 &&
    site.entries === undefined &&
    site.carry?.[0] === undefined
  );
}

/**
 * In a primal loop's block, up to {@link JAM_DOTS} dot products at a time in one loop over their terms (gmm's
 * rows uᵣ = (Q z)ᵣ, uᵣ₊₁, …), written at the last one's place: each keeps its own sum, added in its own order,
 * so the values are the same to the bit, but the sums no longer wait on each other (an addition's latency per
 * term, shared by the group). A group holds dot products that read no other member, and the statements
 * between them (which then run before the group's first member) read no member either.
 */
function jamDots(f: Program, loop: Loop, sites: readonly Site[], body: string[]): void {
  let group: number[] = [];
  const close = () => {
    if (group.length > 1) {
      for (const p of group) body[p] = '';
      body[group[group.length - 1] as number] = jammedDots(f, loop, group, sites);
    }
    group = [];
  };
  for (let p = 0; p < loop.period; p++) {
    if (body[p] === '') continue;
    const conflict = readsGroup(f, loop, p, group);
    if (!jammable(f, loop, sites[p] as Site, body[p] as string, p)) {
      if (conflict) close();
      continue;
    }
    if (conflict) close();
    group.push(p);
    if (group.length === JAM_DOTS) close();
  }
  close();
}

/** Whether the members' second halves hold the same node at each term 1 .. m − 1, in every repetition. */
function sharedSeconds(f: Program, loop: Loop, group: readonly number[], m: number): boolean {
  for (let r = 0; r < loop.reps; r++) {
    const second = group.map((p) => {
      const n = loop.start + r * loop.period + p;
      return (f.a[n] as number) + ((f.b[n] as number) >> 1);
    });
    for (let t = 1; t < m; t++) {
      const e = f.args[(second[0] as number) + t];
      for (let j = 1; j < second.length; j++) if (f.args[(second[j] as number) + t] !== e) return false;
    }
  }
  return true;
}

/** A dot product's term, or one half's entry, at the term index given as source. */
type AtTerm = (t: string) => string;

/** The dot products at block positions `group` in one loop over their common terms, then each one's rest. */
function jammedDots(f: Program, loop: Loop, group: readonly number[], sites: readonly Site[]): string {
  // Each member's names get the suffix $j: st$j, xq$j, yq$j and its sum s$j.
  const rename = (text: string, j: number) => text.replace(/\b(st|xq|yq)\b/g, `$1$$${j}`);
  const decls: string[] = [];
  const starts: string[] = [];
  const terms: AtTerm[] = [];
  const firsts: AtTerm[] = [];
  const halves: number[] = [];
  let second: AtTerm = () => '';
  group.forEach((p, j) => {
    const s = sites[p] as Site;
    const h = (f.b[loop.start + p] as number) >> 1;
    const [x, y] = dotHalves(s.list as ArgList, h, true);
    const x0 = x.peeled ? `v[${x.head}]` : x.value('st');
    const y0 = y.peeled ? `v[${y.head}]` : y.value(`st + ${h}`);
    decls.push(rename(`const st = ${s.a}; ${declared(x.decl, y.decl)}`, j));
    starts.push(rename(`let s$${j} = ${x0} * ${y0};`, j));
    terms.push((t) => rename(`s$${j} += ${x.value(`st + ${t}`)} * ${y.value(`st + ${t} + ${h}`)};`, j));
    firsts.push((t) => rename(x.value(`st + ${t}`), j));
    if (j === 0) second = (t) => rename(y.value(`st + ${t} + ${h}`), 0);
    halves.push(h);
  });
  const m = Math.min(...halves);
  // Where every member's second half reads the same node at each common term (gmm's z꜀), it is read once.
  const body = sharedSeconds(f, loop, group, m)
    ? `const e = ${second('t')}; ${firsts.map((x, j) => `s$${j} += ${x('t')} * e;`).join(' ')}`
    : terms.map((term) => term('t')).join(' ');
  // The longer members' last terms, each after its common ones (its order).
  const rests = halves.flatMap((h, j) =>
    h > m ? [`for (let t = ${m}; t < ${h}; t++) ${(terms[j] as AtTerm)('t')}`] : [],
  );
  const stores = group.map((p, j) => `v[${(sites[p] as Site).i}] = s$${j};`);
  return `{ ${decls.join(' ')}${starts.join(' ')}\nfor (let t = 1; t < ${m}; t++) { ${body} }\n${rests.join('\n')}\n${stores.join(' ')} }`;
}

/** Most dot products of an adjoint loop's block whose adjoints run in one loop over their common terms. */
const JAM_ADJOINT_DOTS = 4;

/**
 * The halves of the dot product at a loop's block position, as its adjoint statement (`line`) reads them, when
 * that statement sends entry k's two contributions in one loop (adjointNode's stepped, disjoint form); else
 * undefined.
 */
function adjointJammable(site: Site, line: string, count: number): [HalfReads, HalfReads] | undefined {
  const list = site.list;
  if (line === '' || list === undefined || count % 2 !== 0 || count >> 1 < 2) return undefined;
  const h = count >> 1;
  // adjointNode's choices before that form: written out (one repetition, few terms), or dot(w, w).
  if (unrolledArgs(DOT, list) !== undefined || sameHalves(list, h)) return undefined;
  const [x, y] = dotHalves(list, h, true);
  const stepped = x.decl !== '' || y.decl !== '';
  const both = rangeActive(list, 0, h) && rangeActive(list, h, h);
  // jammedAdjoint reads each entry's value from v at its index.
  const atIndex = [x, y].every((half) => half.value('k') === `v[${half.at('k')}]`);
  return stepped && both && atIndex && disjointHalves(list, h) ? [x, y] : undefined;
}

/**
 * Whether running the adjoints of the dot products at block positions `group` (highest first, as the sweep
 * meets them) as jammedAdjoint writes them, then the other statements from the first member's position to
 * the last's (`between`, highest first), gives every adjoint, in every repetition, the same reads and additions
 * in the same order as the sweep's own order (position by position, highest first), so the same bits. Each
 * access is numbered in the sweep's order, and the new order must meet each node's accesses in increasing
 * numbers. A dot product reads its own adjoint, then adds to its entries' (term by term, the first half's entry,
 * then the second's); another statement reads its node's adjoint and adds to every node it reads (active or
 * not: that can only refuse more).
 */
function adjointOrderKept(
  f: Program,
  loop: Loop,
  group: readonly number[],
  between: readonly number[],
  m: number,
  seen: OrderScratch,
): boolean {
  const last = group[group.length - 1] as number;
  const from = new Int32Array((group[0] as number) - last + 1);
  const { at: seenAt, checks } = seen;
  // Meets node n's access numbered `at`: false where it comes before one of n's already met.
  const meet = (n: number, at: number) => {
    if (checks[n] === seen.check && (seenAt[n] as number) > at) return false;
    checks[n] = seen.check;
    seenAt[n] = at;
    return true;
  };
  let base = 0;
  const term = (q: number, t: number) => {
    const n = base + q;
    const a = f.a[n] as number;
    const at = (from[q - last] as number) + 1 + 2 * t;
    return (
      meet(f.args[a + t] as number, at) && meet(f.args[a + ((f.b[n] as number) >> 1) + t] as number, at + 1)
    );
  };
  for (let r = 0; r < loop.reps; r++) {
    base = loop.start + r * loop.period;
    // Where each position's accesses begin in the sweep's order: its own adjoint, then its entries'.
    let count = 0;
    for (let q = group[0] as number; q >= last; q--) {
      from[q - last] = count;
      const n = base + q;
      if (group.includes(q)) count += 1 + 2 * ((f.b[n] as number) >> 1);
      else if (between.includes(q)) count += 1 + readsOf(f, n).length;
    }
    // The new order, each access met with its number.
    seen.check++;
    for (const q of group) if (!meet(base + q, from[q - last] as number)) return false;
    for (let t = 1; t < m; t++) for (const q of group) if (!term(q, t)) return false;
    for (const q of group) {
      if (!term(q, 0)) return false;
      const h = (f.b[base + q] as number) >> 1;
      for (let t = m; t < h; t++) if (!term(q, t)) return false;
    }
    for (const q of between) {
      const at = from[q - last] as number;
      if (!meet(base + q, at)) return false;
      const reads = readsOf(f, base + q);
      for (let k = 0; k < reads.length; k++) if (!meet(reads[k] as number, at + 1 + k)) return false;
    }
  }
  return true;
}

/** Scratch for {@link adjointOrderKept}, one per loop: per node, the last access number met and in which check. */
interface OrderScratch {
  readonly at: Int32Array;
  readonly checks: Int32Array;
  check: number;
}

/**
 * In an adjoint loop's block without zero tests, up to {@link JAM_ADJOINT_DOTS} dot products' adjoints in one
 * loop over their common terms (gmm's rows uᵣ, uᵣ₋₁, … of Q·(x − μ)), written at the first one's place (the
 * highest position), the statements between them after it: where every member's second half holds the same
 * node at a common term (gmm's z꜀), its adjoint stays in a register while each member adds its term, one
 * load and one store per term for the group instead of one per member. Each adjoint gets the same additions in
 * the same order as member by member (checked access by access, {@link adjointOrderKept}), so the same bits.
 */
function jamAdjointDots(f: Program, loop: Loop, sites: readonly Site[], body: string[]): void {
  const seen: OrderScratch = { at: new Int32Array(f.size), checks: new Int32Array(f.size), check: 0 };
  let group: number[] = [];
  let halves: [HalfReads, HalfReads][] = [];
  let between: number[] = [];
  const close = () => {
    if (group.length > 1) {
      const m = Math.min(...group.map((q) => (f.b[loop.start + q] as number) >> 1));
      const text = jammedAdjoint(f, loop, group, halves, sites, m);
      for (const q of group) body[q] = '';
      body[group[0] as number] = text;
    }
    group = [];
    halves = [];
    between = [];
  };
  for (let p = loop.period - 1; p >= 0; p--) {
    if (body[p] === '') continue;
    const n = loop.start + p;
    const reads =
      f.op[n] === DOT ? adjointJammable(sites[p] as Site, body[p] as string, f.b[n] as number) : undefined;
    if (reads === undefined) {
      if (group.length > 0) between.push(p);
      continue;
    }
    // The statements between the group and this member stay after the group (its last member so far closes it).
    const outside = between.filter((q) => q > p);
    const joined = [...group, p];
    const m = Math.min(...joined.map((q) => (f.b[loop.start + q] as number) >> 1));
    if (
      group.length === 0 ||
      !sharedSeconds(f, loop, joined, m) ||
      !adjointOrderKept(f, loop, joined, outside, m, seen)
    ) {
      close();
      group = [p];
      halves = [reads];
      continue;
    }
    group = joined;
    halves.push(reads);
    if (group.length === JAM_ADJOINT_DOTS) close();
  }
  close();
}

/** The adjoints of the dot products at block positions `group` (highest first), as {@link jamAdjointDots} says. */
function jammedAdjoint(
  f: Program,
  loop: Loop,
  group: readonly number[],
  halves: readonly [HalfReads, HalfReads][],
  sites: readonly Site[],
  m: number,
): string {
  // Each member's names get the suffix $j: st$j, xq$j, yq$j and its adjoint g$j.
  const rename = (text: string, j: number) => text.replace(/\b(st|xq|yq|g)\b/g, `$1$$${j}`);
  const hs = group.map((q) => (f.b[loop.start + q] as number) >> 1);
  const decls = group.map((q, j) => {
    const [x, y] = halves[j] as [HalfReads, HalfReads];
    return rename(
      `const g = adj[${(sites[q] as Site).i}]; const st = ${(sites[q] as Site).a}; ${declared(x.decl, y.decl)}`,
      j,
    );
  });
  // Term t of member j (t = 0 its head, read on its own where a half is peeled): the first half's entry gets
  // g·y, the second's g·x, in that order, as adjointNode writes them. Each index computed once (both halves are
  // active, so each entry's value is read from v at its index): shorter bytecode than written out twice.
  const term = (j: number, t: string, head: boolean) => {
    const [x, y] = halves[j] as [HalfReads, HalfReads];
    const h = hs[j] as number;
    const xAt = head && x.peeled ? x.head : x.at(`st + ${t}`);
    const yAt = head && y.peeled ? y.head : y.at(`st + ${t} + ${h}`);
    return rename(`const xi = ${xAt}, yi = ${yAt}; adj[xi] += g * v[yi]; adj[yi] += g * v[xi];`, j);
  };
  // The common terms: the shared second-half entry's value and adjoint read once, the adjoint kept in `a` (no
  // member's first-half entry is that node: no node is in both halves of a member).
  const [, y0] = halves[0] as [HalfReads, HalfReads];
  const common = group.map((_, j) => {
    const [x] = halves[j] as [HalfReads, HalfReads];
    return rename(`const xi = ${x.at('st + t')}; adj[xi] += g * e; a += g * v[xi];`, j).replace(
      /\bxi\b/g,
      () => `x$${j}`,
    );
  });
  const ends = group.map((_, j) => {
    const h = hs[j] as number;
    const rest = h > m ? ` for (let t = ${m}; t < ${h}; t++) { ${term(j, 't', false)} }` : '';
    return `{ ${term(j, '0', true)} }${rest}`;
  });
  const shared = rename(y0.at(`st + t + ${hs[0]}`), 0);
  return `{ ${decls.join(' ')}\nfor (let t = 1; t < ${m}; t++) { const yi = ${shared}; const e = v[yi]; let a = adj[yi]; ${common.join(' ')} adj[yi] = a; }\n${ends.join('\n')} }`;
}

function straightSource(
  f: Program,
  kind: SweepKind,
  start: number,
  end: number,
  options: SweepOptions,
  activity: Uint8Array,
  elsewhere: ReadonlySet<number>,
  vector: (values: Float64Array) => string,
  reads: { lastUse: Int32Array; held: Uint8Array } | undefined,
): string {
  const lines: string[] = [];
  const site = (n: number): Site => {
    const code = f.op[n] as number;
    const arity = OP_ARITY[code] as number;
    const a = f.a[n] as number;
    const b = f.b[n] as number;
    return {
      tests: options.tests ?? true,
      i: String(n),
      a: String(a),
      b: String(b),
      active: [activity[n] === 1, arity === 0 || activity[a] === 1, arity === 2 && activity[b] === 1],
      square: code === POW && isTwo(f, b),
      list: arity === 0 ? argList(f, [a], b, activity, strided, vector) : undefined,
    };
  };
  const groups =
    reads === undefined
      ? new Map<number, RangeGroup>()
      : rangeGroups(f, start, end, elsewhere, site, reads.lastUse);
  // A run that its group writes first needs no zeros.
  for (const group of groups.values()) {
    const { first, length } = group.members[0] as RangeWrite;
    if (group.fresh && reads !== undefined) reads.held.fill(1, first, first + length);
  }
  for (let n = start; n < end; n++) {
    // A sum computed inside its loop, or a batched dot product.
    if (elsewhere.has(n)) continue;
    const group = groups.get(n);
    if (group !== undefined) {
      lines.push(
        group.members[group.members.length - 1]?.node === n
          ? fusedRangeAdjoint(group, options.tests ?? true)
          : `const h${n} = adj[${n}];`,
      );
      continue;
    }
    if (kind === 'primal' && options.need !== undefined && options.need[n] === 0) continue;
    lines.push(nodeStatement(kind, f.op[n] as number, site(n), options.width ?? 0));
  }
  if (kind === 'adjoint') lines.reverse();
  return lines.join('\n');
}

/**
 * A sum or dot product outside a loop whose adjoint adds to one contiguous run of nodes, `first ..
 * first + length − 1`: a sum's arguments, dot(w, w)'s w, or the one active half of a dot product.
 */
interface RangeWrite {
  readonly node: number;
  readonly site: Site;
  readonly how: 'sum' | 'same' | 'first' | 'second';
  readonly first: number;
  readonly length: number;
}

function rangeWrite(f: Program, n: number, s: Site): RangeWrite | undefined {
  const code = f.op[n] as number;
  if (OP_ARITY[code] !== 0 || (code !== SUM && code !== DOT) || !s.active[0]) return undefined;
  const list = s.list as ArgList;
  if (unrolledArgs(code, list) !== undefined) return undefined;
  const h = list.count >> 1;
  let how: RangeWrite['how'];
  if (code === SUM) how = 'sum';
  else if (h === 0) return undefined;
  else if (sameHalves(list, h)) how = 'same';
  else {
    const [one, two] = [rangeActive(list, 0, h), rangeActive(list, h, h)];
    if (one === two) return undefined;
    how = one ? 'first' : 'second';
  }
  const offset = how === 'second' ? h : 0;
  const length = how === 'sum' ? list.count : h;
  if (how === 'sum' && !rangeActive(list, 0, length)) return undefined;
  const st = (list.starts[0] as number) + offset;
  const first = list.args[st] as number;
  for (let k = 1; k < length; k++) if (list.args[st + k] !== first + k) return undefined;
  return { node: n, site: s, how, first, length };
}

/**
 * Runs of sums and dot products (in sweep order, highest node first) whose adjoints add to the same run of
 * nodes, with no node between them reading that run: their adjoint loops can be one loop, each entry
 * getting the same additions in the same order. By node, the run it belongs to.
 */
function rangeGroups(
  f: Program,
  start: number,
  end: number,
  elsewhere: ReadonlySet<number>,
  site: (n: number) => Site,
  lastUse: Int32Array,
): Map<number, RangeGroup> {
  const groups = new Map<number, RangeGroup>();
  let current: RangeWrite[] = [];
  const close = () => {
    const head = current[0];
    if (head !== undefined) {
      // The first to write its run when no node after the group (in the program) reads it.
      let fresh = true;
      for (let x = head.first; x < head.first + head.length && fresh; x++)
        fresh = (lastUse[x] as number) <= head.node;
      if (current.length > 1 || fresh) {
        const group = { members: current, fresh };
        for (const w of current) groups.set(w.node, group);
      }
    }
    current = [];
  };
  const reads = (n: number, first: number, length: number) => {
    const inside = (x: number) => x >= first && x < first + length;
    const arity = OP_ARITY[f.op[n] as number] as number;
    if (arity !== 0) return inside(f.a[n] as number) || (arity === 2 && inside(f.b[n] as number));
    const st = f.a[n] as number;
    for (let k = st; k < st + (f.b[n] as number); k++) if (inside(f.args[k] as number)) return true;
    return false;
  };
  for (let n = end - 1; n >= start; n--) {
    if (elsewhere.has(n)) continue;
    const head = current[0];
    const arity = OP_ARITY[f.op[n] as number] as number;
    const w = arity === 0 ? rangeWrite(f, n, site(n)) : undefined;
    if (w !== undefined && head !== undefined && w.first === head.first && w.length === head.length) {
      current.push(w);
      continue;
    }
    if (w !== undefined) {
      close();
      current = [w];
    } else if (head !== undefined && reads(n, head.first, head.length)) close();
  }
  close();
  return groups;
}

/** Sums and dot products whose adjoint loops run as one; `fresh` when they are the first to write their run. */
interface RangeGroup {
  readonly members: readonly RangeWrite[];
  readonly fresh: boolean;
}

/**
 * The adjoint loops of a run of sums and dot products as one loop: entry i of the run they add to is read
 * once (or, where no earlier statement wrote it, starts from 0 unread), gets each node's additions in sweep
 * order (its adjoint in `h{node}`), and is stored once.
 */
function fusedRangeAdjoint(group: RangeGroup, tests: boolean): string {
  const last = group.members[group.members.length - 1] as RangeWrite;
  const { first, length } = last;
  const adds = group.members.map((w) => {
    const list = w.site.list as ArgList;
    const h = list.count >> 1;
    const g = `h${w.node}`;
    const nz = (name: string) => nonzero(name, tests);
    const st = list.starts[0] as number;
    let add: string;
    if (w.how === 'sum') add = `a += ${g};`;
    else if (w.how === 'same') add = `p = v[i]; ${nz('p')}{ a = a + ${g} * p + ${g} * p; }`;
    else if (w.how === 'first') add = `p = ${rangeValue(list, h, h)(`k + ${h}`)}; ${nz('p')}a += ${g} * p;`;
    else add = `p = ${rangeValue(list, 0, h)(`k - ${h}`)}; ${nz('p')}a += ${g} * p;`;
    const k = w.how === 'second' ? `st + ${h} + j` : 'st + j';
    return `{ const st = ${st}; const k = ${k}; ${nz(g)}{ ${add} } }`;
  });
  return `const h${last.node} = adj[${last.node}];
for (let j = 0; j < ${length}; j++) { const i = ${first} + j; let a = ${group.fresh ? '0' : 'adj[i]'}; ${adds.join(' ')} adj[i] = a; }`;
}

/**
 * The source of a factory that takes the rule tables and returns the sweep's segment functions, in the order
 * they must run (for the adjoint sweep, last segment first).
 */
export function sweepSource(
  f: Program,
  kind: SweepKind,
  segments: readonly Segment[],
  activity: Uint8Array,
  options: SweepOptions = {},
): SweepCode {
  const params = kind === 'primal' ? 'v, args, o' : kind === 'adjoint' ? 'v, adj, args, o' : 'v, t, args, o';
  // An adjoint sweep without zero tests notes whether it stored a NaN, and returns that.
  const untested = kind === 'adjoint' && options.tests === false;
  // Whether the untested sweep notes NaN and ±∞ at each store (else its caller tests the inputs' adjoints).
  const noted = untested && options.noted !== false;
  const locals = kind === 'adjoint' ? `let g, p;${noted ? ' let bad = 0;' : ''}` : '';
  const uses = useCounts(f);
  // Vectors of constant data the code reads directly (K{n}), handed to the factory beside the rule tables.
  const vectors: Float64Array[] = [];
  const vector = (values: Float64Array) => `K${vectors.push(values) - 1}`;
  // Sums added up inside their loops (in tangent sweeps, loops that run their lanes innermost).
  const sums = fusedSums(f, segments, uses);
  if (kind === 'tangent')
    for (const loop of sums.keys()) if (sitesHaveNary(f, loop.start, loop.period)) sums.delete(loop);
  const fused = new Set([...sums.values()].flat().map((sum) => sum.node));
  const escaping = escapes(f, segments, fused);
  // Dot products computed in batches: first in primal and tangent sweeps, last in an adjoint sweep without
  // zero tests.
  const batches = kind === 'adjoint' && !untested ? undefined : dotBatches(f, segments);
  const batched = (kind === 'adjoint' ? batches?.adjointNodes : batches?.primalNodes) ?? new Set<number>();
  const elsewhere = batched.size === 0 ? fused : new Set([...fused, ...batched]);
  // Each distinct body once; each call names its body and, for a loop, its offsets.
  const bodies = new Map<string, number>();
  const calls: SweepCall[] = [];
  const add = (text: string, offsets: Int32Array | undefined) => {
    if (text.trim() === '') return;
    // Constants as literals, which the engine folds.
    const body = primable(
      text.replace(/\bv\[(\d+)\]/g, (read, i: string) =>
        Number(i) < f.inputStart ? literal(f.constants[Number(i)] as number) : read,
      ),
    );
    let fn = bodies.get(body);
    if (fn === undefined) {
      fn = bodies.size;
      bodies.set(body, fn);
    }
    calls.push({ fn, offsets });
  };
  const loops = new Map<Loop, LoopCode>();
  // The nodes whose adjoints this sweep never reads from adj before it writes them.
  const held = new Uint8Array(f.size);
  const reads = kind === 'adjoint' ? { lastUse: lastUses(f), held } : undefined;
  const context: LoopContext = {
    f,
    kind,
    options,
    activity,
    escaping,
    uses,
    vector,
    lastUse: reads?.lastUse,
    batched,
  };
  if (kind === 'primal' && batches !== undefined)
    add(batches.primal.map((b) => batchPrimalSource(b, options.need, vector)).join('\n'), undefined);
  if (kind === 'tangent' && batches !== undefined) {
    for (const b of batches.primal) {
      const range = vector(new Float64Array(2));
      for (const call of batchTangentCalls(b, options.width ?? 0, vector, range)) add(call, undefined);
    }
  }
  const shapes = new Map<string, number>();
  for (const seg of segments) {
    if (seg.kind !== 'loop') continue;
    const code = loopSource(context, seg, sums.get(seg) ?? []);
    code.local.forEach((l, p) => {
      if (l) for (let r = 0; r < seg.reps; r++) held[seg.start + r * seg.period + p] = 1;
    });
    for (const { base, stride } of code.written ?? [])
      for (let r = 0; r < seg.reps; r++) held[base + r * stride] = 1;
    // A carried adjoint lives in a variable, but for the last repetition's, which is read from adj.
    for (const q of code.carried ?? [])
      for (let r = 0; r + 1 < seg.reps; r++) held[seg.start + r * seg.period + q] = 1;
    loops.set(seg, code);
    shapes.set(code.text, (shapes.get(code.text) ?? 0) + 1);
  }
  for (const seg of segments) {
    if (seg.kind === 'loop') {
      const { text, bases } = loops.get(seg) as LoopCode;
      if (shapes.get(text) === 1) {
        // A shape of its own: the offsets as literals, which the engine folds into the indexing.
        add(
          text.replace(/\bo(\d+)\b/g, (_, j: string) => String(bases[Number(j)])),
          undefined,
        );
      } else {
        // Shared by several loops: one function, the offsets read once into constants.
        const read =
          bases.length === 0 ? '' : `const ${bases.map((_, j) => `o${j} = o[${j}]`).join(', ')};\n`;
        add(read + text, Int32Array.from(bases));
      }
    } else {
      const chunk = kind === 'tangent' ? TANGENT_CHUNK : kind === 'adjoint' ? ADJOINT_CHUNK : CHUNK;
      for (let s = seg.start; s < seg.end; s += chunk) {
        add(
          straightSource(
            f,
            kind,
            s,
            Math.min(seg.end, s + chunk),
            options,
            activity,
            elsewhere,
            vector,
            reads,
          ),
          undefined,
        );
      }
    }
  }
  if (kind === 'adjoint') calls.reverse();
  if (kind === 'adjoint' && batches !== undefined) {
    add(batches.adjoint.map((b) => batchAdjointSource(b, vector)).join('\n'), undefined);
    // A run its batch writes first needs no zeros.
    for (const b of batches.adjoint) if (b.fresh) held.fill(1, b.first, b.first + b.length);
  }
  const used = new Set<number>();
  for (let n = f.opStart; n < f.size; n++) used.add(f.op[n] as number);
  // The partials written out from the op table's rules where they can be (partials.ts), else the table's.
  const bindings = partialBindings(used);
  for (const code of used)
    if (OP_ARITY[code] === 0) bindings.push(`const N${code} = N[${code}], Q${code} = Q[${code}];`);
  bindings.push(...vectors.map((_, k) => `const K${k} = K[${k}];`));
  const fns = [...bodies.keys()].map(
    (body, k) =>
      `function s${k}(${params}) {\n${locals}\n${noted ? noteNaN(body) : body}${noted ? '\nreturn bad !== bad;' : untested ? '\nreturn false;' : ''}\n}`,
  );
  const source = `'use strict';\nlet once = false;\n${bindings.join('\n')}\n${fns.join('\n')}\nreturn [[${fns.map((_, k) => `s${k}`).join(', ')}], (b) => { once = b; }];`;
  return { source, calls, vectors, held };
}

/** A counted loop's header as the generators write it: `for (let V = A; V op B; V++ or V--)`. */
const LOOP_HEADER = /for \(let (\w+) = ([^;]+); \1 (<|<=|>=|>) ([^;]+); \1(\+\+|--)\)/g;

/**
 * Every counted loop's bound, taken once at the loop's start, and cut to a repetition or two while the factory's
 * `once` is set: so the code can be run cheaply, every statement in it, before its first real call (see
 * `prime` in index.ts). V8 compiles a long loop on its first run while the loop runs (on-stack replacement),
 * before the code after it has run; that code then has no type feedback, and the compiled loop gives up there
 * on every later call. Measured on ridge's primal sweep at K = 10⁵: 330 µs a call in that state, 115 µs once
 * the code has run through.
 */
export function primable(body: string): string {
  return body.replace(
    LOOP_HEADER,
    (header, v: string, from: string, op: string, bound: string, step: string) => {
      const up = step === '++';
      if (up !== (op === '<' || op === '<=')) return header;
      const b = `${v}$b`;
      const cut = up
        ? `Math.min(${b}, ${v} + ${op === '<' ? 2 : 1})`
        : `Math.max(${b}, ${v} - ${op === '>' ? 2 : 1})`;
      // The bound is computed on both paths, so it has type feedback from the cut runs.
      return `for (let ${v} = ${from}, ${b} = ${bound}, ${v}$e = once ? ${cut} : ${b}; ${v} ${op} ${v}$e; ${v}${step})`;
    },
  );
}

/** A store to `adj` (its target, its operator and the value), at the start of a statement. */
const ADJOINT_STORE = /(?<=^|[;{})]\s*)(adj\[(?:[^[\]]|\[[^[\]]*\])*\]) (\+=|-=|=) ([^;]*);/gm;

/**
 * Every store to `adj` in an adjoint sweep's code, followed by a test of the stored value: `bad += u − u`, which
 * is 0 for a finite value and NaN for NaN or ±∞, so `bad` is NaN after the sweep if it stored either. A NaN that
 * a zero factor makes, against ∞ or NaN, reaches an input's adjoint, and every input's adjoint lives in `adj`:
 * so a sweep that stored no NaN made none (CompiledProgram.untestedAdjoint). Counting ±∞ too only sends a sweep with
 * an infinite adjoint to the tested sweep, which is always right. The test sits beside a store, where the value
 * is in a register, instead of a pass over the inputs afterwards; as an addition rather than a branch it was
 * 10 % faster on Rosenbrock's and product's adjoint sweeps at K = 10⁵, and no slower on ridge's and logreg's.
 */
function noteNaN(body: string): string {
  return body.replace(ADJOINT_STORE, (_, target: string, op: string, value: string) => {
    const stored = op === '=' ? value : `${target} ${op[0]} (${value})`;
    return `{ const u = ${stored}; ${target} = u; bad += u - u; }`;
  });
}

/** One call of a sweep: which generated function, with which offsets (for a loop). */
export interface SweepCall {
  readonly fn: number;
  readonly offsets: Int32Array | undefined;
}

/** A sweep's generated source (a factory returning its distinct functions) and the calls that make it up. */
export interface SweepCode {
  readonly source: string;
  readonly calls: readonly SweepCall[];
  /** The constant vectors the code reads (`K{n}`). */
  readonly vectors: readonly Float64Array[];
  /**
   * 1 for the nodes whose adjoints the sweep never reads from `adj` (kept in locals, or carried between
   * repetitions), and, but for the carried, whose values it keeps out of `v`.
   */
  readonly held: Uint8Array;
}

/** The most operation nodes a body may have for {@link localSource}. */
const LOCAL_BODY = 64;

/**
 * A small loop body's primal or adjoint sweep (without zero tests, nor notes at its stores) as statements on
 * locals: node n's value in `l{n}` and its adjoint in `g{n}`, where the array sweeps use `v[n]` and `adj[n]`.
 * The statements are those of the array sweep, node by node in the same order, so the numbers are the same to
 * the bit. The caller declares `g` and `p`, every `l{n}` of a constant or input and every `g{n}` (at 0) before
 * the adjoint statements, and binds the rule functions `V{code}`, `P{code}_0` and `P{code}_1`. Undefined for a
 * body with more than {@link LOCAL_BODY} operation nodes, or with an n-ary node for which `nary` (the caller's
 * statement for it, in this sweep) gives none.
 * A map driver runs it per row: the values and adjoints then stay in registers instead of being stored and
 * loaded through the body's arrays (lse's body, two nodes, spent more on that traffic than on its exp).
 */
export function localSource(
  f: Program,
  kind: 'primal' | 'adjoint',
  activity: Uint8Array,
  nary?: (n: number) => string | undefined,
): string | undefined {
  if (f.size - f.opStart > LOCAL_BODY) return undefined;
  const lines: string[] = [];
  for (let n = f.opStart; n < f.size; n++) {
    const code = f.op[n] as number;
    const arity = OP_ARITY[code] as number;
    if (arity === 0) {
      const text = nary?.(n);
      if (text === undefined) return undefined;
      lines.push(text);
      continue;
    }
    const a = f.a[n] as number;
    const b = f.b[n] as number;
    const site: Site = {
      tests: false,
      i: String(n),
      a: String(a),
      b: String(b),
      active: [activity[n] === 1, activity[a] === 1, arity === 2 && activity[b] === 1],
      square: code === POW && isTwo(f, b),
      local: [n, a, arity === 2 ? b : undefined],
    };
    lines.push(nodeStatement(kind, code, site, 0));
  }
  if (kind === 'adjoint') lines.reverse();
  return lines.join('\n');
}
