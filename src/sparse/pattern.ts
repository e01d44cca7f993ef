/**
 * Sparsity detection on the IR: which inputs each output depends on (the Jacobian's pattern) and which input
 * pairs a scalar output couples nonlinearly (the Hessian's pattern), in one ascending pass over the program.
 *
 * Every node carries the sorted set of inputs it depends on (its index domain). The Jacobian's row of an
 * output is its output node's set. For the Hessian, each operation's second partials say which of its
 * arguments interact (Walther 2008; Gebremedhin, Tarafdar, Pothen, Walther 2009): a linear op (add, sub, neg,
 * sum) or a piecewise-linear one (abs, max, relu, ...) couples nothing, a product couples its two arguments'
 * sets, a quotient x/y couples x's set with y's and y's with itself, and every other op couples the union of
 * its arguments' sets with itself. The pattern is the union of those couplings over the nodes the output
 * reaches: a superset of the nonzeros (values that cancel are kept), never a subset.
 *
 * Loops are unrolled first (at most `UNROLL_LIMIT` operations, else a `budget` error): the pattern of a loop
 * depends on its iterations, and unrolling is the exact way to see it.
 */
import {
  cachedFor,
  DifflabError,
  LOOP,
  OP_ARITY,
  OP_CODE,
  type Program,
  requireScalar,
  unrollFor,
} from '../ir/index.js';
import { reachesOutputs } from '../sweeps/index.js';

/** A sparsity pattern in compressed-row form: row r's columns are `colIndex[rowPtr[r] .. rowPtr[r+1]−1]`, ascending. */
export interface Pattern {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Int32Array;
  readonly colIndex: Int32Array;
}

/** The number of structural nonzeros of a pattern. */
export function nnz(p: Pattern): number {
  return p.rowPtr[p.rows] as number;
}

const EMPTY = new Int32Array(0);

/** The most distinct coupled pairs a Hessian pattern may hold (16 bytes each while it is built). */
export const PAIR_LIMIT = 20_000_000;

/** Ops whose second derivative is zero wherever it exists: they couple nothing. */
const LINEAR = new Set<number>(
  ['add', 'sub', 'neg', 'sum', 'abs', 'sign', 'heaviside', 'relu', 'max', 'min'].map(
    (name) => OP_CODE[name as keyof typeof OP_CODE],
  ),
);

/** The union of two sorted sets (one of them itself when the other adds nothing). */
function union(x: Int32Array, y: Int32Array): Int32Array {
  if (x.length === 0 || x === y) return y;
  if (y.length === 0) return x;
  const out = new Int32Array(x.length + y.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < x.length && j < y.length) {
    const a = x[i] as number;
    const b = y[j] as number;
    if (a <= b) i++;
    if (b <= a) j++;
    out[k++] = a <= b ? a : b;
  }
  while (i < x.length) out[k++] = x[i++] as number;
  while (j < y.length) out[k++] = y[j++] as number;
  // A set equal to one argument is shared rather than copied: chains of unary ops then cost nothing.
  if (k === x.length) return x;
  if (k === y.length) return y;
  return out.slice(0, k);
}

/** The union of many sorted sets, by a mark array over the inputs (one pass, then a sort of the result). */
function unionMany(sets: readonly Int32Array[], mark: Uint8Array): Int32Array {
  if (sets.length === 0) return EMPTY;
  if (sets.length === 1) return sets[0] as Int32Array;
  const found: number[] = [];
  for (const s of sets) {
    for (const k of s) {
      if (mark[k] === 0) {
        mark[k] = 1;
        found.push(k);
      }
    }
  }
  for (const k of found) mark[k] = 0;
  return Int32Array.from(found).sort();
}

/**
 * Per node, how many later uses still need its set (op arguments and outputs). A set is dropped after its last
 * use, so the pass holds only the live sets, not one per node.
 */
function useCounts(f: Program): Int32Array {
  const uses = new Int32Array(f.size);
  const count = (arg: number) => {
    uses[arg] = (uses[arg] as number) + 1;
  };
  for (let i = f.opStart; i < f.size; i++) f.forEachArg(i, count);
  // Outputs are never released.
  for (const o of f.outputs) uses[o] = (uses[o] as number) + f.size;
  return uses;
}

/** What the pass shows each op node: its index and its arguments' sets (an array reused between calls). */
type Visit = (i: number, argSets: readonly Int32Array[]) => void;

/**
 * Runs the index-domain pass over flat program `f`, calling `visit` for each live op node (all when `live` is
 * not given) before its arguments' sets may be released. Returns the output nodes' sets.
 */
function propagate(f: Program, visit: Visit | undefined, live?: Uint8Array): Int32Array[] {
  const sets: (Int32Array | undefined)[] = new Array(f.size);
  for (let i = 0; i < f.inputStart; i++) sets[i] = EMPTY;
  for (let k = 0; k < f.variables.length; k++) sets[f.inputStart + k] = Int32Array.of(k);
  const uses = useCounts(f);
  const release = (arg: number) => {
    uses[arg] = (uses[arg] as number) - 1;
    if (uses[arg] === 0) sets[arg] = undefined;
  };
  const mark = new Uint8Array(f.variables.length);
  const one: Int32Array[] = [EMPTY];
  const two: Int32Array[] = [EMPTY, EMPTY];
  for (let i = f.opStart; i < f.size; i++) {
    const code = f.op[i] as number;
    if (code === LOOP) throw new DifflabError('invalid-argument', 'sparsity: loops must be unrolled first');
    const arity = OP_ARITY[code] as number;
    let argSets: Int32Array[];
    if (arity === 1) {
      one[0] = sets[f.a[i] as number] as Int32Array;
      sets[i] = one[0];
      argSets = one;
    } else if (arity === 2) {
      two[0] = sets[f.a[i] as number] as Int32Array;
      two[1] = sets[f.b[i] as number] as Int32Array;
      sets[i] = union(two[0], two[1]);
      argSets = two;
    } else {
      const start = f.a[i] as number;
      argSets = Array.from(
        f.args.subarray(start, start + (f.b[i] as number)),
        (arg) => sets[arg] as Int32Array,
      );
      sets[i] = unionMany(argSets, mark);
    }
    if (visit !== undefined && (live === undefined || live[i] === 1)) visit(i, argSets);
    f.forEachArg(i, release);
  }
  return Array.from(f.outputs, (o) => sets[o] as Int32Array);
}

/** Compressed rows from one sorted set per row. */
function fromRows(rowSets: readonly Int32Array[], cols: number): Pattern {
  const rowPtr = new Int32Array(rowSets.length + 1);
  for (let r = 0; r < rowSets.length; r++)
    rowPtr[r + 1] = (rowPtr[r] as number) + (rowSets[r] as Int32Array).length;
  const colIndex = new Int32Array(rowPtr[rowSets.length] as number);
  for (let r = 0; r < rowSets.length; r++) colIndex.set(rowSets[r] as Int32Array, rowPtr[r] as number);
  return { rows: rowSets.length, cols, rowPtr, colIndex };
}

const jacobianPatterns = new WeakMap<Program, Pattern>();

/** The Jacobian's sparsity pattern of `f` (m rows of n columns), computed once per program. */
export function jacobianPattern(f: Program): Pattern {
  return cachedFor(jacobianPatterns, f, () =>
    fromRows(propagate(unrollFor(f, 'sparsity detection'), undefined), f.variables.length),
  );
}

/** A growing list of coupled pairs (j ≤ k) kept as keys j·n + k, sorted and deduplicated when it fills. */
class PairSet {
  private keys = new Float64Array(1024);
  private size = 0;
  private sorted = 0;

  constructor(private readonly n: number) {}

  /** Adds every pair of `x` × `y` (both orders land on the same key). */
  addProduct(x: Int32Array, y: Int32Array): void {
    PairSet.check(x.length * y.length);
    for (const j of x) for (const k of y) this.push(j <= k ? j * this.n + k : k * this.n + j);
  }

  /** Adds every pair of `x` × `x` with j ≤ k. */
  addSquare(x: Int32Array): void {
    PairSet.check((x.length * (x.length + 1)) / 2);
    for (let a = 0; a < x.length; a++) {
      const j = x[a] as number;
      for (let b = a; b < x.length; b++) this.push(j * this.n + (x[b] as number));
    }
  }

  /** Fails at once on one coupling of more pairs than the limit (a dense Hessian), before adding them. */
  private static check(pairs: number): void {
    if (pairs > PAIR_LIMIT) PairSet.tooMany();
  }

  private static tooMany(): never {
    throw new DifflabError(
      'budget',
      `sparse Hessian: more than ${PAIR_LIMIT.toExponential(0)} coupled input pairs; the Hessian is not sparse`,
    );
  }

  private push(key: number): void {
    if (this.size === this.keys.length) this.compact();
    this.keys[this.size++] = key;
  }

  /** Sorts and deduplicates; grows the buffer when that frees less than half of it. */
  private compact(): void {
    const distinct = this.dedupe();
    if (distinct > PAIR_LIMIT) PairSet.tooMany();
    if (2 * distinct > this.keys.length) {
      const next = new Float64Array(this.keys.length * 2);
      next.set(this.keys.subarray(0, distinct));
      this.keys = next;
    }
  }

  private dedupe(): number {
    const view = this.keys.subarray(0, this.size);
    view.sort();
    let k = 0;
    for (let i = 0; i < view.length; i++)
      if (i === 0 || view[i] !== view[i - 1]) view[k++] = view[i] as number;
    this.size = k;
    this.sorted = k;
    return k;
  }

  /** The distinct keys, ascending. */
  done(): Float64Array {
    if (this.sorted !== this.size) this.dedupe();
    return this.keys.slice(0, this.size);
  }
}

/** Records the couplings of op node `i` (see the module comment for the rule per op). */
function couple(
  f: Program,
  i: number,
  argSets: readonly Int32Array[],
  pairs: PairSet,
  mark: Uint8Array,
): void {
  const code = f.op[i] as number;
  if (LINEAR.has(code)) return;
  const [x = EMPTY, y = EMPTY] = argSets;
  if (code === OP_CODE.mul) pairs.addProduct(x, y);
  else if (code === OP_CODE.div) {
    pairs.addProduct(x, y);
    pairs.addSquare(y);
  } else if (code === OP_CODE.dot) {
    const k = argSets.length >> 1;
    for (let t = 0; t < k; t++) pairs.addProduct(argSets[t] as Int32Array, argSets[t + k] as Int32Array);
  } else if (code === OP_CODE.pow && isConstant(f, f.b[i] as number, 1)) {
    // x^1 is linear.
  } else {
    pairs.addSquare(argSets.length <= 2 ? union(x, y) : unionMany(argSets, mark));
  }
}

/** Whether node `i` is the constant `c`. */
function isConstant(f: Program, i: number, c: number): boolean {
  return i < f.inputStart && f.constants[i] === c;
}

const hessianPatterns = new WeakMap<Program, Pattern>();

/**
 * The Hessian's sparsity pattern of scalar `f` (n × n, symmetric, both triangles stored, the diagonal where
 * it is coupled), computed once per program.
 */
export function hessianPattern(f: Program): Pattern {
  requireScalar(f, 'sparse Hessian');
  return cachedFor(hessianPatterns, f, () => {
    const flat = unrollFor(f, 'sparsity detection');
    const n = f.variables.length;
    const pairs = new PairSet(n);
    const mark = new Uint8Array(n);
    propagate(flat, (i, argSets) => couple(flat, i, argSets, pairs, mark), reachesOutputs(flat));
    return symmetricFromPairs(pairs.done(), n);
  });
}

/** The symmetric compressed rows of the pairs j ≤ k given as ascending keys j·n + k. */
function symmetricFromPairs(keys: Float64Array, n: number): Pattern {
  const counts = new Int32Array(n + 1);
  for (const key of keys) {
    const j = Math.floor(key / n);
    const k = key - j * n;
    counts[j + 1] = (counts[j + 1] as number) + 1;
    if (k !== j) counts[k + 1] = (counts[k + 1] as number) + 1;
  }
  const rowPtr = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) rowPtr[r + 1] = (rowPtr[r] as number) + (counts[r + 1] as number);
  const next = rowPtr.slice(0, n);
  const colIndex = new Int32Array(rowPtr[n] as number);
  // Keys ascend by (j, k). Row r holds the j < r of the pairs (j, r), which come in ascending j, then the
  // k ≥ r of the pairs (r, k), ascending too: writing every row's lower part first keeps the rows sorted.
  for (const key of keys) {
    const j = Math.floor(key / n);
    const k = key - j * n;
    if (k !== j) colIndex[bump(next, k)] = j;
  }
  for (const key of keys) {
    const j = Math.floor(key / n);
    const k = key - j * n;
    colIndex[bump(next, j)] = k;
  }
  return { rows: n, cols: n, rowPtr, colIndex };
}

/** `next[r]`, then increments it (the next free slot of row r). */
function bump(next: Int32Array, r: number): number {
  const at = next[r] as number;
  next[r] = at + 1;
  return at;
}
