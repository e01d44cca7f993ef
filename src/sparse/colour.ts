/**
 * Greedy graph colourings for compressed derivatives (Gebremedhin, Manne and Pothen 2005, "What color is your
 * Jacobian?"):
 *
 * - columns: a distance-1 colouring of the column intersection graph (two columns are adjacent when some row
 *   has both), so the columns of one colour never share a row; forward mode then recovers every entry of J
 *   from one tangent sweep per colour (Curtis, Powell and Reid 1974);
 * - rows: the same on the transposed pattern, for one adjoint sweep per colour;
 * - star: a distance-1 colouring of a symmetric pattern's adjacency graph in which every path on four
 *   vertices uses at least three colours, so a Hessian is recovered directly from one Hessian-vector
 *   product per colour.
 *
 * Each visits the vertices in an order (largest-first by degree, ties in natural order, or natural; by
 * default both, keeping the fewer colours) and gives each the smallest colour its coloured neighbours leave
 * free. The graphs are never built: neighbours are
 * walked through the pattern, so column colouring costs Σ_rows (row length)² and star colouring O(n·d³) for
 * maximum degree d.
 */
import { DifflabError } from '../ir/index.js';
import type { Pattern } from './pattern.js';

/**
 * The order in which the greedy colourings visit vertices: by decreasing degree, in index order, or `best`:
 * both, keeping the fewer colours (ties: largest-first). A colouring costs about one pass over the pattern and
 * each colour saved saves a whole sweep, so `best` is the default. Neither order wins everywhere: on the
 * bundle-lsq Hessian (n = 2000) largest-first needs 43 star colours and natural order 8.
 */
export type Ordering = 'largest-first' | 'natural' | 'best';

/** Runs a colouring in both orders when asked for the best, keeping the fewer colours. */
function best(ordering: Ordering, colour: (o: 'largest-first' | 'natural') => Colouring): Colouring {
  if (ordering !== 'best') return colour(ordering);
  const lf = colour('largest-first');
  const natural = colour('natural');
  return natural.count < lf.count ? natural : lf;
}

/** A colouring: `colour[v]` in `0 .. count − 1` per vertex (column, row or Hessian index). */
export interface Colouring {
  readonly colour: Int32Array;
  readonly count: number;
}

/** The transposed pattern (compressed columns of `p`). */
export function transpose(p: Pattern): Pattern {
  const rowPtr = new Int32Array(p.cols + 1);
  for (const c of p.colIndex) rowPtr[c + 1] = (rowPtr[c + 1] as number) + 1;
  for (let c = 0; c < p.cols; c++) rowPtr[c + 1] = (rowPtr[c + 1] as number) + (rowPtr[c] as number);
  const next = rowPtr.slice(0, p.cols);
  const colIndex = new Int32Array(p.colIndex.length);
  for (let r = 0; r < p.rows; r++) {
    for (let k = p.rowPtr[r] as number; k < (p.rowPtr[r + 1] as number); k++) {
      const c = p.colIndex[k] as number;
      colIndex[next[c] as number] = r;
      next[c] = (next[c] as number) + 1;
    }
  }
  return { rows: p.cols, cols: p.rows, rowPtr, colIndex };
}

/** The visiting order: by decreasing degree (stable, so ties keep natural order), or natural. */
function order(degree: Int32Array, ordering: 'largest-first' | 'natural'): Int32Array {
  const vs = Int32Array.from({ length: degree.length }, (_, i) => i);
  if (ordering === 'natural') return vs;
  return vs.sort((u, v) => (degree[v] as number) - (degree[u] as number) || u - v);
}

/**
 * A distance-1 colouring of the columns of `p` (columns sharing a row get different colours). `byCol` is
 * `transpose(p)` when the caller has it.
 */
export function colourColumns(p: Pattern, ordering: Ordering = 'best', byCol = transpose(p)): Colouring {
  checkOrdering(ordering);
  checkWork(columnWork(p), 'column', 'a row with many entries (a dense row)');
  return best(ordering, (o) => greedyColumns(p, o, byCol));
}

/**
 * The most elementary steps a greedy colouring may take (a few seconds). Column colouring walks every pair of
 * entries in a row, star colouring every path of three edges: a dense row, or a Hessian vertex coupled with
 * most others (an arrowhead), would take quadratic time. Past the limit the colouring throws a `budget` error.
 */
export const COLOURING_LIMIT = 1e9;

/** The steps of a column colouring of `p`: Σ over rows of (row length)². */
export function columnWork(p: Pattern): number {
  let work = 0;
  for (let r = 0; r < p.rows; r++) work += ((p.rowPtr[r + 1] as number) - (p.rowPtr[r] as number)) ** 2;
  return work;
}

/** The steps of a star colouring of symmetric `p`: Σ over vertices w of deg(w) · Σ_{x ∈ N(w)} deg(x). */
export function starWork(p: Pattern): number {
  const degree = (v: number) => (p.rowPtr[v + 1] as number) - (p.rowPtr[v] as number);
  let work = 0;
  for (let w = 0; w < p.rows; w++) {
    let around = 0;
    for (let a = p.rowPtr[w] as number; a < (p.rowPtr[w + 1] as number); a++)
      around += degree(p.colIndex[a] as number);
    work += degree(w) * around;
  }
  return work;
}

function checkWork(work: number, what: string, cause: string): void {
  if (work > COLOURING_LIMIT) {
    throw new DifflabError(
      'budget',
      `${what} colouring would take ${work.toExponential(2)} steps (at most ${COLOURING_LIMIT.toExponential(0)}): the pattern has ${cause}`,
    );
  }
}

function checkOrdering(ordering: Ordering): void {
  if (ordering !== 'best' && ordering !== 'largest-first' && ordering !== 'natural') {
    throw new DifflabError(
      'invalid-argument',
      `unknown ordering '${String(ordering)}' (expected best, largest-first or natural)`,
    );
  }
}

function greedyColumns(p: Pattern, ordering: 'largest-first' | 'natural', byCol: Pattern): Colouring {
  const n = p.cols;
  // A column's neighbours: the other columns of each of its rows. `seen` marks them once per column.
  const seen = new Int32Array(n).fill(-1);
  const forEachNeighbour = (j: number, fn: (k: number) => void): void => {
    for (let a = byCol.rowPtr[j] as number; a < (byCol.rowPtr[j + 1] as number); a++) {
      const r = byCol.colIndex[a] as number;
      for (let b = p.rowPtr[r] as number; b < (p.rowPtr[r + 1] as number); b++) {
        const k = p.colIndex[b] as number;
        if (k !== j && seen[k] !== j) {
          seen[k] = j;
          fn(k);
        }
      }
    }
  };
  const degree = new Int32Array(n);
  if (ordering !== 'natural') {
    for (let j = 0; j < n; j++) forEachNeighbour(j, () => (degree[j] = (degree[j] as number) + 1));
    seen.fill(-1);
  }
  const colour = new Int32Array(n).fill(-1);
  const forbidden = new Int32Array(n + 1).fill(-1);
  let count = 0;
  for (const j of order(degree, ordering)) {
    forEachNeighbour(j, (k) => {
      const c = colour[k] as number;
      if (c >= 0) forbidden[c] = j;
    });
    let c = 0;
    while (forbidden[c] === j) c++;
    colour[j] = c;
    count = Math.max(count, c + 1);
  }
  return { colour, count };
}

/** A distance-1 colouring of the rows of `p` (rows sharing a column get different colours). */
export function colourRows(p: Pattern, ordering: Ordering = 'best'): Colouring {
  const t = transpose(p);
  return colourColumns(t, ordering, p);
}

/**
 * A star colouring of the adjacency graph of symmetric pattern `p` (an edge per off-diagonal entry). When a
 * vertex v is coloured last on a path of four coloured vertices, the path is bicoloured only if v is
 * - an end, v − w − x − y with colour(x) = colour(v) and colour(y) = colour(w): so colour(x) is forbidden when
 *   x has a neighbour y ≠ w of w's colour;
 * - in the middle, w′ − v − w − x with colour(w′) = colour(w) and colour(x) = colour(v): so when two
 *   neighbours of v share a colour, the colours of the other neighbours x of each of them are forbidden.
 * Forbidding both, with the neighbours' own colours, keeps every such path three-coloured.
 */
export function starColour(p: Pattern, ordering: Ordering = 'best'): Colouring {
  checkOrdering(ordering);
  checkWork(starWork(p), 'star', 'a vertex coupled with many others (an arrowhead or a dense block)');
  return best(ordering, (o) => greedyStar(p, o));
}

function greedyStar(p: Pattern, ordering: 'largest-first' | 'natural'): Colouring {
  const n = p.rows;
  const { rowPtr, colIndex } = p;
  const degree = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    for (let a = rowPtr[v] as number; a < (rowPtr[v + 1] as number); a++) {
      if (colIndex[a] !== v) degree[v] = (degree[v] as number) + 1;
    }
  }
  const colour = new Int32Array(n).fill(-1);
  const forbidden = new Int32Array(n + 1).fill(-1);
  // How many coloured neighbours of the current vertex have each colour.
  const shared = new Int32Array(n + 1);
  let count = 0;
  for (const v of order(degree, ordering)) {
    const v0 = rowPtr[v] as number;
    const v1 = rowPtr[v + 1] as number;
    for (let a = v0; a < v1; a++) {
      const c = colour[colIndex[a] as number] as number;
      if (c >= 0 && colIndex[a] !== v) {
        forbidden[c] = v;
        shared[c] = (shared[c] as number) + 1;
      }
    }
    for (let a = v0; a < v1; a++) {
      const w = colIndex[a] as number;
      const cw = colour[w] as number;
      if (w === v || cw < 0) continue;
      const middle = (shared[cw] as number) >= 2;
      for (let b = rowPtr[w] as number; b < (rowPtr[w + 1] as number); b++) {
        const x = colIndex[b] as number;
        const cx = colour[x] as number;
        if (x === v || x === w || cx < 0 || forbidden[cx] === v) continue;
        if (middle || hasNeighbourOfColour(p, x, w, cw, colour)) forbidden[cx] = v;
      }
    }
    for (let a = v0; a < v1; a++) {
      const c = colour[colIndex[a] as number] as number;
      if (c >= 0) shared[c] = 0;
    }
    let c = 0;
    while (forbidden[c] === v) c++;
    colour[v] = c;
    count = Math.max(count, c + 1);
  }
  return { colour, count };
}

/** Whether x has a neighbour other than `except` (and itself) coloured `c`. */
function hasNeighbourOfColour(p: Pattern, x: number, except: number, c: number, colour: Int32Array): boolean {
  for (let b = p.rowPtr[x] as number; b < (p.rowPtr[x + 1] as number); b++) {
    const y = p.colIndex[b] as number;
    if (y !== except && y !== x && colour[y] === c) return true;
  }
  return false;
}
