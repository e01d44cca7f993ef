/**
 * GradBench ht: hand tracking (ADBench HT). A skinned hand model (bones with base transforms, vertices with
 * one weight per bone) is posed by 26 parameters θ: a global rotation (angle-axis), a translation and 20
 * finger angles. Each correspondence i pairs a data point with a model vertex (simple variant) or with a point
 * of a model triangle at barycentric coordinates u_i (complicated variant, `us` not empty); its residual is
 * the data point minus the posed model point, 3 numbers.
 *
 * Posing, as GradBench's reference does it: bone b's relative transform is its base relative times a rotation
 * R = Rz·Ry·Rx of its Euler angles; absolutes chain the relatives from the root; a vertex is
 * Σ_b w_b·(A_b·B_b⁻¹·p) (rows 0–2, B_b⁻¹ the inverse base absolute), mirrored in x when the model says so, then
 * rotated by the global rotation (identity when ‖θ₀..₂‖ < 10⁻⁴, decided on the values) and translated.
 *
 * The objective is one program of θ: the pose is computed once, every vertex the correspondences use is posed
 * once (stacked maps over the vertices, one per set of bones weighting them), and a stacked map over the
 * correspondences gathers its vertices' posed positions (rows: those, the point, u) and gives every residual. The
 * Jacobian (3c rows; columns ∂/∂u_i0, ∂/∂u_i1 of the row's own u in the complicated variant, then ∂/∂θ) is the
 * chain rule through the gather: the pose values' Jacobian in θ, each used vertex's skinning block times the pose
 * rows it reads, each correspondence's residual block times its vertices' Jacobians. The skinning blocks come from
 * `rowBlocks` on a program whose rows copy their values into inputs of their own, so a few sweeps give all of
 * them; the residual blocks from `blockJacobian` on a map whose rows gather the posed positions, a small body's
 * Jacobian per row (one generated kernel on the compiled backend).
 */
import { programCost } from '../../ir/differentiator.js';
import { DifflabError } from '../../ir/errors.js';
import { constant, type Expr, withGraph } from '../../ir/graph.js';
import { gather, mapRows } from '../../ir/loop.js';
import { type Program, program } from '../../ir/program.js';
import { finite, int, jsonRows, matrix, objectInput, vector } from './input.js';
import { variables } from './scalar.js';
import type { DerivativeEngine, GradbenchEval } from './types.js';

/** The model and data, flattened: matrices row-major. */
export interface HtInput {
  theta: Float64Array;
  /** Number of bones B. */
  bones: number;
  /** Each bone's parent (−1 for a root), always an earlier bone. */
  parents: Int32Array;
  /** B 4×4 base relative transforms, row-major, 16 per bone. */
  baseRelatives: Float64Array;
  /** B 4×4 inverse base absolute transforms, row-major. */
  inverseBaseAbsolutes: Float64Array;
  /** Homogeneous base positions, 4 per vertex. */
  basePositions: Float64Array;
  /** Weights, B per vertex. */
  weights: Float64Array;
  vertices: number;
  /** Vertex indices, 3 per triangle. */
  triangles: Int32Array;
  isMirrored: boolean;
  /** A vertex (simple) or a triangle (complicated) per correspondence. */
  correspondences: Int32Array;
  /** Data points, 3 per correspondence. */
  points: Float64Array;
  /** Barycentric coordinates, 2 per correspondence; empty in the simple variant. */
  us: Float64Array;
}

export interface HtWorkload {
  readonly input: HtInput;
  readonly complicated: boolean;
  /** All residuals as a program of θ. */
  readonly objective: Program<Float64Array>;
  /** The programs of the Jacobian's chain rule through the gather. */
  readonly chain: Chain;
}

/** θ has 26 entries: global rotation, translation, 4 angles per finger for 5 fingers. */
const THETA = 26;

/** A value of the pose: an expression, or a number known when the program is built (folded away). */
type V = Expr | number;

const isNum = (a: V): a is number => typeof a === 'number';
/** a·b, folding numbers, zeros and ones (the pose's transforms are mostly constant 0s and 1s). */
function mul(a: V, b: V): V {
  if (isNum(a) && isNum(b)) return a * b;
  if (a === 0 || b === 0) return 0;
  if (a === 1) return b;
  if (b === 1) return a;
  return isNum(a) ? (b as Expr).mul(a) : a.mul(b);
}
/** a + b, folding numbers and zeros. */
function add(a: V, b: V): V {
  if (isNum(a) && isNum(b)) return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return isNum(a) ? (b as Expr).add(a) : a.add(b);
}
const neg = (a: V): V => (isNum(a) ? -a : a.neg());
/** a − b, folding numbers and zeros. */
function sub(a: V, b: V): V {
  if (isNum(a) && isNum(b)) return a - b;
  if (b === 0) return a;
  if (a === 0) return neg(b);
  return isNum(a) ? constant(a).sub(b) : a.sub(b);
}
const cos = (a: V): V => (isNum(a) ? Math.cos(a) : a.cos());
const sin = (a: V): V => (isNum(a) ? Math.sin(a) : a.sin());

/** The product of an r×k and a k×c matrix, row-major; sums in k order, as the reference does. */
function matMul(a: readonly V[], b: readonly V[], r: number, k: number, c: number): V[] {
  const out: V[] = [];
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      let s = mul(a[i * k] as V, b[j] as V);
      for (let t = 1; t < k; t++) s = add(s, mul(a[i * k + t] as V, b[t * c + j] as V));
      out.push(s);
    }
  }
  return out;
}

/** The rotation Rz·Ry·Rx of Euler angles (x, y, z), 3×3 row-major. */
function eulerRotation(tx: V, ty: V, tz: V): V[] {
  const [cx, sx, cy, sy, cz, sz] = [cos(tx), sin(tx), cos(ty), sin(ty), cos(tz), sin(tz)];
  const rx: V[] = [1, 0, 0, 0, cx, neg(sx), 0, sx, cx];
  const ry: V[] = [cy, 0, sy, 0, 1, 0, neg(sy), 0, cy];
  const rz: V[] = [cz, neg(sz), 0, sz, cz, 0, 0, 0, 1];
  return matMul(matMul(rz, ry, 3, 3, 3), rx, 3, 3, 3);
}

/** The 3 × (B + 3) pose parameters of θ: rotation, scale (1), translation, then each bone's Euler angles. */
function poseParams(theta: readonly V[], bones: number): V[][] {
  const cols: V[][] = Array.from({ length: bones + 3 }, () => [0, 0, 0]);
  cols[0] = theta.slice(0, 3);
  cols[1] = [1, 1, 1];
  cols[2] = theta.slice(3, 6);
  // Five fingers of three bones each from column 5, one column skipped after each finger; the first bone of a
  // finger has two angles (x and the second row), the others one.
  let t = 6;
  let col = 5;
  for (let finger = 0; finger < 5; finger++) {
    for (let j = 0; j < 3; j++) {
      const c = cols[col] as V[];
      c[0] = theta[t++] as V;
      if (j === 0) c[1] = theta[t++] as V;
      col++;
    }
    col++;
  }
  return cols;
}

/**
 * Rows 0–2 of the transform A_b·B_b⁻¹ (12 values) of each bone of `bones`: what skins a vertex. Only those
 * bones' absolutes and their ancestors' are built.
 */
function boneTransforms(theta: readonly V[], m: HtInput, bones: readonly number[]): V[][] {
  const cols = poseParams(theta, m.bones);
  const absolutes: (V[] | undefined)[] = new Array(m.bones);
  const absolute = (bone: number): V[] => {
    // The chain from the first ancestor already built (parents come before their children).
    const chain: number[] = [];
    for (let b = bone; b >= 0 && absolutes[b] === undefined; b = m.parents[b] as number) chain.push(b);
    for (const b of chain.reverse()) {
      // The angles' order in a column is x, z, y.
      const [ax, az, ay] = cols[b + 3] as V[];
      const r = eulerRotation(ax as V, ay as V, az as V);
      const tr: V[] = [...r.slice(0, 3), 0, ...r.slice(3, 6), 0, ...r.slice(6, 9), 0, 0, 0, 0, 1];
      const base = Array.from(m.baseRelatives.subarray(16 * b, 16 * b + 16));
      const relative = matMul(base, tr, 4, 4, 4);
      const parent = m.parents[b] as number;
      absolutes[b] = parent < 0 ? relative : matMul(absolutes[parent] as V[], relative, 4, 4, 4);
    }
    return absolutes[bone] as V[];
  };
  return bones.map((b) => {
    const inverse = Array.from(m.inverseBaseAbsolutes.subarray(16 * b, 16 * b + 16));
    return matMul(absolute(b).slice(0, 12), inverse, 3, 4, 4);
  });
}

/** The global rotation of the angle-axis θ₀..₂, identity below norm 10⁻⁴ (decided on the values). */
function globalRotation(theta: readonly V[], at: Float64Array): V[] {
  const n2 = (at[0] as number) ** 2 + (at[1] as number) ** 2 + (at[2] as number) ** 2;
  if (Math.sqrt(n2) < 1e-4) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const [a0, a1, a2] = theta as [Expr, Expr, Expr];
  const norm = a0.mul(a0).add(a1.mul(a1)).add(a2.mul(a2)).sqrt();
  const [x, y, z] = [a0.div(norm), a1.div(norm), a2.div(norm)];
  const s = norm.sin();
  const c = norm.cos();
  const oc = constant(1).sub(c);
  const diag = (v: Expr) => v.mul(v).add(constant(1).sub(v.mul(v)).mul(c));
  return [
    diag(x),
    x.mul(y).mul(oc).sub(z.mul(s)),
    x.mul(z).mul(oc).add(y.mul(s)),
    x.mul(y).mul(oc).add(z.mul(s)),
    diag(y),
    y.mul(z).mul(oc).sub(x.mul(s)),
    x.mul(z).mul(oc).sub(y.mul(s)),
    z.mul(y).mul(oc).add(x.mul(s)),
    diag(z),
  ];
}

/** The pose: each bone's skinning transform, the global rotation and the translation. */
interface Pose {
  transforms: V[][];
  rotation: V[];
  translation: V[];
}

/** The pose of the bones `bones` (a vertex's weights on the others are 0). */
function pose(theta: readonly V[], at: Float64Array, m: HtInput, bones: readonly number[]): Pose {
  return {
    transforms: boneTransforms(theta, m, bones),
    rotation: globalRotation(theta, at),
    translation: theta.slice(3, 6),
  };
}

/** A posed vertex from its base position p (4) and weights w (B): skinned, mirrored, rotated, translated. */
function posedVertex(P: Pose, p: readonly V[], w: readonly V[], mirrored: boolean): V[] {
  const skinned: V[] = [0, 0, 0];
  for (const [b, T] of P.transforms.entries()) {
    for (let r = 0; r < 3; r++) {
      let s = mul(T[4 * r] as V, p[0] as V);
      for (let k = 1; k < 4; k++) s = add(s, mul(T[4 * r + k] as V, p[k] as V));
      skinned[r] = add(skinned[r] as V, mul(s, w[b] as V));
    }
  }
  if (mirrored) skinned[0] = neg(skinned[0] as V);
  const rotated = matMul(P.rotation, skinned, 3, 3, 1);
  return rotated.map((v, r) => add(v, P.translation[r] as V));
}

/**
 * One correspondence's residual from its data values `d`: the point (3), then per vertex (1 or 3) the base
 * position (4) and the weights on the pose's bones; `u` the barycentric coordinates (complicated) or undefined.
 */
function residual(P: Pose, d: readonly V[], u: readonly V[] | undefined, m: HtInput): V[] {
  const per = 4 + P.transforms.length;
  const vertex = (k: number) =>
    posedVertex(P, d.slice(3 + per * k, 7 + per * k), d.slice(7 + per * k, 3 + per * (k + 1)), m.isMirrored);
  return interpolatedResidual(u === undefined ? [vertex(0)] : [vertex(0), vertex(1), vertex(2)], d, u);
}

/**
 * The data point `d` less the model point: the posed vertex (simple), or the point of the triangle of posed
 * vertices at barycentric coordinates u (complicated: u₀·a + u₁·b + (1 − u₀ − u₁)·c).
 */
function interpolatedResidual(
  vertices: readonly (readonly V[])[],
  d: readonly V[],
  u: readonly V[] | undefined,
): V[] {
  const weights = u === undefined ? undefined : barycentric(u);
  return [0, 1, 2].map((j) =>
    componentResidual(
      vertices.map((v) => v[j] as V),
      d[j] as V,
      weights,
    ),
  );
}

/** u₀, u₁ and 1 − u₀ − u₁. */
function barycentric(u: readonly V[]): V[] {
  const [u0, u1] = u as [V, V];
  return [u0, u1, sub(sub(1, u0), u1)];
}

/** One component of the residual from that component of each vertex, its data value and the weights. */
function componentResidual(xs: readonly V[], d: V, weights: readonly V[] | undefined): V {
  if (weights === undefined) return sub(d, xs[0] as V);
  const [w0, w1, w2] = weights as [V, V, V];
  return sub(d, add(add(mul(w0, xs[0] as V), mul(w1, xs[1] as V)), mul(w2, xs[2] as V)));
}

const asExpr = (v: V): Expr => (isNum(v) ? constant(v) : v);

/** The vertices of correspondence i: its vertex (simple) or its triangle's three (complicated). */
function verticesOf(m: HtInput, complicated: boolean, i: number): number[] {
  const target = m.correspondences[i] as number;
  if (!complicated) return [target];
  return [0, 1, 2].map((k) => m.triangles[3 * target + k] as number);
}

/** The bones with a non-zero weight on any of the vertices, in order. */
function bonesOf(m: HtInput, vertices: readonly number[]): number[] {
  const out: number[] = [];
  for (let b = 0; b < m.bones; b++) {
    if (vertices.some((v) => m.weights[m.bones * v + b] !== 0)) out.push(b);
  }
  return out;
}

/** Writes correspondence i's data values at `at`: the point, then per vertex its base position and weights. */
function writeData(
  m: HtInput,
  i: number,
  vertices: readonly number[],
  bones: readonly number[],
  out: Float64Array,
  at: number,
) {
  out.set(m.points.subarray(3 * i, 3 * i + 3), at);
  let k = at + 3;
  for (const v of vertices) {
    out.set(m.basePositions.subarray(4 * v, 4 * v + 4), k);
    k += 4;
    for (const b of bones) out[k++] = m.weights[m.bones * v + b] as number;
  }
}

const dataWidth = (vertices: number, bones: number) => 3 + vertices * (4 + bones);

/** The correspondences grouped by the set of bones that weight their vertices. */
interface Groups {
  /** Each group's bones, in order. */
  bones: number[][];
  /** Each correspondence's group. */
  which: Int32Array;
  /** Each correspondence's vertices. */
  vertices: number[][];
}

function groupByBones(m: HtInput, complicated: boolean): Groups {
  const c = m.correspondences.length;
  const byKey = new Map<string, number>();
  const groups: Groups = { bones: [], which: new Int32Array(c), vertices: [] };
  for (let i = 0; i < c; i++) {
    const vs = verticesOf(m, complicated, i);
    const bs = bonesOf(m, vs);
    const key = bs.join(',');
    let k = byKey.get(key);
    if (k === undefined) {
      k = groups.bones.length;
      byKey.set(key, k);
      groups.bones.push(bs);
    }
    groups.which[i] = k;
    groups.vertices.push(vs);
  }
  return groups;
}

/** The vertices the correspondences use, each with its slot in the table of posed positions. */
interface Skinning {
  /** Each model vertex's slot (−1: unused). */
  slot: Int32Array;
  /** Number of vertices used. */
  used: number;
  /** The used vertices grouped by the bones weighting them, in slot order within a group. */
  groups: { bones: number[]; vertices: number[] }[];
}

function skinning(m: HtInput, groups: Groups): Skinning {
  const slot = new Int32Array(m.vertices).fill(-1);
  const used: number[] = [];
  for (const vs of groups.vertices) {
    for (const v of vs) {
      if (slot[v] !== -1) continue;
      slot[v] = used.length;
      used.push(v);
    }
  }
  const byBones = new Map<string, { bones: number[]; vertices: number[] }>();
  for (const v of used) {
    const bones = bonesOf(m, [v]);
    const key = bones.join(',');
    const group = byBones.get(key) ?? { bones, vertices: [] };
    group.vertices.push(v);
    byBones.set(key, group);
  }
  return { slot, used: used.length, groups: [...byBones.values()] };
}

/** The skinning rows of `vertices`: base position (4), then the weights on `bones`. */
function skinRows(m: HtInput, bones: readonly number[], vertices: readonly number[]): Float64Array {
  const width = 4 + bones.length;
  const rows = new Float64Array(vertices.length * width);
  for (const [j, v] of vertices.entries()) {
    rows.set(m.basePositions.subarray(4 * v, 4 * v + 4), j * width);
    for (const [k, b] of bones.entries()) rows[j * width + 4 + k] = m.weights[m.bones * v + b] as number;
  }
  return rows;
}

/**
 * The objective: θ the variables, every bone posed once, then every vertex the correspondences use posed once (a
 * stacked map per set of bones weighting it, the rows its base position and weights on those bones), then a
 * stacked map over the correspondences whose rows gather their vertices' posed positions (and carry the point
 * and u as data): the residuals in correspondence order. A vertex shared by many correspondences is skinned once,
 * as GradBench's reference skins each vertex once.
 */
function objectiveProgram(
  m: HtInput,
  complicated: boolean,
  groups: Groups,
  sk: Skinning,
): Program<Float64Array> {
  const c = m.correspondences.length;
  const theta = variables('theta', THETA);
  const P = pose(
    theta,
    m.theta,
    m,
    Array.from({ length: m.bones }, (_, b) => b),
  );
  const slot = sk.slot;
  const posed: Expr[] = new Array(3 * sk.used);
  for (const { bones, vertices } of sk.groups) {
    const Pg: Pose = { ...P, transforms: bones.map((b) => P.transforms[b] as V[]) };
    const out = mapRows({ data: skinRows(m, bones, vertices), width: 4 + bones.length }, (row) =>
      posedVertex(Pg, row.slice(0, 4), row.slice(4), m.isMirrored).map(asExpr),
    );
    for (const [j, v] of vertices.entries()) {
      for (let r = 0; r < 3; r++) posed[3 * (slot[v] as number) + r] = (out[j] as Expr[])[r] as Expr;
    }
  }
  // Per correspondence: its vertices' posed positions (gathered), then the point and u (data).
  const per = complicated ? 3 : 1;
  const parts = vertexParts(posed, groups, slot, per);
  const uw = complicated ? 2 : 0;
  const data = new Float64Array(c * (3 + uw));
  for (let i = 0; i < c; i++) {
    data.set(m.points.subarray(3 * i, 3 * i + 3), i * (3 + uw));
    if (complicated) data.set(m.us.subarray(2 * i, 2 * i + 2), i * (3 + uw) + 3);
  }
  const residuals = mapRows(gather(...parts, { table: data, width: 3 + uw }), (row) =>
    rowResidual(row, per, 3 * per, complicated ? 3 * per + 3 : undefined),
  );
  return program(residuals.flat(), { variables: theta });
}

/**
 * The gathered tables that begin each correspondence's row: its `per` vertices' posed positions (3 each; three
 * vertices complicated, one simple), read from `posed` at each vertex's slot.
 */
function vertexParts(posed: readonly Expr[], groups: Groups, slot: Int32Array, per: number) {
  return Array.from({ length: per }, (_, k) => ({
    table: posed,
    width: 3,
    index: Int32Array.from(groups.vertices, (vs) => slot[vs[k] as number] as number),
  }));
}

/**
 * A correspondence's residual from its gathered row: its `per` vertices' positions first ({@link vertexParts}),
 * its point at `dAt`, its u at `uAt` (complicated only).
 */
function rowResidual(row: readonly V[], per: number, dAt: number, uAt: number | undefined): Expr[] {
  const vertex = (k: number): V[] => row.slice(3 * k, 3 * k + 3);
  return interpolatedResidual(
    per === 3 ? [vertex(0), vertex(1), vertex(2)] : [vertex(0)],
    row.slice(dAt, dAt + 3),
    uAt === undefined ? undefined : row.slice(uAt, uAt + 2),
  ).map(asExpr);
}

/** One correspondence's residual as a program of u (complicated), θ and its data, posing only `bones`. */
function residualProgram(m: HtInput, complicated: boolean, bones: readonly number[]): Program<Float64Array> {
  const u = complicated ? variables('u', 2) : [];
  const theta = variables('t', THETA);
  const d = variables('d', dataWidth(complicated ? 3 : 1, bones.length));
  const r = residual(pose(theta, m.theta, m, bones), d, complicated ? u : undefined, m).map(asExpr);
  return program(r, { variables: [...u, ...theta, ...d] });
}

/**
 * The Jacobian's programs, the chain rule through the gather in three stages: the pose values the skinning
 * maps read, as a program of θ; each skinning map again with per-vertex copies of those values as its rows'
 * inputs, a program of independent rows whose blocks a few sweeps give (`rowBlocks`); the residual map of the
 * posed positions and u, whose blocks come row by row (`blockJacobian`).
 */
interface Chain {
  /** θ → the pose values the skinning maps read (the bones' transforms, rotation and translation that are expressions). */
  pose: Program<Float64Array>;
  /**
   * The skinning maps, one per number of bones weighting a vertex, in one program: rows of copies of the
   * vertex's pose values → its posed position.
   */
  skins: Program<Float64Array>;
  /** Per call of `skins` (in `skins.calls` order), its group. */
  skinOf: Int32Array;
  /** Per group, the pose output that each input of each row copies (−1: a number, in `fixed`). */
  copyOf: Int32Array[];
  /** Per group, the numbers that inputs copying no pose output hold. */
  fixed: Float64Array[];
  /** Per group, its vertices' slots, one per row (the rows' order among the inputs and outputs). */
  skinSlots: Int32Array[];
  /**
   * The posed positions (3 per used vertex, by slot) and u (complicated) → the residuals: one row per
   * correspondence gathering its vertices' positions and its u, three outputs.
   */
  residuals: Program<Float64Array>;
  /** Number of vertices used. */
  used: number;
  /**
   * The points of `skins` and `residuals` and the vertices' Jacobians in θ (3 × 26 per used vertex, by slot),
   * filled anew by each Jacobian: reused, since allocating them per call costs garbage collections.
   */
  skinPoint: Float64Array;
  residualPoint: Float64Array;
  vertexJacobians: Float64Array;
  /**
   * The Jacobian `run` returns, allocated by the first and overwritten by each later one, as GradBench's C++
   * reference reuses its output: a fresh array of 34 MB per call (hand 11) cost more than the rest of the call
   * in page faults and the garbage collections its external memory set off.
   */
  jacobian?: Float64Array;
}

/** The pose's values as one list (transforms, rotation, translation) and back. */
const flatPose = (P: Pose): V[] => [...P.transforms.flat(), ...P.rotation, ...P.translation];
function unflatPose(values: readonly V[], bones: number): Pose {
  const transforms = Array.from({ length: bones }, (_, b) => values.slice(12 * b, 12 * b + 12));
  return {
    transforms,
    rotation: values.slice(12 * bones, 12 * bones + 9),
    translation: values.slice(12 * bones + 9),
  };
}

function chainPrograms(m: HtInput, complicated: boolean, groups: Groups, sk: Skinning): Chain {
  const theta = variables('theta', THETA);
  const P = pose(
    theta,
    m.theta,
    m,
    Array.from({ length: m.bones }, (_, b) => b),
  );
  // The pose's expressions, each once (by node), in the order the skinning maps first read them.
  const poseIndex = new Map<number, number>();
  const poseValues: Expr[] = [];
  const poseOutput = (v: V): number => {
    if (isNum(v)) return -1;
    if (!poseIndex.has(v.id)) {
      poseIndex.set(v.id, poseValues.length);
      poseValues.push(v);
    }
    return poseIndex.get(v.id) as number;
  };
  // The used vertices by the number of bones weighting them: one map each (a few calls, not one per set of
  // bones: each call's sweeps cost a fixed time on the compiled backend).
  const byCount = new Map<number, { bones: number[][]; vertices: number[] }>();
  for (const { bones, vertices } of sk.groups) {
    const group = byCount.get(bones.length) ?? { bones: [], vertices: [] };
    for (const v of vertices) {
      group.bones.push(bones);
      group.vertices.push(v);
    }
    byCount.set(bones.length, group);
  }
  const copyOf: Int32Array[] = [];
  const fixed: Float64Array[] = [];
  const skinSlots: Int32Array[] = [];
  const skinCopies: Expr[] = [];
  const skinOutputs: Expr[] = [];
  for (const [g, { bones, vertices }] of [...byCount.values()].entries()) {
    const nb = (bones[0] as number[]).length;
    // A row: the transforms of the vertex's bones (12 values each, numbers included), the rotation and the
    // translation (copies), then its base position and weights (data). The products by the transforms' 0s and
    // 1s are computed, not folded: x·1 = x and x + 0·y = x, so the values are the objective's.
    const k = 12 * nb + 12;
    const copy = new Int32Array(vertices.length * k);
    const values = new Float64Array(vertices.length * k);
    const rows = new Float64Array(vertices.length * (4 + nb));
    for (const [j, v] of vertices.entries()) {
      const vb = bones[j] as number[];
      flatPose({ ...P, transforms: vb.map((b) => P.transforms[b] as V[]) }).forEach((value, c) => {
        copy[j * k + c] = poseOutput(value);
        if (isNum(value)) values[j * k + c] = value;
      });
      rows.set(skinRows(m, vb, [v]), j * (4 + nb));
    }
    const copies = variables(`pose${g}`, vertices.length * k);
    const out = mapRows(gather({ table: copies, width: k }, { table: rows, width: 4 + nb }), (row) =>
      posedVertex(unflatPose(row.slice(0, k), nb), row.slice(k, k + 4), row.slice(k + 4), m.isMirrored).map(
        asExpr,
      ),
    );
    copyOf.push(copy);
    fixed.push(values);
    skinSlots.push(Int32Array.from(vertices, (v) => sk.slot[v] as number));
    // Not push(...): a spread of hundreds of thousands of arguments overflows the stack.
    for (const e of copies) skinCopies.push(e);
    for (const row of out) for (const e of row) skinOutputs.push(e);
  }
  const skins = program(skinOutputs, { variables: skinCopies });
  // Each call's group, by where its first output sits among the outputs (3 per vertex, group after group).
  const groupAt = new Map<number, number>();
  let offset = 0;
  for (const [g, slotsOfGroup] of skinSlots.entries()) {
    groupAt.set(offset, g);
    offset += 3 * slotsOfGroup.length;
  }
  const skinOf = Int32Array.from(
    skins.calls,
    (call) => groupAt.get(skins.outputs.indexOf(call.first)) as number,
  );
  // One row per correspondence: its vertices' posed positions gathered from a table of inputs (one per used
  // vertex), its u (inputs of its own, complicated), then its point (data); three outputs, its residual. A posed
  // position is read by every correspondence of its vertex, so each row's block comes from the body's Jacobian
  // at that row (`blockJacobian`), its columns named by the program's inputs.
  const c = m.correspondences.length;
  const per = complicated ? 3 : 1;
  const posed = variables('v', 3 * sk.used);
  const us = variables('u', complicated ? 2 * c : 0);
  const parts = vertexParts(posed, groups, sk.slot, per);
  const uw = complicated ? 2 : 0;
  const uPart = complicated ? [{ table: us, width: 2 }] : [];
  const rows = mapRows(gather(...parts, ...uPart, { table: m.points, width: 3 }), (row) =>
    rowResidual(row, per, 3 * per + uw, complicated ? 3 * per : undefined),
  );
  return {
    pose: program(poseValues, { variables: theta }),
    skins,
    skinOf,
    copyOf,
    fixed,
    skinSlots,
    residuals: program(rows.flat(), { variables: [...posed, ...us] }),
    used: sk.used,
    skinPoint: new Float64Array(skinCopies.length),
    residualPoint: new Float64Array(posed.length + us.length),
    vertexJacobians: new Float64Array(3 * THETA * sk.used),
  };
}

/** The workload: the objective, and the programs of its Jacobian's chain rule. */
function build(m: HtInput): HtWorkload {
  const complicated = m.us.length > 0;
  const groups = groupByBones(m, complicated);
  const sk = skinning(m, groups);
  return withGraph(() => ({
    input: m,
    complicated,
    objective: objectiveProgram(m, complicated, groups, sk),
    chain: chainPrograms(m, complicated, groups, sk),
  }));
}

/** The Jacobian's columns: u's two (complicated) and θ's 26. */
const columns = (w: HtWorkload) => (w.complicated ? 2 : 0) + THETA;

/**
 * The Jacobian by the chain rule through the gather: the pose values' Jacobian in θ (K × 26), each used vertex's
 * posed position's (3 × 26: its skinning block times the rows of the pose values it reads), then each
 * correspondence's rows: its residual block's u columns, and its position columns times its vertices' Jacobians.
 * Every derivative is the engine's; this code only multiplies them.
 */
function jacobian(w: HtWorkload, engine: DerivativeEngine): Float64Array {
  const { chain, input: m } = w;
  const poseValues = engine.evaluate(chain.pose, m.theta);
  const poseJacobian = engine.jacobian(chain.pose, m.theta);
  skinJacobians(chain, poseValues, poseJacobian, engine);
  return residualJacobian(w, engine);
}

/**
 * The posed positions of the used vertices (into the residuals' point, by slot) and their Jacobians in θ (3 × 26
 * each, by slot, into `chain.vertexJacobians`).
 */
function skinJacobians(
  chain: Chain,
  poseValues: Float64Array,
  poseJacobian: Float64Array[],
  engine: DerivativeEngine,
): void {
  const { skins, copyOf, fixed, skinSlots } = chain;
  // The skinning maps' inputs, group after group: each row copies its vertex's pose values.
  const x = chain.skinPoint;
  let at = 0;
  for (const [g, copy] of copyOf.entries()) {
    const values = fixed[g] as Float64Array;
    for (let e = 0; e < copy.length; e++) {
      const p = copy[e] as number;
      x[at++] = p < 0 ? (values[e] as number) : (poseValues[p] as number);
    }
  }
  const positions = engine.evaluate(skins, x);
  const blocks = engine.rowBlocks(skins, x);
  const posed = chain.residualPoint;
  const vertexJacobians = chain.vertexJacobians.fill(0);
  let o = 0;
  for (const slots of skinSlots) {
    for (let j = 0; j < slots.length; j++, o += 3) {
      for (let r = 0; r < 3; r++) posed[3 * (slots[j] as number) + r] = positions[o + r] as number;
    }
  }
  for (let k = 0; k < chain.skinOf.length; k++) {
    const g = chain.skinOf[k] as number;
    addSkinBlock(
      blocks[k] as Float64Array,
      copyOf[g] as Int32Array,
      skinSlots[g] as Int32Array,
      poseJacobian,
      vertexJacobians,
    );
  }
}

/**
 * Adds one skinning call's blocks times the rows of the pose values its rows copy to the vertices' Jacobians: a
 * function of its own with typed arrays for arguments, which V8 keeps optimised (inline in skinJacobians, which
 * runs once a call, its loop ran deoptimised and boxed its numbers, 2 MB a call at hand 11).
 */
function addSkinBlock(
  block: Float64Array,
  copy: Int32Array,
  slots: Int32Array,
  poseJacobian: Float64Array[],
  vertexJacobians: Float64Array,
): void {
  const width = block.length / (3 * slots.length);
  const copies = copy.length / slots.length;
  for (let j = 0; j < slots.length; j++) {
    for (let r = 0; r < 3; r++) {
      const dst = (3 * (slots[j] as number) + r) * THETA;
      for (let c = 0; c < copies; c++) {
        const p = copy[j * copies + c] as number;
        const b = block[(3 * j + r) * width + c] as number;
        // A number has no column; most other entries are other components' (exact zeros).
        if (p < 0 || b === 0) continue;
        const row = poseJacobian[p] as Float64Array;
        for (let t = 0; t < THETA; t++) {
          vertexJacobians[dst + t] = (vertexJacobians[dst + t] as number) + b * (row[t] as number);
        }
      }
    }
  }
}

/**
 * Each correspondence's 3 rows from its residual block (3 × its row's values): the u columns as they are, and
 * each component's posed-position columns times those vertices' Jacobians. Block column 3k + r is vertex k's
 * component r, which `columns` names as input 3·slot + r: the row of `vertexJacobians` it multiplies.
 */
function residualJacobian(w: HtWorkload, engine: DerivativeEngine): Float64Array {
  const { chain, input: m, complicated } = w;
  const per = complicated ? 3 : 1;
  const uw = complicated ? 2 : 0;
  // The residuals' point: the posed positions (written by skinJacobians), then u.
  const x = chain.residualPoint;
  x.set(m.us, 3 * chain.used);
  const vertexJacobians = chain.vertexJacobians;
  const nc = columns(w);
  // Every entry is written below (each row's block is visited once), so the last Jacobian's values go.
  chain.jacobian ??= new Float64Array(3 * m.correspondences.length * nc);
  const out = chain.jacobian;
  engine.blockJacobian(chain.residuals, x, (block, rows, cols) => {
    const width = cols.length;
    for (let r = 0; r < 3; r++) {
      const at = r * width;
      const dst = (rows[r] as number) * nc;
      for (let t = 0; t < uw; t++) out[dst + t] = block[at + 3 * per + t] as number;
      if (per === 3) {
        // Locals, not an array destructured (V8 allocated that array per row: 13 MB a call at hand 11).
        const b0 = block[at + r] as number;
        const b1 = block[at + 3 + r] as number;
        const b2 = block[at + 6 + r] as number;
        const v0 = (cols[r] as number) * THETA;
        const v1 = (cols[3 + r] as number) * THETA;
        const v2 = (cols[6 + r] as number) * THETA;
        // Summed from 0 in vertex order, as a sum of products per vertex.
        for (let t = 0; t < THETA; t++) {
          out[dst + uw + t] =
            0 +
            b0 * (vertexJacobians[v0 + t] as number) +
            b1 * (vertexJacobians[v1 + t] as number) +
            b2 * (vertexJacobians[v2 + t] as number);
        }
      } else {
        const b = block[at + r] as number;
        const v = (cols[r] as number) * THETA;
        for (let t = 0; t < THETA; t++) out[dst + uw + t] = 0 + b * (vertexJacobians[v + t] as number);
      }
    }
  });
  return out;
}

/**
 * The Jacobian correspondence by correspondence, as it was computed before the chain rule through the gather:
 * per correspondence, the engine's Jacobian of a program of (u, θ) and its data that poses again the bones
 * weighting its vertices. Slow (one call per correspondence); kept as the reference the chained Jacobian is
 * tested against.
 */
export function correspondenceJacobian(w: HtWorkload, engine: DerivativeEngine): Float64Array {
  const m = w.input;
  const complicated = w.complicated;
  const c = m.correspondences.length;
  const nc = columns(w);
  const groups = groupByBones(m, complicated);
  const residuals = withGraph(() => groups.bones.map((bones) => residualProgram(m, complicated, bones)));
  const out = new Float64Array(3 * c * nc);
  // One point per program (their data widths differ), θ in place.
  const points = residuals.map((f) => {
    const at = new Float64Array(f.variables.length);
    at.set(m.theta, nc - THETA);
    return at;
  });
  for (let i = 0; i < c; i++) {
    const k = groups.which[i] as number;
    const bones = groups.bones[k] as number[];
    const at = points[k] as Float64Array;
    if (complicated) at.set(m.us.subarray(2 * i, 2 * i + 2), 0);
    writeData(m, i, groups.vertices[i] as number[], bones, at, nc);
    const J = engine.jacobian(residuals[k] as Program<Float64Array>, at);
    for (let r = 0; r < 3; r++) out.set((J[r] as Float64Array).subarray(0, nc), (3 * i + r) * nc);
  }
  return out;
}

/** Reads the model and data of an input, checking every index against what it indexes. */
function readInput(input: unknown): HtInput {
  const o = objectInput(input, ['theta', 'data', 'us']);
  const data = objectInput(o.data, ['model', 'correspondences', 'points']);
  const model = objectInput(data.model, [
    'bone_count',
    'bone_names',
    'parents',
    'base_relatives',
    'inverse_base_absolutes',
    'base_positions',
    'weights',
    'triangles',
    'is_mirrored',
  ]);
  const theta = vector(o.theta, 'theta', THETA);
  // The fingers' angles reach pose column 23, bone 20: a model needs at least 21 bones.
  const bones = int(model.bone_count, 'data.model.bone_count', 21, 1e4);
  if (!Array.isArray(model.bone_names) || model.bone_names.length !== bones) {
    throw new DifflabError('invalid-argument', `input data.model.bone_names: expected ${bones} names`);
  }
  const parents = new Int32Array(bones);
  const parentList = Array.isArray(model.parents) ? model.parents : [];
  if (parentList.length !== bones) {
    throw new DifflabError('invalid-argument', `input data.model.parents: expected ${bones} integers`);
  }
  for (let b = 0; b < bones; b++) parents[b] = int(parentList[b], `data.model.parents[${b}]`, -1, b - 1);
  const transforms = (v: unknown, what: string): Float64Array => {
    if (!Array.isArray(v) || v.length !== bones) {
      throw new DifflabError('invalid-argument', `input ${what}: expected ${bones} 4×4 matrices`);
    }
    const out = new Float64Array(16 * bones);
    v.forEach((t, b) => {
      for (const [r, row] of matrix(t, `${what}[${b}]`, 4, 4).entries()) out.set(row, 16 * b + 4 * r);
    });
    return out;
  };
  const positions = matrix(model.base_positions, 'data.model.base_positions', undefined, 4);
  const vertices = positions.length;
  const weights = matrix(model.weights, 'data.model.weights', vertices, bones);
  const triangles = indexRows(model.triangles, 'data.model.triangles', 3, vertices);
  if (typeof model.is_mirrored !== 'boolean') {
    throw new DifflabError('invalid-argument', 'input data.model.is_mirrored: expected true or false');
  }
  const us = Array.isArray(o.us) && o.us.length > 0 ? flat(matrix(o.us, 'us', undefined, 2), 2) : undefined;
  const complicated = us !== undefined;
  const corr = indexRows(
    Array.isArray(data.correspondences) ? data.correspondences.map((x) => [x]) : data.correspondences,
    'data.correspondences',
    1,
    complicated ? triangles.length / 3 : vertices,
  );
  const c = corr.length;
  if (c === 0)
    throw new DifflabError('invalid-argument', 'input data.correspondences: expected at least one');
  if (us !== undefined && us.length !== 2 * c) {
    throw new DifflabError('invalid-argument', `input us: expected ${c} pairs, one per correspondence`);
  }
  return {
    theta,
    bones,
    parents,
    baseRelatives: transforms(model.base_relatives, 'data.model.base_relatives'),
    inverseBaseAbsolutes: transforms(model.inverse_base_absolutes, 'data.model.inverse_base_absolutes'),
    basePositions: flat(positions, 4),
    weights: flat(weights, bones),
    vertices,
    triangles,
    isMirrored: model.is_mirrored,
    correspondences: corr,
    points: flat(matrix(data.points, 'data.points', c, 3), 3),
    us: us ?? new Float64Array(0),
  };
}

/** Rows of `width` integers in [0, bound), flat. */
function indexRows(v: unknown, what: string, width: number, bound: number): Int32Array {
  if (!Array.isArray(v)) throw new DifflabError('invalid-argument', `input ${what}: expected an array`);
  const out = new Int32Array(v.length * width);
  v.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new DifflabError('invalid-argument', `input ${what}[${i}]: expected ${width} indices`);
    }
    row.forEach((x, j) => {
      out[i * width + j] = int(x, `${what}[${i}]`, 0, bound - 1);
    });
  });
  return out;
}

function flat(rows: readonly Float64Array[], width: number): Float64Array {
  const out = new Float64Array(rows.length * width);
  for (const [i, row] of rows.entries()) out.set(row, i * width);
  return out;
}

/** Operations of one pose (B bones' transforms, about 105 each) and of one posed vertex (about 27 per bone). */
const poseOps = (bones: number) => 105 * bones;
const vertexOps = (bones: number) => 27 * bones + 20;

export const ht: GradbenchEval<HtInput, HtWorkload> = {
  name: 'ht',
  functions: ['objective', 'jacobian'],
  primal: 'objective',
  derivatives: ['jacobian'],
  nested: false,
  read: readInput,
  // Per correspondence, its share of the Jacobian's chain: its residual row, its 1 or 3 vertices' skinning rows
  // (each vertex is skinned once, so at most), the pose over all of them; a row's block has at most θ's columns
  // and its own. Built: the pose twice (objective and chain), the skinning and residual rows, the copies of the
  // pose values per vertex (a vertex reads 12 per bone weighting it, about 4 bones at most, and the rotation and
  // translation); data: the rows' values, the blocks and the Jacobian.
  estimate: (m) => {
    const c = m.correspondences.length;
    const nv = m.us.length > 0 ? 3 : 1;
    const width = 3 * nv + (nv === 3 ? 2 : 0);
    const nodes = Math.ceil(poseOps(m.bones) / c) + nv * vertexOps(m.bones) + 30;
    const vertices = Math.min(m.vertices, nv * c);
    return {
      nodes,
      edges: 2 * nodes,
      built: 2 * poseOps(m.bones) + c * (width + 30) + vertices * (vertexOps(m.bones) + 60),
      inputs: THETA + width,
      outputs: 3,
      evaluations: c,
      dataBytes: 8 * (c * (2 * width + 3 * (THETA + 2)) + vertices * (60 + 3 * THETA)),
    };
  },
  prepare: build,
  // The chain's programs' operations shared out over the correspondences; all of them and the objective built.
  cost(w) {
    const { pose, skins, residuals } = w.chain;
    const programs = [pose, skins, residuals];
    let nodes = 0;
    let edges = 0;
    for (const f of programs) {
      const cost = programCost(f);
      nodes += cost.nodes;
      edges += cost.edges;
    }
    const c = w.input.correspondences.length;
    return {
      nodes: Math.ceil(nodes / c),
      edges: Math.ceil(edges / c),
      built: programs.reduce((s, f) => s + f.size, w.objective.size),
      inputs: Math.max(THETA, ...[...skins.calls, ...residuals.calls].map(({ loop }) => loop.width)),
      outputs: 3,
      evaluations: c,
    };
  },
  run(fn, w, engine) {
    return fn === 'objective' ? engine.evaluate(w.objective, w.input.theta) : jacobian(w, engine);
  },
  output(fn, raw, w) {
    const v = raw as Float64Array;
    if (fn === 'objective') return Array.from(v, (x) => finite(x, 'the residual'));
    return jsonRows(v, 3 * w.input.correspondences.length, columns(w), 'the Jacobian');
  },
};
