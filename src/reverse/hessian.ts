/**
 * Second derivatives by forward over reverse: one tangent sweep carried through the reverse sweep per
 * direction. Every primal is a dual number (value, tangent along v), and every local partial is computed by
 * running its rule from the op table over dual numbers, which gives the partial and its own tangent. The
 * adjoints' tangents are then H·v. Loops run as loops: each iteration's body forward and backward over dual
 * numbers (a scan keeps its carries), so a Hessian-vector product holds one body at a time.
 */
import {
  type CommonOptions,
  DUAL_ALGEBRA,
  Dual,
  emptyStats,
  type FixedOpDef,
  LOOP,
  type LoopCall,
  type NaryOpDef,
  now,
  OP_ARITY,
  OP_DEFS,
  OP_NAMES,
  type Program,
  programCost,
  type Result,
  requireScalar,
  rowArg,
  vectorOf,
} from '../ir/index.js';

type DualOp = (...xs: Dual[]) => Dual;
const OP_ON_DUALS = OP_NAMES.map((name) => DUAL_ALGEBRA[name] as DualOp);
/** Stands for the absent second argument of a unary rule (which never reads it). */
const NO_ARG = new Dual(Number.NaN, 0);

/** One forward-over-reverse sweep: the gradient and H·v at x. */
function hvpSweep(
  f: Program,
  x: Float64Array,
  v: Float64Array,
): { gradient: Float64Array; hvp: Float64Array } {
  const inputs = Array.from(x, (xk, k) => new Dual(xk, v[k] as number));
  const val = dualForward(f, inputs);
  const adj = new Float64Array(f.size);
  const adjDot = new Float64Array(f.size);
  adj[f.outputs[0] as number] = 1;
  dualBackward(f, val, adj, adjDot);
  return { gradient: adj.slice(f.inputStart, f.opStart), hvp: adjDot.slice(f.inputStart, f.opStart) };
}

/** Every node's value and tangent, from the inputs' (loop calls run their bodies over dual numbers). */
function dualForward(f: Program, inputs: readonly Dual[]): Dual[] {
  const n = f.size;
  const val = new Array<Dual>(n);
  for (let i = 0; i < f.inputStart; i++) val[i] = new Dual(f.constants[i] as number, 0);
  for (let k = 0; k < inputs.length; k++) val[f.inputStart + k] = inputs[k] as Dual;
  for (let i = f.opStart; i < n; i++) {
    if (f.op[i] === LOOP) {
      if (f.b[i] === 0) callForward(f.calls[f.a[i] as number] as LoopCall, val);
      continue;
    }
    val[i] = (OP_ON_DUALS[f.op[i] as number] as DualOp)(...argsOf(f, val, i));
  }
  return val;
}

function argsOf(f: Program, val: readonly Dual[], i: number): Dual[] {
  const xs: Dual[] = [];
  f.forEachArg(i, (arg) => xs.push(val[arg] as Dual));
  return xs;
}

/**
 * The backward sweep over dual numbers: `adj` and `adjDot` hold the outputs' adjoints and their tangents on
 * entry, and every node's on return.
 */
function dualBackward(f: Program, val: Dual[], adj: Float64Array, adjDot: Float64Array): void {
  for (let i = f.size - 1; i >= f.opStart; i--) {
    const code = f.op[i] as number;
    if (code === LOOP) {
      if (f.b[i] === 0) callBackward(f.calls[f.a[i] as number] as LoopCall, val, adj, adjDot);
      continue;
    }
    const g = adj[i] as number;
    const gDot = adjDot[i] as number;
    if (g === 0 && gDot === 0) continue;
    const xs = argsOf(f, val, i);
    const z = val[i] as Dual;
    const def = OP_DEFS[code] as FixedOpDef | NaryOpDef;
    for (let k = 0; k < xs.length; k++) {
      // The partial p and its tangent ṗ: adj[arg] += g·p, and its tangent ġ·p + g·ṗ.
      const p =
        def.arity === 'n'
          ? def.partial(DUAL_ALGEBRA, xs, z, k)
          : (def.partials[k] as FixedOpDef['partials'][number])(
              DUAL_ALGEBRA,
              xs[0] as Dual,
              xs[1] ?? NO_ARG,
              z,
            );
      const arg =
        OP_ARITY[code] === 0
          ? (f.args[(f.a[i] as number) + k] as number)
          : k === 0
            ? (f.a[i] as number)
            : (f.b[i] as number);
      if (g !== 0) {
        adj[arg] = (adj[arg] as number) + g * p.value;
        if (p.tangent !== 0) adjDot[arg] = (adjDot[arg] as number) + g * p.tangent;
      }
      if (gDot !== 0) adjDot[arg] = (adjDot[arg] as number) + gDot * p.value;
    }
  }
}

/** A body's inputs for iteration i: the carry given, the row, the index, the captured values. */
function bodyInputs(call: LoopCall, val: readonly Dual[], carry: readonly Dual[], i: number): Dual[] {
  const { loop, args } = call;
  const inputs: Dual[] = [...carry];
  for (let k = 0; k < loop.width; k++) {
    inputs.push(
      loop.rowArgs
        ? (val[args[rowArg(loop, i) + k] as number] as Dual)
        : new Dual(loop.rows[i * loop.width + k] as number, 0),
    );
  }
  inputs.push(new Dual(i, 0));
  for (let k = 0; k < loop.captured; k++) inputs.push(val[args[loop.carry + k] as number] as Dual);
  return inputs;
}

/** A scan's carry at every iteration (n + 1 of them), over dual numbers. */
function scanCarries(call: LoopCall, val: Dual[]): Dual[][] {
  const { loop, args, first } = call;
  const outs = loop.body.outputs;
  const carries: Dual[][] = [Array.from(args.subarray(0, loop.carry), (a) => val[a] as Dual)];
  for (let i = 0; i < loop.n; i++) {
    const bv = dualForward(loop.body, bodyInputs(call, val, carries[i] as Dual[], i));
    carries.push(Array.from(outs.subarray(0, loop.carry), (o) => bv[o] as Dual));
    for (let k = 0; k < loop.perStep; k++) {
      val[first + loop.carry + i * loop.perStep + k] = bv[outs[loop.carry + k] as number] as Dual;
    }
  }
  return carries;
}

/** A call's outputs over dual numbers, as the unrolled program computes them. */
function callForward(call: LoopCall, val: Dual[]): void {
  const { loop, first } = call;
  const outs = loop.body.outputs;
  if (loop.kind === 'scan') {
    const carries = scanCarries(call, val);
    const last = carries[loop.n] as Dual[];
    for (let k = 0; k < loop.carry; k++) val[first + k] = last[k] as Dual;
    return;
  }
  const rows: Dual[][] = Array.from({ length: loop.perStep }, () => []);
  for (let i = 0; i < loop.n; i++) {
    const bv = dualForward(loop.body, bodyInputs(call, val, [], i));
    for (let k = 0; k < loop.perStep; k++) (rows[k] as Dual[]).push(bv[outs[k] as number] as Dual);
  }
  for (let k = 0; k < loop.perStep; k++) {
    const ys = rows[k] as Dual[];
    val[first + k] =
      loop.reduce === 'logsumexp'
        ? DUAL_ALGEBRA.logsumexp(...ys)
        : ys.length === 0
          ? new Dual(0, 0)
          : ys.reduce((s, y) => DUAL_ALGEBRA.add(s, y));
  }
}

/** A call's backward sweep over dual numbers: each iteration's body forward and backward again. */
function callBackward(call: LoopCall, val: Dual[], adj: Float64Array, adjDot: Float64Array): void {
  const { loop, first, args } = call;
  const { body, carry: c, perStep } = loop;
  let any = false;
  for (let k = first; k < first + loop.outputs; k++) if (adj[k] !== 0 || adjDot[k] !== 0) any = true;
  if (!any) return;
  const outs = body.outputs;
  const in0 = body.inputStart;
  const cap = in0 + c + loop.width + 1;
  // One iteration: the body's forward and backward sweeps, seeded by `seed`; the captured values' and the
  // row's adjoints go to the call's arguments.
  const iteration = (
    carry: readonly Dual[],
    i: number,
    seed: (ba: Float64Array, bd: Float64Array, bv: Dual[]) => void,
  ) => {
    const bv = dualForward(body, bodyInputs(call, val, carry, i));
    const ba = new Float64Array(body.size);
    const bd = new Float64Array(body.size);
    seed(ba, bd, bv);
    dualBackward(body, bv, ba, bd);
    const send = (from: number, arg: number) => {
      adj[arg] = (adj[arg] as number) + (ba[from] as number);
      adjDot[arg] = (adjDot[arg] as number) + (bd[from] as number);
    };
    for (let k = 0; k < loop.captured; k++) send(cap + k, args[c + k] as number);
    if (loop.rowArgs)
      for (let k = 0; k < loop.width; k++) send(in0 + c + k, args[rowArg(loop, i) + k] as number);
    return { ba, bd };
  };
  if (loop.kind === 'map') {
    for (let i = 0; i < loop.n; i++) {
      iteration([], i, (ba, bd, bv) => {
        for (let k = 0; k < perStep; k++) {
          const o = outs[k] as number;
          const g = adj[first + k] as number;
          const gDot = adjDot[first + k] as number;
          if (loop.reduce === 'sum') {
            ba[o] = (ba[o] as number) + g;
            bd[o] = (bd[o] as number) + gDot;
            continue;
          }
          // logsumexp: the seed ȳ·w with w = e^(y − z), and its tangent ẏ̄·w + ȳ·ẇ.
          const w = DUAL_ALGEBRA.exp(DUAL_ALGEBRA.sub(bv[o] as Dual, val[first + k] as Dual));
          ba[o] = (ba[o] as number) + g * w.value;
          bd[o] = (bd[o] as number) + gDot * w.value + (g === 0 ? 0 : g * w.tangent);
        }
      });
    }
    return;
  }
  const carries = scanCarries(call, val);
  const cbar = Array.from({ length: c }, (_, k) => adj[first + k] as number);
  const cbarDot = Array.from({ length: c }, (_, k) => adjDot[first + k] as number);
  for (let i = loop.n - 1; i >= 0; i--) {
    const { ba, bd } = iteration(carries[i] as Dual[], i, (sa, sd) => {
      for (let k = 0; k < c; k++) {
        const o = outs[k] as number;
        sa[o] = (sa[o] as number) + (cbar[k] as number);
        sd[o] = (sd[o] as number) + (cbarDot[k] as number);
      }
      for (let k = 0; k < perStep; k++) {
        const o = outs[c + k] as number;
        const node = first + c + i * perStep + k;
        sa[o] = (sa[o] as number) + (adj[node] as number);
        sd[o] = (sd[o] as number) + (adjDot[node] as number);
      }
    });
    for (let k = 0; k < c; k++) {
      cbar[k] = ba[in0 + k] as number;
      cbarDot[k] = bd[in0 + k] as number;
    }
  }
  for (let k = 0; k < c; k++) {
    const arg = args[k] as number;
    adj[arg] = (adj[arg] as number) + (cbar[k] as number);
    adjDot[arg] = (adjDot[arg] as number) + (cbarDot[k] as number);
  }
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
