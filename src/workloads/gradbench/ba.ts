/**
 * GradBench ba: bundle adjustment (ADBench BA). The input stands for n cameras all equal to `cam`, m points
 * all equal to `x` and p observations (observation i sees point i mod m from camera i mod n, with weight w
 * and feature `feat`); difflab builds that full problem and does the work for every observation.
 *
 * The primal is one program, the way JAX writes it: a stacked map (`mapRows`, a `vmap`) over the observations,
 * each row gathered by index from the program's inputs (camera `camIdx[i]`'s 11 parameters, point `ptIdx[i]`'s
 * 3, weight i) and the feature (data, constants), whose body gives the reprojection error
 * e = w·(proj(cam, X) − feat); and a stacked map over the weights for the weight error 1 − w². proj rotates
 * X − c by Rodrigues' formula, divides by depth, applies radial distortion and the focal length and principal
 * point. Where a camera's θ² = 0 the rotation is the first-order form: a second body, so the observations are
 * split into two maps by their camera's θ² when the program is built (on the workload's cameras, the values it
 * is evaluated at).
 *
 * The sparse Jacobian (3p rows, 11n + 3m + p columns) is the program's block Jacobian (`blockJacobian`: each
 * row's body Jacobian by the engine's method, 2 × 17 or 1 × 1, its columns those of the gathered inputs),
 * written in compressed-row form; the output keeps the first 30 and the last entry of each array, as GradBench
 * does.
 */
import { programCost } from '../../ir/differentiator.js';
import { constant, type Expr, withGraph } from '../../ir/graph.js';
import { gather, mapRows } from '../../ir/loop.js';
import { type LoopCall, type Program, program } from '../../ir/program.js';
import { finite, int, num, objectInput, vector } from './input.js';
import { variables } from './scalar.js';
import type { DerivativeEngine, GradbenchEval } from './types.js';

export interface BaInput {
  n: number;
  m: number;
  p: number;
  cam: Float64Array;
  x: Float64Array;
  w: number;
  feat: Float64Array;
}

export interface BaWorkload {
  /**
   * The program of the cameras' 11n parameters, the points' 3m coordinates and the p weights (in that order,
   * GradBench's column order): the reprojection errors (2p, observation-major), then the weight errors (p).
   */
  readonly f: Program<Float64Array>;
  /** The point: every camera's parameters, every point's, every weight. */
  readonly x: Float64Array;
  readonly n: number;
  readonly m: number;
  readonly p: number;
}

export interface BaObjective {
  reproj: Float64Array;
  wErr: Float64Array;
}

export interface BaJacobian {
  rows: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

const cross = (a: readonly Expr[], b: readonly Expr[]): Expr[] => [
  (a[1] as Expr).mul(b[2] as Expr).sub((a[2] as Expr).mul(b[1] as Expr)),
  (a[2] as Expr).mul(b[0] as Expr).sub((a[0] as Expr).mul(b[2] as Expr)),
  (a[0] as Expr).mul(b[1] as Expr).sub((a[1] as Expr).mul(b[0] as Expr)),
];
const dot3 = (a: readonly Expr[], b: readonly Expr[]): Expr =>
  (a[0] as Expr)
    .mul(b[0] as Expr)
    .add((a[1] as Expr).mul(b[1] as Expr))
    .add((a[2] as Expr).mul(b[2] as Expr));

/** The values of an observation's row: the camera's 11 parameters, the point's 3, the weight, the feature's 2. */
const CAM = 0;
const POINT = 11;
const WEIGHT = 14;
const FEATURE = 15;

/**
 * One observation's reprojection error [e_x, e_y] from its row, by Rodrigues' formula (or its first-order form,
 * `rodrigues` false, for θ² = 0).
 */
function observation(row: readonly Expr[], rodrigues: boolean): Expr[] {
  const cam = row.slice(CAM, CAM + 11);
  const X = row.slice(POINT, POINT + 3);
  const w = row[WEIGHT] as Expr;
  const feat = row.slice(FEATURE, FEATURE + 2);
  const r = cam.slice(0, 3);
  const Y = X.map((xi, i) => xi.sub(cam[3 + i] as Expr));
  let Z: Expr[];
  if (rodrigues) {
    const theta = dot3(r, r).sqrt();
    const omega = r.map((ri) => ri.div(theta));
    const cosT = theta.cos();
    const sinT = theta.sin();
    const wY = cross(omega, Y);
    const wdotY = dot3(omega, Y);
    Z = Y.map((yi, i) =>
      yi
        .mul(cosT)
        .add((wY[i] as Expr).mul(sinT))
        .add((omega[i] as Expr).mul(wdotY).mul(constant(1).sub(cosT))),
    );
  } else {
    const rY = cross(r, Y);
    Z = Y.map((yi, i) => yi.add(rY[i] as Expr));
  }
  const xi0 = (Z[0] as Expr).div(Z[2] as Expr);
  const xi1 = (Z[1] as Expr).div(Z[2] as Expr);
  const rho = xi0.mul(xi0).add(xi1.mul(xi1));
  const L = constant(1)
    .add((cam[9] as Expr).mul(rho))
    .add((cam[10] as Expr).mul(rho).mul(rho));
  const f = cam[6] as Expr;
  const projX = f.mul(L.mul(xi0)).add(cam[7] as Expr);
  const projY = f.mul(L.mul(xi1)).add(cam[8] as Expr);
  const ex = w.mul(projX.sub(feat[0] as Expr));
  const ey = w.mul(projY.sub(feat[1] as Expr));
  return [ex, ey];
}

/**
 * The program: the observations split by their camera's θ² in `cams` (Rodrigues' formula or its first-order
 * form), each part a stacked map over rows gathered from the inputs (observation i sees camera i mod n and
 * point i mod m, with feature i of `features`); outputs every e_x, e_y, then every 1 − w².
 */
export function baProgram(
  cams: Float64Array,
  features: Float64Array,
  n: number,
  m: number,
  p: number,
): Program<Float64Array> {
  return withGraph(() => {
    const camVars = variables('cam', 11 * n);
    const pointVars = variables('X', 3 * m);
    const weightVars = variables('w', p);
    const reproj = new Array<Expr>(2 * p);
    for (const rodrigues of [true, false]) {
      const obs = observationsWith(cams, n, p, rodrigues);
      if (obs.length === 0) continue;
      const rows = gather(
        { table: camVars, width: 11, index: obs.map((i) => i % n) },
        { table: pointVars, width: 3, index: obs.map((i) => i % m) },
        { table: weightVars, index: obs },
        { table: features, width: 2, index: obs },
      );
      const out = mapRows(rows, (row) => observation(row, rodrigues));
      obs.forEach((i, j) => {
        const [ex, ey] = out[j] as [Expr, Expr];
        reproj[2 * i] = ex;
        reproj[2 * i + 1] = ey;
      });
    }
    // The weight errors: a map of their own, so that each observation's reprojection block is 2 × 17 and its
    // weight's 1 × 1 (one body of three operations, not a third row of the reprojection's Jacobian).
    const wErr = mapRows(gather({ table: weightVars }), ([w]) => constant(1).sub((w as Expr).mul(w as Expr)));
    return program([...reproj, ...wErr.flat()], { variables: [...camVars, ...pointVars, ...weightVars] });
  }) as Program<Float64Array>;
}

/** The observations whose camera's θ² is nonzero (`rodrigues`) or zero, in order (Int32Array). */
function observationsWith(cams: Float64Array, n: number, p: number, rodrigues: boolean): Int32Array {
  const rotates = new Uint8Array(n);
  for (let c = 0; c < n; c++) {
    const [r0, r1, r2] = [cams[11 * c] as number, cams[11 * c + 1] as number, cams[11 * c + 2] as number];
    rotates[c] = r0 * r0 + r1 * r1 + r2 * r2 !== 0 ? 1 : 0;
  }
  const want = rodrigues ? 1 : 0;
  let count = 0;
  for (let i = 0; i < p; i++) if (rotates[i % n] === want) count++;
  const obs = new Int32Array(count);
  count = 0;
  for (let i = 0; i < p; i++) if (rotates[i % n] === want) obs[count++] = i;
  return obs;
}

function objective(wk: BaWorkload, engine: DerivativeEngine): BaObjective {
  const e = engine.evaluate(wk.f, wk.x);
  return { reproj: e.subarray(0, 2 * wk.p), wErr: e.subarray(2 * wk.p) };
}

/**
 * The Jacobian in compressed-row form from the program's blocks. A reprojection block has rows e_x, e_y (output
 * positions 2i, 2i + 1) and columns its row's values, of which the first 15 (camera, point, weight) are inputs:
 * 15 entries in each reprojection row. A weight-error block (output position 2p + i) is 1 × 1.
 */
function jacobian(wk: BaWorkload, engine: DerivativeEngine): BaJacobian {
  const { p } = wk;
  const rows = new Int32Array(3 * p + 1);
  const cols = new Int32Array(31 * p);
  const vals = new Float64Array(31 * p);
  engine.blockJacobian(wk.f, wk.x, (block, outputs, columns) => {
    const at = outputs[0] as number;
    if (at >= 2 * p) {
      const i = at - 2 * p;
      cols[30 * p + i] = columns[0] as number;
      vals[30 * p + i] = block[0] as number;
      rows[2 * p + i + 1] = 30 * p + i + 1;
      return;
    }
    const width = columns.length;
    const i = at >> 1;
    const base = 30 * i;
    rows[2 * i + 1] = base + 15;
    rows[2 * i + 2] = base + 30;
    // Both rows in one pass over the columns: 10 % less time per Jacobian than a loop per row.
    for (let j = 0; j < 15; j++) {
      const c = columns[j] as number;
      cols[base + j] = c;
      cols[base + 15 + j] = c;
      vals[base + j] = block[j] as number;
      vals[base + 15 + j] = block[width + j] as number;
    }
  });
  return { rows, cols, vals };
}

/** The first 30 entries and the last, as GradBench transmits each array. */
function clip(a: Int32Array | Float64Array, what: string): number[] {
  const out = Array.from(a.subarray(0, 30));
  out.push(a[a.length - 1] as number);
  for (const v of out) finite(v, what);
  return out;
}

export const ba: GradbenchEval<BaInput, BaWorkload> = {
  name: 'ba',
  functions: ['objective', 'jacobian'],
  primal: 'objective',
  derivatives: ['jacobian'],
  nested: false,
  read(input) {
    const o = objectInput(input, ['n', 'm', 'p', 'cam', 'x', 'w', 'feat']);
    return {
      n: int(o.n, 'n', 1, 1e8),
      m: int(o.m, 'm', 1, 1e8),
      p: int(o.p, 'p', 1, 1e8),
      cam: vector(o.cam, 'cam', 11),
      x: vector(o.x, 'x', 3),
      w: num(o.w, 'w'),
      feat: vector(o.feat, 'feat', 2),
    };
  },
  // One program: the inputs (11n + 3m + p), the bodies (about 90 operations each) and 3p outputs; it runs a
  // body per observation. Beside it: the rows' 17p argument ids (and their copy while building), the
  // features, the point, the Jacobian's 31p values and column indices and its row starts.
  estimate: ({ n, m, p }) => ({
    nodes: 90,
    edges: 150,
    inputs: 17,
    outputs: 2,
    evaluations: p,
    built: 11 * n + 3 * m + 4 * p + 200,
    dataBytes: 8 * 17 * p + 8 * (11 * n + 3 * m + 3 * p) + 12 * 31 * p + 4 * (3 * p + 1),
  }),
  prepare(input) {
    const { n, m, p } = input;
    const cams = new Float64Array(11 * n);
    for (let j = 0; j < n; j++) cams.set(input.cam, 11 * j);
    const features = new Float64Array(2 * p);
    for (let i = 0; i < p; i++) features.set(input.feat, 2 * i);
    const x = new Float64Array(11 * n + 3 * m + p);
    x.set(cams, 0);
    for (let k = 0; k < m; k++) x.set(input.x, 11 * n + 3 * k);
    x.fill(input.w, 11 * n + 3 * m);
    return { f: baProgram(cams, features, n, m, p), x, n, m, p };
  },
  // What one observation costs (the engine's methods run one body per observation), and the program's size.
  cost(w) {
    // The reprojection's body (the largest: the weight error's has three operations).
    const body = w.f.calls.reduce((a: LoopCall, c) => (c.loop.body.size > a.loop.body.size ? c : a)).loop
      .body;
    return { ...programCost(body), inputs: 17, outputs: 2, evaluations: w.p, built: w.f.size };
  },
  run(fn, w, engine) {
    return fn === 'objective' ? objective(w, engine) : jacobian(w, engine);
  },
  output(fn, raw) {
    if (fn === 'objective') {
      const { reproj, wErr } = raw as BaObjective;
      return {
        reproj_error: {
          elements: [finite(reproj[0] as number, 'e'), finite(reproj[1] as number, 'e')],
          repeated: reproj.length / 2,
        },
        w_err: { element: finite(wErr[0] as number, 'the weight error'), repeated: wErr.length },
      };
    }
    const { rows, cols, vals } = raw as BaJacobian;
    return { rows: clip(rows, 'rows'), cols: clip(cols, 'cols'), vals: clip(vals, 'the Jacobian') };
  },
};
