/**
 * The compiled backend's forward-over-reverse sweep of a loop body, which hessian.ts runs once per iteration
 * (kmeans' Newton direction runs it once per point): generated JavaScript, per node the interpreter's step for
 * its op (dualForward, dualBackward) with the same helper functions in the same order, so the bits are the
 * interpreter's. What the generated code saves is the interpreter's dispatch: reading each node's op and
 * arguments from the program's arrays. The nodes come in the plan's segments (src/ir/compile/plan.ts): a block
 * repeated with fixed strides runs as a `for` loop (kmeans' body of k centroids is one loop of k − 1
 * repetitions), and a straight run is cut into functions of at most {@link CHUNK} nodes.
 */

import { cachedFor, OP_ARITY, OP_CODE, OP_DEFS, type Program, UNTOUCHED } from '../../ir/index.js';
import { lazyTangent, lazyTangents, tangentNeeds } from '../interpret/dual-marks.js';
import {
  type DualArrays,
  fixedBackward,
  fixedForward,
  minMaxPartialTangent,
  naryBackward,
  naryForward,
} from '../interpret/dual-nodes.js';
import { planSegments, type Segment } from './index.js';

/** A body's compiled sweeps over the arrays of hessian.ts (the body's inputs and their tangents already set). */
export interface DualKernels {
  /**
   * Every node's value and tangent; returns 0 when every operation node's value and tangent is finite, else
   * NaN.
   */
  forward(s: DualArrays): number;
  /**
   * Every node's value, but only the tangents the sparse backward sweep reads (dual-marks.ts's tangentNeeds),
   * and no finiteness test: for a call whose bounds show every value and tangent finite (boundedFinite).
   */
  leanForward(s: DualArrays): void;
  /** Adjoints and their tangents from the seeded outputs down to the inputs. */
  backward(s: DualArrays): void;
  /** The same, skipping every node whose adjoint and adjoint's tangent are both zero (dual-marks.ts). */
  sparseBackward(s: DualArrays): void;
  /**
   * The sparse sweep, setting each operation node's adjoint and adjoint's tangent back to −0 once it has read
   * them: the next iteration's sweep then needs no fill of them.
   */
  leanSparseBackward(s: DualArrays): void;
  /**
   * A sum map's iterations `last`, `last − 1`, … 0 over data rows, each as hessian.ts's callBackward runs it
   * once the first iteration's marks are placed: the row's values and untouched tangents and the index into
   * the body's inputs, the lean forward sweep, each output's adjoint and adjoint's tangent plus the call's
   * (`seed`, `seedDot`), and the lean sparse sweep; in one generated function, with no call per iteration from
   * hessian.ts (kmeans' points).
   */
  leanPoints(s: DualArrays, points: PointRows, last: number): void;
}

/** Where a sum map's data rows go in its body's arrays, and its outputs' seeds (DualKernels.leanPoints). */
export interface PointRows {
  /** The rows, `width` numbers each. */
  readonly rows: Float64Array;
  readonly width: number;
  /** The body node of a row's first entry, and of the index. */
  readonly rowAt: number;
  readonly indexAt: number;
  /** The body's outputs, and the call's adjoints and adjoints' tangents of them. */
  readonly outputs: readonly number[];
  readonly seed: Float64Array;
  readonly seedDot: Float64Array;
}

/** Most nodes of a straight run per generated function, so that each stays small enough for V8 to optimise. */
const CHUNK = 100;
/** Most nodes written out one by one (outside loops): past it the body runs on the interpreter. */
const MAX_STRAIGHT = 100_000;

type Kernel = (
  s: DualArrays,
  val: Float64Array,
  tan: Float64Array,
  adj: Float64Array,
  adjDot: Float64Array,
  args: Int32Array,
) => number;

const { add: ADD, sub: SUB, mul: MUL, neg: NEG, sum: SUM, dot: DOT, max: MAX, min: MIN } = OP_CODE;

/** Where a node and its arguments are, as source: literals in a straight run, `base + r·stride` in a loop. */
interface Site {
  readonly i: string;
  readonly x: string;
  readonly y: string;
  /** An n-ary node's argument count. */
  readonly count: number;
  /**
   * An n-ary node's entries `offset … offset + length − 1`: entry `offset + k` (k the source of a number) as
   * a node index, through `args` or direct.
   */
  readonly range: (offset: number, length: number) => (k: string) => string;
  /** Which of the forward sweep's finiteness sums the node adds to. */
  readonly lane: number;
  /**
   * The lean forward sweep's dot: entry k's value as source where the entry is a stored-nowhere node
   * ({@link lazyValues}), else undefined.
   */
  readonly entry?: (k: number) => string | undefined;
  /**
   * The lean sparse sweep's dot: entry k's lazy step written out ({@link lazyStepSource}; '' where the entry is
   * no lazy node), or undefined where it runs through the lazy step's function.
   */
  readonly lazyStep?: (k: number) => string | undefined;
}

/**
 * How an n-ary node reads entry `offset + k` of its argument list, which starts at `starts[r]` in repetition r:
 * directly as a node index where entries `offset … offset + length − 1` are consecutive nodes in every
 * repetition, the first moving by a fixed stride (each half of kmeans' dot of one centroid's differences), else
 * through `args` (the list's start is `st`).
 */
function rangeOf(
  f: Program,
  starts: readonly number[],
  offset: number,
  length: number,
): (k: string) => string {
  const { args } = f;
  const first = (r: number) => args[(starts[r] as number) + offset] as number;
  const stride = starts.length > 1 ? first(1) - first(0) : 0;
  let plain = length > 0;
  for (let r = 0; r < starts.length && plain; r++) {
    plain = first(r) === first(0) + r * stride;
    for (let k = 1; k < length && plain; k++)
      plain = args[(starts[r] as number) + offset + k] === first(r) + k;
  }
  if (!plain) return (k) => `args[st + ${offset} + ${k}]`;
  const base = starts.length > 1 && stride !== 0 ? `${first(0)} + r * ${stride}` : String(first(0));
  return (k) => `(${base} + ${k})`;
}

/** `!isUntouched(t)` as source, for a name holding a number (a zero's sign read only at a zero). */
const reached = (t: string) => `(${t} !== 0 || 1 / ${t} > 0)`;

/** `t = accumulate(t, p, q)` as source (ops.ts), q a name. */
const accumulateInto = (t: string, p: string, q: string) =>
  `if (${reached(q)}) ${t} = ${t} + (${p} * ${q} + 0);`;

/** minMaxPartial(max, k, x, y) as source: the rule's operations, written out (dual-nodes.ts). */
const minMaxSource = (max: boolean, k: 0 | 1) =>
  `(${max === (k === 0) ? '1 +' : '1 -'} Math.sign(x - y)) / 2`;

/**
 * After a node's value z and tangent t: `bad{lane}` stays 0 while every one is finite and becomes NaN at the
 * first ±∞ or NaN (x − x), for the sparse sweep's condition (dual-marks.ts) without a pass over the arrays.
 * Four sums, by node, so that the additions do not make one chain through the whole sweep.
 */
const LANES = 4;
const noteFinite = (s: Site) => (s.lane < 0 ? '' : `bad${s.lane} += z - z + (t - t);`);

/**
 * A node's value alone, as its forward step computes it (the same operations in the same order), or undefined
 * for the ops that run their op-table rule (their step is written whole).
 */
function valueNode(code: number, s: Site): string | undefined {
  const { i, x, y } = s;
  const infix = code === ADD ? '+' : code === SUB ? '-' : code === MUL ? '*' : undefined;
  if (infix !== undefined) return `val[${i}] = val[${x}] ${infix} val[${y}];`;
  if (code === MAX || code === MIN)
    return `val[${i}] = Math.${code === MAX ? 'max' : 'min'}(val[${x}], val[${y}]);`;
  if (code === SUM) return `{ const st = ${x}; val[${i}] = NV${code}(val, args, st, ${s.count}); }`;
  if (code !== DOT) return undefined;
  const h = s.count >> 1;
  if (h === 0) return `val[${i}] = 0;`;
  const [u, w] = [s.range(0, h), s.range(h, h)];
  if (h <= UNROLL) {
    // Each entry read once (the two halves of dot(w, w) are the same locals), the products added from the first.
    const locals = new Map<string, string>();
    const decls: string[] = [];
    const local = (node: string, k: number) => {
      let name = locals.get(node);
      if (name === undefined) {
        name = `v${locals.size}`;
        locals.set(node, name);
        decls.push(`const ${name} = ${s.entry?.(k) ?? `val[${node}]`};`);
      }
      return name;
    };
    const terms = Array.from(
      { length: h },
      (_, k) => `${local(u(String(k)), k)} * ${local(w(String(k)), h + k)}`,
    );
    return `{ const st = ${x}; ${decls.join(' ')} let z = ${terms[0]};${terms
      .slice(1)
      .map((t) => ` z += ${t};`)
      .join('')} val[${i}] = z; }`;
  }
  return `{ const st = ${x}; let z = val[${u('0')}] * val[${w('0')}];
  for (let k = 1; k < ${h}; k++) z += val[${u('k')}] * val[${w('k')}]; val[${i}] = z; }`;
}

/**
 * The forward step of a node with op `code` (the interpreter's dualForward, node by node); `lean`: without the
 * finiteness sums, and for a node whose tangent is not needed (`tangent` false) its value only.
 */
function forwardNode(code: number, s: Site, lean = false, tangent = true, stored = true): string {
  if (lean && !stored) return '';
  if (lean && !tangent) {
    const value = valueNode(code, s);
    if (value !== undefined) return value;
  }
  if (lean) return forwardNode(code, { ...s, lane: -1 });
  const { i, x, y } = s;
  if (code === ADD || code === SUB || code === MUL) {
    // twoTerms(px, tx, py, ty): accumulate twice from an untouched tangent.
    const value = code === MUL ? 'x * y' : code === ADD ? 'x + y' : 'x - y';
    const [px, py] = code === MUL ? ['y', 'x'] : ['1', code === ADD ? '1' : '-1'];
    return `{ const x = val[${x}], y = val[${y}], tx = tan[${x}], ty = tan[${y}]; let t = -0;
  ${accumulateInto('t', px, 'tx')} ${accumulateInto('t', py, 'ty')}
  const z = ${value}; val[${i}] = z; tan[${i}] = t; ${noteFinite(s)} }`;
  }
  if (code === MAX || code === MIN) {
    const max = code === MAX;
    return `{ const x = val[${x}], y = val[${y}], tx = tan[${x}], ty = tan[${y}]; let t = -0;
  ${accumulateInto('t', minMaxSource(max, 0), 'tx')} ${accumulateInto('t', minMaxSource(max, 1), 'ty')}
  const z = Math.${max ? 'max' : 'min'}(x, y); val[${i}] = z; tan[${i}] = t; ${noteFinite(s)} }`;
  }
  if (code === DOT && s.count % 2 === 0 && s.count > 0 && s.count >> 1 <= UNROLL) return unrolledDot(s);
  if (code === DOT) {
    // The value as OPS.dot computes it (from the first product, then left to right); the tangent as the
    // interpreter's loop over the entries, the first half's then the second half's.
    const h = s.count >> 1;
    const [u, w] = [s.range(0, h), s.range(h, h)];
    const value =
      h === 0
        ? 'const z = 0;'
        : `let z = val[${u('0')}] * val[${w('0')}];
  for (let k = 1; k < ${h}; k++) z += val[${u('k')}] * val[${w('k')}];`;
    const half = (q: (k: string) => string, p: (k: string) => string) =>
      `for (let k = 0; k < ${h}; k++) { const p = val[${p('k')}], q = tan[${q('k')}]; ${accumulateInto('t', 'p', 'q')} }`;
    // An odd count's last entry: its partner is entry count − 1 − h (the interpreter's k − h).
    const odd =
      s.count % 2 === 1
        ? `{ const p = val[${s.range(s.count - 1 - h, 1)('0')}], q = tan[${s.range(s.count - 1, 1)('0')}]; ${accumulateInto('t', 'p', 'q')} }`
        : '';
    return `{ const st = ${x}; ${value} let t = -0;
  ${half(u, w)}
  ${half(w, u)} ${odd}
  val[${i}] = z; tan[${i}] = t; ${noteFinite(s)} }`;
  }
  if (code === SUM) {
    const n = s.count;
    const e = s.range(0, n);
    return `{ const st = ${x}; const z = NV${code}(val, args, st, ${n}); let t = -0;
  for (let k = 0; k < ${n}; k++) { const q = tan[${e('k')}]; ${accumulateInto('t', '1', 'q')} }
  val[${i}] = z; tan[${i}] = t; ${noteFinite(s)} }`;
  }
  const call = OP_ARITY[code] === 0 ? `NF(F, s, ${i}, ${code});` : `FF(F, s, ${i}, ${code});`;
  return `${call} { const z = val[${i}], t = tan[${i}]; ${noteFinite(s)} }`;
}

/** Most entries per half of a dot product written out rather than looped over. */
const UNROLL = 16;

/**
 * A short dot product's forward step written out: each entry's value and tangent read once into a local (the
 * two halves of dot(w, w) are the same locals), then the value and the tangent as the loops above compute them,
 * the same operations in the same order.
 */
function unrolledDot(s: Site): string {
  const h = s.count >> 1;
  const [u, w] = [s.range(0, h), s.range(h, h)];
  const locals = new Map<string, number>();
  const decls: string[] = [];
  const local = (node: string) => {
    let k = locals.get(node);
    if (k === undefined) {
      k = locals.size;
      locals.set(node, k);
      decls.push(`const v${k} = val[${node}], d${k} = tan[${node}];`);
    }
    return k;
  };
  const us = Array.from({ length: h }, (_, k) => local(u(String(k))));
  const ws = Array.from({ length: h }, (_, k) => local(w(String(k))));
  const terms = us.map((a, k) => `v${a} * v${ws[k]}`);
  const value = `let z = ${terms[0]};${terms
    .slice(1)
    .map((t) => ` z += ${t};`)
    .join('')}`;
  const tangent = (q: readonly number[], p: readonly number[]) =>
    q.map((a, k) => accumulateInto('t', `v${p[k]}`, `d${a}`)).join(' ');
  return `{ const st = ${s.x}; ${decls.join(' ')}
  ${value} let t = -0;
  ${tangent(us, ws)}
  ${tangent(ws, us)}
  val[${s.i}] = z; tan[${s.i}] = t; ${noteFinite(s)} }`;
}

/** send(adj, adjDot, arg, g, gd, p, pDot) as source (dual-nodes.ts); `gr` says whether gd is reached. */
function sendSource(arg: string, p: string, pDot: string): string {
  const fromP = pDot === '-0' ? '' : `{ const pd = ${pDot}; if (${reached('pd')}) d += g * pd + 0; }`;
  return `{ const a = ${arg}, p = ${p}; adj[a] = adj[a] + (g * p + 0); let d = adjDot[a]; ${fromP}
  if (gr) d += p * gd + 0; adjDot[a] = d; }`;
}

/**
 * min's or max's send to an argument that is gated (see {@link Gates}), as source: only where its partial is
 * nonzero, raising the argument's flag. A zero partial would send +0 and +0 (every value and tangent finite,
 * the partial's tangent ±0): the argument's sweep would skip it and set it back to −0, as it stays.
 */
function gatedSendSource(arg: string, p: string, pDot: string, flag: string): string {
  return `{ const pz = ${p}; if (pz !== 0) { ${flag} = true; ${sendSource(arg, 'pz', pDot)} } }`;
}

/**
 * The lean sparse sweep's flags (a unit: one repetition of a loop, or one generated function of a straight
 * run). A node of the unit that is no output and whose users are all in the unit is gated: its adjoint and
 * adjoint's tangent are −0 when the sweep starts (the previous iteration's sweep set them back) and only its
 * users write them, so where none of its users ran, the sparse test would skip it, and the sweep skips it
 * without reading them. Its flag says that some user ran (min and max: sent it a nonzero partial). kmeans: a
 * losing centroid's dot product and its differences are never read.
 */
interface Gates {
  /** The node's own flag, where it is gated. */
  readonly own?: string;
  /** The flags of its gated arguments, raised when it runs (min and max: per argument, see gatedSendSource). */
  readonly args: readonly string[];
  /** min and max: the flag of argument x and of argument y, where gated. */
  readonly xy?: readonly [string | undefined, string | undefined];
}

/**
 * The backward step of a node with op `code` (the interpreter's dualBackward, node by node). `sparse`: a node
 * whose adjoint and adjoint's tangent are both zero is skipped (see dual-marks.ts), else one whose adjoint is
 * untouched, as the interpreter does.
 */
function backwardNode(
  code: number,
  s: Site,
  sparse: boolean,
  reset = false,
  lazy = false,
  gates: Gates = { args: [] },
): string {
  const { i, x, y } = s;
  const to = sendSource;
  let body: string;
  if (code === ADD || code === SUB) body = to(x, '1', '-0') + to(y, code === ADD ? '1' : '-1', '-0');
  else if (code === MUL)
    body = `${lazy ? `LZ(val, tan, ${x}); LZ(val, tan, ${y});` : ''}${to(x, `val[${y}]`, `tan[${y}]`)}${to(y, `val[${x}]`, `tan[${x}]`)}`;
  else if (code === NEG) body = to(x, '-1', '-0');
  else if (code === MAX || code === MIN) {
    const max = code === MAX;
    const send = (arg: string, k: 0 | 1) => {
      const flag = gates.xy?.[k];
      const p = minMaxSource(max, k);
      return flag === undefined ? to(arg, p, 'mt') : gatedSendSource(arg, p, 'mt', flag);
    };
    body = `const x = val[${x}], y = val[${y}]; const mt = MT(tan[${x}], tan[${y}]);
  ${send(x, 0)} ${send(y, 1)}`;
  } else if (code === SUM) {
    body = `const st = ${x}; for (let k = 0; k < ${s.count}; k++) ${to(s.range(0, s.count)('k'), '1', '-0')}`;
  } else if (code === DOT) {
    // The interpreter's loop over the entries, a loop per half (and an odd count's last entry).
    const h = s.count >> 1;
    const [u, w] = [s.range(0, h), s.range(h, h)];
    const half = (a: (k: string) => string, o: (k: string) => string) =>
      `for (let k = 0; k < ${h}; k++) { const o = ${o('k')}; ${to(a('k'), 'val[o]', 'tan[o]')} }`;
    const odd =
      s.count % 2 === 1
        ? `{ const o = ${s.range(s.count - 1 - h, 1)('0')}; ${to(s.range(s.count - 1, 1)('0'), 'val[o]', 'tan[o]')} }`
        : '';
    // The lean sweeps' lazy entries' tangents first (dual-marks.ts's lazyTangents); where both halves are the
    // same entries (dot(w, w): kmeans' squared distance), once each, since a second step would compute the same.
    const same = s.count % 2 === 0 && u('k') === w('k');
    const written = Array.from({ length: same ? h : s.count }, (_, k) => s.lazyStep?.(k));
    const lazies = !lazy
      ? ''
      : written.every((t) => t !== undefined)
        ? written.join(' ')
        : same
          ? `for (let k = 0; k < ${h}; k++) LZ(val, tan, ${u('k')});`
          : `for (let k = 0; k < ${s.count}; k++) LZ(val, tan, ${s.range(0, s.count)('k')});`;
    body = `const st = ${x}; ${lazies} ${half(u, w)} ${half(w, u)} ${odd}`;
  } else body = OP_ARITY[code] === 0 ? `NB(F, s, ${i}, ${code}, g, gd);` : `FB(F, s, ${i}, ${code}, g, gd);`;
  // No seeded output reaches a node whose adjoint is untouched (its adjoint's tangent is then untouched too).
  const skip = sparse ? 'g !== 0 || gd !== 0' : reached('g');
  // Nothing writes a node's adjoint after the sweep has read it (its users come after it).
  const clear = reset ? ` adj[${i}] = -0; adjDot[${i}] = -0;` : '';
  const raise = gates.args.map((flag) => `${flag} = true; `).join('');
  const step = `{ const g = adj[${i}], gd = adjDot[${i}];${clear} if (${skip}) { ${raise}const gr = ${reached('gd')}; ${body} } }`;
  return gates.own === undefined ? step : `if (${gates.own}) ${step}`;
}

/** A unit's gates (per position), and the flags' declarations: before the loop, and at each repetition's head. */
interface UnitGates {
  readonly gates: readonly Gates[];
  readonly before: string;
  readonly head: string;
  /** The flags a repetition raises for the one the sweep runs next (`X{p}`). */
  readonly next: readonly string[];
}

/**
 * The gated nodes of the lean sparse sweep's loop of `reps` repetitions of `period` nodes from `start` (a
 * straight run: one repetition). Node (r, p), position p of repetition r, is gated where it is an operation
 * node, no output, and each of its users is in repetition r (after it) or in repetition r + 1, which the sweep
 * runs just before (kmeans' loop is [dot, min, the next centroid's differences]: the differences' dot is in the
 * next repetition); the last repetition's node may have users after the loop, whose flag starts raised. Flags:
 * `W{p}` raised in the node's own repetition, `X{p}` by the next one for it (taken into `Y{p}` at each head).
 */
function unitGates(f: Program, start: number, period: number, reps: number): UnitGates {
  const users = usersOf(f);
  const outputs = new Set(f.outputs);
  const end = start + period * reps;
  const inside = (n: number) => n >= start && n < end;
  const rep = (n: number) => Math.floor((n - start) / period);
  const pos = (n: number) => (n - start) % period;
  // Which positions raise which flags: q raises W{p} where node (r, q) uses (r, p), X{p} where it uses (r − 1, p).
  const same = new Set<number>();
  const next = new Set<number>();
  // min and max: per position and argument slot, the one flag its send raises (a code; −1: mixed).
  const slot = new Map<number, number>();
  const code = (q: number, p: number, isNext: boolean) => (isNext ? 1 : 0) + 2 * (p + period * q);
  for (let n = start; n < end; n++) {
    const q = pos(n);
    const minMax = f.op[n] === MAX || f.op[n] === MIN;
    f.forEachArg(n, (arg, k) => {
      const d = inside(arg) ? rep(n) - rep(arg) : -1;
      // An argument elsewhere gets min's or max's zero sends (its sign may be read): the slot is mixed.
      const c = d === 0 || d === 1 ? code(q, pos(arg), d === 1) : -1;
      if (c >= 0) (d === 0 ? same : next).add(c >> 1);
      if (!minMax) return;
      const was = slot.get(2 * q + k);
      slot.set(2 * q + k, was === undefined || was === c ? c : -1);
    });
  }
  const pair = (q: number, p: number) => p + period * q;
  const gated = new Uint8Array(period);
  for (let p = 0; p < period; p++) {
    let ok = start + p >= f.opStart;
    for (let r = 0; r < reps && ok; r++) {
      const m = start + r * period + p;
      ok = !outputs.has(m);
      for (const u of users.of(m)) {
        if (!ok) break;
        if (!inside(u)) {
          // After the loop: only the last repetition's, where X{p} starts raised.
          ok = u >= end && r === reps - 1 && [...next].some((c) => c % period === p);
          continue;
        }
        const d = rep(u) - r;
        ok = d === 0 || d === 1;
        if (ok && (f.op[u] === MAX || f.op[u] === MIN))
          f.forEachArg(u, (arg, k) => {
            if (arg === m) ok = ok && slot.get(2 * pos(u) + k) === code(pos(u), p, d === 1);
          });
      }
    }
    gated[p] = ok ? 1 : 0;
  }
  const hasSame = (p: number) => [...same].some((c) => c % period === p);
  const hasNext = (p: number) => [...next].some((c) => c % period === p);
  const flagOf = (c: number) => `${c % 2 === 1 ? 'X' : 'W'}${(c >> 1) % period}`;
  const gates = Array.from({ length: period }, (_, q): Gates => {
    const conds = [hasSame(q) ? `W${q}` : '', hasNext(q) ? `Y${q}` : ''].filter((c) => c !== '');
    const own = gated[q] === 1 ? conds.join(' || ') || 'false' : undefined;
    const n = start + q;
    if (f.op[n] === MAX || f.op[n] === MIN) {
      const of = (k: number) => {
        const c = slot.get(2 * q + k);
        return c === undefined || c < 0 || gated[(c >> 1) % period] !== 1 ? undefined : flagOf(c);
      };
      return { own, args: [], xy: [of(0), of(1)] };
    }
    const args: string[] = [];
    for (let p = 0; p < period; p++) {
      if (gated[p] !== 1) continue;
      if (same.has(pair(q, p))) args.push(`W${p}`);
      if (next.has(pair(q, p))) args.push(`X${p}`);
    }
    return { own, args };
  });
  const xs: string[] = [];
  const nextFlags: string[] = [];
  const ws: string[] = [];
  const ys: string[] = [];
  for (let p = 0; p < period; p++) {
    if (gated[p] !== 1) continue;
    if (hasSame(p)) ws.push(`W${p} = false`);
    if (hasNext(p)) {
      xs.push(`X${p} = true`);
      nextFlags.push(`X${p}`);
      ys.push(`Y${p} = X${p}`);
      ws.push(`X${p} = false`);
    }
  }
  const before = xs.length > 0 ? `let ${xs.join(', ')};` : '';
  const head = `${ys.length > 0 ? `const ${ys.join(', ')};` : ''} ${ws.length > 0 ? `let ${ws.filter((w) => w.startsWith('W')).join(', ')};` : ''} ${ws
    .filter((w) => w.startsWith('X'))
    .map((w) => `${w};`)
    .join(' ')}`;
  return { gates, before, head, next: nextFlags };
}

const usersCache = new WeakMap<Program, { of(n: number): Int32Array }>();

/** Each node's users, ascending (a node using an argument twice counted once). */
function usersOf(f: Program): { of(n: number): Int32Array } {
  return cachedFor(usersCache, f, () => {
    const count = new Int32Array(f.size + 1);
    // stamp[arg] = n + 1 once node n has counted arg (dot(w, w) lists each entry twice).
    const stamp = new Int32Array(f.size);
    const seen = (n: number, fn: (arg: number) => void) =>
      f.forEachArg(n, (arg) => {
        if (stamp[arg] === n + 1) return;
        stamp[arg] = n + 1;
        fn(arg);
      });
    for (let n = f.opStart; n < f.size; n++)
      seen(n, (arg) => {
        count[arg + 1] = (count[arg + 1] as number) + 1;
      });
    for (let n = 0; n < f.size; n++) count[n + 1] = (count[n + 1] as number) + (count[n] as number);
    const list = new Int32Array(count[f.size] as number);
    const fill = count.slice(0, f.size);
    stamp.fill(0);
    for (let n = f.opStart; n < f.size; n++)
      seen(n, (arg) => {
        list[fill[arg] as number] = n;
        fill[arg] = (fill[arg] as number) + 1;
      });
    return { of: (n: number) => list.subarray(count[n] as number, count[n + 1] as number) };
  });
}

const valuesCache = new WeakMap<Program, Uint8Array>();

/**
 * Per node, whether the lean sweeps store its value nowhere: a lazy node (lazyTangents: an add, sub or mul of
 * inputs) whose users are all short dot products (at most {@link UNROLL} entries a half) whose tangents the
 * lean forward sweep does not compute. Each such dot computes the entry's value from the inputs itself, and the
 * backward sweep's lazy step computes it again where it reads it (the same operation on the same values): kmeans'
 * differences cost no store and no load per centroid. Where a loop's dot reads such an entry whose arguments do
 * not move by fixed strides, its entries are stored after all.
 */
function lazyValues(f: Program): Uint8Array {
  return cachedFor(valuesCache, f, () => {
    const lazy = lazyTangents(f);
    const users = usersOf(f);
    const out = new Uint8Array(f.size);
    const shortDot = (u: number) => {
      const count = f.b[u] as number;
      return f.op[u] === DOT && count > 0 && count % 2 === 0 && count >> 1 <= UNROLL;
    };
    for (let m = f.opStart; m < f.size; m++) if (lazy[m] === 1 && users.of(m).every(shortDot)) out[m] = 1;
    for (const seg of planSegments(f)) {
      if (seg.kind !== 'loop') continue;
      for (let p = 0; p < seg.period; p++) {
        const n0 = seg.start + p;
        if (f.op[n0] !== DOT) continue;
        for (let k = 0; k < (f.b[n0] as number); k++) {
          const ms = Array.from(
            { length: seg.reps },
            (_, r) => f.args[(f.a[n0 + r * seg.period] as number) + k] as number,
          );
          if (ms.every((m) => out[m] === 0)) continue;
          if (!ms.every((m) => out[m] === 1) || !linear(f, ms)) for (const m of ms) out[m] = 0;
        }
      }
    }
    return out;
  });
}

/** Whether nodes `ms` (one per repetition) have one op and arguments that move by fixed strides. */
function linear(f: Program, ms: readonly number[]): boolean {
  const [m0, m1] = [ms[0] as number, (ms[1] ?? ms[0]) as number];
  const da = (f.a[m1] as number) - (f.a[m0] as number);
  const db = (f.b[m1] as number) - (f.b[m0] as number);
  return ms.every(
    (m, r) =>
      f.op[m] === f.op[m0] &&
      f.a[m] === (f.a[m0] as number) + r * da &&
      f.b[m] === (f.b[m0] as number) + r * db,
  );
}

/** An index as source: `base` in repetition 0, `next` in repetition 1 (undefined or equal: the same in every one). */
function strided(base: number, next: number | undefined): string {
  return next === undefined || next === base ? String(base) : `${base} + r * ${next - base}`;
}

/** A lazy node's two arguments as {@link strided} indices, from its nodes in repetitions 0 and 1. */
function operands(f: Program, m0: number, m1: number | undefined): [string, string] {
  return [
    strided(f.a[m0] as number, m1 === undefined ? undefined : (f.a[m1] as number)),
    strided(f.b[m0] as number, m1 === undefined ? undefined : (f.b[m1] as number)),
  ];
}

/** The operator of a lazy node's operation (add, sub or mul: {@link linear}). */
const infixOf = (code: number): string => (code === ADD ? '+' : code === SUB ? '-' : '*');

/**
 * The value of a node that {@link lazyValues} flags, as source, from its nodes in repetitions 0 and 1 (`m1`
 * undefined: a straight run): its forward step's operation.
 */
function lazyValueSource(f: Program, m0: number, m1: number | undefined): string {
  const [x, y] = operands(f, m0, m1);
  return `(val[${x}] ${infixOf(f.op[m0] as number)} val[${y}])`;
}

/** Node n's site in a straight run. */
function straightSite(f: Program, n: number): Site {
  const count = f.b[n] as number;
  const range = (offset: number, length: number) => rangeOf(f, [f.a[n] as number], offset, length);
  const values = lazyValues(f);
  const entry = (k: number) => {
    const m = f.args[(f.a[n] as number) + k] as number;
    return values[m] === 1 ? lazyValueSource(f, m, undefined) : undefined;
  };
  const lazyStep = (k: number) => lazyStepSource(f, [f.args[(f.a[n] as number) + k] as number]);
  return {
    i: String(n),
    x: String(f.a[n]),
    y: String(f.b[n]),
    count,
    range,
    lane: n % LANES,
    entry,
    lazyStep,
  };
}

/**
 * The backward sweep's lazy step ({@link lazyStep}: the value where lazyValues flags the node, then the tangent
 * as lazyTangent computes it) written out for the entry of a dot that is node `ms[r]` in repetition r: '' where
 * no repetition's is a lazy node, undefined where some are and some not, or they do not move by fixed strides.
 */
function lazyStepSource(f: Program, ms: readonly number[]): string | undefined {
  const lazy = lazyTangents(f);
  const values = lazyValues(f);
  const [m0, m1] = [ms[0] as number, ms[1]];
  if (ms.every((m) => lazy[m] === 0)) return '';
  const moves = ms.every((m, r) => m === m0 + r * ((m1 ?? m0) - m0));
  if (!moves || !linear(f, ms) || !ms.every((m) => lazy[m] === 1 && values[m] === values[m0]))
    return undefined;
  const i = strided(m0, m1);
  const [x, y] = operands(f, m0, m1);
  const code = f.op[m0] as number;
  const [px, py] = code === MUL ? ['y', 'x'] : ['1', code === ADD ? '1' : '-1'];
  const value = values[m0] === 1 ? `val[${i}] = x ${infixOf(code)} y;` : '';
  return `{ const x = val[${x}], y = val[${y}], tx = tan[${x}], ty = tan[${y}]; ${value} let t = -0;
  ${accumulateInto('t', px, 'tx')} ${accumulateInto('t', py, 'ty')} tan[${i}] = t; }`;
}

/**
 * Which sweep: values and tangents (all, or lean: the tangents tangentNeeds flags), or adjoints and their
 * tangents (every reached node, or sparse).
 */
type Sweep = 'forward' | 'lean' | 'backward' | 'sparse' | 'leanSparse';

/** The source of a segment's forward or backward sweep: a run of nodes, or a `for` loop over repetitions. */
function segmentSource(
  f: Program,
  seg: Segment,
  from: number,
  to: number,
  sweep: Sweep,
  jump = false,
): string {
  const forward = sweep === 'forward' || sweep === 'lean';
  const lean = sweep === 'lean';
  const need = lean ? tangentNeeds(f) : undefined;
  const lazy = lazyTangents(f);
  // A loop's position computes its tangent if any repetition needs it and not lazily (one more tangent changes
  // nothing read).
  const tangent = (n: number, stride: number, reps: number) => {
    for (let r = 0; r < reps; r++) {
      const m = n + r * stride;
      if (need === undefined || (need[m] === 1 && lazy[m] === 0)) return true;
    }
    return false;
  };
  // The lean sparse sweep's flags, per position of the unit (a loop's repetition, or this run).
  const unit =
    sweep === 'leanSparse'
      ? seg.kind === 'straight'
        ? unitGates(f, from, to - from, 1)
        : unitGates(f, seg.start, seg.period, seg.reps)
      : undefined;
  const gates = unit?.gates;
  // A position stores its value unless every repetition's node is one lazyValues flags.
  const values = lazyValues(f);
  const stored = (n: number, stride: number, reps: number) => {
    for (let r = 0; r < reps; r++) if (values[n + r * stride] === 0) return true;
    return false;
  };
  // The lean sparse sweep's chain of min or max through the repetitions (kmeans' nearest centroid), if any.
  const chain = unit !== undefined && seg.kind === 'loop' ? chainOf(f, seg, unit) : undefined;
  // With `jump`, the lean forward sweep records where the lean sparse sweep's first jump along that chain lands
  // (leanPointsKernel).
  const landing =
    jump && lean && seg.kind === 'loop'
      ? chainOf(f, seg, unitGates(f, seg.start, seg.period, seg.reps))
      : undefined;
  const plainStep = (code: number, site: Site, n: number, stride: number, reps: number, p: number) =>
    forward
      ? forwardNode(code, site, lean, tangent(n, stride, reps), stored(n, stride, reps))
      : backwardNode(
          code,
          site,
          sweep !== 'backward',
          sweep === 'leanSparse',
          sweep === 'leanSparse' && lazy.includes(1),
          gates?.[p],
        );
  // The landing's test just before the chain's forward step, which reads the same two values (no store between).
  const record = (p: number) =>
    landing !== undefined && p === landing && seg.kind === 'loop'
      ? `if (!(${losesSource(f, seg, landing)})) j = r;\n`
      : '';
  const step = (code: number, site: Site, n: number, stride: number, reps: number, p: number) =>
    p === chain
      ? chainStep(code, site, gates?.[p] as Gates)
      : record(p) + plainStep(code, site, n, stride, reps, p);
  if (seg.kind === 'straight') {
    const lines: string[] = [];
    for (let n = from; n < to; n++)
      lines.push(step(f.op[n] as number, straightSite(f, n), n, 0, 1, n - from));
    if (!forward) lines.reverse();
    return `${unit?.before ?? ''} ${unit?.head ?? ''}\n${lines.join('\n')}`;
  }
  const lines: string[] = [];
  for (let p = 0; p < seg.period; p++) {
    const n = seg.start + p;
    const at = (base: number, stride: number) => (stride === 0 ? String(base) : `${base} + r * ${stride}`);
    const count = f.b[n] as number;
    const starts = () =>
      Array.from({ length: seg.reps }, (_, r) => (f.a[n] as number) + r * (seg.da[p] as number));
    const site: Site = {
      i: at(n, seg.period),
      x: at(f.a[n] as number, seg.da[p] as number),
      y: at(f.b[n] as number, seg.db[p] as number),
      count,
      range: (offset, length) => rangeOf(f, starts(), offset, length),
      lane: p % LANES,
    };
    const values = lazyValues(f);
    const entry = (k: number) => {
      const m0 = f.args[(f.a[n] as number) + k] as number;
      const m1 = seg.reps > 1 ? (f.args[(f.a[n + seg.period] as number) + k] as number) : undefined;
      return values[m0] === 1 ? lazyValueSource(f, m0, m1) : undefined;
    };
    const lazyStep = (k: number) =>
      lazyStepSource(
        f,
        Array.from({ length: seg.reps }, (_, r) => f.args[(f.a[n + r * seg.period] as number) + k] as number),
      );
    lines.push(step(f.op[n] as number, { ...site, entry, lazyStep }, n, seg.period, seg.reps, p));
  }
  if (!forward) lines.reverse();
  lines.unshift(unit?.head ?? '');
  if (chain !== undefined) lines.unshift(chainJump(f, seg, chain, unit?.next ?? [], jump));
  const { before, text } = invariantReads(lines.join('\n'));
  const head = forward ? `let r = 0; r < ${seg.reps}; r++` : `let r = ${seg.reps - 1}; r >= 0; r--`;
  // The chain's last node: its adjoint and adjoint's tangent into the variables (as its step would read them).
  const last = chain === undefined ? -1 : seg.start + chain + (seg.reps - 1) * seg.period;
  const init =
    chain === undefined
      ? ''
      : `let cg = adj[${last}], cgd = adjDot[${last}]; adj[${last}] = -0; adjDot[${last}] = -0;`;
  // In a local through the loop, written out once after it.
  const [start, end] = landing === undefined ? ['', ''] : ['let j = 0;', `J${seg.start} = j;`];
  return `${before} ${unit?.before ?? ''} ${init} ${start}\nfor (${head}) {\n${text}\n} ${end}`;
}

/**
 * The position of a loop's chain of min or max in the lean sparse sweep (kmeans' nearest centroid), or
 * undefined: the one position no flag gates, a min or max whose argument x is its own node in the previous
 * repetition (the first repetition's: a node before the loop) and whose argument y is gated, each repetition's
 * node but the last read by the next one's alone. The sweep then keeps
 * the chain's adjoint and adjoint's tangent in variables ({@link chainStep}) and skips the repetitions where
 * they only pass through ({@link chainJump}).
 */
function chainOf(f: Program, seg: Segment & { kind: 'loop' }, unit: UnitGates): number | undefined {
  let chain: number | undefined;
  for (let p = 0; p < seg.period; p++) {
    const gates = unit.gates[p] as Gates;
    if (gates.own !== undefined) continue;
    const n = seg.start + p;
    const minMax = f.op[n] === MIN || f.op[n] === MAX;
    if (chain !== undefined || !minMax || f.a[n] !== n - seg.period || seg.da[p] !== seg.period)
      return undefined;
    if (gates.xy?.[0] !== undefined || gates.xy?.[1] === undefined || f.b[n] === f.a[n]) return undefined;
    chain = p;
  }
  if (chain === undefined) return undefined;
  const users = usersOf(f);
  const outputs = new Set(f.outputs);
  for (let r = 0; r + 1 < seg.reps; r++) {
    const m = seg.start + chain + r * seg.period;
    const u = users.of(m);
    if (outputs.has(m) || u.length !== 1 || u[0] !== m + seg.period) return undefined;
  }
  return chain;
}

/**
 * The chain's backward step (backwardNode's, the same operations in the same order) with the node's adjoint
 * and adjoint's tangent in `cg` and `cgd`: the previous repetition's node, which only this node writes to, gets
 * its send there (from −0, as its adjoint starts), and the first repetition's argument, a node before the loop,
 * in the arrays.
 */
function chainStep(code: number, s: Site, gates: Gates): string {
  const max = code === MAX;
  const px = minMaxSource(max, 0);
  const toLocals = `{ const p = ${px}; cg = -0 + (g * p + 0); let d = -0; { const pd = mt; if (${reached('pd')}) d += g * pd + 0; }
  if (gr) d += p * gd + 0; cgd = d; }`;
  return `{ const g = cg, gd = cgd; cg = -0; cgd = -0; if (g !== 0 || gd !== 0) { const gr = ${reached('gd')}; const x = val[${s.x}], y = val[${s.y}]; const mt = MT(tan[${s.x}], tan[${s.y}]);
  if (r > 0) ${toLocals} else ${sendSource(s.x, px, 'mt')} ${gatedSendSource(s.y, minMaxSource(max, 1), 'mt', gates.xy?.[1] as string)} } }`;
}

/**
 * At the head of a repetition of the chain's loop, where the repetition the sweep ran last raised no flag for
 * this one (`next`): a repetition whose y loses (min: x < y; its partial is then 0, x's 1) runs nothing but the
 * chain's step, which passes the chain's adjoint and adjoint's tangent on as they are (g·1 + 0), but for the
 * sign of a zero (−0 + 0 is +0), which, as for the nodes the sparse sweep skips (dual-marks.ts), nothing reads
 * but the body inputs' marks, set from the structure after the sweep. So the sweep goes on to the next
 * repetition where y does not lose, or to the first (whose step sends to a node before the loop); where the
 * chain's adjoint and adjoint's tangent are zeros, every step from here on skips its node, and the sweep leaves
 * the loop. kmeans: from the last centroid straight to the nearest, and no further.
 */
function chainJump(
  f: Program,
  seg: Segment & { kind: 'loop' },
  chain: number,
  next: readonly string[],
  jump: boolean,
): string {
  const loses = losesSource(f, seg, chain);
  const quiet = next.length === 0 ? '' : `if (${next.map((flag) => `!${flag}`).join(' && ')}) `;
  // From the last repetition, where the lean forward sweep just ran in the same function (leanPointsKernel), it
  // recorded where the scan below stops: the last repetition whose y does not lose, or the first.
  const scan = `while (r > 0 && ${loses}) r--;`;
  const landed = jump ? `if (r === ${seg.reps - 1}) r = J${seg.start}; else ${scan}` : scan;
  // Where the chain's adjoint and adjoint's tangent are zeros, no step sends anything from here on.
  return `${quiet}{ if (cg === 0 && cgd === 0) break; ${landed} }`;
}

/** Whether repetition r's y loses along the chain at position `chain`, as source (min: x < y). */
function losesSource(f: Program, seg: Segment & { kind: 'loop' }, chain: number): string {
  const n = seg.start + chain;
  const x = `val[${f.a[n]} + r * ${seg.period}]`;
  const y = `val[${f.b[n]} + r * ${seg.db[chain]}]`;
  return f.op[n] === MIN ? `${x} < ${y}` : `${x} > ${y}`;
}

/**
 * A loop's reads of a value or tangent at a fixed index (a node before the loop: kmeans' point, read by every
 * centroid's differences) taken once, into constants before it: no sweep writes a value or tangent inside
 * another segment's loop, but the engine cannot know that the stores to `val` and `tan` miss them.
 */
function invariantReads(text: string): { before: string; text: string } {
  const names = new Map<string, string>();
  const out = text.replace(/\b(val|tan)\[(\d+)\]/g, (_, array: string, index: string) => {
    const key = `${array}[${index}]`;
    let name = names.get(key);
    if (name === undefined) {
      name = `${array === 'val' ? 'Hv' : 'Ht'}${index}`;
      names.set(key, name);
    }
    return name;
  });
  const before = [...names].map(([key, name]) => `const ${name} = ${key};`).join(' ');
  return { before, text: out };
}

/** The sweep's functions, in the order they run (the backward sweep's from the last node). */
function sweepKernels(f: Program, segments: readonly Segment[], sweep: Sweep): Kernel[] {
  const { bindings, fns } = sweepSource(f, segments, sweep, 'k');
  const source = `'use strict';\n${bindings}\n${fns.join('\n')}\nreturn [${fns.map((_, k) => `k${k}`).join(', ')}];`;
  return factoryOf(f, source) as Kernel[];
}

/** The generated source's helpers, bound by name (F, OPS, …); the source returns what it builds. */
function factoryOf(f: Program, source: string): unknown {
  const factory = new Function('F', 'OPS', 'MT', 'NF', 'FF', 'NB', 'FB', 'LZ', source) as (
    ...helpers: unknown[]
  ) => unknown;
  return factory(
    f,
    OP_DEFS,
    minMaxPartialTangent,
    naryForward,
    fixedForward,
    naryBackward,
    fixedBackward,
    lazyStep(f),
  );
}

/**
 * The lean sweeps of a sum map's iterations over data rows in one function (DualKernels.leanPoints): the lean
 * forward sweep's functions (`f0`, `f1`, …) and the lean sparse sweep's (`b0`, …) called in a loop over the
 * iterations, the same steps in the same order as the separate calls.
 */
function leanPointsKernel(
  f: Program,
  segments: readonly Segment[],
): (s: DualArrays, p: PointRows, last: number) => void {
  const lean = sweepSource(f, segments, 'lean', 'f', true);
  const sparse = sweepSource(f, segments, 'leanSparse', 'b', true);
  // Each loop's landing along its chain, which the forward sweep writes and the sparse sweep reads.
  const landings = segments
    .filter((seg) => seg.kind === 'loop')
    .map((seg) => `let J${seg.start} = 0;`)
    .join(' ');
  const calls = (fns: readonly string[], prefix: string) =>
    fns.map((_, k) => `${prefix}${k}(s, val, tan, adj, adjDot, args);`).join(' ');
  // As leanForward: the constants' values and their tangents untouched, where the body has constants.
  const constants = f.inputStart > 0 ? `val.set(F.constants, 0); tan.fill(-0, 0, ${f.inputStart});` : '';
  const driver = `function points(s, p, last) {
  const { val, tan, adj, adjDot } = s; const args = F.args;
  const { rows, width, rowAt, indexAt, outputs, seed, seedDot } = p;
  for (let i = last; i >= 0; i--) {
    for (let k = 0; k < width; k++) { val[rowAt + k] = rows[i * width + k]; tan[rowAt + k] = -0; }
    val[indexAt] = i; tan[indexAt] = -0;
    ${constants}
    ${calls(lean.fns, 'f')}
    for (let k = 0; k < outputs.length; k++) { const o = outputs[k]; adj[o] = adj[o] + seed[k]; adjDot[o] = adjDot[o] + seedDot[k]; }
    ${calls(sparse.fns, 'b')}
  }
}`;
  const source = `'use strict';\n${lean.bindings}\n${landings}\n${lean.fns.join('\n')}\n${sparse.fns.join('\n')}\n${driver}\nreturn points;`;
  return factoryOf(f, source) as (s: DualArrays, p: PointRows, last: number) => void;
}

/** The sweep's functions' source (named `prefix` 0, 1, … in the order they run) and the bindings they read. */
function sweepSource(
  f: Program,
  segments: readonly Segment[],
  sweep: Sweep,
  prefix: string,
  jump = false,
): { bindings: string; fns: string[] } {
  const forward = sweep === 'forward' || sweep === 'lean';
  const bodies: string[] = [];
  for (const seg of segments) {
    if (seg.kind === 'loop') bodies.push(segmentSource(f, seg, seg.start, seg.start, sweep, jump));
    else
      for (let n = seg.start; n < seg.end; n += CHUNK)
        bodies.push(segmentSource(f, seg, n, Math.min(seg.end, n + CHUNK), sweep));
  }
  if (!forward) bodies.reverse();
  const nary = new Set<number>();
  for (let n = f.opStart; n < f.size; n++)
    if (f.op[n] === SUM || f.op[n] === DOT) nary.add(f.op[n] as number);
  const bindings = [...nary].map((code) => `const NV${code} = OPS[${code}].value;`).join('\n');
  const bads = Array.from({ length: LANES }, (_, k) => `bad${k}`);
  const fns = bodies.map(
    (b, k) =>
      `function ${prefix}${k}(s, val, tan, adj, adjDot, args) {\nlet ${bads.map((v) => `${v} = 0`).join(', ')};\n${b}\nreturn ${bads.join(' + ')};\n}`,
  );
  return { bindings, fns };
}

/**
 * The backward sweep's lazy step (dual-marks.ts's lazyTangent): a node that {@link lazyValues} flags gets its
 * value first, as its forward step computes it.
 */
function lazyStep(f: Program): (val: Float64Array, tan: Float64Array, m: number) => void {
  const tangent = lazyTangent(f);
  const values = lazyValues(f);
  const { op, a, b } = f;
  return (val, tan, m) => {
    if (values[m] === 1) {
      const x = val[a[m] as number] as number;
      const y = val[b[m] as number] as number;
      val[m] = op[m] === ADD ? x + y : op[m] === SUB ? x - y : x * y;
    }
    tangent(val, tan, m);
  };
}

/** Per body: its compiled sweeps, or null where the interpreter runs it. */
const cache = new WeakMap<Program, DualKernels | null>();

/**
 * The body's compiled forward-over-reverse sweeps (generated on first use), or undefined for a body with loops
 * of its own (the interpreter runs those) or with more than {@link MAX_STRAIGHT} nodes outside loops.
 */
export function dualKernels(body: Program): DualKernels | undefined {
  return cachedFor(cache, body, () => build(body)) ?? undefined;
}

function build(body: Program): DualKernels | null {
  if (body.calls.length > 0) return null;
  const segments = planSegments(body);
  let straight = 0;
  for (const seg of segments) if (seg.kind === 'straight') straight += seg.end - seg.start;
  if (straight > MAX_STRAIGHT) return null;
  const forward = sweepKernels(body, segments, 'forward');
  const backward = sweepKernels(body, segments, 'backward');
  let sparse: Kernel[] | undefined;
  let lean: Kernel[] | undefined;
  let leanSparse: Kernel[] | undefined;
  let points: ((s: DualArrays, p: PointRows, last: number) => void) | undefined;
  const { args, constants, inputStart } = body;
  return {
    forward(s) {
      // As dualForward: the constants' values, and their tangents untouched.
      s.val.set(constants, 0);
      s.tan.fill(UNTOUCHED, 0, inputStart);
      let bad = 0;
      for (const k of forward) bad += k(s, s.val, s.tan, s.adj, s.adjDot, args);
      return bad;
    },
    leanForward(s) {
      lean ??= sweepKernels(body, segments, 'lean');
      // Once per iteration: a body without constants (kmeans') skips the two calls.
      if (inputStart > 0) {
        s.val.set(constants, 0);
        s.tan.fill(UNTOUCHED, 0, inputStart);
      }
      for (const k of lean) k(s, s.val, s.tan, s.adj, s.adjDot, args);
    },
    backward(s) {
      for (const k of backward) k(s, s.val, s.tan, s.adj, s.adjDot, args);
    },
    leanSparseBackward(s) {
      leanSparse ??= sweepKernels(body, segments, 'leanSparse');
      for (const k of leanSparse) k(s, s.val, s.tan, s.adj, s.adjDot, args);
    },
    leanPoints(s, p, last) {
      points ??= leanPointsKernel(body, segments);
      points(s, p, last);
    },
    sparseBackward(s) {
      sparse ??= sweepKernels(body, segments, 'sparse');
      for (const k of sparse) k(s, s.val, s.tan, s.adj, s.adjDot, args);
    },
  };
}
