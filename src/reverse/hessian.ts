/**
 * Second derivatives by forward over reverse: one tangent sweep carried through the reverse sweep per
 * direction, on typed arrays: every node has a value and a tangent along v, and every local partial a value
 * and a tangent (written out for the commonest ops, else from its op-table rule run over dual numbers). The
 * adjoints' tangents are then H·v. Loops run as loops: each iteration's body forward and backward over dual
 * numbers (a scan keeps its carries), so a Hessian-vector product holds one body at a time.
 */
import {
  asDerivatives,
  type CommonOptions,
  cachedFor,
  capturedInput,
  DUAL_ALGEBRA,
  type Dual,
  dualOf,
  emptyStats,
  FIXED_VALUE,
  type FixedOpDef,
  indexInput,
  isUntouched,
  LOOP,
  type LoopCall,
  type NaryOpDef,
  NUMERIC_PARTIALS,
  now,
  OP_ARITY,
  OP_CODE,
  OP_DEFS,
  type Program,
  programCost,
  type Result,
  requireScalar,
  rowArg,
  rowInput,
  UNTOUCHED,
  vectorOf,
} from '../ir/index.js';
import { accumulate } from '../ir/ops.js';
import { loadCall, setIteration } from '../sweeps/index.js';

/*
 * The zero-factor rule (ops.ts), one level up: the Hessian is the derivative of the gradient the first-order
 * sweeps compute, so a tangent, adjoint, or adjoint's tangent that no seed reaches is −0 (UNTOUCHED) and
 * contributes nothing, and every other product is IEEE. Sums need no test: −0 + −0 is −0, and −0 plus a
 * reached value (never −0) is that value. Nested derivatives (src/nested) compute the same, so every Hessian
 * method agrees, and a non-finite entry is reported as NaN.
 */

/** Stands for the absent second argument of a unary rule (which never reads it). */
const NO_ARG = dualOf(Number.NaN, UNTOUCHED);

/** `px·tx + py·ty` with untouched tangents left out (forward mode's binaryLane). */
function twoTerms(px: number, tx: number, py: number, ty: number): number {
  return accumulate(accumulate(UNTOUCHED, px, tx), py, ty);
}

/** One forward-over-reverse sweep: the gradient and H·v at x. */
function hvpSweep(
  f: Program,
  x: Float64Array,
  v: Float64Array,
): { gradient: Float64Array; hvp: Float64Array } {
  const s = sweepArrays(f.size);
  s.val.set(x, f.inputStart);
  // A zero component of v does not touch its input, as in forward mode.
  for (let k = 0; k < v.length; k++) s.tan[f.inputStart + k] = v[k] === 0 ? UNTOUCHED : (v[k] as number);
  // The output's value is not returned: a loop call only the output reads need not run forward.
  dualForward(f, s, false);
  s.adj.fill(UNTOUCHED);
  s.adjDot.fill(UNTOUCHED);
  // The seed is a constant: its tangent is untouched.
  s.adj[f.outputs[0] as number] = 1;
  dualBackward(f, s);
  return {
    gradient: asDerivatives(s.adj.slice(f.inputStart, f.opStart)),
    hvp: asDerivatives(s.adjDot.slice(f.inputStart, f.opStart)),
  };
}

/** A program's values and tangents, and its adjoints and their tangents, one entry per node. */
interface DualArrays {
  readonly val: Float64Array;
  readonly tan: Float64Array;
  readonly adj: Float64Array;
  readonly adjDot: Float64Array;
}

function sweepArrays(n: number): DualArrays {
  return {
    val: new Float64Array(n),
    tan: new Float64Array(n),
    adj: new Float64Array(n),
    adjDot: new Float64Array(n),
  };
}

/** A loop body's arrays, reused from one iteration (and one call) to the next. */
const bodyArrays = new WeakMap<Program, DualArrays>();

function arraysOf(body: Program): DualArrays {
  return cachedFor(bodyArrays, body, () => sweepArrays(body.size));
}

const { add: ADD, sub: SUB, mul: MUL, neg: NEG, sum: SUM, dot: DOT, max: MAX, min: MIN } = OP_CODE;

/** Per program, by loop call: 1 where a node reads one of the call's outputs (a loop call's arguments count). */
const callReaders = new WeakMap<Program, Uint8Array>();

function readersOf(f: Program): Uint8Array {
  return cachedFor(callReaders, f, () => {
    const read = new Uint8Array(f.calls.length);
    const { op, a } = f;
    const mark = (arg: number) => {
      if (op[arg] === LOOP) read[a[arg] as number] = 1;
    };
    for (let i = f.opStart; i < f.size; i++) f.forEachArg(i, mark);
    return read;
  });
}

/**
 * The forward sweep over values and tangents (the inputs' already in `s`): each value by its op's value rule,
 * as the primal sweep computes it, and each tangent Σ pₖ·ẋₖ with the zero-factor rule. Without `outputs` (the
 * program's outputs' values are not read), a loop call that no node reads is left out: its backward sweep runs
 * its iterations forward again (callBackward), and only a logsumexp map's reads its outputs (kmeans' map of
 * nearest distances is read by no node: this halves its forward work).
 */
function dualForward(f: Program, s: DualArrays, outputs = true): void {
  const { val, tan } = s;
  val.set(f.constants, 0);
  tan.fill(UNTOUCHED, 0, f.inputStart);
  const { op, a, b, args } = f;
  for (let i = f.opStart; i < f.size; i++) {
    const code = op[i] as number;
    if (code === LOOP) {
      if (b[i] === 0 && (outputs || needsForward(f, a[i] as number)))
        callForward(f.calls[a[i] as number] as LoopCall, s);
      continue;
    }
    // The commonest ops written out: what the generic path below computes for them, in the same order.
    if (code === ADD || code === SUB || code === MUL) {
      const xi = a[i] as number;
      const yi = b[i] as number;
      const x = val[xi] as number;
      const y = val[yi] as number;
      const tx = tan[xi] as number;
      const ty = tan[yi] as number;
      if (code === MUL) {
        val[i] = x * y;
        tan[i] = twoTerms(y, tx, x, ty);
      } else {
        val[i] = code === ADD ? x + y : x - y;
        tan[i] = twoTerms(1, tx, code === ADD ? 1 : -1, ty);
      }
      continue;
    }
    if (code === MAX || code === MIN) {
      // kmeans' chains of min, once per centroid and point: the value and partials of the op table's rules
      // written out (minMaxPartials), and the generic path's tangent.
      const xi = a[i] as number;
      const yi = b[i] as number;
      const x = val[xi] as number;
      const y = val[yi] as number;
      const tx = tan[xi] as number;
      const ty = tan[yi] as number;
      const max = code === MAX;
      let t = isUntouched(tx) ? UNTOUCHED : accumulate(UNTOUCHED, minMaxPartial(max, 0, x, y), tx);
      if (!isUntouched(ty)) t = accumulate(t, minMaxPartial(max, 1, x, y), ty);
      val[i] = max ? Math.max(x, y) : Math.min(x, y);
      tan[i] = t;
      continue;
    }
    if (code === DOT || code === SUM) {
      const start = a[i] as number;
      const count = b[i] as number;
      const z = (OP_DEFS[code] as NaryOpDef).value(val, args, start, count);
      const h = count >> 1;
      let t = UNTOUCHED;
      for (let k = start; k < start + count; k++) {
        const p = code === SUM ? 1 : (val[args[k < start + h ? k + h : k - h] as number] as number);
        t = accumulate(t, p, tan[args[k] as number] as number);
      }
      val[i] = z;
      tan[i] = t;
      continue;
    }
    const arity = OP_ARITY[code] as number;
    if (arity === 0) {
      const start = a[i] as number;
      const count = b[i] as number;
      const def = OP_DEFS[code] as NaryOpDef;
      const z = def.value(val, args, start, count);
      let t = UNTOUCHED;
      for (let k = 0; k < count; k++) {
        const tk = tan[args[start + k] as number] as number;
        if (!isUntouched(tk)) t = accumulate(t, def.numericPartial(val, args, start, count, z, k), tk);
      }
      val[i] = z;
      tan[i] = t;
      continue;
    }
    const xi = a[i] as number;
    const yi = arity === 2 ? (b[i] as number) : xi;
    const x = val[xi] as number;
    const y = arity === 2 ? (val[yi] as number) : Number.NaN;
    const z = (FIXED_VALUE[code] as (x: number, y: number) => number)(x, y);
    const partials = NUMERIC_PARTIALS[code] as readonly ((x: number, y: number, z: number) => number)[];
    // Only a reached tangent's partial is evaluated: an untouched argument adds nothing.
    const tx = tan[xi] as number;
    let t = isUntouched(tx) ? UNTOUCHED : accumulate(UNTOUCHED, (partials[0] as Partial)(x, y, z), tx);
    if (arity === 2) {
      const ty = tan[yi] as number;
      if (!isUntouched(ty)) t = accumulate(t, (partials[1] as Partial)(x, y, z), ty);
    }
    val[i] = z;
    tan[i] = t;
  }
}

/** Whether loop call `index` of `f` runs forward when the program's outputs' values are not read. */
function needsForward(f: Program, index: number): boolean {
  const call = f.calls[index] as LoopCall;
  return readersOf(f)[index] === 1 || (call.loop.kind === 'map' && call.loop.reduce === 'logsumexp');
}

/**
 * The backward sweep over adjoints and their tangents (the outputs' seeded in `s`): adj[arg] += g·p and
 * adjDot[arg] += g·ṗ + ġ·p, with ṗ the partial's tangent, each term left out where one of its factors g, ṗ or
 * ġ is untouched. The partials of add, sub, mul, neg, sum and dot are written out (their tangents are
 * untouched or the other argument's tangent); the others run their op-table rule over dual numbers.
 */
function dualBackward(f: Program, s: DualArrays): void {
  const { val, tan, adj, adjDot } = s;
  const { op, a, b, args } = f;
  // g is reached here (the node is skipped otherwise); ġ and ṗ may be untouched.
  const send = (arg: number, g: number, gDot: number, p: number, pDot: number) => {
    adj[arg] = (adj[arg] as number) + (g * p + 0);
    // A reached value is never −0, so `!== 0` settles the common case and the sign is read only at a zero.
    let d = adjDot[arg] as number;
    if (pDot !== 0 || !isUntouched(pDot)) d += g * pDot + 0;
    if (gDot !== 0 || !isUntouched(gDot)) d += p * gDot + 0;
    adjDot[arg] = d;
  };
  for (let i = f.size - 1; i >= f.opStart; i--) {
    const code = op[i] as number;
    if (code === LOOP) {
      if (b[i] === 0) callBackward(f.calls[a[i] as number] as LoopCall, s);
      continue;
    }
    const g = adj[i] as number;
    const gDot = adjDot[i] as number;
    // No seeded output reaches this node (its adjoint's tangent is then untouched too).
    if (g === 0 && isUntouched(g)) continue;
    const arity = OP_ARITY[code] as number;
    if (arity === 0) {
      const start = a[i] as number;
      const count = b[i] as number;
      if (code === SUM) {
        for (let k = start; k < start + count; k++) send(args[k] as number, g, gDot, 1, UNTOUCHED);
      } else if (code === DOT) {
        const h = count >> 1;
        for (let k = 0; k < count; k++) {
          const other = args[start + (k < h ? k + h : k - h)] as number;
          send(args[start + k] as number, g, gDot, val[other] as number, tan[other] as number);
        }
      } else {
        const def = OP_DEFS[code] as NaryOpDef;
        const xs = Array.from(args.subarray(start, start + count), (arg) =>
          dualOf(val[arg] as number, tan[arg] as number),
        );
        const z = dualOf(val[i] as number, tan[i] as number);
        for (let k = 0; k < count; k++) {
          const p = def.partial(DUAL_ALGEBRA, xs, z, k);
          send(args[start + k] as number, g, gDot, p.value, p.tangent);
        }
      }
      continue;
    }
    const xi = a[i] as number;
    const yi = b[i] as number;
    if (code === ADD || code === SUB) {
      send(xi, g, gDot, 1, UNTOUCHED);
      send(yi, g, gDot, code === ADD ? 1 : -1, UNTOUCHED);
    } else if (code === MUL) {
      send(xi, g, gDot, val[yi] as number, tan[yi] as number);
      send(yi, g, gDot, val[xi] as number, tan[xi] as number);
    } else if (code === NEG) send(xi, g, gDot, -1, UNTOUCHED);
    else if (code === MAX || code === MIN) {
      // What the rule below computes over dual numbers, without them (kmeans' chains of min run here once per
      // centroid and point): the partials (1 ± sign(x − y))/2, and their tangent sign′·(ẋ − ẏ) = 0·(ẋ − ẏ),
      // which is untouched when both tangents are, NaN when one is not finite, else +0.
      const x = val[xi] as number;
      const y = val[yi] as number;
      const tx = tan[xi] as number;
      const ty = tan[yi] as number;
      const pDot =
        isUntouched(tx) && isUntouched(ty)
          ? UNTOUCHED
          : (isUntouched(tx) || tx - tx === 0) && (isUntouched(ty) || ty - ty === 0)
            ? 0
            : Number.NaN;
      send(xi, g, gDot, minMaxPartial(code === MAX, 0, x, y), pDot);
      send(yi, g, gDot, minMaxPartial(code === MAX, 1, x, y), pDot);
    } else {
      const def = OP_DEFS[code] as FixedOpDef;
      const x = dualOf(val[xi] as number, tan[xi] as number);
      const y = arity === 2 ? dualOf(val[yi] as number, tan[yi] as number) : NO_ARG;
      const z = dualOf(val[i] as number, tan[i] as number);
      for (let k = 0; k < arity; k++) {
        const p = (def.partials[k] as FixedOpDef['partials'][number])(DUAL_ALGEBRA, x, y, z);
        send(k === 0 ? xi : yi, g, gDot, p.value, p.tangent);
      }
    }
  }
}

type Partial = (x: number, y: number, z: number) => number;

/**
 * ∂max(x, y) or ∂min(x, y) by argument k: the op table's rules (1 ± sign(x − y))/2 (ops.ts) over numbers,
 * written out (the same operations, so the same bits) rather than called through the rule table per node.
 */
function minMaxPartial(max: boolean, k: 0 | 1, x: number, y: number): number {
  const s = Math.sign(x - y);
  return (max === (k === 0) ? 1 + s : 1 - s) / 2;
}

/**
 * Writes a body's inputs for iteration i with their tangents: the values as the primal sweep writes them
 * (setIteration); the tangents of rows that are expressions from their arguments, of data rows and the index 0.
 */
function setBodyIteration(call: LoopCall, s: DualArrays, bs: DualArrays, i: number): void {
  const { loop, args } = call;
  const in0 = loop.body.inputStart;
  setIteration(call, s.val, bs.val, in0, i);
  const r = in0 + rowInput(loop);
  for (let k = 0; k < loop.width; k++) {
    bs.tan[r + k] = loop.rowArgs ? (s.tan[args[rowArg(loop, i) + k] as number] as number) : UNTOUCHED;
  }
  bs.tan[in0 + indexInput(loop)] = UNTOUCHED;
}

/** Writes a call's captured values (and a scan's initial carry) with their tangents into a body's arrays. */
function loadBody(call: LoopCall, s: DualArrays, bs: DualArrays): void {
  const { loop, args } = call;
  loadCall(call, s.val, bs.val);
  const in0 = loop.body.inputStart;
  const cap = in0 + capturedInput(loop);
  for (let k = 0; k < loop.carry; k++) bs.tan[in0 + k] = s.tan[args[k] as number] as number;
  for (let k = 0; k < loop.captured; k++) bs.tan[cap + k] = s.tan[args[loop.carry + k] as number] as number;
}

/** A scan's carries and their tangents at every iteration (`(n + 1) × c` each); writes its per-step outputs. */
function scanCarries(call: LoopCall, s: DualArrays): { val: Float64Array; tan: Float64Array } {
  const { loop, first } = call;
  const { body, n, carry: c, perStep } = loop;
  const bs = arraysOf(body);
  const outs = body.outputs;
  const in0 = body.inputStart;
  const val = new Float64Array((n + 1) * c);
  const tan = new Float64Array((n + 1) * c);
  loadBody(call, s, bs);
  for (let i = 0; i < n; i++) {
    val.set(bs.val.subarray(in0, in0 + c), i * c);
    tan.set(bs.tan.subarray(in0, in0 + c), i * c);
    setBodyIteration(call, s, bs, i);
    dualForward(body, bs);
    for (let k = 0; k < perStep; k++) {
      const o = outs[c + k] as number;
      s.val[first + c + i * perStep + k] = bs.val[o] as number;
      s.tan[first + c + i * perStep + k] = bs.tan[o] as number;
    }
    // Read the next carry before writing it: an output may be a carry input.
    for (let k = 0; k < c; k++) {
      val[(i + 1) * c + k] = bs.val[outs[k] as number] as number;
      tan[(i + 1) * c + k] = bs.tan[outs[k] as number] as number;
    }
    bs.val.set(val.subarray((i + 1) * c, (i + 2) * c), in0);
    bs.tan.set(tan.subarray((i + 1) * c, (i + 2) * c), in0);
  }
  if (n === 0) {
    val.set(bs.val.subarray(in0, in0 + c), 0);
    tan.set(bs.tan.subarray(in0, in0 + c), 0);
  }
  return { val, tan };
}

/** A call's outputs and their tangents, as the unrolled program computes them. */
function callForward(call: LoopCall, s: DualArrays): void {
  const { loop, first } = call;
  const { body, n, carry: c, perStep } = loop;
  const outs = body.outputs;
  if (loop.kind === 'scan') {
    const carries = scanCarries(call, s);
    s.val.set(carries.val.subarray(n * c, (n + 1) * c), first);
    s.tan.set(carries.tan.subarray(n * c, (n + 1) * c), first);
    return;
  }
  const bs = arraysOf(body);
  loadBody(call, s, bs);
  const ys = new Array<Dual[]>(perStep);
  for (let k = 0; k < perStep; k++) ys[k] = [];
  for (let i = 0; i < n; i++) {
    setBodyIteration(call, s, bs, i);
    dualForward(body, bs);
    for (let k = 0; k < perStep; k++) {
      const o = outs[k] as number;
      (ys[k] as Dual[]).push(dualOf(bs.val[o] as number, bs.tan[o] as number));
    }
  }
  for (let k = 0; k < perStep; k++) {
    const rows = ys[k] as Dual[];
    const y =
      loop.reduce === 'logsumexp'
        ? DUAL_ALGEBRA.logsumexp(rows)
        : rows.length === 0
          ? dualOf(0, UNTOUCHED)
          : rows.reduce((acc, r) => DUAL_ALGEBRA.add(acc, r));
    s.val[first + k] = y.value;
    s.tan[first + k] = y.tangent;
  }
}

/** A call's backward sweep: each iteration's body forward and backward again, from the last iteration. */
function callBackward(call: LoopCall, s: DualArrays): void {
  const { loop, first, args } = call;
  const { body, n, carry: c, perStep } = loop;
  const { adj, adjDot } = s;
  let any = false;
  for (let k = first; k < first + loop.outputs; k++) if (!isUntouched(adj[k] as number)) any = true;
  if (!any) return;
  const outs = body.outputs;
  const in0 = body.inputStart;
  const cap = in0 + capturedInput(loop);
  const carries = loop.kind === 'scan' ? scanCarries(call, s) : undefined;
  const bs = arraysOf(body);
  loadBody(call, s, bs);
  // The captured values' adjoints and tangents, summed over the iterations.
  // Sums of adjoints start untouched: a captured value no iteration reaches keeps an untouched adjoint.
  const gCap = new Float64Array(loop.captured).fill(UNTOUCHED);
  const gCapDot = new Float64Array(loop.captured).fill(UNTOUCHED);
  const cbar = new Float64Array(c);
  const cbarDot = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    cbar[k] = adj[first + k] as number;
    cbarDot[k] = adjDot[first + k] as number;
  }
  for (let i = n - 1; i >= 0; i--) {
    if (carries !== undefined) {
      bs.val.set(carries.val.subarray(i * c, (i + 1) * c), in0);
      bs.tan.set(carries.tan.subarray(i * c, (i + 1) * c), in0);
    }
    setBodyIteration(call, s, bs, i);
    dualForward(body, bs);
    bs.adj.fill(UNTOUCHED);
    bs.adjDot.fill(UNTOUCHED);
    if (loop.kind === 'scan') {
      for (let k = 0; k < c; k++) {
        const o = outs[k] as number;
        bs.adj[o] = (bs.adj[o] as number) + (cbar[k] as number);
        bs.adjDot[o] = (bs.adjDot[o] as number) + (cbarDot[k] as number);
      }
      for (let k = 0; k < perStep; k++) {
        const o = outs[c + k] as number;
        const node = first + c + i * perStep + k;
        bs.adj[o] = (bs.adj[o] as number) + (adj[node] as number);
        bs.adjDot[o] = (bs.adjDot[o] as number) + (adjDot[node] as number);
      }
    } else {
      for (let k = 0; k < perStep; k++) {
        const o = outs[k] as number;
        const g = adj[first + k] as number;
        const gDot = adjDot[first + k] as number;
        if (loop.reduce === 'sum') {
          bs.adj[o] = (bs.adj[o] as number) + g;
          bs.adjDot[o] = (bs.adjDot[o] as number) + gDot;
          continue;
        }
        // logsumexp: the seed ȳ·w with w = e^(y − z), and its tangent ẏ̄·w + ȳ·ẇ, ẇ = w·(ẏ − ż).
        if (isUntouched(g)) continue;
        const w = DUAL_ALGEBRA.exp(
          DUAL_ALGEBRA.sub(
            dualOf(bs.val[o] as number, bs.tan[o] as number),
            dualOf(s.val[first + k] as number, s.tan[first + k] as number),
          ),
        );
        bs.adj[o] = accumulate(bs.adj[o] as number, w.value, g);
        bs.adjDot[o] = accumulate(accumulate(bs.adjDot[o] as number, w.value, gDot), g, w.tangent);
      }
    }
    dualBackward(body, bs);
    for (let k = 0; k < c; k++) {
      cbar[k] = bs.adj[in0 + k] as number;
      cbarDot[k] = bs.adjDot[in0 + k] as number;
    }
    for (let k = 0; k < loop.captured; k++) {
      gCap[k] = (gCap[k] as number) + (bs.adj[cap + k] as number);
      gCapDot[k] = (gCapDot[k] as number) + (bs.adjDot[cap + k] as number);
    }
    if (loop.rowArgs) {
      for (let k = 0; k < loop.width; k++) {
        const arg = args[rowArg(loop, i) + k] as number;
        adj[arg] = (adj[arg] as number) + (bs.adj[in0 + c + k] as number);
        adjDot[arg] = (adjDot[arg] as number) + (bs.adjDot[in0 + c + k] as number);
      }
    }
  }
  for (let k = 0; k < c; k++) {
    const arg = args[k] as number;
    adj[arg] = (adj[arg] as number) + (cbar[k] as number);
    adjDot[arg] = (adjDot[arg] as number) + (cbarDot[k] as number);
  }
  for (let k = 0; k < loop.captured; k++) {
    const arg = args[c + k] as number;
    adj[arg] = (adj[arg] as number) + (gCap[k] as number);
    adjDot[arg] = (adjDot[arg] as number) + (gCapDot[k] as number);
  }
}

/**
 * ∇f(x) and H·v from one forward-over-reverse sweep: what a Newton step needs, for the price of `hvp` alone
 * (GradBench kmeans' direction ∇f ⊘ H·1). The gradient is the adjoints the sweep carries beside their tangents.
 */
export function gradientAndHvp(
  f: Program,
  x: ArrayLike<number>,
  v: ArrayLike<number>,
): { gradient: Float64Array; hvp: Float64Array } {
  requireScalar(f, 'hvp');
  const n = f.variables.length;
  return hvpSweep(f, vectorOf(x, n, 'the point'), vectorOf(v, n, 'the direction'));
}

/**
 * H·v, the Hessian of scalar f at x times v, by one forward-over-reverse sweep.
 *
 * @example
 * hvp(parse('x^2 * y'), [1, 2], [1, 0]).value; // [2y, 2x] = [4, 2]
 */
export function hvp(
  f: Program,
  x: ArrayLike<number>,
  v: ArrayLike<number>,
  _options: CommonOptions = {},
): Result<Float64Array> {
  requireScalar(f, 'hvp');
  const t0 = now();
  const n = f.variables.length;
  const { hvp: hv } = hvpSweep(f, vectorOf(x, n, 'the point'), vectorOf(v, n, 'the direction'));
  return { value: hv, stats: hessianStats(f, 1, t0) };
}

/** The Hessian of scalar f at x, column by column: n forward-over-reverse sweeps. */
export function hessian(
  f: Program,
  x: ArrayLike<number>,
  _options: CommonOptions = {},
): Result<Float64Array[]> {
  requireScalar(f, 'hessian');
  const t0 = now();
  const n = f.variables.length;
  const point = vectorOf(x, n, 'the point');
  const columns: Float64Array[] = [];
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    columns.push(hvpSweep(f, point, e).hvp);
  }
  // Column j of a symmetric matrix is row j: return rows.
  return { value: columns, stats: hessianStats(f, n, t0) };
}

function hessianStats(f: Program, directions: number, t0: number) {
  const cost = programCost(f);
  const stats = emptyStats();
  stats.evaluations = directions;
  stats.forwardSweeps = directions;
  stats.reverseSweeps = directions;
  // Per direction: primal and tangent of every node, then partials with their tangents and two multiply–adds
  // per edge for the adjoint and its tangent.
  stats.ops = directions * (2 * (cost.nodes + cost.edges) + 4 * cost.edges);
  stats.bytes = f.size * 8 * 6;
  stats.time = now() - t0;
  return stats;
}
