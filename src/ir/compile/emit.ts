/**
 * Source generation for the compiled backend: JavaScript for a program's primal sweep, adjoint sweep and
 * tangent sweep, one function per segment of the plan (a loop, or a run of at most {@link CHUNK} nodes, small
 * enough for the engine to optimise). Every statement does what the interpreter does for that node, in the
 * same order and with the same rule functions, so the results agree to the last bit; add, sub, mul, div and
 * neg are written as operators, which is what their rules are.
 */
import { OP_ARITY, OP_CODE } from '../ops.js';
import type { Program } from '../program.js';
import type { Loop, Segment } from './plan.js';

/** Most nodes per generated function for runs without a loop. */
export const CHUNK = 400;

export type SweepKind = 'primal' | 'adjoint' | 'tangent';

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
}

/**
 * How entry `k` of the argument range `st + offset .. st + offset + length − 1` is read, where `st` is the
 * generated code's start of the list: `args[k]`, or a plain node index where the range is contiguous in every
 * repetition and its first node moves by a fixed stride.
 */
function rangeRef(list: ArgList, offset: number, length: number): (k: string) => string {
  const { args, starts } = list;
  const firsts = starts.map((st) => args[st + offset] as number);
  const d = firsts.length > 1 ? (firsts[1] as number) - (firsts[0] as number) : 0;
  let plain = length > 0;
  for (let r = 0; r < starts.length && plain; r++) {
    const from = (starts[r] as number) + offset;
    const first = firsts[r] as number;
    plain = first === (firsts[0] as number) + r * d;
    for (let k = 1; k < length && plain; k++) plain = args[from + k] === first + k;
  }
  if (!plain) return (k) => `args[${k}]`;
  const base = strided(firsts[0] as number, d);
  return (k) => `${base} + (${k}) - (st + ${offset})`;
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

function primalNode(code: number, s: Site): string {
  const arity = OP_ARITY[code] as number;
  if (arity === 0) {
    const list = s.list as ArgList;
    const n = list.count;
    if (code === SUM) {
      // As OPS.sum: from the first term, then left to right.
      if (n === 0) return `v[${s.i}] = 0;`;
      const ref = rangeRef(list, 0, n);
      return `{ const st = ${s.a}; let s = v[${ref('st')}];
        for (let k = st + 1; k < st + ${n}; k++) s += v[${ref('k')}]; v[${s.i}] = s; }`;
    }
    if (code === DOT) {
      // As OPS.dot: from the first product, then left to right.
      const h = n >> 1;
      if (h === 0) return `v[${s.i}] = 0;`;
      const x = rangeRef(list, 0, h);
      const y = rangeRef(list, h, h);
      return `{ const st = ${s.a}; let s = v[${x('st')}] * v[${y(`st + ${h}`)}];
        for (let k = st + 1; k < st + ${h}; k++) s += v[${x('k')}] * v[${y(`k + ${h}`)}]; v[${s.i}] = s; }`;
    }
    return `v[${s.i}] = N${code}(v, args, ${s.a}, ${n});`;
  }
  if (arity === 1) {
    return code === NEG ? `v[${s.i}] = -v[${s.a}];` : `v[${s.i}] = V${code}(v[${s.a}], 0);`;
  }
  if (s.square) return `v[${s.i}] = v[${s.a}] * v[${s.a}];`;
  const infix = INFIX[code];
  return infix !== undefined
    ? `v[${s.i}] = v[${s.a}] ${infix} v[${s.b}];`
    : `v[${s.i}] = V${code}(v[${s.a}], v[${s.b}]);`;
}

/** The partials of a fixed-arity node as expressions in `x`, `y`, `z` (numbers where they are constants). */
function partialExprs(code: number, s: Site): [string, string] {
  if (s.square) return ['2 * x', `P${code}_1(x, y, z)`];
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

/** `adj[target] += g · p`, skipping a zero partial (the zero-factor rule). */
function addAdjoint(target: string, p: string): string {
  if (p === '1') return `adj[${target}] += g;`;
  if (p === '-1') return `adj[${target}] -= g;`;
  return `p = ${p}; if (p !== 0) adj[${target}] += g * p;`;
}

function adjointNode(code: number, s: Site): string {
  const arity = OP_ARITY[code] as number;
  // A node that depends on no input passes its adjoint to constants only: nothing to do.
  if (!s.active[0]) return '';
  const head = `g = adj[${s.i}]; if (g !== 0) {`;
  if (arity === 0) {
    const list = s.list as ArgList;
    const n = list.count;
    const st = `const st = ${s.a};`;
    if (code === SUM) {
      if (!rangeActive(list, 0, n)) return '';
      const ref = rangeRef(list, 0, n);
      return `${head} ${st} for (let k = st; k < st + ${n}; k++) adj[${ref('k')}] += g; }`;
    }
    if (code === DOT) {
      const h = n >> 1;
      const x = rangeRef(list, 0, h);
      const y = rangeRef(list, h, h);
      if (sameHalves(list, h)) {
        // dot(w, w): both contributions to w_k in one pass (each w_k gets the same additions, in the same order).
        return rangeActive(list, 0, h)
          ? `${head} ${st} for (let k = st; k < st + ${h}; k++) { p = v[${x('k')}]; if (p !== 0) { const i = ${x('k')}; adj[i] = adj[i] + g * p + g * p; } } }`
          : '';
      }
      // The two halves in order, each left out when all its entries are constants.
      const first = rangeActive(list, 0, h)
        ? `for (let k = st; k < st + ${h}; k++) { p = v[${y(`k + ${h}`)}]; if (p !== 0) adj[${x('k')}] += g * p; }`
        : '';
      const second = rangeActive(list, h, h)
        ? `for (let k = st + ${h}; k < st + ${n}; k++) { p = v[${x(`k - ${h}`)}]; if (p !== 0) adj[${y('k')}] += g * p; }`
        : '';
      return `${head} ${st} ${first} ${second} }`;
    }
    return `${head} ${st} const z = v[${s.i}];
      for (let k = 0; k < ${n}; k++) { p = Q${code}(v, args, st, ${n}, z, k); if (p !== 0) adj[args[st + k]] += g * p; } }`;
  }
  const [px, py] = partialExprs(code, s);
  const toX = s.active[1];
  const toY = arity === 2 && s.active[2];
  const uses = (name: string) => (toX && px.includes(name)) || (toY && py.includes(name));
  const reads = [
    `const xi = ${s.a};`,
    arity === 2 ? `const yi = ${s.b};` : '',
    uses('x') ? 'const x = v[xi];' : '',
    uses('y') ? (arity === 2 ? 'const y = v[yi];' : 'const y = 0;') : '',
    uses('z') ? `const z = v[${s.i}];` : '',
  ].join(' ');
  // Partials read values only, so computing them in turn is the same as computing both first.
  return `${head} ${reads} ${toX ? addAdjoint('xi', px) : ''} ${toY ? addAdjoint('yi', py) : ''} }`;
}

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
        ? `for (let k = st; k < st + ${h}; k++) ${accumulateSource(`(${x('k')}) * ${c}`, `v[${y(`k + ${h}`)}]`, c, acc)}`
        : '';
      const second = rangeActive(list, h, h)
        ? `for (let k = st + ${h}; k < st + ${n}; k++) ${accumulateSource(`(${y('k')}) * ${c}`, `v[${x(`k - ${h}`)}]`, c, acc)}`
        : '';
      return `{ ${head} const st = ${s.a}; ${value} ${acc ? declare : clear} ${first} ${second} ${store} }`;
    }
    return `{ ${head} const st = ${s.a}; ${value} ${clear}
      for (let k = 0; k < ${n}; k++) LA(t, to, args[st + k] * ${c}, Q${code}(v, args, st, ${n}, z, k), ${c}); }`;
  }
  const value = primalNode(code, s).replace(`v[${s.i}] = `, '').replace(/;$/, '');
  const [px, py] = partialExprs(code, s);
  if (arity === 1) {
    // As unaryLanes: zeros, then p times the argument's lanes (0 + p·t, so −0 becomes +0 as there).
    return `{ ${head} const xi = ${s.a}; const x = v[xi], y = 0;
      const z = ${value.replaceAll(`v[${s.a}]`, 'x')}; v[${s.i}] = z;
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
    const z = ${value.replaceAll(`v[${s.a}]`, 'x').replaceAll(`v[${s.b}]`, 'y')}; v[${s.i}] = z;
    const xb = xi * ${c}, yb = yi * ${c};
    ${lanes} }`;
}

function nodeStatement(kind: SweepKind, code: number, s: Site, width: number): string {
  if (kind === 'primal') return primalNode(code, s);
  if (kind === 'adjoint') return adjointNode(code, s);
  return tangentNode(code, s, width);
}

/** `base + r·d` as source. */
function strided(base: number, d: number): string {
  if (d === 0) return String(base);
  if (d === 1) return `${base} + r`;
  return `${base} + r * ${d}`;
}

/** Whether node `i` is the constant 2. */
function isTwo(f: Program, i: number): boolean {
  return i < f.inputStart && f.constants[i] === 2;
}

/** Whether node `base + r·d` is active for some r < reps. */
function someActive(activity: Uint8Array, base: number, d: number, reps: number): boolean {
  for (let r = 0; r < reps; r++) if (activity[base + r * d] === 1) return true;
  return false;
}

function loopSource(f: Program, kind: SweepKind, loop: Loop, width: number, activity: Uint8Array): string {
  const body: string[] = [];
  for (let p = 0; p < loop.period; p++) {
    const n = loop.start + p;
    const code = f.op[n] as number;
    const arity = OP_ARITY[code] as number;
    const site: Site = {
      i: strided(n, loop.period),
      a: strided(f.a[n] as number, loop.da[p] as number),
      b: arity === 0 ? String(f.b[n]) : strided(f.b[n] as number, loop.db[p] as number),
      square: code === POW && loop.db[p] === 0 && isTwo(f, f.b[n] as number),
      list:
        arity === 0
          ? {
              args: f.args,
              starts: Array.from(
                { length: loop.reps },
                (_, r) => (f.a[n] as number) + r * (loop.da[p] as number),
              ),
              count: f.b[n] as number,
              activity,
            }
          : undefined,
      active: [
        someActive(activity, n, loop.period, loop.reps),
        arity === 0 || someActive(activity, f.a[n] as number, loop.da[p] as number, loop.reps),
        arity === 2 && someActive(activity, f.b[n] as number, loop.db[p] as number, loop.reps),
      ],
    };
    body.push(nodeStatement(kind, code, site, width));
  }
  if (kind === 'adjoint') {
    body.reverse();
    return `for (let r = ${loop.reps - 1}; r >= 0; r--) {\n${body.join('\n')}\n}`;
  }
  return `for (let r = 0; r < ${loop.reps}; r++) {\n${body.join('\n')}\n}`;
}

function straightSource(
  f: Program,
  kind: SweepKind,
  start: number,
  end: number,
  width: number,
  activity: Uint8Array,
): string {
  const lines: string[] = [];
  for (let n = start; n < end; n++) {
    const code = f.op[n] as number;
    const arity = OP_ARITY[code] as number;
    const a = f.a[n] as number;
    const b = f.b[n] as number;
    const site: Site = {
      i: String(n),
      a: String(a),
      b: String(b),
      active: [activity[n] === 1, arity === 0 || activity[a] === 1, arity === 2 && activity[b] === 1],
      square: code === POW && isTwo(f, b),
      list: arity === 0 ? { args: f.args, starts: [a], count: b, activity } : undefined,
    };
    lines.push(nodeStatement(kind, code, site, width));
  }
  if (kind === 'adjoint') lines.reverse();
  return lines.join('\n');
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
  width = 0,
): string {
  const params = kind === 'primal' ? 'v, args' : kind === 'adjoint' ? 'v, adj, args' : 'v, t, args';
  const locals = kind === 'adjoint' ? 'let g, p;' : '';
  const bodies: string[] = [];
  for (const seg of segments) {
    if (seg.kind === 'loop') bodies.push(loopSource(f, kind, seg, width, activity));
    else {
      for (let s = seg.start; s < seg.end; s += CHUNK) {
        bodies.push(straightSource(f, kind, s, Math.min(seg.end, s + CHUNK), width, activity));
      }
    }
  }
  if (kind === 'adjoint') bodies.reverse();
  const used = new Set<number>();
  for (let n = f.opStart; n < f.size; n++) used.add(f.op[n] as number);
  const bindings: string[] = [];
  for (const code of used) {
    const arity = OP_ARITY[code] as number;
    if (arity === 0) bindings.push(`const N${code} = N[${code}], Q${code} = Q[${code}];`);
    else {
      bindings.push(`const V${code} = V[${code}], P${code}_0 = P[${code}][0];`);
      if (arity === 2) bindings.push(`const P${code}_1 = P[${code}][1];`);
    }
  }
  const fns = bodies.map((body, k) => `function s${k}(${params}) {\n${locals}\n${body}\n}`);
  return `'use strict';\n${bindings.join('\n')}\n${fns.join('\n')}\nreturn [${bodies.map((_, k) => `s${k}`).join(', ')}];`;
}
