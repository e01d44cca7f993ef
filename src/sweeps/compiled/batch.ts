/**
 * Batched dot products: dot products of constant data with the same run of inputs (a logistic regression's
 * xᵢᵀw, one per object), computed several at a time in one loop over the run. Each keeps its own running sum,
 * added in its own order, so the values are the interpreter's to the last bit; what changes is that the sums
 * no longer wait on each other (one addition's latency per term, shared by {@link JAM} sums) and the run is
 * read once per {@link JAM} dot products instead of once per dot product.
 *
 * The adjoint sweep without zero tests does the same backwards: after the rest of the sweep, every entry of the
 * run gets each batched dot product's contribution in sweep order (highest node first), {@link JAM} at a time.
 * That is the interpreter's order when every other node that uses the run comes after the batch in the
 * program (its contributions come first in the sweep), which is checked; the run's entries are inputs, whose
 * adjoints nothing in the sweep reads.
 */
import { OP_ARITY, OP_CODE } from '../../ir/ops.js';
import type { Program } from '../../ir/program.js';
import type { Segment } from './plan.js';

const DOT = OP_CODE.dot;

/** Fewest pairs for a dot product to be batched (shorter ones are cheap, and written out when ≤ 16). */
const MIN_PAIRS = 32;

/**
 * Dot products per loop over the run. Four was fastest in a throwaway measurement of 32 dot products of 10⁵
 * pairs (2-core machine): 1.8 ms against 3.7 ms one at a time, and 2.3 ms with eight.
 */
const JAM = 4;

/** Dot products of constant data with the inputs `first .. first + length − 1`, in node order. */
export interface DotBatch {
  readonly first: number;
  readonly length: number;
  readonly members: readonly number[];
  /** Each member's constant half, by member. */
  readonly data: readonly Float64Array[];
}

/** An adjoint batch: `fresh` when nothing else uses the run (nor is it an output), so it starts from 0. */
export interface AdjointBatch extends DotBatch {
  readonly fresh: boolean;
}

export interface DotBatches {
  /** What the primal sweep computes before anything else. */
  readonly primal: readonly DotBatch[];
  readonly primalNodes: ReadonlySet<number>;
  /** What the adjoint sweep without zero tests does after everything else. */
  readonly adjoint: readonly AdjointBatch[];
  readonly adjointNodes: ReadonlySet<number>;
}

/** A candidate: the run of inputs its active half reads, and where its constant half starts in `args`. */
interface Candidate {
  readonly node: number;
  readonly first: number;
  readonly length: number;
  readonly data: number;
}

/** A dot product of at least {@link MIN_PAIRS} constants with a contiguous run of inputs, or undefined. */
function candidate(f: Program, n: number): Candidate | undefined {
  if (f.op[n] !== DOT) return undefined;
  const st = f.a[n] as number;
  const h = (f.b[n] as number) >> 1;
  if (h < MIN_PAIRS) return undefined;
  const constants = (from: number) => {
    for (let k = from; k < from + h; k++) if ((f.args[k] as number) >= f.inputStart) return false;
    return true;
  };
  const run = (from: number) => {
    const first = f.args[from] as number;
    if (first < f.inputStart || first + h > f.opStart) return false;
    for (let k = 1; k < h; k++) if (f.args[from + k] !== first + k) return false;
    return true;
  };
  if (constants(st) && run(st + h)) return { node: n, first: f.args[st + h] as number, length: h, data: st };
  if (run(st) && constants(st + h)) return { node: n, first: f.args[st] as number, length: h, data: st + h };
  return undefined;
}

const dataCache = new WeakMap<Program, Map<number, Float64Array>>();

/** A member's constant half as a vector, made once per program and node (every sweep shares it). */
function dataOf(f: Program, c: Candidate): Float64Array {
  let byNode = dataCache.get(f);
  if (byNode === undefined) {
    byNode = new Map();
    dataCache.set(f, byNode);
  }
  let data = byNode.get(c.node);
  if (data === undefined) {
    data = new Float64Array(c.length);
    for (let k = 0; k < c.length; k++) data[k] = f.constants[f.args[c.data + k] as number] as number;
    byNode.set(c.node, data);
  }
  return data;
}

/**
 * The program's batches: candidates grouped by run, groups of at least two. A loop computes a block position
 * in every repetition alike, so a position whose dot products are batched in some repetitions and not in
 * others is left out of every batch (and the grouping done again).
 */
export function dotBatches(f: Program, segments: readonly Segment[]): DotBatches {
  const cached = batchCache.get(f);
  if (cached !== undefined && cached.segments === segments) return cached.batches;
  const batches = findBatches(f, segments);
  batchCache.set(f, { segments, batches });
  return batches;
}

/** The batches of a program, kept for its plan (every sweep of the program asks). */
const batchCache = new WeakMap<Program, { segments: readonly Segment[]; batches: DotBatches }>();

function findBatches(f: Program, segments: readonly Segment[]): DotBatches {
  const candidates = new Map<number, Candidate>();
  for (let n = f.opStart; n < f.size; n++) {
    const c = candidate(f, n);
    if (c !== undefined) candidates.set(n, c);
  }
  let groups = new Map<string, Candidate[]>();
  for (let changed = candidates.size > 0; changed; ) {
    groups = new Map();
    for (const c of candidates.values()) {
      const key = `${c.first}:${c.length}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    for (const [key, members] of groups) {
      if (members.length > 1) continue;
      groups.delete(key);
      for (const m of members) candidates.delete(m.node);
    }
    const mixed = mixedPositions(new Set(candidates.keys()), segments);
    for (const n of mixed) candidates.delete(n);
    changed = mixed.size > 0;
  }
  const primal = [...groups.values()].map((members) => ({
    first: (members[0] as Candidate).first,
    length: (members[0] as Candidate).length,
    members: members.map((m) => m.node),
    data: members.map((m) => dataOf(f, m)),
  }));
  const adjoint = wholePositions(adjointBatches(f, primal), segments);
  return {
    primal,
    primalNodes: new Set(primal.flatMap((b) => b.members)),
    adjoint,
    adjointNodes: new Set(adjoint.flatMap((b) => b.members)),
  };
}

/**
 * The batches whose adjoints may run after the rest of the sweep: every other node using an entry of the run
 * comes after the batch's last member, and no other batch's run overlaps it.
 */
function adjointBatches(f: Program, batches: readonly DotBatch[]): AdjointBatch[] {
  if (batches.length === 0) return [];
  const owner = new Int32Array(f.size).fill(-1);
  const overlaps = new Uint8Array(batches.length);
  batches.forEach((b, g) => {
    for (let x = b.first; x < b.first + b.length; x++) {
      const o = owner[x] as number;
      if (o >= 0) overlaps[o] = overlaps[g] = 1;
      owner[x] = g;
    }
  });
  const memberOf = new Int32Array(f.size).fill(-1);
  batches.forEach((b, g) => {
    for (const n of b.members) memberOf[n] = g;
  });
  // The first node (or f.size for an output) using each batch's run that is not one of its members.
  const other = new Float64Array(batches.length).fill(Number.POSITIVE_INFINITY);
  const note = (x: number, u: number) => {
    const g = owner[x] as number;
    if (g >= 0 && memberOf[u] !== g && u < (other[g] as number)) other[g] = u;
  };
  for (let u = f.opStart; u < f.size; u++) {
    const arity = OP_ARITY[f.op[u] as number] as number;
    if (arity === 0) {
      const st = f.a[u] as number;
      for (let k = st; k < st + (f.b[u] as number); k++) note(f.args[k] as number, u);
    } else {
      note(f.a[u] as number, u);
      if (arity === 2) note(f.b[u] as number, u);
    }
  }
  for (const o of f.outputs) {
    const g = owner[o] as number;
    if (g >= 0) other[g] = Math.min(other[g] as number, f.size);
  }
  return batches.flatMap((b, g) =>
    overlaps[g] === 0 && (other[g] as number) > (b.members[b.members.length - 1] as number)
      ? [{ ...b, fresh: other[g] === Number.POSITIVE_INFINITY }]
      : [],
  );
}

/**
 * The batches left when every loop position is batched in all its repetitions or in none: a loop's code is the
 * same in every repetition. A batch with a member at a position batched only in some repetitions is dropped
 * whole, until none is (whether a batch may run last depends only on the users of its own run, so dropping one
 * changes no other's).
 */
function wholePositions<B extends DotBatch>(batches: readonly B[], segments: readonly Segment[]): B[] {
  let kept = [...batches];
  for (;;) {
    const mixed = mixedPositions(new Set(kept.flatMap((b) => b.members)), segments);
    if (mixed.size === 0) return kept;
    kept = kept.filter((b) => !b.members.some((n) => mixed.has(n)));
  }
}

/** The nodes at loop positions where some repetitions' nodes are in `nodes` and others' are not (all of them). */
function mixedPositions(nodes: ReadonlySet<number>, segments: readonly Segment[]): Set<number> {
  const mixed = new Set<number>();
  for (const seg of segments) {
    if (seg.kind !== 'loop') continue;
    for (let p = 0; p < seg.period; p++) {
      let count = 0;
      for (let r = 0; r < seg.reps; r++) if (nodes.has(seg.start + r * seg.period + p)) count++;
      if (count === 0 || count === seg.reps) continue;
      for (let r = 0; r < seg.reps; r++) mixed.add(seg.start + r * seg.period + p);
    }
  }
  return mixed;
}

/** Groups of at most {@link JAM} of the items, in order. */
function jams<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < items.length; k += JAM) out.push(items.slice(k, k + JAM));
  return out;
}

/**
 * The primal sweep's code for a batch (its members that `need` marks, or all): per {@link JAM} members, one
 * loop over the run with a running sum each, from the first product as OPS.dot adds.
 */
export function batchPrimalSource(
  b: DotBatch,
  need: Uint8Array | undefined,
  vector: (values: Float64Array) => string,
): string {
  const members = b.members.flatMap((node, m) =>
    need === undefined || need[node] === 1 ? [{ node, data: vector(b.data[m] as Float64Array) }] : [],
  );
  return jams(members)
    .map((jam) => {
      const start = jam.map(({ data }, j) => `let d${j} = ${data}[0] * v[${b.first}];`).join(' ');
      const add = jam.map(({ data }, j) => `d${j} += ${data}[k] * x;`).join(' ');
      const store = jam.map(({ node }, j) => `v[${node}] = d${j};`).join(' ');
      return `{ ${start}
  for (let k = 1; k < ${b.length}; k++) { const x = v[${b.first} + k]; ${add} }
  ${store} }`;
    })
    .join('\n');
}

/**
 * The adjoint sweep's code for a batch (without zero tests): per {@link JAM} members, highest node first, one
 * loop over the run adding each member's adjoint times its data to the entry, read once and stored once.
 */
export function batchAdjointSource(b: AdjointBatch, vector: (values: Float64Array) => string): string {
  const members = b.members.map((node, m) => ({ node, data: vector(b.data[m] as Float64Array) })).reverse();
  return jams(members)
    .map((jam, n) => {
      const read = jam.map(({ node }, j) => `const h${j} = adj[${node}];`).join(' ');
      const add = jam.map(({ data }, j) => `a += h${j} * ${data}[j];`).join(' ');
      const from = n === 0 && b.fresh ? '0' : 'adj[i]';
      return `{ ${read}
  for (let j = 0; j < ${b.length}; j++) { const i = ${b.first} + j; let a = ${from}; ${add} adj[i] = a; } }`;
    })
    .join('\n');
}
