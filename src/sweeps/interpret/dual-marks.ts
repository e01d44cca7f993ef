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
import { type DualArrays, twoTerms } from './dual-nodes.js';

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
  /** Per node of the body, whether its tangent is reached (what {@link leanTangents} writes). */
  readonly tan: Uint8Array;
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
  return { seeds, adj: r.slice(inputStart, opStart), adjDot: d.slice(inputStart, opStart), tan: t };
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

const needs = new WeakMap<Program, Uint8Array>();

/**
 * Per node of a sparse body, whether the sparse backward sweep reads its tangent's value: the entries of a dot
 * and the arguments of a mul (their partials' tangents), and whatever those tangents are computed from. The
 * other tangents it reads only through min's and max's partials' tangent, which where every value and tangent is
 * finite is +0 or −0 by whether the arguments' tangents are reached, known from the structure
 * ({@link leanTangents}). kmeans' body needs its differences' tangents, not its distances' nor its minimums'.
 */
export function tangentNeeds(body: Program): Uint8Array {
  return cachedFor(needs, body, () => {
    const { op } = body;
    const need = new Uint8Array(body.size);
    // Descending: a node's users all come after it, so its flag is final when it is reached.
    for (let n = body.size - 1; n >= body.opStart; n--) {
      const code = op[n] as number;
      const all = need[n] === 1 || code === MUL || code === DOT;
      if (all) body.forEachArg(n, (arg) => (need[arg] = 1));
    }
    return need;
  });
}

const lazies = new WeakMap<Program, Uint8Array>();

/**
 * Per node of a sparse body, whether the lean sweeps compute its tangent only where the sparse backward sweep
 * reads it ({@link lazyTangent}): an add, sub or mul of inputs whose tangent {@link tangentNeeds} flags but no
 * node computes its own tangent from, and no output. kmeans' differences: a point's sweep reads the nearest
 * centroid's d of them, not all k·d.
 */
export function lazyTangents(body: Program): Uint8Array {
  return cachedFor(lazies, body, () => {
    const { op, a, b, opStart } = body;
    const need = tangentNeeds(body);
    const lazy = new Uint8Array(body.size);
    for (let n = opStart; n < body.size; n++) {
      const code = op[n] as number;
      const ofInputs = (a[n] as number) < opStart && (b[n] as number) < opStart;
      if (need[n] === 1 && ofInputs && (code === ADD || code === SUB || code === MUL)) lazy[n] = 1;
    }
    for (let u = opStart; u < body.size; u++) if (need[u] === 1) body.forEachArg(u, (arg) => (lazy[arg] = 0));
    for (const o of body.outputs) lazy[o] = 0;
    return lazy;
  });
}

/**
 * A lazy node's tangent (node `m`; any other node is left as it is), as the forward sweep computes it:
 * twoTerms of its partials and its arguments' tangents.
 */
export function lazyTangent(body: Program): (val: Float64Array, tan: Float64Array, m: number) => void {
  const lazy = lazyTangents(body);
  const { op, a, b } = body;
  return (val, tan, m) => {
    if (lazy[m] !== 1) return;
    const code = op[m] as number;
    const x = a[m] as number;
    const y = b[m] as number;
    const px = code === MUL ? (val[y] as number) : 1;
    const py = code === MUL ? (val[x] as number) : code === ADD ? 1 : -1;
    tan[m] = twoTerms(px, tan[x] as number, py, tan[y] as number);
  };
}

/**
 * Writes the tangents the lean forward sweep leaves out (the op nodes {@link tangentNeeds} does not flag, and
 * the lazy ones until the backward sweep computes them): +0
 * where the tangent is reached, −0 where not. Where every value and tangent is finite, min's and max's partials'
 * tangent from these is what it is from the tangents the full sweep computes, and nothing else reads them.
 */
export function leanTangents(body: Program, s: DualArrays, marks: Marks): void {
  const need = tangentNeeds(body);
  const lazy = lazyTangents(body);
  for (let n = body.opStart; n < body.size; n++)
    if (need[n] === 0 || lazy[n] === 1) s.tan[n] = marks.tan[n] === 1 ? 0 : UNTOUCHED;
}

/** Below this, a bound on a value or tangent shows it finite (with room for the bounds' own rounding). */
const LIMIT = 1e300;
/** Each bound's margin for rounding: far above the relative error of the few roundings one node makes. */
const SLACK = 2 ** -30;

/**
 * Whether every value and tangent of a sparse body is finite in every iteration, from bounds: `val` and `tan`
 * hold, for each input, a bound on its absolute value and tangent over the iterations (NaN fails). Each op
 * node's bounds follow from its arguments' (|x + y| ≤ |x| + |y|, |xy| ≤ |x||y|, a partial of min or max is at
 * most 1), times 1 + a margin per term for rounding; if none passes {@link LIMIT}, no value or tangent is ±∞ or
 * NaN (no op here makes NaN from finite arguments). One pass over the body per call, not per iteration.
 */
export function boundedFinite(body: Program, val: Float64Array, tan: Float64Array): boolean {
  const { op, a, b, args } = body;
  for (let n = 0; n < body.inputStart; n++) {
    val[n] = Math.abs(body.constants[n] as number);
    tan[n] = 0;
  }
  for (let n = 0; n < body.opStart; n++)
    if (!((val[n] as number) <= LIMIT && (tan[n] as number) <= LIMIT)) return false;
  for (let n = body.opStart; n < body.size; n++) {
    const code = op[n] as number;
    const x = a[n] as number;
    const y = b[n] as number;
    let v: number;
    let t: number;
    let terms = 2;
    if (code === SUM || code === DOT) {
      v = 0;
      t = 0;
      const h = y >> 1;
      for (let k = x; k < x + y; k++) {
        const e = args[k] as number;
        if (code === SUM) {
          v += val[e] as number;
          t += tan[e] as number;
        } else {
          const o = args[k - x < h ? k + h : k - h] as number;
          if (k - x < h) v += (val[e] as number) * (val[o] as number);
          t += (val[o] as number) * (tan[e] as number);
        }
      }
      terms = y + 1;
    } else if (code === MUL) {
      v = (val[x] as number) * (val[y] as number);
      t = (val[y] as number) * (tan[x] as number) + (val[x] as number) * (tan[y] as number);
    } else if (code === NEG) {
      v = val[x] as number;
      t = tan[x] as number;
    } else if (code === MAX || code === MIN) {
      v = Math.max(val[x] as number, val[y] as number);
      t = (tan[x] as number) + (tan[y] as number);
    } else {
      // add, sub
      v = (val[x] as number) + (val[y] as number);
      t = (tan[x] as number) + (tan[y] as number);
    }
    v *= 1 + terms * SLACK;
    t *= 1 + terms * SLACK;
    if (!(v <= LIMIT && t <= LIMIT)) return false;
    val[n] = v;
    tan[n] = t;
  }
  return true;
}
