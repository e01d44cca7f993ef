/**
 * Loop drivers for the compiled backend: for a loop call whose body has no loops of its own, one generated
 * function runs every iteration — it loads the row and the index into the body's values, calls the body's
 * compiled sweeps, and reduces, passes the carry or accumulates the gradient — where the interpreter's loop
 * code goes through closures and generic copies per iteration. The statements are those of the interpreter's
 * loop code (interpret/primal.ts, interpret/adjoint-loop.ts) in the same order, so the numbers are the same to the bit.
 *
 * Measured on lse at n = 1,280,000 (a scan of max and a map of exp over the inputs; `node` on a script that
 * times `gradient` and `evaluate` with the compiled backend): see docs/loops.md.
 */
import { cachedFor } from '../../ir/differentiator.js';
import { capturedInput, indexInput, type Loop, rowArg, rowInput } from '../../ir/loop.js';
import { accumulate, FIXED_VALUE, NUMERIC_PARTIALS, OP_ARITY, OP_CODE } from '../../ir/ops.js';
import type { LoopCall, Program } from '../../ir/program.js';
import { reachedInputs } from '../zero-factor.js';
import { literal, localSource, partialExprs, useCounts } from './emit.js';
import { activity, compiled, type Kernels } from './index.js';
import { partialBindings, partialSource } from './partials.js';

/** A map's primal: writes a sum's outputs into `v` (at least one row), or a logsumexp's rows' values into `ys`. */
export type MapPrimal = (v: Float64Array, bv: Float64Array, ys: Float64Array) => void;
/**
 * A scan's iterations `from .. to − 1` on the body's values `bv` (carry inputs hold the carry at `from`, and
 * the carry at `to` on return); with `outputs`, each iteration's outputs go to the call's nodes in `v`. With
 * `keep` (the recording, interpret/adjoint-loop.ts), after iteration i's sweep and before its carry passes on, its carry
 * goes to `keep.snaps` when i is a multiple of `keep.stride`, and its body values to `keep.tapes`, if any (`bv` is
 * then the body's size: it is copied whole, by `set`, which took a third of the time of a copy loop on lstm's
 * 2,416 values per iteration). Returns false where a driver that {@link testsRows} read a row entry that is NaN
 * or ±∞; true otherwise.
 */
export type ScanPrimal = (
  v: Float64Array,
  bv: Float64Array,
  from: number,
  to: number,
  outputs: boolean,
  keep: ScanKeep | undefined,
) => boolean;

/** What a scan's recording keeps per iteration. */
export interface ScanKeep {
  readonly snaps: Float64Array;
  readonly stride: number;
  readonly tapes: Float64Array | undefined;
}

/**
 * A scan's backward sweep when the recording kept every iteration's body values (store-all): for i = to − 1
 * down to 0, the body's values from `tapes`, its adjoint sweep seeded by the carry's adjoints `cbar` and the
 * outputs' adjoints in `adjOut` (the program's adjoints), then `cbar` from the carry inputs, the captured
 * values' adjoints added into `gCap`, and expression rows' adjoints into `adjOut`; `slow(i)` runs the tested
 * sweep for an iteration whose untested one stored NaN or ±∞ (interpret/adjoint-loop.ts's step).
 */
export type ScanBackward = (
  adjOut: Float64Array,
  bv: Float64Array,
  adj: Float64Array,
  tapes: Float64Array,
  cbar: Float64Array,
  gCap: Float64Array,
  slow: (i: number) => void,
  /** Iterations to − 1 down to 0 (the later ones ran before). */
  to: number,
) => void;
/**
 * A one-output sum map's recording (interpret/adjoint-loop.ts): per row, the body's primal and adjoint sweeps; writes the
 * sum into `v`, adds the captured values' adjoints into `g`, keeps each row's adjoints in `rows` (expression
 * rows), and calls `slow()` for an iteration whose untested adjoint sweep stored NaN or ±∞ (it runs the tested
 * sweep on the same values). False when a row's sweep stored such a value instead (see {@link mapGradient}).
 */
export type MapGradient = (
  v: Float64Array,
  bv: Float64Array,
  adj: Float64Array,
  g: Float64Array,
  rows: Float64Array,
  slow: () => void,
) => boolean;

/** Source and bindings of a generated function: the factory's parameter names and their values. */
class Source {
  readonly names: string[] = [];
  readonly values: unknown[] = [];

  /** The name, as a parameter of the factory holding `value` (bound once; a name holds one value). */
  bind(name: string, value: unknown): string {
    const at = this.names.indexOf(name);
    if (at < 0) {
      this.names.push(name);
      this.values.push(value);
    } else if (this.values[at] !== value) throw new Error(`difflab: two values bound to ${name}`);
    return name;
  }

  /** The calls of a body's primal sweep functions on `bv`, one statement each. */
  primalCalls(kernels: Kernels<unknown>, args: Int32Array): string {
    const a = this.bind('BA', args);
    return kernels
      .map((k, j) => `${this.bind(`p${j}`, k.fn)}(bv, ${a}, ${this.bind(`pO${j}`, k.offsets)});`)
      .join('\n');
  }

  /**
   * The calls of a body's adjoint sweep without zero tests on `bv` and `adj`, every one of them, and `onBad`
   * when one stored NaN or ±∞.
   */
  fastAdjoint(kernels: Kernels<unknown>, args: Int32Array, onBad: string): string {
    if (kernels.length === 0) return '';
    const a = this.bind('BA', args);
    const calls = kernels.map(
      (k, j) => `${this.bind(`a${j}`, k.fn)}(bv, adj, ${a}, ${this.bind(`aO${j}`, k.offsets)})`,
    );
    // `|`, not `||`: every function runs.
    return `if (${calls.join(' | ')}) ${onBad};`;
  }

  /** The calls of a body's adjoint sweep without tests at its stores, every one of them. */
  unnotedAdjoint(kernels: Kernels<unknown>, args: Int32Array): string {
    const a = this.bind('BA', args);
    return kernels
      .map((k, j) => `${this.bind(`u${j}`, k.fn)}(bv, adj, ${a}, ${this.bind(`uO${j}`, k.offsets)});`)
      .join('\n');
  }

  /** Statements that run once, before the function is returned (the op rules' bindings, `partialBindings`). */
  readonly declarations: string[] = [];

  build<T>(body: string): T {
    const declared = this.declarations.join('\n');
    return new Function(...this.names, `'use strict';\n${declared}\nreturn ${body};`)(...this.values) as T;
  }
}

/** The statements that load iteration i's row and index into `bv`. */
function iterationSource(src: Source, call: LoopCall): string {
  const { loop } = call;
  const in0 = loop.body.inputStart;
  const r0 = in0 + rowInput(loop);
  const w = loop.width;
  const lines: string[] = [];
  const table = loop.rowArgs ? src.bind('CA', call.args) : src.bind('D', loop.rows);
  const from = loop.rowArgs ? (k: string) => `v[${table}[rb + ${k}]]` : (k: string) => `${table}[rb + ${k}]`;
  if (w > 0) {
    lines.push(`const rb = ${loop.rowArgs ? `${loop.carry + loop.captured} + ` : ''}i * ${w};`);
    if (w <= 16) for (let k = 0; k < w; k++) lines.push(`bv[${r0 + k}] = ${from(String(k))};`);
    else lines.push(`for (let k = 0; k < ${w}; k++) bv[${r0} + k] = ${from('k')};`);
  }
  lines.push(`bv[${in0 + indexInput(loop)}] = i;`);
  return lines.join('\n');
}

/**
 * The fewest entries of a run of `adj` that a driver zeroes by `fill`: a call costs about 20 ns, a loop's store
 * 0.75 ns (lstm's backward driver zeroed 2,247 adjoints per iteration by a loop, 13 ms of its gradient at
 * l = 6, c = 8,192; by `fill`, 1.5 ms).
 */
const FILL_RUN = 32;

/**
 * The statements that zero `adj` over the [start, end) runs: stores for a short run, a loop for a longer one,
 * `fill` for a long one.
 */
function zeroSource(runs: Int32Array): string {
  const lines: string[] = [];
  for (let k = 0; k < runs.length; k += 2) {
    const from = runs[k] as number;
    const to = runs[k + 1] as number;
    if (to - from <= 16) for (let j = from; j < to; j++) lines.push(`adj[${j}] = 0;`);
    else if (to - from < FILL_RUN) lines.push(`for (let k = ${from}; k < ${to}; k++) adj[k] = 0;`);
    else lines.push(`adj.fill(0, ${from}, ${to});`);
  }
  return lines.join('\n');
}

/**
 * The longest gap of operation nodes that {@link acrossHeld} zeroes with the runs around it: a store costs about
 * 0.75 ns, a loop or `fill` statement about 20 ns more (FILL_RUN).
 */
const HELD_GAP = 16;

/**
 * The [start, end) runs with the gaps between them joined where a gap is at most {@link HELD_GAP} operation
 * nodes (from `opStart` on). Those gaps are held adjoints (zeroRuns in index.ts: kept in locals or written
 * before any read), so zeros there change nothing the sweep reads, and one statement replaces several: gmm's
 * body at d = 10 had 25 runs of 22 entries, one held entry apart (its jacobian 7.0 → 6.4 CPU ms per call).
 * Inputs are never joined: a captured value's adjoint may stay in `adj` across the rows (rowSummed).
 */
export function acrossHeld(runs: Int32Array, opStart: number): Int32Array {
  const out: number[] = [];
  for (let k = 0; k < runs.length; k += 2) {
    const a = runs[k] as number;
    const b = runs[k + 1] as number;
    const end = out.length - 1;
    const last = out[end];
    if (last !== undefined && last >= opStart && a - last <= HELD_GAP) out[end] = b;
    else out.push(a, b);
  }
  return Int32Array.from(out);
}

/** The [start, end) runs without [from, to). */
function withoutRange(runs: Int32Array, from: number, to: number): Int32Array {
  const out: number[] = [];
  for (let k = 0; k < runs.length; k += 2) {
    const a = runs[k] as number;
    const b = runs[k + 1] as number;
    if (a < Math.min(b, from)) out.push(a, Math.min(b, from));
    if (Math.max(a, to) < b) out.push(Math.max(a, to), b);
  }
  return Int32Array.from(out);
}

/**
 * The body's compiled sweeps for a driver's adjoint: its index, and its rows when they are data, count as
 * constants, since no one reads their adjoints (llsq's body, a dot product of a data row with the captured
 * x, then sends adjoints to x alone). The full sweeps stay for the interpreter's hand-over and the guards.
 */
function driverBody(loop: Loop) {
  return compiled(loop.body, passiveInputs(loop));
}

/** The body inputs a driver's adjoint treats as constants (by input index): the index, and data rows. */
function passiveInputs(loop: Loop): Uint8Array {
  const passive = new Uint8Array(loop.body.variables.length);
  passive[indexInput(loop)] = 1;
  if (!loop.rowArgs) passive.fill(1, rowInput(loop), rowInput(loop) + loop.width);
  return passive;
}

const maps = new WeakMap<LoopCall, MapPrimal>();
const scans = new WeakMap<LoopCall, ScanPrimal>();
const storedScans = new WeakMap<LoopCall, ScanPrimal>();
const gradients = new WeakMap<LoopCall, MapGradient>();
const unnotedGradients = new WeakMap<LoopCall, MapGradient>();

/** The map's primal driver (the body has no loops; `bv` holds its constants and captured values). */
export function mapPrimal(call: LoopCall, bv: Float64Array): MapPrimal {
  return cachedFor(maps, call, () => {
    const local = localMapPrimal(call, bv);
    if (local !== undefined) return local;
    const { loop, first } = call;
    const src = new Source();
    const calls = src.primalCalls(compiled(loop.body).primalKernels(bv), loop.body.args);
    const outs = loop.body.outputs;
    const reduce: string[] = [];
    for (let k = 0; k < loop.perStep; k++) {
      const o = outs[k] as number;
      if (loop.reduce === 'sum')
        reduce.push(`v[${first + k}] = i === 0 ? bv[${o}] : v[${first + k}] + bv[${o}];`);
      else reduce.push(`ys[i * ${loop.perStep} + ${k}] = bv[${o}];`);
    }
    return src.build<MapPrimal>(`function mapPrimal(v, bv, ys) {
for (let i = 0; i < ${loop.n}; i++) {
${iterationSource(src, call)}
${calls}
${reduce.join('\n')}
}
}`);
  });
}

/** The statements that pass a scan's next carry (the body's first outputs) to its carry inputs. */
function carrySource(src: Source, loop: Loop): string {
  const outs = loop.body.outputs;
  const in0 = loop.body.inputStart;
  const c = loop.carry;
  // An output may be a carry input passed on as it is: read them all before writing any.
  if (c <= 32) {
    const reads = Array.from({ length: c }, (_, k) => `const c${k} = bv[${outs[k] as number}];`);
    const writes = Array.from({ length: c }, (_, k) => `bv[${in0 + k}] = c${k};`);
    return [...reads, ...writes].join('\n');
  }
  const o = src.bind('OUTS', outs);
  const s = src.bind('S', new Float64Array(c));
  return `for (let k = 0; k < ${c}; k++) ${s}[k] = bv[${o}[k]];\nfor (let k = 0; k < ${c}; k++) bv[${in0} + k] = ${s}[k];`;
}

/**
 * The scan's primal driver (the body has no loops; `bv` holds its constants and captured values). `stored`: the
 * body's sweep also stores its loops' block locals, for a recording that keeps every iteration's values (read
 * back by {@link scanBackward}). A small straight body's driver on locals ({@link localScanPrimal}) serves both:
 * it keeps every body value it is asked to keep, block locals included.
 */
export function scanPrimal(call: LoopCall, bv: Float64Array, stored = false): ScanPrimal {
  return cachedFor(stored ? storedScans : scans, call, () => {
    const local = localScanPrimal(call, bv);
    if (local !== undefined) return local;
    const { loop, first } = call;
    const src = new Source();
    const body = compiled(loop.body);
    const kernels = stored ? body.storedPrimalKernels(bv) : body.primalKernels(bv);
    const calls = src.primalCalls(kernels, loop.body.args);
    const outs = loop.body.outputs;
    const c = loop.carry;
    const p = loop.perStep;
    const writes: string[] = [];
    if (p <= 16) {
      for (let k = 0; k < p; k++) writes.push(`v[base + ${k}] = bv[${outs[c + k] as number}];`);
    } else {
      const o = src.bind('YO', outs.slice(c));
      writes.push(`for (let k = 0; k < ${p}; k++) v[base + k] = bv[${o}[k]];`);
    }
    const size = loop.body.size;
    const in0 = loop.body.inputStart;
    return src.build<ScanPrimal>(`function scanPrimal(v, bv, from, to, outputs, keep) {
const snaps = keep?.snaps, stride = keep?.stride ?? 1, tapes = keep?.tapes;
for (let i = from; i < to; i++) {
${iterationSource(src, call)}
${calls}
if (snaps !== undefined && i % stride === 0) {
const s0 = (i / stride) * ${c};
for (let k = 0; k < ${c}; k++) snaps[s0 + k] = bv[${in0} + k];
}
if (tapes !== undefined) tapes.set(bv, i * ${size});
if (outputs) {
const base = ${first + c} + i * ${p};
${writes.join('\n')}
}
${carrySource(src, loop)}
}
return true;
}`);
  });
}

/**
 * The recording driver of a one-output sum map (the body has no loops; `bv` holds its constants and captured
 * values). With `noted`, each row's adjoint sweep tests every store for NaN or ±∞ and hands that row to
 * `slow()`; the driver returns true. Without, the sweep has no such tests, and the captured values' and
 * expression rows' adjoints are tested as they are summed and kept, which a NaN or ±∞ stored anywhere in the
 * row's sweep reaches (SweepOptions.noted, emit.ts): the driver stops at the first row that has one and
 * returns false, and the caller records the call again with `noted` (whose numbers the unnoted driver's equal
 * wherever it returns true). The stores' tests were as costly as the pass over the inputs' adjoints that
 * replaced them (gmm's jacobian 6 % slower at d = 10, 214,500 captured values at d = 64); tested as they are summed
 * they cost an addition each.
 */
export function mapGradient(
  call: LoopCall,
  bv: Float64Array,
  adj: Float64Array,
  noted: boolean,
): MapGradient {
  return cachedFor(noted ? gradients : unnotedGradients, call, () => {
    const local = noted ? undefined : localMapGradient(call, bv);
    if (local !== undefined) return local;
    const { loop, first } = call;
    const body = compiled(loop.body);
    const src = new Source();
    const primal = src.primalCalls(body.primalKernels(bv), loop.body.args);
    const passive = driverBody(loop);
    const { calls, zeroRuns } = passive.adjointKernels(bv, adj);
    const in0 = loop.body.inputStart;
    const out = loop.body.outputs[0] as number;
    const cap = in0 + capturedInput(loop);
    const r0 = in0 + rowInput(loop);
    const w = loop.width;
    const test = noted ? '' : ' bad += u - u;';
    // The captured values' adjoints are zeroed as they are summed, for the next row, rather than in a pass of
    // their own before it (gmm at d = 64 has 214,500); the first row's, before the loop.
    const capEnd = cap + loop.captured;
    // Without the stores' tests, a captured value that gets one addition per row sums in place (inPlace).
    const summed = noted ? [0, loop.captured] : rowSummed(loop, zeroRuns);
    const perRow = rangesSource(src, summed, (k) => {
      return `{ const u = adj[${cap} + ${k}];${test} g[${k}] += u; adj[${cap} + ${k}] = 0; }`;
    });
    const atEnd = noted
      ? ''
      : rangesSource(src, complement(summed, loop.captured), (k) => {
          return `{ const u = adj[${cap} + ${k}]; bad += u - u; g[${k}] += u; adj[${cap} + ${k}] = 0; }`;
        });
    const adjoint = noted
      ? src.fastAdjoint(calls, loop.body.args, 'slow()')
      : src.unnotedAdjoint(passive.unnotedAdjointKernels(bv, adj), loop.body.args);
    const rows = loop.rowArgs
      ? `for (let k = 0; k < ${w}; k++) { const u = adj[${r0} + k];${test} rows[i * ${w} + k] = u; }`
      : '';
    return src.build<MapGradient>(`function mapGradient(v, bv, adj, g, rows, slow) {
let bad = 0;
for (let k = ${cap}; k < ${capEnd}; k++) adj[k] = 0;
for (let i = 0; i < ${loop.n}; i++) {
${iterationSource(src, call)}
${primal}
${zeroSource(acrossHeld(withoutRange(zeroRuns, cap, capEnd), loop.body.opStart))}
adj[${out}] = 1;
${adjoint}
v[${first}] = i === 0 ? bv[${out}] : v[${first}] + bv[${out}];
${perRow}
${rows}
${noted ? '' : 'if (bad !== bad) return false;'}
}
${atEnd}
return bad === bad;
}`);
  });
}

/**
 * A local driver's recording with its count of rows: V8 compiles a long first call's loop while it runs (on-stack
 * replacement) before the statements after the loop have run, and that code deoptimised at the loop's end in
 * every later call too (lse's drivers: 94 deoptimisations in 94 gradients at n = 200,000). So the drivers run
 * with no iterations when built, which gives those statements their type feedback first.
 */
type PrimedMapGradient = (...args: [...Parameters<MapGradient>, count?: number]) => boolean;
/** Calls of a driver with no iterations when built: V8 gives a function its feedback vector only once it has run
 * some bytecode, about eight times its own size (20 calls left the deoptimisations as they were). */
const PRIMING_RUNS = 200;

/** The most carries, captured values and row entries a driver keeps in locals (see {@link localBody}). */
const LOCAL_INPUTS = 16;

/** The statements of `each(k)` for k = 0 … count − 1, one a line. */
function lines(count: number, each: (k: number) => string): string {
  return Array.from({ length: count }, (_, k) => each(k)).join('\n');
}

/**
 * A small straight body's statements on locals for a driver (emit.ts's localSource): node n's value in
 * `l{n}`, its adjoint in `g{n}`. `inputs` declares the constants and captured values (before the loop),
 * `iteration` iteration i's row and index, `primal` and `adjoint` the sweeps (the adjoint with the driver's
 * passive inputs, {@link passiveInputs}); the carry's locals are the caller's. An input gets a local only where
 * a fixed-arity node or the output reads it (`used`); `dot`, where given, writes the statements of an n-ary
 * node (else the body does not qualify). Undefined where the body is not small and straight, or a loop of
 * more than {@link LOCAL_INPUTS} carries, or more locals of captured values or row entries.
 */
interface LocalBody {
  readonly inputs: string;
  readonly iteration: string;
  readonly primal: string;
  readonly adjoint: string;
  /** Flags by node: an input with a local, read by a fixed-arity node or as an output. */
  readonly used: Uint8Array;
  /** Node n's value in iteration i: its local, or for an input without one, where it is read from. */
  value(n: number): string;
  /** A sweep's statements with `dot` writing the n-ary nodes' (undefined where it gives none). */
  sweep(kind: 'primal' | 'adjoint', dot: NaryStatement): string | undefined;
}

type NaryStatement = (n: number, kind: 'primal' | 'adjoint') => string | undefined;

function localBody(src: Source, call: LoopCall, dot?: NaryStatement): LocalBody | undefined {
  const { loop } = call;
  const body = loop.body;
  const w = loop.width;
  const in0 = body.inputStart;
  const cap = in0 + capturedInput(loop);
  const r0 = in0 + rowInput(loop);
  const used = new Uint8Array(body.size);
  for (const o of body.outputs) used[o] = 1;
  for (let n = body.opStart; n < body.size; n++) {
    const arity = OP_ARITY[body.op[n] as number] as number;
    if (arity >= 1) used[body.a[n] as number] = 1;
    if (arity === 2) used[body.b[n] as number] = 1;
  }
  const count = (from: number, to: number) => used.subarray(from, to).reduce((a, b) => a + b, 0);
  if (loop.carry > LOCAL_INPUTS || count(cap, cap + loop.captured) > LOCAL_INPUTS) return undefined;
  if (count(r0, r0 + w) > LOCAL_INPUTS) return undefined;
  const active = { primal: activity(body), adjoint: activity(body, passiveInputs(loop)) };
  const sweep = (kind: 'primal' | 'adjoint', nary?: NaryStatement) =>
    localSource(body, kind, active[kind], nary && ((n) => nary(n, kind)));
  const primal = sweep('primal', dot);
  const adjoint = sweep('adjoint', dot);
  if (primal === undefined || adjoint === undefined) return undefined;
  // The op rules the statements call, as the body's own generated code binds them (partials written out).
  src.bind('V', FIXED_VALUE);
  src.bind('P', NUMERIC_PARTIALS);
  src.declarations.push(...partialBindings(new Set(body.op.subarray(body.opStart))));
  const table = loop.rowArgs ? src.bind('CA', call.args) : src.bind('D', loop.rows);
  // Rows whose argument nodes are consecutive (lse's inputs) are read at their place, not through the table.
  const at = rowRun(call);
  const read = (j: number) =>
    !loop.rowArgs ? `${table}[rb + ${j}]` : at >= 0 ? `v[${at + j} + i * ${w}]` : `v[${table}[rb + ${j}]]`;
  const rb = w > 0 ? `const rb = ${loop.rowArgs ? `${loop.carry + loop.captured} + ` : ''}i * ${w};\n` : '';
  const declared = (from: number, count: number, each: (j: number) => string) =>
    lines(count, (j) => (used[from + j] === 1 ? each(j) : ''));
  return {
    inputs: [
      lines(in0, (j) => `const l${j} = ${literal(body.constants[j] as number)};`),
      declared(cap, loop.captured, (j) => `const l${cap + j} = bv[${cap + j}];`),
    ].join('\n'),
    iteration: `${rb}${declared(r0, w, (j) => `const l${r0 + j} = ${read(j)};`)}\nconst l${in0 + indexInput(loop)} = i;`,
    primal,
    adjoint,
    used,
    value(n) {
      // Constants, carries, the index, operation nodes and used inputs have locals (inputs: the carries, the
      // row, the index, the captured values).
      if (used[n] === 1 || n < r0 || n === r0 + w || n >= body.opStart) return `l${n}`;
      return n < r0 + w ? read(n - r0) : `bv[${n}]`;
    },
    sweep,
  };
}

const rowRuns = new WeakMap<LoopCall, number>();

/**
 * The first row argument's node where every row entry's argument node is the one after the entry before's
 * (rows of consecutive nodes, as lse's inputs), else −1: such a row is read at `first + i·width + k`.
 */
export function rowRun(call: LoopCall): number {
  return cachedFor(rowRuns, call, () => {
    const { loop, args } = call;
    if (!loop.rowArgs) return -1;
    const start = rowArg(loop, 0);
    const first = args[start] as number;
    for (let j = 1; j < loop.n * loop.width; j++) if (args[start + j] !== first + j) return -1;
    return first;
  });
}

/** A dot product of a run of captured values with a run of a data row's entries (see {@link capturedRowDot}). */
interface RowDot {
  /** The first node of each half, in the dot's order. */
  readonly x: number;
  readonly y: number;
  /** Terms. */
  readonly h: number;
  /** The first captured value's node, and the first row entry's. */
  readonly c0: number;
  readonly r: number;
}

/**
 * Node n as a dot product of h consecutive captured values, each read by this dot alone, with h consecutive
 * entries of a data row (either half first), else undefined.
 */
function rowDot(loop: Loop, n: number): RowDot | undefined {
  const body = loop.body;
  if (body.op[n] !== OP_CODE.dot || loop.rowArgs) return undefined;
  const st = body.a[n] as number;
  const h = (body.b[n] as number) >> 1;
  const in0 = body.inputStart;
  const cap = in0 + capturedInput(loop);
  const r0 = in0 + rowInput(loop);
  const uses = useCounts(body);
  // The run of h consecutive nodes from `at` in the argument list, as its first node, or −1.
  const run = (at: number) => {
    const first = body.args[at] as number;
    for (let k = 1; k < h; k++) if (body.args[at + k] !== first + k) return -1;
    return first;
  };
  const x = run(st);
  const y = run(st + h);
  const isCaptured = (a: number) => a >= cap && a + h <= cap + loop.captured;
  const isRow = (a: number) => a >= r0 && a + h <= r0 + loop.width;
  if (h === 0 || !((isCaptured(x) && isRow(y)) || (isRow(x) && isCaptured(y)))) return undefined;
  const c0 = isCaptured(x) ? x : y;
  for (let k = 0; k < h; k++) if (uses[c0 + k] !== 1) return undefined;
  return { x, y, h, c0, r: c0 === x ? y : x };
}

/**
 * The statements of a dot product of captured values with a data row's entries in a summed map's recording
 * with locals ({@link localMapGradient}), where each of those captured values is read by this dot alone
 * ({@link rowDot}): the products from the values in `bv` and the row in `D` (no copy of the row into the
 * body's values), and in the adjoint sweep each captured value's adjoint, 0 + g·p as the array sweep leaves
 * it, added to its sum `gs` at once, where the array driver stores it and adds it in a pass of its own.
 * Undefined for any other n-ary node. llsq's body is such a dot, a subtraction and a square: its recording
 * made four passes over each row and the captured values, now two.
 */
function capturedRowDot(loop: Loop, n: number, kind: 'primal' | 'adjoint'): string | undefined {
  const dot = rowDot(loop, n);
  if (dot === undefined) return undefined;
  const { x, y, h, c0, r } = dot;
  const cap = loop.body.inputStart + capturedInput(loop);
  const r0 = loop.body.inputStart + rowInput(loop);
  const value = (a: number, k: string) => (a === c0 ? `bv[${a} + ${k}]` : `D[rb + ${a - r0} + ${k}]`);
  if (kind === 'primal') {
    // As OPS.dot: from the first product, then left to right.
    return `let s${n} = ${value(x, '0')} * ${value(y, '0')};
for (let k = 1; k < ${h}; k++) s${n} += ${value(x, 'k')} * ${value(y, 'k')};
const l${n} = s${n};`;
  }
  return `g = g${n}; for (let k = 0; k < ${h}; k++) { p = ${value(r, 'k')}; const u = 0 + g * p; gs[${c0 - cap} + k] += u; }`;
}

/**
 * The statements after the last row for a {@link capturedRowDot}: its captured values' sums tested for NaN
 * and ±∞ once, not term by term. A NaN or ±∞ added to a sum stays in it (NaN, or ±∞ until the opposite
 * infinity makes it NaN); a sum of finite terms that overflows is tested too, and the call is recorded again
 * with each store tested, to the same numbers. The test per term was a chain of dependent additions as long
 * as the dot's own: llsq's adjoint loop took as long as its dot.
 */
function capturedRowDotEnd(loop: Loop, n: number): string {
  const { h, c0 } = rowDot(loop, n) as RowDot;
  const at = c0 - loop.body.inputStart - capturedInput(loop);
  return `for (let k = ${at}; k < ${at + h}; k++) { const u = gs[k]; bad += u - u; }`;
}

/** Rows per block of {@link rowBlocks}. */
const ROW_BLOCK = 8;

/**
 * The recording's loop over blocks of {@link ROW_BLOCK} rows, from row `b` (left after the last block), for a
 * body with {@link capturedRowDot}s `dots`: per block, each dot's products for all its rows in one loop over
 * the terms (the captured value read once for them), each row's sum in its own order; then each row's
 * statements (`row`, as the loop over single rows runs them) with the dot's value from that loop; then the
 * rows' adjoints of the dot's captured values, 0 + g·p, added to their sums in `gs` in the rows' order, one
 * load and store of each sum per block. So the same additions in the same order as row by row.
 *
 * Row by row, the dot's sum is one chain of dependent additions (its latency, not the CPU's throughput, sets
 * the time), and each term of the adjoints' loop stored a sum, after which V8 loads the typed arrays' base,
 * length and map again (llsq at m = 128: the adjoints' loop took as long as the dot).
 */
function rowBlocks(
  loop: Loop,
  dots: readonly number[],
  local: LocalBody,
  row: (primal: string, adjoint: string) => string,
): string {
  const w = loop.width;
  const cap = loop.body.inputStart + capturedInput(loop);
  const r0 = loop.body.inputStart + rowInput(loop);
  const slots = Array.from({ length: ROW_BLOCK }, (_, r) => r);
  // In a block, a dot's value comes from the block's loop (t{n}), and its adjoint goes to q{n}_{r} after the row.
  const primal = local.sweep('primal', (n) => (rowDot(loop, n) ? `const l${n} = t${n};` : undefined));
  const adjoint = local.sweep('adjoint', (n) => (rowDot(loop, n) ? '' : undefined));
  if (primal === undefined || adjoint === undefined) return '';
  const products: string[] = [];
  const sums: string[] = [];
  for (const n of dots) {
    const { x, h, c0, r } = rowDot(loop, n) as RowDot;
    const at = `${r - r0} + k`;
    // Term k of the block's row `slot`, `c` the captured value: in the dot's order of operands.
    const term = (c: string, slot: number, k: string) => {
      const p = `D[rb${slot} + ${r - r0} + ${k}]`;
      return x === c0 ? `${c} * ${p}` : `${p} * ${c}`;
    };
    products.push(`${slots.map((q) => `let s${n}_${q} = ${term(`bv[${c0}]`, q, '0')};`).join(' ')}
for (let k = 1; k < ${h}; k++) { const c = bv[${c0} + k]; ${slots.map((q) => `s${n}_${q} += ${term('c', q, 'k')};`).join(' ')} }
let ${slots.map((q) => `q${n}_${q} = 0`).join(', ')};`);
    const g = `gs[${c0 - cap} + k]`;
    sums.push(
      `for (let k = 0; k < ${h}; k++) ${g} = ${g}${slots.map((q) => ` + (0 + q${n}_${q} * D[rb${q} + ${at}])`).join('')};`,
    );
  }
  const copies = slots.map(
    (q) => `{
const i = b + ${q};
${dots.map((n) => `const t${n} = s${n}_${q};`).join(' ')}
${row(primal, adjoint)}
${dots.map((n) => `q${n}_${q} = g${n};`).join(' ')}
}`,
  );
  return `for (; b + ${ROW_BLOCK} <= count; b += ${ROW_BLOCK}) {
${slots.map((q) => `const rb${q} = (b + ${q}) * ${w};`).join(' ')}
${products.join('\n')}
${copies.join('\n')}
${sums.join('\n')}
}`;
}

/**
 * What a body node's adjoint in {@link localMapGradient}'s sweep is, read from the body's structure: `sign`
 * times the constant 1 (`node` −1) or times node `node`'s value, but for the sign of a zero.
 */
interface AdjointForm {
  readonly sign: 1 | -1;
  readonly node: number;
}

/**
 * Op `code`'s partial in argument `k` as the local sweep computes it: ±1 (add, sub, neg, written out by
 * partialExprs), z where the op's partial function returns its value (exp's), or undefined.
 */
function partialForm(code: number, k: number): 1 | -1 | 'z' | undefined {
  const p = partialExprs(code, { square: false })[k];
  if (p === '1') return 1;
  if (p === '-1') return -1;
  return partialSource(code, k, 'P')?.isValue === true ? 'z' : undefined;
}

/**
 * The {@link AdjointForm} of each body node's adjoint local (by node; undefined where it has none) after the
 * local adjoint sweep seeded with 1 on output `out`. Output `out` read by no node has the seed alone, 1. An
 * active node with one use, a fixed-arity node c's argument, gets 0 + g_c·p (or 0 ± g_c where p is ±1):
 * with g_c = ±1 and p = z that is ±z_c, and with g_c = ±z_m and p = ±1 it is ±z_m, each but for the sign of a
 * zero (1·x is x, and 0 + x is x but at x = −0); NaN and ±∞ stay as they are. The sweep declares each such
 * local 0 and adds one term to it, so none of them is ever −0. (lse's body, exp(x − A): x's adjoint is z, A's
 * −z, z the output's value.) Nodes with two uses, an n-ary use or an inactive one have none.
 */
function adjointForms(body: Program, active: Uint8Array, out: number): (AdjointForm | undefined)[] {
  const uses = new Uint8Array(body.size);
  const user = new Int32Array(body.size);
  const position = new Uint8Array(body.size);
  for (let c = body.opStart; c < body.size; c++) {
    const arity = OP_ARITY[body.op[c] as number] as number;
    if (arity === 0) {
      body.forEachArg(c, (arg) => {
        uses[arg] = 2;
      });
      continue;
    }
    const args = arity === 2 ? [body.a[c] as number, body.b[c] as number] : [body.a[c] as number];
    args.forEach((arg, k) => {
      uses[arg] = Math.min(2, (uses[arg] as number) + 1);
      user[arg] = c;
      position[arg] = k;
    });
  }
  const forms: (AdjointForm | undefined)[] = new Array(body.size).fill(undefined);
  for (let n = body.size - 1; n >= body.inputStart; n--) {
    if (active[n] !== 1) continue;
    if (n === out) {
      if (uses[n] === 0) forms[n] = { sign: 1, node: -1 };
      continue;
    }
    if (uses[n] !== 1) continue;
    const c = user[n] as number;
    const g = forms[c];
    const p = partialForm(body.op[c] as number, position[n] as number);
    if (g === undefined || p === undefined) continue;
    if (p !== 'z') forms[n] = { sign: p === g.sign ? 1 : -1, node: g.node };
    else if (g.node === -1) forms[n] = { sign: g.sign, node: c };
  }
  return forms;
}

/**
 * The unnoted recording driver of a one-output sum map with the body's values and adjoints in locals
 * ({@link localBody}), or undefined. The same statements in the same order as {@link mapGradient}'s, the sum
 * and the captured values' adjoint sums kept in locals across rows too. lse's gradient, whose body is x − A
 * and its exp, spent more on storing and loading them through the body's arrays than on the exp.
 *
 * Its loop has no exit: a row whose sweep stores NaN or ±∞ leaves a captured value's sum or the rows' running
 * sum NaN or ±∞ for the rest of the rows (NaN plus anything is NaN, ±∞ plus a finite value ±∞, ∞ − ∞ NaN),
 * tested after the last row, and the driver returns false then, where it returned at that row before; the
 * caller records the call again with the noted driver, which writes the sum, the sums of the captured values'
 * adjoints (from untouched) and every row's adjoints anew. The sum starts at −0, the identity of addition
 * (−0 + y is y for every y, ±0 and NaN included), where it started at the first row's value. lse's driver at
 * n = 1.28M, timed apart: 17.1 → 16.9 ms, against 13.9 for its primal's loop (the stores of the rows' adjoints
 * and the tests make most of the difference).
 */
function localMapGradient(call: LoopCall, bv: Float64Array): MapGradient | undefined {
  const { loop, first } = call;
  const body = loop.body;
  const w = loop.width;
  const out = body.outputs[0] as number;
  const src = new Source();
  const dotted = new Uint8Array(body.size);
  const dots = new Set<number>();
  const dot: NaryStatement = (n, kind) => {
    const text = capturedRowDot(loop, n, kind);
    if (text !== undefined) {
      dots.add(n);
      const st = body.a[n] as number;
      for (let k = st; k < st + (body.b[n] as number); k++) dotted[body.args[k] as number] = 1;
    }
    return text;
  };
  const local = out < body.inputStart ? undefined : localBody(src, call, dot);
  if (local === undefined) return undefined;
  const in0 = body.inputStart;
  const cap = in0 + capturedInput(loop);
  const r0 = in0 + rowInput(loop);
  // Adjoints that are ± the output's value or ±1 (adjointForms): a captured value's sum then follows from the
  // output's sum s after the last row, and a row entry's adjoint is stored from the value, its test being s's.
  // lse's gradient at n = 40,000 lost its two running sums beside s (R and A's): 602 → 545 µs
  // of CPU a call (docs/loops.md). Not with dots.
  const forms = dots.size === 0 ? adjointForms(body, activity(body, passiveInputs(loop)), out) : [];
  const fromSum = (j: number) =>
    dotted[cap + j] !== 1 && local.used[cap + j] === 1 && forms[cap + j]?.node === out;
  let testSum = false;
  // A captured value's sum: from its local adjoint, or + 0 for one no node reads (as the array driver adds
  // its zeroed adjoint); a dot's own add to `gs` directly. Each sum is tested for NaN and ±∞ once after the
  // last row, as a dot's are (capturedRowDotEnd): a NaN or ±∞ added to it stays in it, and a sum of finite
  // terms that overflows records the call again with each store tested, to the same numbers.
  const sum = (j: number) => {
    if (dotted[cap + j] === 1 || fromSum(j)) return '';
    if (local.used[cap + j] === 1) return `G${j} += g${cap + j};`;
    return `G${j} += 0;`;
  };
  // A captured value whose adjoint is σ·z (z the output's value) in every row, from −0 (as recordCall starts
  // the sums): its terms are 0 + σ·z, never −0, so their sum is σ·s where s is not zero (rounding to nearest
  // is symmetric in sign: fl(−a − b) = −fl(a + b)), and +0 where s is (both sums are zero after the same rows,
  // and a sum of terms none of which is −0 is not −0): σ·s + 0 (0 − s for σ = −1) in both cases. NaN or ±∞
  // where s is, tested below as the sums are. A sum that does not start at −0 goes to the noted driver. Each
  // test and operation runs in the priming too (no rows), so that V8 has their feedback (one not run
  // deoptimised the first long calls).
  const derived = (j: number) => {
    const sign = (forms[cap + j] as AdjointForm).sign;
    return `{ const from = G${j} === 0 && 1 / G${j} < 0, t = ${sign > 0 ? 's + 0' : '0 - s'};
G${j} = count === 0 ? G${j} : from ? t : NaN; }`;
  };

  // The captured values whose sums the driver keeps in locals `G{j}` (a dot's go to `gs` at once).
  const each = (text: (j: number) => string) =>
    lines(loop.captured, (j) => (dotted[cap + j] !== 1 ? text(j) : ''));
  // Each row's adjoints with the marks zero-factor.ts's markRows would give them after the loop (one pass fewer
  // over lse's 1.28M rows): an entry output 0 does not reach is untouched (−0), a reached one gets + 0
  // (`reached` by body input). Their test for NaN and ±∞ is one running sum `R` of them, tested after the loop
  // as the captured values' sums are: lse's recording at n = 40,000 took 8 % longer with a test per entry.
  const reached = reachedInputs(body, Uint8Array.of(1));
  const rows = loop.rowArgs
    ? lines(w, (j) => {
        const at = `rows[i * ${w} + ${j}]`;
        const on = reached[rowInput(loop) + j] === 1;
        const mark = on ? 'u + 0' : '-0';
        const form = forms[r0 + j];
        if (on && local.used[r0 + j] === 1 && form !== undefined) {
          // u + 0 for u = ±1 or ±z but for the sign of a zero: ±1, z + 0 or 0 − z. A NaN or ±∞ in the output's
          // value z leaves s NaN or ±∞ for the rest of the rows, tested after them as R is.
          if (form.node === -1) return `${at} = ${form.sign};`;
          if (form.node === out) {
            testSum = true;
            const z = local.value(out);
            return `${at} = ${form.sign > 0 ? `${z} + 0` : `0 - ${z}`};`;
          }
        }
        // An unreached entry's adjoint is still tested: a NaN there hands the call to the noted driver, as before.
        if (local.used[r0 + j] === 1) return `{ const u = g${r0 + j}; R += u; ${at} = ${mark}; }`;
        return `${at} = ${on ? '0' : '-0'};`;
      })
    : '';
  const adjoints = lines(body.size - in0, (j) => {
    const n = in0 + j;
    return n >= body.opStart || local.used[n] === 1 ? `let g${n} = 0;` : '';
  });
  // Row i's statements (`i` declared by the caller), with the given sweeps. The sum starts from −0, so its
  // first addition gives the first row's value itself, as `i === 0 ? l : s + l` would.
  const row = (primal: string, adjoint: string) => `${local.iteration}
${primal}
${adjoints}
g${out} = 1;
${adjoint}
s += l${out};
${lines(loop.captured, sum)}
${rows}`;
  const blocks = dots.size > 0 ? rowBlocks(loop, [...dots], local, row) : '';
  // `gs`: the generated statements use `g` for the adjoint at hand. R starts at −0, a double (−0 + u is u, and
  // R feeds only the test): the priming runs no row, and from R = 0, a small integer, V8 took `R − R` after the
  // loop for one, so the optimised code deoptimised there in the first real calls (lse at n = 40,000: three
  // times, `node --trace-deopt`).
  const run =
    src.build<PrimedMapGradient>(`function mapGradient(v, bv, adj, gs, rows, slow, count = ${loop.n}) {
let bad = 0, s = -0, g, p, b = 0, R = -0;
${local.inputs}
${each((j) => `let G${j} = gs[${j}];`)}
${blocks}
for (let i = b; i < count; i++) {
${row(local.primal, local.adjoint)}
}
${each((j) => (fromSum(j) ? derived(j) : ''))}
bad += R - R;
${testSum ? 'bad += s - s;' : ''}
${each((j) => (local.used[cap + j] === 1 ? `bad += G${j} - G${j};` : ''))}
if (bad !== bad) return false;
${loop.n > 0 ? `v[${first}] = s;` : ''}
${each((j) => `gs[${j}] = G${j};`)}
${[...dots].map((n) => capturedRowDotEnd(loop, n)).join('\n')}
return bad === bad;
}`);
  // No blocks: what follows their loop runs, on scratch arrays, before the first real call
  // (PrimedMapGradient); the rows after the last block too, where there are such rows (without them, llsq at
  // n = 1,027 deoptimised 87 times in 500 gradients; with them, once).
  const [sv, sg, sr] = [new Float64Array(first + 1), new Float64Array(loop.captured), new Float64Array(0)];
  const rest = blocks === '' ? 0 : loop.n % ROW_BLOCK;
  for (let k = 0; k < PRIMING_RUNS; k++) run(sv, bv, bv, sg, sr, () => {}, rest);
  rowMarking.add(run);
  return run;
}

/**
 * {@link mapPrimal}'s driver with the body's values in locals ({@link localBody}), or undefined: the same
 * statements in the same order, a sum's running totals in locals too (from −0, as in {@link localMapGradient}).
 * lse's exp over 1.28M inputs took 21 ms through the body's compiled primal, called per row, against 13 ms
 * for a loop written by hand.
 */
function localMapPrimal(call: LoopCall, bv: Float64Array): MapPrimal | undefined {
  const { loop, first } = call;
  const src = new Source();
  // A dot of captured values with a data row reads the row in place, as in the recording.
  const local = localBody(src, call, (n, kind) => capturedRowDot(loop, n, kind));
  if (local === undefined) return undefined;
  const outs = loop.body.outputs;
  const p = loop.perStep;
  const sum = loop.reduce === 'sum';
  const reduce = lines(p, (k) => {
    const y = local.value(outs[k] as number);
    return sum ? `S${k} += ${y};` : `ys[i * ${p} + ${k}] = ${y};`;
  });
  const run = src.build<PrimedMapPrimal>(`function mapPrimal(v, bv, ys, count = ${loop.n}) {
${local.inputs}
${sum ? lines(p, (k) => `let S${k} = -0;`) : ''}
for (let i = 0; i < count; i++) {
${local.iteration}
${local.primal}
${reduce}
}
${sum && loop.n > 0 ? lines(p, (k) => `v[${first + k}] = S${k};`) : ''}
}`);
  // No rows: what follows the loop runs, on scratch arrays, before the first real call (PrimedMapGradient).
  const [sv, sy] = [new Float64Array(first + p), new Float64Array(0)];
  for (let k = 0; k < PRIMING_RUNS; k++) run(sv, bv, sy, 0);
  return run;
}

/** {@link MapPrimal} with its count of rows (see {@link PrimedMapGradient}). */
type PrimedMapPrimal = (...args: [...Parameters<MapPrimal>, count?: number]) => void;

/** The map gradient drivers whose rows' adjoints carry their marks (see {@link localMapGradient}). */
const rowMarking = new WeakSet<MapGradient>();

/** Whether `driver`'s rows' adjoints carry zero-factor.ts's marks already, where it returned true. */
export function marksRows(driver: MapGradient): boolean {
  return rowMarking.has(driver);
}

/**
 * {@link scanPrimal}'s driver with the body's values and the carry in locals ({@link localBody}), or undefined:
 * the same statements in the same order, the kept body values written from the locals. lse's max over 1.28M
 * inputs took about 10 ms through the body's arrays.
 *
 * One loop per use, each with only the statements that use needs ({@link ScanUse}: the carries kept every
 * iteration or every stride-th, the body values kept, the outputs written), built when first asked for: with
 * the tests of `keep` and `outputs` in the loop, lse's max over 1.28M inputs took 5.2 ms, its loop alone
 * 1.5 ms, and 2.2 ms keeping every carry (the same loops timed apart, in one process).
 */
function localScanPrimal(call: LoopCall, bv: Float64Array): ScanPrimal | undefined {
  const { loop } = call;
  const src = new Source();
  const local = localBody(src, call);
  if (local === undefined) return undefined;
  const loops: (ScanLoop | undefined)[] = [];
  const run: ScanPrimal = (v, b, from, to, outputs, keep) => {
    const use = scanUse(loop, outputs, keep);
    loops[use] ??= scanLoop(src, call, local, use, bv);
    return loops[use](v, b, from, to, keep?.snaps, keep?.stride ?? 1, keep?.tapes);
  };
  if (loop.rowArgs) rowTesting.add(run);
  return run;
}

/**
 * What one run of a scan's driver does besides the iterations, as bit flags: {@link SCAN_OUTPUTS} (each
 * iteration's outputs written, when it has any), {@link SCAN_SNAPS} (every carry kept: stride 1),
 * {@link SCAN_STRIDED} (every stride-th carry kept), {@link SCAN_TAPES} (every iteration's body values kept).
 */
type ScanUse = number;
const SCAN_OUTPUTS = 1;
const SCAN_SNAPS = 2;
const SCAN_STRIDED = 4;
const SCAN_TAPES = 8;

function scanUse(loop: Loop, outputs: boolean, keep: ScanKeep | undefined): ScanUse {
  let use = outputs && loop.perStep > 0 ? SCAN_OUTPUTS : 0;
  if (keep !== undefined) {
    use |= keep.stride === 1 ? SCAN_SNAPS : SCAN_STRIDED;
    if (keep.tapes !== undefined) use |= SCAN_TAPES;
  }
  return use;
}

/** One use's loop of a scan's driver with locals: {@link ScanPrimal} with `keep`'s fields as arguments. */
type ScanLoop = (
  v: Float64Array,
  bv: Float64Array,
  from: number,
  to: number,
  snaps: Float64Array | undefined,
  stride: number,
  tapes: Float64Array | undefined,
) => boolean;

/** The loop of {@link localScanPrimal} for one {@link ScanUse}, primed (see {@link PRIMING_RUNS}). */
function scanLoop(src: Source, call: LoopCall, local: LocalBody, use: ScanUse, bv: Float64Array): ScanLoop {
  const { loop, first } = call;
  const body = loop.body;
  const outs = body.outputs;
  const c = loop.carry;
  const p = loop.perStep;
  const in0 = body.inputStart;
  const size = body.size;
  // Every row entry tested as it is read (an entry no node reads, read for the test alone), in place of the
  // recording's pass of its own over the rows (finiteScan, interpret/adjoint-loop.ts).
  const r0 = in0 + rowInput(loop);
  const test = loop.rowArgs
    ? lines(loop.width, (j) => {
        const x = local.value(r0 + j);
        return local.used[r0 + j] === 1 ? `bad += ${x} - ${x};` : `{ const u = ${x}; bad += u - u; }`;
      })
    : '';
  const kept: string[] = [];
  if (use & SCAN_SNAPS) kept.push(lines(c, (k) => `snaps[i * ${c} + ${k}] = l${in0 + k};`));
  if (use & SCAN_STRIDED) {
    kept.push(`if (i % stride === 0) {
const s0 = (i / stride) * ${c};
${lines(c, (k) => `snaps[s0 + ${k}] = l${in0 + k};`)}
}`);
  }
  if (use & SCAN_TAPES) {
    kept.push(`const t0 = i * ${size};
${lines(size, (k) => `tapes[t0 + ${k}] = ${local.value(k)};`)}`);
  }
  if (use & SCAN_OUTPUTS) {
    kept.push(`const base = ${first + c} + i * ${p};
${lines(p, (k) => `v[base + ${k}] = l${outs[c + k]};`)}`);
  }
  const run = src.build<ScanLoop>(`function scanPrimal${use}(v, bv, from, to, snaps, stride, tapes) {
let bad = 0;
${local.inputs}
${lines(c, (k) => `let C${k} = bv[${in0 + k}];`)}
for (let i = from; i < to; i++) {
${local.iteration}
${test}
${lines(c, (k) => `const l${in0 + k} = C${k};`)}
${local.primal}
${kept.join('\n')}
${lines(c, (k) => `C${k} = l${outs[k]};`)}
}
${lines(c, (k) => `bv[${in0 + k}] = C${k};`)}
return bad === bad;
}`);
  // No iterations: what follows the loop runs, on a scratch copy, before the first real call.
  const [sv, sb] = [new Float64Array(0), bv.slice()];
  for (let k = 0; k < PRIMING_RUNS; k++) run(sv, sb, 0, 0, sv, 1, sv);
  return run;
}

/**
 * The captured values (by index among them, as [start, end) pairs) whose adjoints the recording driver without
 * the stores' tests sums row by row; the others it leaves in `adj` across the rows and adds to `g` after the
 * last: those the body uses once (one argument of one node, and not an output) and whose adjoint the sweep
 * reads from `adj` before writing it (it needs zeros), so that each row makes one addition `adj += c`.
 * The same additions in the same order: row by row, g = −0 + (0 + c₁) + (0 + c₂) + … ; in place,
 * g = −0 + ((0 + c₁) + c₂ + …). They are equal, since 0 + c differs from c only at c = −0, and a sum of
 * values that starts from +0 is never −0, so adding ±0 to it gives the same. gmm's 214,500 captured values
 * at d = 64 are each used once. A NaN or ±∞ stored in a row stays in the sum it reaches, tested after the loop.
 */
function rowSummed(loop: Loop, zeroRuns: Int32Array): number[] {
  const uses = useCounts(loop.body);
  const cap = loop.body.inputStart + capturedInput(loop);
  const zeroed = new Uint8Array(loop.captured);
  for (let j = 0; j < zeroRuns.length; j += 2) {
    const from = Math.max(zeroRuns[j] as number, cap);
    const to = Math.min(zeroRuns[j + 1] as number, cap + loop.captured);
    if (from < to) zeroed.fill(1, from - cap, to - cap);
  }
  // An output's adjoint is seeded (set, not added to) in every row.
  for (const o of loop.body.outputs) if (o >= cap && o < cap + loop.captured) zeroed[o - cap] = 0;
  const runs: number[] = [];
  for (let k = 0; k < loop.captured; k++) {
    const inPlace = uses[cap + k] === 1 && zeroed[k] === 1;
    if (inPlace) continue;
    if (runs.length > 0 && runs[runs.length - 1] === k) runs[runs.length - 1] = k + 1;
    else runs.push(k, k + 1);
  }
  return runs;
}

/** The [start, end) pairs of 0 .. count − 1 not in `runs` (sorted, disjoint). */
function complement(runs: readonly number[], count: number): number[] {
  const out: number[] = [];
  let at = 0;
  for (let j = 0; j < runs.length; j += 2) {
    if (at < (runs[j] as number)) out.push(at, runs[j] as number);
    at = runs[j + 1] as number;
  }
  if (at < count) out.push(at, count);
  return out;
}

/**
 * A statement for each index of the [start, end) runs: a loop per run when they are few, else a loop over a
 * table of the indices.
 */
function rangesSource(src: Source, runs: readonly number[], each: (k: string) => string): string {
  if (runs.length === 0) return '';
  if (runs.length <= 32) {
    const loops: string[] = [];
    for (let j = 0; j < runs.length; j += 2) {
      loops.push(`for (let k = ${runs[j]}; k < ${runs[j + 1]}; k++) ${each('k')}`);
    }
    return loops.join('\n');
  }
  const indices: number[] = [];
  for (let j = 0; j < runs.length; j += 2) {
    for (let k = runs[j] as number; k < (runs[j + 1] as number); k++) indices.push(k);
  }
  const table = src.bind(`IX${src.names.length}`, Int32Array.from(indices));
  return `for (let j = 0; j < ${indices.length}; j++) { const k = ${table}[j]; ${each('k')} }`;
}

/** The scan drivers that test their expression rows' entries for NaN and ±∞ (see {@link localScanPrimal}). */
const rowTesting = new WeakSet<ScanPrimal>();

/** Whether `driver`'s result says whether the row entries it read were all finite. */
export function testsRows(driver: ScanPrimal): boolean {
  return rowTesting.has(driver);
}

const backwards = new WeakMap<LoopCall, ScanBackward>();

/**
 * The statements of a scan's backward iteration i once the body's values are in `bv` (the body has no loops):
 * zero the adjoints, seed the outputs' (the carry's from cbar, the per-step ones from adjOut), the body's adjoint
 * sweep, then the carry's adjoint into cbar, the captured values' into gCap and the rows' into adjOut (from `rb`,
 * which the caller declares).
 */
function scanAdjointSource(
  src: Source,
  call: LoopCall,
  bv: Float64Array,
  adj: Float64Array,
  stored = false,
): string {
  const { loop, first } = call;
  const body = loop.body;
  const passive = driverBody(loop);
  const { calls, zeroRuns } = stored
    ? passive.storedAdjointKernels(bv, adj)
    : passive.adjointKernels(bv, adj);
  const outs = body.outputs;
  const c = loop.carry;
  const p = loop.perStep;
  const in0 = body.inputStart;
  const cap = in0 + capturedInput(loop);
  const r0 = in0 + rowInput(loop);
  const lines = [zeroSource(zeroRuns)];
  for (let k = 0; k < c; k++) lines.push(`adj[${outs[k]}] = adj[${outs[k]}] + cbar[${k}];`);
  if (p > 0) lines.push(`const base = ${first + c} + i * ${p};`);
  for (let k = 0; k < p; k++) lines.push(`adj[${outs[c + k]}] = adj[${outs[c + k]}] + adjOut[base + ${k}];`);
  lines.push(
    src.fastAdjoint(calls, body.args, 'slow(i)'),
    `for (let k = 0; k < ${c}; k++) cbar[k] = adj[${in0} + k];`,
    `for (let k = 0; k < ${loop.captured}; k++) gCap[k] = gCap[k] + adj[${cap} + k];`,
  );
  if (loop.rowArgs) {
    lines.push(`for (let k = 0; k < ${loop.width}; k++) {
const g = adj[${r0} + k];
if (g !== 0) { const arg = ${src.bind('CA', call.args)}[rb + k]; adjOut[arg] = adjOut[arg] + g; }
}`);
  }
  return lines.join('\n');
}

/** The store-all backward driver of a scan (the body has no loops; `bv` and `adj` are the body's tape). */
export function scanBackward(call: LoopCall, bv: Float64Array, adj: Float64Array): ScanBackward {
  return cachedFor(backwards, call, () => {
    const { loop } = call;
    const size = loop.body.size;
    const src = new Source();
    const rb = loop.rowArgs ? `const rb = ${loop.carry + loop.captured} + i * ${loop.width};` : '';
    return src.build<ScanBackward>(`function scanBackward(adjOut, bv, adj, tapes, cbar, gCap, slow, to) {
for (let i = to - 1; i >= 0; i--) {
bv.set(tapes.subarray(i * ${size}, (i + 1) * ${size}));
${rb}
${scanAdjointSource(src, call, bv, adj, true)}
}
}`);
  });
}

/**
 * A checkpointed scan's backward steps (sqrt's segments, binomial's single steps, store-all without the body
 * values): for i = to − 1 down to from, the carry from `carries[at + (i − from)·c …]`, the row and the index,
 * the body's primal sweep, then the statements of {@link ScanBackward}'s iteration. The interpreter's loop code
 * (interpret/adjoint-loop.ts's step) runs the same statements in the same order, so the two agree to the bit.
 */
export type ScanBackwardSteps = (
  adjOut: Float64Array,
  v: Float64Array,
  bv: Float64Array,
  adj: Float64Array,
  carries: Float64Array,
  at: number,
  from: number,
  to: number,
  cbar: Float64Array,
  gCap: Float64Array,
  slow: (i: number) => void,
) => void;

const backwardSteps = new WeakMap<LoopCall, ScanBackwardSteps>();

/** The checkpointed scan's backward steps driver (the body has no loops; `bv` holds its constants and captured values). */
export function scanBackwardSteps(call: LoopCall, bv: Float64Array, adj: Float64Array): ScanBackwardSteps {
  return cachedFor(backwardSteps, call, () => {
    const { loop } = call;
    const c = loop.carry;
    const in0 = loop.body.inputStart;
    const src = new Source();
    const primal = src.primalCalls(compiled(loop.body).primalKernels(bv), loop.body.args);
    // iterationSource declares rb, which the rows' adjoints read.
    return src.build<ScanBackwardSteps>(`function scanBackwardSteps(adjOut, v, bv, adj, carries, at, from, to, cbar, gCap, slow) {
for (let i = to - 1; i >= from; i--) {
const c0 = at + (i - from) * ${c};
for (let k = 0; k < ${c}; k++) bv[${in0} + k] = carries[c0 + k];
${iterationSource(src, call)}
${primal}
${scanAdjointSource(src, call, bv, adj)}
}
}`);
  });
}

/**
 * A loop call's tangent sweep at `c` lanes (interpret/tangent-loop.ts's callTangent): every iteration of a map or scan
 * whose body has no loops, on the body's values `bv` and lanes `bt`, whose constants, captured values and
 * their lanes (all finite), the carry's start and its lanes, and the data rows' and index's lanes (−0) the
 * caller has written. Per iteration: the row and the index, the rows' lanes when they are expressions, the
 * body's compiled tangent sweep, and its guard as zero-factor.ts's compiledTangentStands runs it (the carry's
 * and rows' lanes and the outputs' finite, then the adjoint sweep without zero tests, seeded 1 on every output,
 * storing no NaN or ±∞ in `adj`); `slow()` when the guard fails (the interpreter's sweep again), `mark()`
 * when it stands and an output lane is zero (the zero-factor rule's marks, markOutputs). Then a scan's outputs
 * and next carry, or a map's sum (from the first row) or logsumexp (rows' lanes weighed by e^(yᵢ − z), with
 * the rows' values yᵢ in `ys` and z in `v`), into `v` and `t`, by ops.ts's `accumulate` as the interpreter.
 */
export type LoopTangent = (
  v: Float64Array,
  t: Float64Array,
  bv: Float64Array,
  bt: Float64Array,
  adj: Float64Array,
  ys: Float64Array,
  mark: () => void,
  slow: () => void,
) => void;

const tangents = new WeakMap<LoopCall, Map<number, LoopTangent>>();

/** The statements of `each` over k = 0 … count − 1, written out when few, else a loop (`k` and `K` as names). */
function eachSource(count: number, each: (k: string, out: string) => string, table: string): string {
  if (count <= 16) {
    return Array.from({ length: count }, (_, k) => `{ ${each(String(k), `${table}[${k}]`)} }`).join('\n');
  }
  return `for (let k = 0; k < ${count}; k++) { ${each('k', `${table}[k]`)} }`;
}

/** The guard's statements after the body's tangent sweep (see {@link LoopTangent}). */
function guardSource(src: Source, call: LoopCall, c: number, bv: Float64Array, adj: Float64Array): string {
  const { loop } = call;
  const body = loop.body;
  const in0 = body.inputStart;
  const r0 = in0 + rowInput(loop);
  const outs = src.bind('OUTS', body.outputs);
  const m = body.outputs.length;
  const finite = (from: number, to: number) =>
    to > from ? `for (let k = ${from}; k < ${to}; k++) if (!Number.isFinite(bt[k])) ok = false;` : '';
  const { calls, zeroRuns } = compiled(body).adjointKernels(bv, adj);
  const a = src.bind('BA', body.args);
  // Only an operation node's lanes can lose their marks: an output that is a constant or an input (a carry
  // passed on as it is) keeps the lanes the caller wrote.
  const ops = body.outputs.filter((o) => o >= body.opStart);
  const sweep = calls.map(
    (k, j) => `${src.bind(`a${j}`, k.fn)}(bv, adj, ${a}, ${src.bind(`aO${j}`, k.offsets)})`,
  );
  return `let ok = true;
${finite(in0 * c, (in0 + loop.carry) * c)}
${loop.rowArgs ? finite(r0 * c, (r0 + loop.width) * c) : ''}
${eachSource(m, (_k, o) => `const b = ${o} * ${c}; for (let j = 0; j < ${c}; j++) if (!Number.isFinite(bt[b + j])) ok = false;`, outs)}
if (ok) {
${zeroSource(zeroRuns)}
${eachSource(m, (_k, o) => `adj[${o}] = 1;`, outs)}
${sweep.length > 0 ? `if (${sweep.join(' | ')}) ok = false;` : ''}
}
if (!ok) slow();
else {
let zero = false;
${eachSource(ops.length, (_k, o) => `const b = ${o} * ${c}; for (let j = 0; j < ${c}; j++) if (bt[b + j] === 0) zero = true;`, src.bind('MO', ops))}
if (zero) mark();
}`;
}

/** The loop's tangent driver at `c` lanes (the body has no loops; `bv` and `bt` are the body's work arrays). */
export function loopTangent(
  call: LoopCall,
  c: number,
  bv: Float64Array,
  bt: Float64Array,
  adj: Float64Array,
): LoopTangent {
  const byWidth = cachedFor(tangents, call, () => new Map<number, LoopTangent>());
  let run = byWidth.get(c);
  if (run === undefined) {
    run = buildLoopTangent(call, c, bv, bt, adj);
    byWidth.set(c, run);
  }
  return run;
}

function buildLoopTangent(
  call: LoopCall,
  c: number,
  bv: Float64Array,
  bt: Float64Array,
  adj: Float64Array,
): LoopTangent {
  const { loop, first } = call;
  const body = loop.body;
  const in0 = body.inputStart;
  const r0 = in0 + rowInput(loop);
  const nc = loop.carry;
  const p = loop.perStep;
  const src = new Source();
  const a = src.bind('BA', body.args);
  const tangent = compiled(body)
    .tangentKernels(c, bv, bt)
    .map((k, j) => `${src.bind(`t${j}`, k.fn)}(bv, bt, ${a}, ${src.bind(`tO${j}`, k.offsets)});`)
    .join('\n');
  // The rows' lanes, when the rows are expressions, from their argument nodes' (iterationSource declares rb).
  const rowLanes =
    loop.rowArgs && loop.width > 0
      ? `for (let k = 0; k < ${loop.width}; k++) {
const from = ${src.bind('CA', call.args)}[rb + k] * ${c}, to = (${r0} + k) * ${c};
for (let j = 0; j < ${c}; j++) bt[to + j] = t[from + j];
}`
      : '';
  const acc = src.bind('ACC', accumulate);
  let after: string;
  if (loop.kind === 'scan') {
    // The outputs of iteration i, then the next carry's lanes through a scratch copy (an output may be a carry
    // input passed on as it is), then its values (carrySource).
    const ys = src.bind('YO', body.outputs.slice(nc));
    const outs = src.bind('OUTS', body.outputs);
    const next = src.bind('NEXT', new Float64Array(nc * c));
    after = `const base = ${first + nc} + i * ${p};
${eachSource(p, (k, o) => `const to = base + ${k}; v[to] = bv[${o}]; const tb = to * ${c}, ob = ${o} * ${c}; for (let j = 0; j < ${c}; j++) t[tb + j] = bt[ob + j];`, ys)}
${eachSource(nc, (k, o) => `const ob = ${o} * ${c}; for (let j = 0; j < ${c}; j++) ${next}[${k} * ${c} + j] = bt[ob + j];`, outs)}
for (let j = 0; j < ${nc * c}; j++) bt[${in0 * c} + j] = ${next}[j];
${carrySource(src, loop)}`;
  } else {
    const outs = src.bind('OUTS', body.outputs);
    const weight =
      loop.reduce === 'sum'
        ? (k: string, o: string) =>
            `const to = ${first} + ${k}; v[to] = i === 0 ? bv[${o}] : v[to] + bv[${o}]; const pk = 1;`
        : (k: string) => `const to = ${first} + ${k}; const pk = Math.exp(ys[i * ${p} + ${k}] - v[to]);`;
    after = eachSource(
      p,
      (k, o) =>
        `${weight(k, o)} const tb = to * ${c}, ob = ${o} * ${c}; for (let j = 0; j < ${c}; j++) t[tb + j] = ${acc}(t[tb + j], pk, bt[ob + j]);`,
      outs,
    );
  }
  return src.build<LoopTangent>(`function loopTangent(v, t, bv, bt, adj, ys, mark, slow) {
for (let i = 0; i < ${loop.n}; i++) {
${iterationSource(src, call)}
${rowLanes}
${tangent}
${guardSource(src, call, c, bv, adj)}
${after}
}
}`);
}
