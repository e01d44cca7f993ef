/**
 * Compressed Jacobians and Hessians: the pattern (pattern.ts), a colouring (colour.ts), one sweep per colour
 * seeded with the sum of that colour's unit vectors, and every entry read back from the compressed products.
 *
 * - Forward mode: column colouring; J·s_c for each colour c. Entry (i, j) is (J·s_colour(j))_i, since no
 *   other column of j's colour has an entry in row i.
 * - Reverse mode: row colouring; s_cᵀ·J for each colour, from one recording of the tape. Entry (i, j) is
 *   (s_colour(i)ᵀ·J)_j.
 * - Hessian: star colouring; H·s_c by forward over reverse. Entry (i, j) is (H·s_colour(j))_i when j is the
 *   only vertex of its colour in row i, else (H·s_colour(i))_j, which the star colouring guarantees direct.
 */

import { chunkFor } from '../forward/index.js';
import {
  backendOf,
  type CommonOptions,
  DifflabError,
  emptyStats,
  now,
  type Program,
  programCost,
  readVector,
  requireScalar,
  type Stats,
} from '../ir/index.js';
import { asDerivative, UNTOUCHED } from '../ir/ops.js';
import { hvp } from '../reverse/index.js';
import {
  adjointOps,
  adjointSweeps,
  forwardWork,
  partialBytes,
  record,
  tangentSweep,
  tapeFor,
} from '../sweeps/index.js';
import {
  COLOURING_LIMIT,
  type Colouring,
  colourColumns,
  colourRows,
  columnWork,
  type Ordering,
  starColour,
  transpose,
} from './colour.js';
import { hessianPattern, jacobianPattern, type Pattern } from './pattern.js';

/** A sparse matrix in compressed-row form: the pattern and one value per structural nonzero. */
export interface SparseMatrix extends Pattern {
  readonly values: Float64Array;
}

/** What a compressed evaluation returns: the matrix, the colouring, and what it cost. */
export interface SparseResult extends SparseMatrix {
  /** forward: columns coloured, one tangent direction per colour; reverse: rows, one adjoint sweep per colour;
   * hessian: star colouring, one Hessian-vector product per colour. */
  readonly mode: 'forward' | 'reverse' | 'hessian';
  /** The colour of each column (forward, hessian) or row (reverse). */
  readonly colours: Int32Array;
  /** The number of colours: the directions the derivative sweeps carry. */
  readonly colourCount: number;
  /** Derivative sweeps run: tangent sweeps (forward, each may carry up to `chunk` colours), adjoint sweeps
   * (reverse) or Hessian-vector products (hessian). */
  readonly sweeps: number;
  /** The sweeps' statistics; `details` adds the time (ms) of pattern detection and colouring. */
  readonly stats: Stats;
}

export interface SparseJacobianOptions extends Pick<CommonOptions, 'backend' | 'check'> {
  /** forward: colour columns; reverse: colour rows; auto (default): whichever needs fewer colours (ties:
   * forward), or the one that can be coloured when the other has a dense row or column. */
  mode?: 'forward' | 'reverse' | 'auto';
  /** The greedy colouring's vertex order (default best: largest-first and natural, the fewer colours). */
  ordering?: Ordering;
  /** Forward mode: colours carried per tangent sweep, 1 to 64 (default: as forward mode chooses for that many). */
  chunk?: number;
}

export interface SparseHessianOptions {
  /** The greedy colouring's vertex order (default best: largest-first and natural, the fewer colours). */
  ordering?: Ordering;
}

const JACOBIAN_KEYS = ['mode', 'ordering', 'chunk', 'backend', 'check'];

function checkKeys(options: object, keys: readonly string[], call: string): void {
  if (options === null || typeof options !== 'object') {
    throw new DifflabError('invalid-argument', `${call}: options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key) && (options as Record<string, unknown>)[key] !== undefined) {
      throw new DifflabError(
        'invalid-argument',
        `${call}: unknown option '${key}' (options: ${keys.join(', ')})`,
      );
    }
  }
}

/** The members of each colour class, as compressed lists. */
function classes(c: Colouring): { start: Int32Array; members: Int32Array } {
  const start = new Int32Array(c.count + 1);
  for (const k of c.colour) start[k + 1] = (start[k + 1] as number) + 1;
  for (let k = 0; k < c.count; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
  const next = start.slice(0, c.count);
  const members = new Int32Array(c.colour.length);
  c.colour.forEach((k, v) => {
    members[next[k] as number] = v;
    next[k] = (next[k] as number) + 1;
  });
  return { start, members };
}

/**
 * The Jacobian of `f` at `x` as a sparse matrix, by compressed forward or reverse mode.
 *
 * @example
 * const r = sparseJacobian(f, x);          // r.rowPtr, r.colIndex, r.values; r.colourCount, r.sweeps
 */
export function sparseJacobian(
  f: Program,
  x: ArrayLike<number>,
  options: SparseJacobianOptions = {},
): SparseResult {
  checkKeys(options, JACOBIAN_KEYS, 'sparseJacobian');
  const point = readVector(x, f.variables.length, 'the point');
  const t0 = now();
  const pattern = jacobianPattern(f);
  const t1 = now();
  const ordering = options.ordering ?? 'best';
  const mode = options.mode ?? 'auto';
  if (mode !== 'forward' && mode !== 'reverse' && mode !== 'auto') {
    throw new DifflabError(
      'invalid-argument',
      `unknown mode '${String(mode)}' (expected forward, reverse or auto)`,
    );
  }
  let byColumn: Colouring | undefined;
  let byRow: Colouring | undefined;
  // auto: a colouring too costly to run (a dense row or column, see COLOURING_LIMIT) is left to the other mode.
  const rowsWork = mode === 'auto' ? columnWork(transpose(pattern)) : 0;
  const colsWork = mode === 'auto' ? columnWork(pattern) : 0;
  const skipColumns = mode === 'auto' && colsWork > COLOURING_LIMIT && rowsWork <= COLOURING_LIMIT;
  const skipRows = mode === 'auto' && rowsWork > COLOURING_LIMIT && colsWork <= COLOURING_LIMIT;
  if (mode !== 'reverse' && !skipColumns) byColumn = colourColumns(pattern, ordering);
  if (mode !== 'forward' && !skipRows) byRow = colourRows(pattern, ordering);
  const useForward = byRow === undefined || (byColumn !== undefined && byColumn.count <= byRow.count);
  const t2 = now();
  const result = useForward
    ? compressedForward(f, point, pattern, byColumn as Colouring, options)
    : compressedReverse(f, point, pattern, byRow as Colouring, options);
  result.stats.details = { ...result.stats.details, patternMs: t1 - t0, colouringMs: t2 - t1 };
  return result;
}

/** Forward mode: colours carried `chunk` at a time through tangent sweeps, each lane seeded by a colour. */
function compressedForward(
  f: Program,
  x: Float64Array,
  pattern: Pattern,
  colouring: Colouring,
  options: SparseJacobianOptions,
): SparseResult {
  const t0 = now();
  const { colour, count } = colouring;
  const chunk = chunkFor(count, options);
  const work = forwardWork(f, chunk);
  const { t } = work;
  const backend = backendOf(options);
  const m = f.outputs.length;
  const n = f.variables.length;
  // compressed[c·m + i] = (J·s_c)_i
  const compressed = new Float64Array(count * m);
  const memo = {};
  let sweeps = 0;
  for (let c0 = 0; c0 < count; c0 += chunk) {
    const width = Math.min(chunk, count - c0);
    t.fill(UNTOUCHED, f.inputStart * chunk, f.opStart * chunk);
    for (let k = 0; k < n; k++) {
      const lane = (colour[k] as number) - c0;
      if (lane >= 0 && lane < width) t[(f.inputStart + k) * chunk + lane] = 1;
    }
    tangentSweep(f, x, work, options.check ?? false, backend, memo);
    sweeps++;
    for (let i = 0; i < m; i++) {
      const base = (f.outputs[i] as number) * chunk;
      for (let j = 0; j < width; j++) compressed[(c0 + j) * m + i] = asDerivative(t[base + j] as number);
    }
  }
  const values = new Float64Array(pattern.colIndex.length);
  for (let i = 0; i < m; i++) {
    for (let k = pattern.rowPtr[i] as number; k < (pattern.rowPtr[i + 1] as number); k++) {
      values[k] = compressed[(colour[pattern.colIndex[k] as number] as number) * m + i] as number;
    }
  }
  const cost = programCost(f);
  const stats = emptyStats();
  stats.evaluations = sweeps;
  stats.forwardSweeps = sweeps;
  // As forward mode counts: per sweep the primal and the partials, per direction a multiply–add per edge.
  stats.ops = sweeps * (cost.nodes + cost.edges) + count * cost.edges;
  stats.bytes = work.v.byteLength + work.t.byteLength + compressed.byteLength + values.byteLength;
  stats.details = { chunk };
  stats.time = now() - t0;
  return { ...pattern, values, mode: 'forward', colours: colour, colourCount: count, sweeps, stats };
}

/** Reverse mode: one recording, then one backward sweep per row colour seeded on that colour's outputs. */
function compressedReverse(
  f: Program,
  x: Float64Array,
  pattern: Pattern,
  colouring: Colouring,
  options: SparseJacobianOptions,
): SparseResult {
  const t0 = now();
  const { colour, count } = colouring;
  const { start, members } = classes(colouring);
  const backend = backendOf(options);
  const tape = tapeFor(f);
  const n = f.variables.length;
  record(f, x, tape, options.check ?? false, backend);
  // compressed[c·n + j] = (s_cᵀ·J)_j
  const compressed = new Float64Array(count * n);
  const stored = adjointSweeps(
    f,
    tape,
    count,
    (adj, c) => {
      for (let a = start[c] as number; a < (start[c + 1] as number); a++) {
        adj[f.outputs[members[a] as number] as number] = 1;
      }
    },
    (inputs, c) => compressed.set(inputs, c * n),
    backend,
    { check: options.check ?? false },
  );
  const values = new Float64Array(pattern.colIndex.length);
  for (let i = 0; i < pattern.rows; i++) {
    const base = (colour[i] as number) * n;
    for (let k = pattern.rowPtr[i] as number; k < (pattern.rowPtr[i + 1] as number); k++) {
      values[k] = compressed[base + (pattern.colIndex[k] as number)] as number;
    }
  }
  const stats = emptyStats();
  stats.evaluations = 1;
  stats.reverseSweeps = count;
  // As reverse mode counts: the primal once, the partials once when stored (else in every sweep), and a
  // multiply–add per edge per sweep.
  stats.ops = adjointOps(f, count, stored);
  stats.bytes =
    tape.values.byteLength +
    tape.adjoints.byteLength +
    (stored ? partialBytes(f) : 0) +
    compressed.byteLength +
    values.byteLength;
  stats.details = { partials: stored ? 'stored' : 'recomputed' };
  stats.time = now() - t0;
  return { ...pattern, values, mode: 'reverse', colours: colour, colourCount: count, sweeps: count, stats };
}

/**
 * The Hessian of scalar `f` at `x` as a sparse symmetric matrix (both triangles), by one forward-over-reverse
 * Hessian-vector product per colour of a star colouring.
 */
export function sparseHessian(
  f: Program,
  x: ArrayLike<number>,
  options: SparseHessianOptions = {},
): SparseResult {
  checkKeys(options, ['ordering'], 'sparseHessian');
  requireScalar(f, 'sparseHessian');
  const n = f.variables.length;
  const point = readVector(x, n, 'the point');
  const t0 = now();
  const pattern = hessianPattern(f);
  const t1 = now();
  const colouring = starColour(pattern, options.ordering ?? 'best');
  const t2 = now();
  const { count, colour } = colouring;
  const { start, members } = classes(colouring);
  const stats = emptyStats();
  const compressed: Float64Array[] = [];
  const seed = new Float64Array(n);
  for (let c = 0; c < count; c++) {
    seed.fill(0);
    for (let a = start[c] as number; a < (start[c + 1] as number); a++) seed[members[a] as number] = 1;
    const r = hvp(f, point, seed);
    compressed.push(r.value);
    stats.ops += r.stats.ops;
    stats.evaluations += r.stats.evaluations;
    stats.forwardSweeps += r.stats.forwardSweeps;
    stats.reverseSweeps += r.stats.reverseSweeps;
    stats.bytes = Math.max(stats.bytes, r.stats.bytes);
  }
  const values = recoverStar(pattern, colour, compressed);
  stats.bytes += n * count * 8 + values.byteLength;
  stats.time = now() - t2;
  stats.details = { patternMs: t1 - t0, colouringMs: t2 - t1 };
  return { ...pattern, values, mode: 'hessian', colours: colour, colourCount: count, sweeps: count, stats };
}

/** Direct recovery of a star-coloured symmetric matrix from its products B[c] = H·s_c. */
export function recoverStar(
  pattern: Pattern,
  colour: Int32Array,
  compressed: readonly Float64Array[],
): Float64Array {
  const { rowPtr, colIndex, rows } = pattern;
  const values = new Float64Array(colIndex.length);
  // direct[k]: entry k = (i, j) reads (H·s_colour(j))_i, j being the only vertex of its colour in row i.
  const direct = new Uint8Array(colIndex.length);
  const inRow = new Int32Array(compressed.length);
  for (let i = 0; i < rows; i++) {
    const r0 = rowPtr[i] as number;
    const r1 = rowPtr[i + 1] as number;
    for (let k = r0; k < r1; k++) {
      const c = colour[colIndex[k] as number] as number;
      inRow[c] = (inRow[c] as number) + 1;
    }
    // The diagonal's colour differs from every neighbour's, so (i, i) is always direct.
    for (let k = r0; k < r1; k++) {
      const c = colour[colIndex[k] as number] as number;
      if (inRow[c] === 1 || colIndex[k] === i) {
        direct[k] = 1;
        values[k] = (compressed[c] as Float64Array)[i] as number;
      }
    }
    for (let k = r0; k < r1; k++) inRow[colour[colIndex[k] as number] as number] = 0;
  }
  for (let i = 0; i < rows; i++) {
    for (let k = rowPtr[i] as number; k < (rowPtr[i + 1] as number); k++) {
      if (direct[k] === 1) continue;
      const j = colIndex[k] as number;
      const mirror = find(pattern, j, i);
      if (mirror < 0 || direct[mirror] !== 1) {
        throw new DifflabError(
          'invalid-argument',
          `sparseHessian: entry (${i}, ${j}) is not directly recoverable`,
        );
      }
      values[k] = values[mirror] as number;
    }
  }
  return values;
}

/** The position of entry (i, j) in the pattern (binary search in row i), or −1. */
function find(p: Pattern, i: number, j: number): number {
  let lo = p.rowPtr[i] as number;
  let hi = (p.rowPtr[i + 1] as number) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = p.colIndex[mid] as number;
    if (c === j) return mid;
    if (c < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The sparse matrix as dense rows (for small sizes and tests). */
export function toDense(s: SparseMatrix): Float64Array[] {
  const rows = Array.from({ length: s.rows }, () => new Float64Array(s.cols));
  for (let i = 0; i < s.rows; i++) {
    for (let k = s.rowPtr[i] as number; k < (s.rowPtr[i + 1] as number); k++) {
      (rows[i] as Float64Array)[s.colIndex[k] as number] = s.values[k] as number;
    }
  }
  return rows;
}
