/**
 * ht's data: ADBench's hand files as GradBench's ht eval sends them. A model directory holds `bones.txt`
 * (name:parent:16 numbers of the base relative transform:16 of the inverse base absolute, row-major),
 * `vertices.txt` (x:y:z:5 more:k then k pairs bone:weight) and `triangles.txt` (a:b:c); a hand file holds
 * "c n", c lines "correspondence x y z", in the complicated variant c lines "u0 u1", then n lines of θ.
 *
 * The big model's vertices are 1.6 MB of text, so difflab does not ship the files: `htInput` converts them
 * from a GradBench checkout, and `trimHtInput` keeps only the vertices and triangles an input's
 * correspondences use (the residuals depend on nothing else), small enough for test fixtures.
 */
import { DifflabError } from '../ir/errors.js';

/** The three model files' texts. */
export interface HandModelText {
  bones: string;
  vertices: string;
  triangles: string;
}

/** An ht input as GradBench's eval sends it (without min_runs and min_seconds). */
export interface HtJson {
  theta: number[];
  data: {
    model: {
      bone_count: number;
      bone_names: string[];
      parents: number[];
      base_relatives: number[][][];
      inverse_base_absolutes: number[][][];
      base_positions: number[][];
      weights: number[][];
      triangles: number[][];
      is_mirrored: boolean;
    };
    correspondences: number[];
    points: number[][];
  };
  us: number[][];
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

function number(s: string | undefined, where: string): number {
  const x = Number(s);
  if (s === undefined || s.trim() === '' || !Number.isFinite(x)) {
    throw new DifflabError('invalid-argument', `${where}: '${s}' is not a number`);
  }
  return x;
}

const matrix4 = (v: number[]): number[][] => [0, 1, 2, 3].map((r) => v.slice(4 * r, 4 * r + 4));

/** GradBench's ht input from a model's files and a hand file; `complicated` reads the us. */
export function htInput(model: HandModelText, hand: string, complicated: boolean): HtJson {
  const bones = lines(model.bones).map((l, i) => {
    const atoms = l.split(':');
    if (atoms.length < 34) throw new DifflabError('invalid-argument', `bones.txt line ${i + 1}: too short`);
    const nums = atoms.slice(1, 34).map((a, j) => number(a, `bones.txt line ${i + 1}, field ${j + 2}`));
    return {
      name: atoms[0] as string,
      parent: nums[0] as number,
      rel: nums.slice(1, 17),
      inv: nums.slice(17),
    };
  });
  const B = bones.length;
  const positions: number[][] = [];
  const weights: number[][] = [];
  for (const [i, l] of lines(model.vertices).entries()) {
    const atoms = l.split(':');
    const at = (j: number) => number(atoms[j], `vertices.txt line ${i + 1}, field ${j + 1}`);
    positions.push([at(0), at(1), at(2), 1]);
    const w = new Array<number>(B).fill(0);
    const k = at(8);
    for (let j = 0; j < k; j++) {
      const b = at(9 + 2 * j);
      if (!Number.isInteger(b) || b < 0 || b >= B) {
        throw new DifflabError('invalid-argument', `vertices.txt line ${i + 1}: no bone ${b}`);
      }
      w[b] = at(10 + 2 * j);
    }
    weights.push(w);
  }
  const triangles = lines(model.triangles).map((l, i) =>
    l.split(':').map((a, j) => number(a, `triangles.txt line ${i + 1}, field ${j + 1}`)),
  );
  const h = lines(hand).map((l) => l.trim().split(/\s+/));
  const c = number(h[0]?.[0], 'the hand file, line 1');
  const n = number(h[0]?.[1], 'the hand file, line 1');
  const row = (i: number) =>
    (h[i] ?? []).map((a, j) => number(a, `the hand file, line ${i + 1}, field ${j + 1}`));
  const corr = Array.from({ length: c }, (_, i) => row(1 + i));
  const us = complicated ? Array.from({ length: c }, (_, i) => row(1 + c + i)) : [];
  const thetaStart = 1 + c + (complicated ? c : 0);
  const theta = Array.from({ length: n }, (_, i) => row(thetaStart + i)[0] as number);
  return {
    theta,
    data: {
      model: {
        bone_count: B,
        bone_names: bones.map((b) => b.name),
        parents: bones.map((b) => b.parent),
        base_relatives: bones.map((b) => matrix4(b.rel)),
        inverse_base_absolutes: bones.map((b) => matrix4(b.inv)),
        base_positions: positions,
        weights,
        triangles,
        // GradBench's reader sets it so (ADBench's files do not say).
        is_mirrored: false,
      },
      correspondences: corr.map((r) => r[0] as number),
      points: corr.map((r) => r.slice(1, 4)),
    },
    us,
  };
}

/**
 * The same input with only the vertices (and, in the complicated variant, triangles) its correspondences
 * use, renumbered in order of first use: every residual and derivative is unchanged.
 */
export function trimHtInput(input: HtJson): HtJson {
  const m = input.data.model;
  const complicated = input.us.length > 0;
  const vertexIndex = new Map<number, number>();
  const keep = (v: number) => {
    let k = vertexIndex.get(v);
    if (k === undefined) {
      k = vertexIndex.size;
      vertexIndex.set(v, k);
    }
    return k;
  };
  const triangles: number[][] = [];
  const triangleIndex = new Map<number, number>();
  const correspondences = input.data.correspondences.map((t) => {
    if (!complicated) return keep(t);
    let k = triangleIndex.get(t);
    if (k === undefined) {
      k = triangles.length;
      triangleIndex.set(t, k);
      triangles.push((m.triangles[t] as number[]).map(keep));
    }
    return k;
  });
  const kept = [...vertexIndex.keys()];
  return {
    ...input,
    data: {
      ...input.data,
      model: {
        ...m,
        base_positions: kept.map((v) => m.base_positions[v] as number[]),
        weights: kept.map((v) => m.weights[v] as number[]),
        triangles,
      },
      correspondences,
    },
  };
}
