/**
 * The one interface all four methods implement, and the statistics every call reports.
 */
import { DifflabError } from './errors.js';
import { LOOP, OP_ARITY } from './ops.js';
import type { LoopCall, Program } from './program.js';

export type Method = 'numeric' | 'symbolic' | 'forward' | 'reverse';

/** The four methods, in the order tables list them. */
export const METHODS: readonly Method[] = ['numeric', 'symbolic', 'forward', 'reverse'];

/** What one call cost. `ops` is deterministic: the same program and call always give the same count. */
export interface Stats {
  /**
   * Primitive scalar operations executed. A primal sweep costs {@link ProgramCost.nodes}; evaluating the
   * local partials costs one per edge; each tangent or adjoint direction costs one multiply–add per edge.
   * Symbolic methods count the nodes of the derivative expressions they evaluate.
   */
  ops: number;
  /** Evaluations of f: full primal sweeps (finite differences need many; reverse mode needs one). */
  evaluations: number;
  /** Tangent sweeps over the program (each may carry a chunk of directions). */
  forwardSweeps: number;
  /** Adjoint sweeps over the program. */
  reverseSweeps: number;
  /** Bytes held by the computation: tape, tangent arrays or derivative expressions. */
  bytes: number;
  /** Wall-clock milliseconds. */
  time: number;
  /** Method-specific figures: step, chunk, error estimate, derivative tree and DAG sizes, ... */
  details: Record<string, number | string>;
}

/** A value together with what computing it cost. */
export interface Result<T> {
  value: T;
  stats: Stats;
}

/** Options every method accepts. */
export interface CommonOptions {
  /**
   * Throw a `non-finite` error naming the first subexpression whose value is NaN or ±Infinity, and (forward and
   * reverse mode, like PyTorch's anomaly detection) the first whose tangent or adjoint is: the node where the
   * derivative stopped being a number. Checked sweeps run on the interpreter.
   */
  check?: boolean;
  /**
   * How sweeps run: `'interpret'` loops over the program's arrays (the reference); `'compile'` runs JavaScript
   * generated for the program and cached with it. Both give the same numbers, to the last bit.
   */
  backend?: Backend;
  /**
   * Where the top-level `gradient` (and reverse mode's) writes the gradient (length n), returning it: repeated
   * calls allocate nothing by reverse mode. The other methods compute a fresh array and copy it in.
   */
  out?: Float64Array;
}

/** How a program's sweeps run: by the interpreter or by code generated for the program. */
export type Backend = 'interpret' | 'compile';

/** The backend an options object asks for (default 'interpret'), checked. */
export function backendOf(options: { backend?: Backend } | undefined): Backend {
  const b = options?.backend;
  if (b === undefined || b === 'interpret') return 'interpret';
  if (b === 'compile') return b;
  throw new DifflabError(
    'invalid-argument',
    `unknown backend '${String(b)}' (expected interpret or compile)`,
  );
}

/**
 * A way to differentiate a program. For f with n inputs and m outputs at x (length n):
 * `gradient` (m = 1) is ∇f (length n); `jacobian` is J as m rows of length n; `jvp` is J·v (length m);
 * `vjp` is uᵀJ (length n).
 */
export interface Differentiator<O extends CommonOptions = CommonOptions> {
  readonly method: Method;
  gradient(f: Program, x: ArrayLike<number>, options?: O): Result<Float64Array>;
  jacobian(f: Program, x: ArrayLike<number>, options?: O): Result<Float64Array[]>;
  jvp(f: Program, x: ArrayLike<number>, v: ArrayLike<number>, options?: O): Result<Float64Array>;
  vjp(f: Program, x: ArrayLike<number>, u: ArrayLike<number>, options?: O): Result<Float64Array>;
}

/** The deterministic cost figures of one program. */
export interface ProgramCost {
  /** Operations of one primal sweep: one per fixed-arity op node, k per n-ary node with k arguments. */
  nodes: number;
  /** Argument edges of the op nodes: the partials one sweep evaluates, and the multiply–adds per direction. */
  edges: number;
}

const costs = new WeakMap<Program, ProgramCost>();

/** The cost figures of a program (computed once and cached). */
export function programCost(f: Program): ProgramCost {
  let c = costs.get(f);
  if (c === undefined) {
    let nodes = 0;
    let edges = 0;
    for (let i = f.opStart; i < f.size; i++) {
      if (f.op[i] === LOOP) {
        // A loop call costs its body's operations once per iteration, and a map its reduction's.
        if (f.b[i] !== 0) continue;
        const loop = (f.calls[f.a[i] as number] as LoopCall).loop;
        const body = programCost(loop.body);
        const reduction = loop.kind === 'map' ? loop.n * loop.perStep : 0;
        nodes += loop.n * body.nodes + reduction;
        edges += loop.n * body.edges + reduction;
        continue;
      }
      const arity = OP_ARITY[f.op[i] as number] as number;
      const k = arity === 0 ? (f.b[i] as number) : arity;
      nodes += arity === 0 ? k : 1;
      edges += k;
    }
    c = { nodes, edges };
    costs.set(f, c);
  }
  return c;
}

/** A Stats record with every count zero, to fill in. */
export function emptyStats(): Stats {
  return { ops: 0, evaluations: 0, forwardSweeps: 0, reverseSweeps: 0, bytes: 0, time: 0, details: {} };
}

/** The value cached for `key` in `cache`, made by `make` on first use (per-program work arrays and the like). */
export function cachedFor<K extends object, V>(cache: WeakMap<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** Milliseconds from a monotonic clock (works in Node and browsers). */
export function now(): number {
  return performance.now();
}

/** Throws unless f has exactly one output (gradient is defined for scalar functions). */
export function requireScalar(f: Program, what = 'gradient'): void {
  if (f.outputs.length !== 1) {
    throw new DifflabError(
      'invalid-argument',
      `${what} needs a function with one output; this one has ${f.outputs.length} (use jacobian or vjp)`,
    );
  }
}

/** Checks a point, tangent or cotangent vector's length and copies it into a Float64Array. */
export function vectorOf(values: ArrayLike<number>, length: number, what: string): Float64Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new DifflabError('bad-point', `${what} must be an array of numbers`);
  }
  if (values.length !== length) {
    throw new DifflabError('bad-point', `${what} has length ${values.length}, expected ${length}`);
  }
  // A Float64Array holds numbers only: copy it whole.
  if (values instanceof Float64Array) return new Float64Array(values);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (typeof v !== 'number')
      throw new DifflabError('bad-point', `${what}[${i}] must be a number, got ${typeof v}`);
    out[i] = v;
  }
  return out;
}

/**
 * Like {@link vectorOf}, for vectors only read: a Float64Array of the right length is used as it is (no copy).
 */
export function readVector(values: ArrayLike<number>, length: number, what: string): Float64Array {
  if (values instanceof Float64Array && values.length === length) return values;
  return vectorOf(values, length, what);
}
