/**
 * Second derivatives by forward over reverse: one tangent sweep carried through the reverse sweep per
 * direction. Every primal is a dual number (value, tangent along v), and every local partial is computed by
 * running its rule from the op table over dual numbers, which gives the partial and its own tangent. The
 * adjoints' tangents are then H·v.
 */
import {
  type CommonOptions,
  DUAL_ALGEBRA,
  Dual,
  emptyStats,
  type FixedOpDef,
  type NaryOpDef,
  now,
  OP_ARITY,
  OP_DEFS,
  OP_NAMES,
  type Program,
  programCost,
  type Result,
  requireScalar,
  unrollFor,
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
  f = unrollFor(f, 'the Hessian');
  const n = f.size;
  const val = new Array<Dual>(n);
  for (let i = 0; i < f.inputStart; i++) val[i] = new Dual(f.constants[i] as number, 0);
  for (let k = 0; k < x.length; k++) val[f.inputStart + k] = new Dual(x[k] as number, v[k] as number);
  const argsOf = (i: number): Dual[] => {
    const xs: Dual[] = [];
    f.forEachArg(i, (arg) => xs.push(val[arg] as Dual));
    return xs;
  };
  for (let i = f.opStart; i < n; i++) val[i] = (OP_ON_DUALS[f.op[i] as number] as DualOp)(...argsOf(i));

  const adj = new Float64Array(n);
  const adjDot = new Float64Array(n);
  adj[f.outputs[0] as number] = 1;
  for (let i = n - 1; i >= f.opStart; i--) {
    const g = adj[i] as number;
    const gDot = adjDot[i] as number;
    if (g === 0 && gDot === 0) continue;
    const code = f.op[i] as number;
    const xs = argsOf(i);
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
  return { gradient: adj.slice(f.inputStart, f.opStart), hvp: adjDot.slice(f.inputStart, f.opStart) };
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
