/**
 * GradBench ba: bundle adjustment (ADBench BA). The input stands for n cameras all equal to `cam`, m points
 * all equal to `x` and p observations (observation i sees point i mod m from camera i mod n, with weight w
 * and feature `feat`); difflab builds that full problem and does the work for every observation.
 *
 * The primal is two programs per observation: the reprojection error e = w·(proj(cam, X) − feat) as a
 * function of the camera's 11 parameters, the point's 3, the weight and the feature's 2 (data, whose columns
 * are dropped), and the weight error 1 − w². proj
 * rotates X − c by Rodrigues' formula (the first-order form when θ² = 0, decided on the camera's values),
 * divides by depth, applies radial distortion and the focal length and principal point. The sparse
 * Jacobian (3p rows, 11n + 3m + p columns) is assembled in compressed-row form from each observation's
 * 3 × 15 block; the output keeps the first 30 and the last entry of each array, as GradBench does.
 */
import { programCost } from '../../ir/differentiator.js';
import { constant, type Expr, withGraph } from '../../ir/graph.js';
import { type Program, program } from '../../ir/program.js';
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
  /** The reprojection error [e_x, e_y] of one observation, Rodrigues' formula (θ² ≠ 0). */
  readonly rotating: Program<Float64Array>;
  /** The same with the first-order rotation (θ² = 0). */
  readonly small: Program<Float64Array>;
  /** The weight error 1 − w². */
  readonly weightError: Program<number>;
  /** Every camera's 11 parameters, every point's 3, every weight, every feature's 2. */
  readonly cams: Float64Array;
  readonly points: Float64Array;
  readonly weights: Float64Array;
  readonly features: Float64Array;
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

/** The residual program of one observation with feature (fx, fy) bound as inputs too (see `observation`). */
function residuals(rodrigues: boolean): Program<Float64Array> {
  const cam = variables('cam', 11);
  const X = variables('X', 3);
  const [w] = variables('w', 1) as [Expr];
  const feat = variables('feat', 2);
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
  return program([ex, ey], { variables: [...cam, ...X, w, ...feat] });
}

/** The weight error 1 − w² as a program of w. */
function weightError(): Program<number> {
  const [w] = variables('w', 1) as [Expr];
  return program(constant(1).sub(w.mul(w)), { variables: [w] });
}

/** Observation i's point: camera, point, weight, feature (17 numbers; the last two are data). */
function observation(wk: BaWorkload, i: number, into: Float64Array): Program<Float64Array> {
  const c = i % wk.n;
  const k = i % wk.m;
  into.set(wk.cams.subarray(11 * c, 11 * c + 11), 0);
  into.set(wk.points.subarray(3 * k, 3 * k + 3), 11);
  into[14] = wk.weights[i] as number;
  into[15] = wk.features[2 * i] as number;
  into[16] = wk.features[2 * i + 1] as number;
  const r0 = into[0] as number;
  const r1 = into[1] as number;
  const r2 = into[2] as number;
  return r0 * r0 + r1 * r1 + r2 * r2 !== 0 ? wk.rotating : wk.small;
}

function objective(wk: BaWorkload, engine: DerivativeEngine): BaObjective {
  const reproj = new Float64Array(2 * wk.p);
  const wErr = new Float64Array(wk.p);
  const at = new Float64Array(17);
  const w = new Float64Array(1);
  for (let i = 0; i < wk.p; i++) {
    const e = engine.evaluate(observation(wk, i, at), at);
    reproj[2 * i] = e[0] as number;
    reproj[2 * i + 1] = e[1] as number;
    w[0] = wk.weights[i] as number;
    wErr[i] = engine.evaluate(wk.weightError, w);
  }
  return { reproj, wErr };
}

function jacobian(wk: BaWorkload, engine: DerivativeEngine): BaJacobian {
  const { n, m, p } = wk;
  const rows = new Int32Array(3 * p + 1);
  const cols = new Int32Array(31 * p);
  const vals = new Float64Array(31 * p);
  const at = new Float64Array(17);
  const w = new Float64Array(1);
  for (let i = 0; i < p; i++) {
    const J = engine.jacobian(observation(wk, i, at), at);
    w[0] = wk.weights[i] as number;
    const dw = engine.gradient(wk.weightError, w);
    const camCol = 11 * (i % n);
    const ptCol = 11 * n + 3 * (i % m);
    const wCol = 11 * n + 3 * m + i;
    for (let r = 0; r < 2; r++) {
      const row = J[r] as Float64Array;
      const base = 30 * i + 15 * r;
      rows[2 * i + r + 1] = base + 15;
      for (let j = 0; j < 11; j++) {
        cols[base + j] = camCol + j;
        vals[base + j] = row[j] as number;
      }
      for (let j = 0; j < 3; j++) {
        cols[base + 11 + j] = ptCol + j;
        vals[base + 11 + j] = row[11 + j] as number;
      }
      cols[base + 14] = wCol;
      vals[base + 14] = row[14] as number;
    }
    cols[30 * p + i] = wCol;
    vals[30 * p + i] = dw[0] as number;
    rows[2 * p + i + 1] = 30 * p + i + 1;
  }
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
  // Two programs of about 90 operations, evaluated once per observation; the data: cameras, points, weights
  // and features, then the Jacobian's 31p values and column indices and its row starts.
  estimate: ({ n, m, p }) => ({
    nodes: 90,
    edges: 150,
    inputs: 17,
    outputs: 2,
    evaluations: p,
    dataBytes: 8 * (11 * n + 3 * m + 3 * p) + 12 * 31 * p + 4 * (3 * p + 1),
  }),
  prepare(input) {
    const { n, m, p } = input;
    const [rotating, small] = withGraph(() => [residuals(true), residuals(false)]) as [
      Program<Float64Array>,
      Program<Float64Array>,
    ];
    const weight = withGraph(weightError);
    const cams = new Float64Array(11 * n);
    for (let j = 0; j < n; j++) cams.set(input.cam, 11 * j);
    const points = new Float64Array(3 * m);
    for (let k = 0; k < m; k++) points.set(input.x, 3 * k);
    const weights = new Float64Array(p).fill(input.w);
    const features = new Float64Array(2 * p);
    for (let i = 0; i < p; i++) features.set(input.feat, 2 * i);
    return { rotating, small, weightError: weight, cams, points, weights, features, n, m, p };
  },
  cost(w) {
    return { ...programCost(w.rotating), inputs: 17, outputs: 2, evaluations: w.p };
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
