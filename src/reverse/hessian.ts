/**
 * Second derivatives by forward over reverse: one tangent sweep carried through the reverse sweep per
 * direction, on typed arrays: every node has a value and a tangent along v, and every local partial a value
 * and a tangent (written out for the commonest ops, else from its op-table rule run over dual numbers). The
 * adjoints' tangents are then H·v. Loops run as loops: each iteration's body forward and backward over dual
 * numbers (a scan keeps its carries), so a Hessian-vector product holds one body at a time.
 */
import {
  asDerivatives,
  type Backend,
  backendOf,
  type CommonOptions,
  cachedFor,
  capturedInput,
  DUAL_ALGEBRA,
  type Dual,
  dualOf,
  emptyStats,
  indexInput,
  isUntouched,
  LOOP,
  type Loop,
  type LoopCall,
  type NaryOpDef,
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
import { dualKernels, type PointRows } from '../sweeps/compiled/dual.js';
import { loadCall, setIteration } from '../sweeps/index.js';
import {
  boundedFinite,
  finiteValues,
  lazyTangent,
  lazyTangents,
  leanTangents,
  type Marks,
  markInputs,
  markSums,
  marksFor,
  orMarks,
  sparseBody,
  sparseSweeps,
  tangentNeeds,
} from '../sweeps/interpret/dual-marks.js';
import {
  type DualArrays,
  fixedBackward,
  fixedForward,
  minMaxPartial,
  minMaxPartialTangent,
  naryBackward,
  naryForward,
  send,
  twoTerms,
} from '../sweeps/interpret/dual-nodes.js';

/*
 * The zero-factor rule (ops.ts), one level up: the Hessian is the derivative of the gradient the first-order
 * sweeps compute, so a tangent, adjoint, or adjoint's tangent that no seed reaches is −0 (UNTOUCHED) and
 * contributes nothing, and every other product is IEEE. Sums need no test: −0 + −0 is −0, and −0 plus a
 * reached value (never −0) is that value. Nested derivatives (src/nested) compute the same, so every Hessian
 * method agrees, and a non-finite entry is reported as NaN.
 */

/** One forward-over-reverse sweep: the gradient and H·v at x. */
function hvpSweep(
  f: Program,
  x: Float64Array,
  v: Float64Array,
  backend: Backend,
): { gradient: Float64Array; hvp: Float64Array } {
  const s = sweepArrays(f.size);
  s.val.set(x, f.inputStart);
  // A zero component of v does not touch its input, as in forward mode.
  for (let k = 0; k < v.length; k++) s.tan[f.inputStart + k] = v[k] === 0 ? UNTOUCHED : (v[k] as number);
  // The output's value is not returned: a loop call only the output reads need not run forward.
  dualForward(f, s, false, backend);
  s.adj.fill(UNTOUCHED);
  s.adjDot.fill(UNTOUCHED);
  // The seed is a constant: its tangent is untouched.
  s.adj[f.outputs[0] as number] = 1;
  dualBackward(f, s, backend);
  return {
    gradient: asDerivatives(s.adj.slice(f.inputStart, f.opStart)),
    hvp: asDerivatives(s.adjDot.slice(f.inputStart, f.opStart)),
  };
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
function dualForward(f: Program, s: DualArrays, outputs: boolean, backend: Backend): void {
  const { val, tan } = s;
  val.set(f.constants, 0);
  tan.fill(UNTOUCHED, 0, f.inputStart);
  const { op, a, b, args } = f;
  for (let i = f.opStart; i < f.size; i++) {
    const code = op[i] as number;
    if (code === LOOP) {
      if (b[i] === 0 && (outputs || needsForward(f, a[i] as number)))
        callForward(f.calls[a[i] as number] as LoopCall, s, backend);
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
      tan[i] = naryTangent(code, start, count, val, tan, args);
      val[i] = z;
      continue;
    }
    if (OP_ARITY[code] === 0) naryForward(f, s, i, code);
    else fixedForward(f, s, i, code);
  }
}

/**
 * The tangent of a sum or dot product over `args[start … start + count)`: each argument's tangent times its
 * partial (1 for a sum; for a dot, the entry it multiplies in the other half), added from the first under the
 * zero-factor rule (`accumulate`).
 */
function naryTangent(
  code: number,
  start: number,
  count: number,
  val: Float64Array,
  tan: Float64Array,
  args: Int32Array,
): number {
  const h = count >> 1;
  let t = UNTOUCHED;
  for (let k = start; k < start + count; k++) {
    const p = code === SUM ? 1 : (val[args[k < start + h ? k + h : k - h] as number] as number);
    t = accumulate(t, p, tan[args[k] as number] as number);
  }
  return t;
}

/**
 * The interpreter's lean forward sweep of a sparse body (compiled/dual.ts's leanForward): every value, and
 * the tangents that tangentNeeds flags and lazyTangents does not, each as dualForward computes it.
 */
function leanForward(body: Program, s: DualArrays): void {
  const need = tangentNeeds(body);
  const lazy = lazyTangents(body);
  const { val, tan } = s;
  val.set(body.constants, 0);
  tan.fill(UNTOUCHED, 0, body.inputStart);
  const { op, a, b, args } = body;
  for (let i = body.opStart; i < body.size; i++) {
    const code = op[i] as number;
    const tangent = need[i] === 1 && lazy[i] === 0;
    if (code === DOT || code === SUM) {
      const start = a[i] as number;
      const count = b[i] as number;
      val[i] = (OP_DEFS[code] as NaryOpDef).value(val, args, start, count);
      if (tangent) tan[i] = naryTangent(code, start, count, val, tan, args);
      continue;
    }
    if (code === NEG) {
      fixedForward(body, s, i, code);
      continue;
    }
    const xi = a[i] as number;
    const yi = b[i] as number;
    const x = val[xi] as number;
    const y = val[yi] as number;
    const tx = tan[xi] as number;
    const ty = tan[yi] as number;
    if (code === MAX || code === MIN) {
      const max = code === MAX;
      val[i] = max ? Math.max(x, y) : Math.min(x, y);
      if (!tangent) continue;
      let t = isUntouched(tx) ? UNTOUCHED : accumulate(UNTOUCHED, minMaxPartial(max, 0, x, y), tx);
      if (!isUntouched(ty)) t = accumulate(t, minMaxPartial(max, 1, x, y), ty);
      tan[i] = t;
      continue;
    }
    // add, sub, mul
    val[i] = code === MUL ? x * y : code === ADD ? x + y : x - y;
    if (!tangent) continue;
    tan[i] = code === MUL ? twoTerms(y, tx, x, ty) : twoTerms(1, tx, code === ADD ? 1 : -1, ty);
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
function dualBackward(
  f: Program,
  s: DualArrays,
  backend: Backend,
  sparse = false,
  lazy?: (val: Float64Array, tan: Float64Array, m: number) => void,
): void {
  const { val, tan, adj, adjDot } = s;
  const { op, a, b, args } = f;
  // g is reached here (the node is skipped otherwise); ġ and ṗ may be untouched.
  for (let i = f.size - 1; i >= f.opStart; i--) {
    const code = op[i] as number;
    if (code === LOOP) {
      if (b[i] === 0) callBackward(f.calls[a[i] as number] as LoopCall, s, backend);
      continue;
    }
    const g = adj[i] as number;
    const gDot = adjDot[i] as number;
    // No seeded output reaches this node (its adjoint's tangent is then untouched too); or, sparse, the node
    // sends only zeros (src/sweeps/interpret/dual-marks.ts).
    if (sparse ? g === 0 && gDot === 0 : g === 0 && isUntouched(g)) continue;
    const arity = OP_ARITY[code] as number;
    if (arity === 0) {
      const start = a[i] as number;
      const count = b[i] as number;
      if (code === SUM) {
        for (let k = start; k < start + count; k++)
          send(adj, adjDot, args[k] as number, g, gDot, 1, UNTOUCHED);
      } else if (code === DOT) {
        const h = count >> 1;
        // The lean sweeps' lazy entries' tangents first (dual-marks.ts's lazyTangents).
        if (lazy !== undefined) for (let k = start; k < start + count; k++) lazy(val, tan, args[k] as number);
        for (let k = 0; k < count; k++) {
          const other = args[start + (k < h ? k + h : k - h)] as number;
          send(adj, adjDot, args[start + k] as number, g, gDot, val[other] as number, tan[other] as number);
        }
      } else naryBackward(f, s, i, code, g, gDot);
      continue;
    }
    const xi = a[i] as number;
    const yi = b[i] as number;
    if (code === ADD || code === SUB) {
      send(adj, adjDot, xi, g, gDot, 1, UNTOUCHED);
      send(adj, adjDot, yi, g, gDot, code === ADD ? 1 : -1, UNTOUCHED);
    } else if (code === MUL) {
      if (lazy !== undefined) {
        lazy(val, tan, xi);
        lazy(val, tan, yi);
      }
      send(adj, adjDot, xi, g, gDot, val[yi] as number, tan[yi] as number);
      send(adj, adjDot, yi, g, gDot, val[xi] as number, tan[xi] as number);
    } else if (code === NEG) send(adj, adjDot, xi, g, gDot, -1, UNTOUCHED);
    else if (code === MAX || code === MIN) {
      // What the op-table rule computes over dual numbers, without them (kmeans' chains of min run here once
      // per centroid and point): the partials (1 ± sign(x − y))/2, and their tangent.
      const x = val[xi] as number;
      const y = val[yi] as number;
      const pDot = minMaxPartialTangent(tan[xi] as number, tan[yi] as number);
      send(adj, adjDot, xi, g, gDot, minMaxPartial(code === MAX, 0, x, y), pDot);
      send(adj, adjDot, yi, g, gDot, minMaxPartial(code === MAX, 1, x, y), pDot);
    } else fixedBackward(f, s, i, code, g, gDot);
  }
}

/**
 * A body's forward sweep over values and tangents: generated code on the compiled backend (src/sweeps/compiled/dual.ts),
 * which also says whether its operation nodes' values and tangents are all finite (0) or not (NaN).
 */
function bodyForward(body: Program, bs: DualArrays, backend: Backend): number | undefined {
  const kernels = backend === 'compile' ? dualKernels(body) : undefined;
  if (kernels !== undefined) return kernels.forward(bs);
  dualForward(body, bs, true, backend);
  return undefined;
}

/**
 * A body's backward sweep over adjoints and their tangents, generated code on the compiled backend: sparse
 * (only the nodes that send something other than zeros) where src/sweeps/interpret/dual-marks.ts allows, its inputs before node
 * `cap` (the captured values') then marked; returns the marks, for the caller to mark the captured values' sums
 * (undefined: every input is marked). With `fixed`, the captured values and their tangents are those of the
 * caller's earlier iteration, checked then; `finite` is what the compiled forward sweep said of the operation
 * nodes.
 */
function bodyBackward(
  body: Program,
  bs: DualArrays,
  backend: Backend,
  cap: number,
  fixed: boolean,
  finite: number | undefined,
): Marks | undefined {
  const kernels = backend === 'compile' ? dualKernels(body) : undefined;
  if (sparseBody(body) && finiteValues(body, bs, fixed ? cap : undefined, finite)) {
    const marks = marksFor(body, bs, fixed ? cap : undefined);
    if (kernels === undefined) dualBackward(body, bs, backend, true);
    else kernels.sparseBackward(bs);
    markInputs(body, bs, marks, cap);
    return marks;
  }
  if (kernels === undefined) dualBackward(body, bs, backend);
  else kernels.backward(bs);
  return undefined;
}

const singleTermBodies = new WeakMap<Program, boolean>();

/**
 * Whether every input of the body from node `cap` on (a loop's captured values) is read once in the body, by an
 * add, sub, neg or sum, and is no output: its adjoint then gets one term per iteration (g·p + 0, never −0) and
 * its adjoint's tangent at most one (p·ġ + 0; the partial's tangent is untouched), so adding them to a running
 * sum in place is the interpreter's sum of each iteration's sum (−0 + term = term). kmeans' centroids are each
 * read by one difference.
 */
function singleTerms(body: Program, cap: number): boolean {
  return cachedFor(singleTermBodies, body, () => {
    const uses = new Int32Array(body.opStart - cap);
    let ok = body.calls.length === 0;
    const use = (arg: number, code: number) => {
      if (arg < cap || arg >= body.opStart) return;
      uses[arg - cap] = (uses[arg - cap] as number) + 1;
      if (code !== ADD && code !== SUB && code !== NEG && code !== SUM) ok = false;
    };
    for (let i = body.opStart; i < body.size && ok; i++) {
      const code = body.op[i] as number;
      body.forEachArg(i, (arg) => use(arg, code));
    }
    for (const o of body.outputs) use(o, LOOP);
    return ok && uses.every((u) => u <= 1);
  });
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
function scanCarries(
  call: LoopCall,
  s: DualArrays,
  backend: Backend,
): { val: Float64Array; tan: Float64Array } {
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
    bodyForward(body, bs, backend);
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
function callForward(call: LoopCall, s: DualArrays, backend: Backend): void {
  const { loop, first } = call;
  const { body, n, carry: c, perStep } = loop;
  const outs = body.outputs;
  if (loop.kind === 'scan') {
    const carries = scanCarries(call, s, backend);
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
    bodyForward(body, bs, backend);
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

/**
 * Whether a map call's body, a sparse one, is finite in every iteration by its bounds (boundedFinite): each
 * input's bound the largest absolute value (and tangent) it takes over the iterations. The body's captured
 * values must be loaded (loadBody).
 */
function bounded(call: LoopCall, s: DualArrays, bs: DualArrays): boolean {
  const { loop, args } = call;
  const { body, n, width } = loop;
  if (!sparseBody(body)) return false;
  const val = new Float64Array(body.size);
  const tan = new Float64Array(body.size);
  const in0 = body.inputStart;
  for (let k = in0; k < body.opStart; k++) {
    val[k] = Math.abs(bs.val[k] as number);
    tan[k] = Math.abs(bs.tan[k] as number);
  }
  const r = in0 + rowInput(loop);
  if (!loop.rowArgs) {
    // Data rows have no tangent; their bounds are computed once per loop.
    val.set(dataBounds(loop), r);
    tan.fill(0, r, r + width);
  } else
    for (let k = 0; k < width; k++) {
      let v = 0;
      let t = 0;
      for (let i = 0; i < n; i++) {
        const arg = args[rowArg(loop, i) + k] as number;
        v = Math.max(v, Math.abs(s.val[arg] as number));
        t = Math.max(t, Math.abs(s.tan[arg] as number));
      }
      val[r + k] = v;
      tan[r + k] = t;
    }
  val[in0 + indexInput(loop)] = n;
  tan[in0 + indexInput(loop)] = 0;
  return boundedFinite(body, val, tan);
}

/** Where a sum map's data rows go in its body's arrays, and its outputs' seeds (the call's adjoints in `s`). */
function pointRows(call: LoopCall, s: DualArrays, in0: number): PointRows {
  const { loop, first } = call;
  const outputs = Array.from(loop.body.outputs.slice(0, loop.perStep));
  return {
    rows: loop.rows,
    width: loop.width,
    rowAt: in0 + rowInput(loop),
    indexAt: in0 + indexInput(loop),
    outputs,
    seed: s.adj.slice(first, first + loop.perStep),
    seedDot: s.adjDot.slice(first, first + loop.perStep),
  };
}

const rowBounds = new WeakMap<Loop, Float64Array>();

/**
 * A loop's data rows' bounds, entry by entry: the largest absolute value each takes over the rows, once per
 * loop (its rows are its own copy, never written after it is built).
 */
function dataBounds(loop: Loop): Float64Array {
  return cachedFor(rowBounds, loop, () => {
    const { n, width, rows } = loop;
    const bounds = new Float64Array(width);
    for (let k = 0; k < width; k++) {
      let v = 0;
      for (let i = 0; i < n; i++) v = Math.max(v, Math.abs(rows[i * width + k] as number));
      bounds[k] = v;
    }
    return bounds;
  });
}

/** A call's backward sweep: each iteration's body forward and backward again, from the last iteration. */
function callBackward(call: LoopCall, s: DualArrays, backend: Backend): void {
  const { loop, first, args } = call;
  const { body, n, carry: c, perStep } = loop;
  const { adj, adjDot } = s;
  let any = false;
  for (let k = first; k < first + loop.outputs; k++) if (!isUntouched(adj[k] as number)) any = true;
  if (!any) return;
  const outs = body.outputs;
  const in0 = body.inputStart;
  const cap = in0 + capturedInput(loop);
  const carries = loop.kind === 'scan' ? scanCarries(call, s, backend) : undefined;
  const bs = arraysOf(body);
  loadBody(call, s, bs);
  // The captured values' adjoints and tangents, summed over the iterations.
  // Sums of adjoints start untouched: a captured value no iteration reaches keeps an untouched adjoint.
  const gCap = new Float64Array(loop.captured).fill(UNTOUCHED);
  const gCapDot = new Float64Array(loop.captured).fill(UNTOUCHED);
  // Where each captured value gets at most one term per iteration (singleTerms), the sweeps add it to the sum
  // in place: the same additions in the same order.
  const direct = sparseSweeps() && singleTerms(body, cap);
  if (direct) {
    bs.adj.fill(UNTOUCHED, cap, body.opStart);
    bs.adjDot.fill(UNTOUCHED, cap, body.opStart);
  }
  const cbar = new Float64Array(c);
  const cbarDot = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    cbar[k] = adj[first + k] as number;
    cbarDot[k] = adjDot[first + k] as number;
  }
  // The captured values the sparse sweeps reached, whose sums they leave unmarked (src/sweeps/interpret/dual-marks.ts).
  const capReached = new Uint8Array(loop.captured);
  const capReachedDot = new Uint8Array(loop.captured);
  let sparseSeen = false;
  let lastMarks: Marks | undefined;
  // A sum map whose bounds show every value and tangent finite in every iteration runs the lean sweeps.
  const kernels = backend === 'compile' ? dualKernels(body) : undefined;
  const lean = loop.kind === 'map' && loop.reduce === 'sum' && bounded(call, s, bs);
  const lazy = lean && kernels === undefined ? lazyTangent(body) : undefined;
  let placed: Marks | undefined;
  // A sum map over data rows reads back no adjoint of its body's inputs before the captured values (its rows'
  // and index's): the lean sweeps zero them once per call, not per iteration, and leave them unmarked.
  const unread = lean && direct && !loop.rowArgs ? cap : 0;
  if (unread > 0) {
    bs.adj.fill(UNTOUCHED, 0, cap);
    bs.adjDot.fill(UNTOUCHED, 0, cap);
  }
  for (let i = n - 1; i >= 0; i--) {
    // Once the first iteration has placed the marks, a sum map over data rows runs the rest as the steps below
    // would, in one generated function (nothing after the sweeps applies: no carry, no row arguments, the
    // captured values' sums in place, the marks the same).
    if (unread > 0 && placed !== undefined && kernels !== undefined) {
      kernels.leanPoints(bs, pointRows(call, s, in0), i);
      break;
    }
    if (carries !== undefined) {
      bs.val.set(carries.val.subarray(i * c, (i + 1) * c), in0);
      bs.tan.set(carries.tan.subarray(i * c, (i + 1) * c), in0);
    }
    setBodyIteration(call, s, bs, i);
    let finite: number | undefined;
    if (lean) {
      if (kernels !== undefined) kernels.leanForward(bs);
      else leanForward(body, bs);
    } else finite = bodyForward(body, bs, backend);
    // The compiled lean sparse sweep leaves the operation nodes' adjoints untouched for the next iteration.
    const ops = lean && kernels !== undefined && i < n - 1 ? body.opStart : body.size;
    if (direct) {
      // The captured values' adjoints carry their sums from one iteration to the next; the inputs' before them
      // were zeroed once before the loop where nothing reads them back (unread).
      if (unread === 0) {
        bs.adj.fill(UNTOUCHED, 0, cap);
        bs.adjDot.fill(UNTOUCHED, 0, cap);
      }
      bs.adj.fill(UNTOUCHED, body.opStart, ops);
      bs.adjDot.fill(UNTOUCHED, body.opStart, ops);
    } else {
      bs.adj.fill(UNTOUCHED, 0, ops);
      bs.adjDot.fill(UNTOUCHED, 0, ops);
    }
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
    // The captured values are as the last iteration checked them (loadBody wrote them once, before it).
    let marks: Marks | undefined;
    if (lean) {
      // Over data rows, every iteration after the first has its seeds: the rows' and index's tangents untouched,
      // the captured values' as checked, the output's adjoint and its tangent the call's.
      marks = unread > 0 && placed !== undefined ? placed : marksFor(body, bs, i < n - 1 ? cap : undefined);
      if (marks !== placed) leanTangents(body, bs, marks);
      placed = marks;
      if (kernels !== undefined) kernels.leanSparseBackward(bs);
      else dualBackward(body, bs, backend, true, lazy);
      if (unread === 0) markInputs(body, bs, marks, cap);
    } else marks = bodyBackward(body, bs, backend, cap, i < n - 1 && sparseSeen, finite);
    if (marks !== undefined) {
      sparseSeen = true;
      if (marks !== lastMarks) orMarks(marks, cap - in0, capReached, capReachedDot);
      lastMarks = marks;
    }
    for (let k = 0; k < c; k++) {
      cbar[k] = bs.adj[in0 + k] as number;
      cbarDot[k] = bs.adjDot[in0 + k] as number;
    }
    for (let k = 0; k < loop.captured && !direct; k++) {
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
  if (direct) {
    gCap.set(bs.adj.subarray(cap, body.opStart));
    gCapDot.set(bs.adjDot.subarray(cap, body.opStart));
  }
  if (sparseSeen) markSums(gCap, gCapDot, capReached, capReachedDot);
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
  options: CommonOptions = {},
): { gradient: Float64Array; hvp: Float64Array } {
  requireScalar(f, 'hvp');
  const n = f.variables.length;
  return hvpSweep(f, vectorOf(x, n, 'the point'), vectorOf(v, n, 'the direction'), backendOf(options));
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
  options: CommonOptions = {},
): Result<Float64Array> {
  requireScalar(f, 'hvp');
  const t0 = now();
  const n = f.variables.length;
  const point = vectorOf(x, n, 'the point');
  const { hvp: hv } = hvpSweep(f, point, vectorOf(v, n, 'the direction'), backendOf(options));
  return { value: hv, stats: hessianStats(f, 1, t0) };
}

/** The Hessian of scalar f at x, column by column: n forward-over-reverse sweeps. */
export function hessian(
  f: Program,
  x: ArrayLike<number>,
  options: CommonOptions = {},
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
    columns.push(hvpSweep(f, point, e, backendOf(options)).hvp);
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
