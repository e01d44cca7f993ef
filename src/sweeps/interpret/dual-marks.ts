/**
 * The sparse backward sweep of a loop body in forward-over-reverse (hessian.ts): skip every node whose adjoint
 * and adjoint's tangent are both zero. kmeans' body takes the minimum of k distances, and only the nearest
 * centroid's branch gets a nonzero adjoint: the other k − 1 branches send zeros.
 *
 * Why the bits stay the interpreter's: where a body has only the ops below and every value and tangent in it
 * is finite, every partial and every partial's tangent is finite, so a node with zero adjoint and zero
 * adjoint's tangent sends only zeros (g·p + 0, g·ṗ + 0 and p·ġ + 0 are +0). Adding a zero leaves a nonzero sum
 * as it was, so every nonzero adjoint comes out the same, the same terms added in the same order. What the
 * skipped nodes would have changed is the sign of some zeros: the zero-factor rule's marks (−0 for what no
 * seed reaches, +0 for a reached zero). Inside the body no one reads them afterwards; the body's inputs' marks
 * (read by the loop's sweep, and by the program around it) follow from the body's structure and the seeds,
 * and {@link markInputs} sets them.
 */
import { cachedFor, isUntouched, OP_ARITY, OP_CODE, type Program, UNTOUCHED } from '../../ir/index.js';
import type { DualArrays } from './dual-nodes.js';

const { add: ADD, sub: SUB, mul: MUL, neg: NEG, sum: SUM, dot: DOT, max: MAX, min: MIN } = OP_CODE;

/** The ops whose partials (and partials' tangents) are finite wherever their arguments' values and tangents are. */
const SPARSE_OPS = new Set([ADD, SUB, MUL, NEG, SUM, DOT, MAX, MIN]);

const eligible = new WeakMap<Program, boolean>();

let sparseOn = true;

/**
 * @internal Turns the sparse sweep and the captured values' sums in place (hessian.ts) off: tests compare them
 * with the sweep over every reached node.
 */
export function setSparseSweeps(on: boolean): void {
  sparseOn = on;
}

/** Whether the sparse sweep and the sums in place are on. */
export function sparseSweeps(): boolean {
  return sparseOn;
}

/** Whether the body may run the sparse backward sweep (no loops of its own, only {@link SPARSE_OPS}). */
export function sparseBody(body: Program): boolean {
  return sparseOn && cachedFor(eligible, body, () => onlySparseOps(body));
}

function onlySparseOps(body: Program): boolean {
  if (body.calls.length > 0) return false;
  for (let n = body.opStart; n < body.size; n++) if (!SPARSE_OPS.has(body.op[n] as number)) return false;
  return true;
}

/**
 * Whether every value and tangent of the body is finite: of every node, or, after a first iteration that
 * checked them all, but for the constants and the inputs from `fixed` on (a call's captured values: the same
 * in every iteration). `ops`, where the compiled forward sweep gave it, says it of the operation nodes.
 */
export function finiteValues(body: Program, s: DualArrays, fixed?: number, ops?: number): boolean {
  const { val, tan } = s;
  const opsBad = ops ?? nonFinite(val, tan, body.opStart, body.size);
  if (fixed === undefined) return nonFinite(val, tan, 0, body.opStart) + opsBad === 0;
  return nonFinite(val, tan, body.inputStart, fixed) + opsBad === 0;
}

/** 0 when every value and tangent of nodes `from … to − 1` is finite, else NaN. */
function nonFinite(val: Float64Array, tan: Float64Array, from: number, to: number): number {
  // x − x is 0 for a finite x and NaN for ±∞ and NaN: sums, no branch per entry, two chains at a time.
  let u = 0;
  let w = 0;
  for (let n = from; n < to; n++) {
    u += (val[n] as number) - (val[n] as number);
    w += (tan[n] as number) - (tan[n] as number);
  }
  return u + w;
}

/** The seeds a mark pattern was computed from, and the marks: per body input, adjoint and tangent reached. */
export interface Marks {
  readonly seeds: Uint8Array;
  readonly adj: Uint8Array;
  readonly adjDot: Uint8Array;
}

const lastMarks = new WeakMap<Program, Marks>();

/**
 * The seeds the marks depend on, as flags: per input, whether its tangent is reached; per output, whether its
 * adjoint and its adjoint's tangent are (read before the backward sweep).
 */
function seedsOf(body: Program, s: DualArrays): Uint8Array {
  const inputs = body.opStart - body.inputStart;
  const outs = body.outputs;
  const seeds = new Uint8Array(inputs + 2 * outs.length);
  for (let j = 0; j < inputs; j++) seeds[j] = isUntouched(s.tan[body.inputStart + j] as number) ? 0 : 1;
  for (let k = 0; k < outs.length; k++) {
    seeds[inputs + 2 * k] = isUntouched(s.adj[outs[k] as number] as number) ? 0 : 1;
    seeds[inputs + 2 * k + 1] = isUntouched(s.adjDot[outs[k] as number] as number) ? 0 : 1;
  }
  return seeds;
}

/**
 * The marks of the interpreter's sweep, from the structure: a tangent is reached where an argument's is
 * (every op above); a node's adjoint is reached where a reached node uses it (send adds g·p + 0, never −0), and
 * its adjoint's tangent where such a user's adjoint's tangent is reached or the partial's tangent is: the other
 * factor's tangent for mul and dot, either argument's for min and max, never for the others.
 */
function computeMarks(body: Program, seeds: Uint8Array): Marks {
  const { op, a, b, args, size, inputStart, opStart } = body;
  const inputs = opStart - inputStart;
  const t = new Uint8Array(size);
  for (let j = 0; j < inputs; j++) t[inputStart + j] = seeds[j] as number;
  for (let n = opStart; n < size; n++) {
    const code = op[n] as number;
    if (OP_ARITY[code] === 0) {
      const st = a[n] as number;
      let any = 0;
      for (let k = st; k < st + (b[n] as number); k++) any |= t[args[k] as number] as number;
      t[n] = any;
    } else t[n] = (t[a[n] as number] as number) | (OP_ARITY[code] === 2 ? (t[b[n] as number] as number) : 0);
  }
  const r = new Uint8Array(size);
  const d = new Uint8Array(size);
  body.outputs.forEach((o, k) => {
    r[o] = (r[o] as number) | (seeds[inputs + 2 * k] as number);
    d[o] = (d[o] as number) | (seeds[inputs + 2 * k + 1] as number);
  });
  const reach = (arg: number, pDot: number, from: number) => {
    r[arg] = 1;
    d[arg] = (d[arg] as number) | pDot | (d[from] as number);
  };
  for (let n = size - 1; n >= opStart; n--) {
    if (r[n] === 0) continue;
    const code = op[n] as number;
    const x = a[n] as number;
    const y = b[n] as number;
    if (code === SUM) for (let k = x; k < x + y; k++) reach(args[k] as number, 0, n);
    else if (code === DOT) {
      const h = y >> 1;
      for (let k = 0; k < y; k++)
        reach(args[x + k] as number, t[args[x + (k < h ? k + h : k - h)] as number] as number, n);
    } else if (code === MUL) {
      reach(x, t[y] as number, n);
      reach(y, t[x] as number, n);
    } else if (code === MAX || code === MIN) {
      const both = (t[x] as number) | (t[y] as number);
      reach(x, both, n);
      reach(y, both, n);
    } else {
      reach(x, 0, n);
      if (OP_ARITY[code] === 2) reach(y, 0, n);
    }
  }
  return { seeds, adj: r.slice(inputStart, opStart), adjDot: d.slice(inputStart, opStart) };
}

/**
 * The marks for the body's current seeds (the last ones kept: a map's iterations ask the same again); with
 * `fixed`, the inputs from `fixed` on are taken to be as when the last marks were asked for (see finiteValues).
 */
export function marksFor(body: Program, s: DualArrays, fixed?: number): Marks {
  const last = lastMarks.get(body);
  if (last !== undefined && sameSeeds(body, s, last.seeds, fixed ?? body.opStart)) return last;
  const marks = computeMarks(body, seedsOf(body, s));
  lastMarks.set(body, marks);
  return marks;
}

/** Whether `s` has the seeds `seeds` (seedsOf without its array), its inputs before node `to` compared. */
function sameSeeds(body: Program, s: DualArrays, seeds: Uint8Array, to: number): boolean {
  const { tan, adj, adjDot } = s;
  const in0 = body.inputStart;
  const inputs = body.opStart - in0;
  const on = (t: number) => (t !== 0 || 1 / t > 0 ? 1 : 0);
  for (let j = 0; j < to - in0; j++) if (on(tan[in0 + j] as number) !== seeds[j]) return false;
  const outs = body.outputs;
  for (let k = 0; k < outs.length; k++) {
    const o = outs[k] as number;
    if (on(adj[o] as number) !== seeds[inputs + 2 * k]) return false;
    if (on(adjDot[o] as number) !== seeds[inputs + 2 * k + 1]) return false;
  }
  return true;
}

/**
 * After the sparse sweep: each input's zero adjoint and adjoint's tangent before node `to` get the
 * interpreter's sign (the caller marks the others' sums: see {@link markSums}).
 */
export function markInputs(body: Program, s: DualArrays, marks: Marks, to: number): void {
  const { adj, adjDot } = s;
  for (let j = 0; j < to - body.inputStart; j++) {
    const n = body.inputStart + j;
    if (adj[n] === 0) adj[n] = marks.adj[j] === 1 ? 0 : UNTOUCHED;
    if (adjDot[n] === 0) adjDot[n] = marks.adjDot[j] === 1 ? 0 : UNTOUCHED;
  }
}

/**
 * Sums over iterations of the body inputs' adjoints and their tangents from input `from` on (a loop's captured
 * values), where some iterations ran the sparse sweep without marking those inputs: `reached` and `reachedDot`
 * flag the ones some such iteration reached, whose sum the interpreter's sweep makes +0 at least (a sum is −0
 * only if every term is). Adding +0 gives them that mark; nothing else changes.
 */
export function markSums(
  sum: Float64Array,
  sumDot: Float64Array,
  reached: Uint8Array,
  reachedDot: Uint8Array,
): void {
  for (let k = 0; k < sum.length; k++) {
    if (reached[k] === 1) sum[k] = (sum[k] as number) + 0;
    if (reachedDot[k] === 1) sumDot[k] = (sumDot[k] as number) + 0;
  }
}

/** ORs the marks of inputs from `from` on into `reached` and `reachedDot`. */
export function orMarks(marks: Marks, from: number, reached: Uint8Array, reachedDot: Uint8Array): void {
  for (let k = 0; k < reached.length; k++) {
    reached[k] = (reached[k] as number) | (marks.adj[from + k] as number);
    reachedDot[k] = (reachedDot[k] as number) | (marks.adjDot[from + k] as number);
  }
}
