/**
 * Stored partials: several backward sweeps after one recording (a Jacobian's m adjoint sweeps, a compressed
 * Jacobian's colours) read every edge's local partial from one array, computed once after the recording,
 * instead of evaluating the partial rules again in every sweep. A Jacobian then costs N + E + m·E operations
 * (the primal, the partials, one multiply–add per edge per sweep) where recomputing costs N + 2·m·E: JAX's
 * linearize-then-transpose, at the price of E doubles.
 *
 * The sweep is {@link backward}'s, step for step, with each partial read where it was computed: the same
 * numbers added in the same order, so the same bits, the zero-factor rule included (an untouched adjoint skips
 * its node, so a non-finite partial there is never multiplied).
 *
 * Programs with loop calls keep {@link backward}: a loop body's partials differ per iteration (n × body edges,
 * next to what checkpointing keeps), which this array does not hold. The compiled backend keeps its generated
 * sweeps, which recompute the partials in registers; its count says so ({@link adjointOps}).
 */
import {
  type Backend,
  cachedFor,
  type NaryOpDef,
  NUMERIC_PARTIALS,
  OP_ARITY,
  OP_CODE,
  OP_DEFS,
  type Program,
  programCost,
} from '../../ir/index.js';
import { asDerivatives, isUntouched, UNTOUCHED } from '../../ir/ops.js';
import { generates } from '../backend.js';
import { backward, checkInputAdjoints, culprit, dotHalves, SAME, type Tape } from './adjoint.js';
import type { CheckpointOptions } from './adjoint-loop.js';
import { throwNonFiniteDerivative } from './primal.js';

type Rule = (x: number, y: number, z: number) => number;

const { add: ADD, sub: SUB, mul: MUL, neg: NEG, sum: SUM, dot: DOT } = OP_CODE;

/**
 * Whether `cotangents` backward sweeps of `f` on `backend` read stored partials: with at least two of them (one
 * sweep evaluates each partial once anyway), without loop calls, on the interpreter (a checked sweep runs there
 * whatever the backend).
 */
export function storesPartials(f: Program, cotangents: number, backend: Backend, check: boolean): boolean {
  return cotangents > 1 && f.calls.length === 0 && !generates(f, backend, check);
}

/**
 * The operations of one recording and `cotangents` backward sweeps: the primal (N), then the partials once and
 * a multiply–add per edge per sweep (N + E + c·E) when they are stored, or partials and multiply–add per edge per
 * sweep (N + 2·c·E) when each sweep recomputes them. One sweep costs N + 2E either way.
 */
export function adjointOps(f: Program, cotangents: number, stored: boolean): number {
  const { nodes, edges } = programCost(f);
  return stored ? nodes + edges + cotangents * edges : nodes + cotangents * 2 * edges;
}

/** The bytes of the stored partials of `f`: one double per edge. */
export function partialBytes(f: Program): number {
  return 8 * edgeStarts(f).total;
}

/**
 * On a tape just recorded by `record` on the same backend, runs `cotangents` backward sweeps, sweep s seeded by
 * `seed(adjoints, s)`, handing the inputs' adjoints (as derivatives: NaN for ±∞) to `collect`. Returns whether
 * the partials were stored ({@link storesPartials}).
 */
export function adjointSweeps(
  f: Program,
  tape: Tape,
  cotangents: number,
  seed: (adjoints: Float64Array, sweep: number) => void,
  collect: (inputAdjoints: Float64Array, sweep: number) => void,
  backend: Backend,
  options: CheckpointOptions & { check?: boolean } = {},
): boolean {
  const check = options.check === true;
  const stored = storesPartials(f, cotangents, backend, check);
  const inputs = tape.adjoints.subarray(f.inputStart, f.opStart);
  if (stored) {
    const P = partialsFor(f);
    storePartials(f, tape.values, P);
    for (let s = 0; s < cotangents; s++) {
      backwardStored(f, tape, P, (adj) => seed(adj, s), check);
      collect(asDerivatives(inputs), s);
    }
  } else {
    for (let s = 0; s < cotangents; s++) {
      backward(f, tape, (adj) => seed(adj, s), backend, options);
      collect(asDerivatives(inputs), s);
    }
  }
  return stored;
}

/** Where each operation node's edges start in the partials array (by node − opStart), and their total. */
interface EdgeStarts {
  readonly start: Int32Array;
  readonly total: number;
}

const startsCache = new WeakMap<Program, EdgeStarts>();

/** The edge offsets of a program without loop calls (cached per program). */
function edgeStarts(f: Program): EdgeStarts {
  return cachedFor(startsCache, f, () => {
    const start = new Int32Array(f.size - f.opStart);
    let e = 0;
    for (let i = f.opStart; i < f.size; i++) {
      start[i - f.opStart] = e;
      const arity = OP_ARITY[f.op[i] as number] as number;
      e += arity === 0 ? (f.b[i] as number) : arity;
    }
    return { start, total: e };
  });
}

const partialsCache = new WeakMap<Program, Float64Array>();

/** The program's reusable partials array, one double per edge. */
function partialsFor(f: Program): Float64Array {
  return cachedFor(partialsCache, f, () => new Float64Array(edgeStarts(f).total));
}

/**
 * Every edge's local partial at the recorded values `v`, by the rules {@link backward} evaluates: a product's
 * partials are its other factor, ± 1 for add, sub, neg and sum, a dot product's the partner entry, and every
 * other op's its numeric partial rule at (x, y, z).
 */
export function storePartials(f: Program, v: Float64Array, P: Float64Array): void {
  const { op, a, b } = f;
  const { start: starts } = edgeStarts(f);
  for (let i = f.opStart; i < f.size; i++) {
    const e = starts[i - f.opStart] as number;
    const code = op[i] as number;
    if (code === MUL) {
      P[e] = v[b[i] as number] as number;
      P[e + 1] = v[a[i] as number] as number;
    } else if (code === ADD) {
      P[e] = 1;
      P[e + 1] = 1;
    } else if (code === SUB) {
      P[e] = 1;
      P[e + 1] = -1;
    } else if (code === NEG) {
      P[e] = -1;
    } else {
      storeOther(f, v, P, i, e);
    }
  }
}

/** The partials of node i (not mul, add, sub or neg) into P from edge e on. */
function storeOther(f: Program, v: Float64Array, P: Float64Array, i: number, e: number): void {
  const { op, a, b, args } = f;
  const code = op[i] as number;
  const arity = OP_ARITY[code];
  const z = v[i] as number;
  if (arity === 1) {
    P[e] = ((NUMERIC_PARTIALS[code] as readonly Rule[])[0] as Rule)(v[a[i] as number] as number, 0, z);
  } else if (arity === 2) {
    const rules = NUMERIC_PARTIALS[code] as readonly Rule[];
    const xv = v[a[i] as number] as number;
    const yv = v[b[i] as number] as number;
    P[e] = (rules[0] as Rule)(xv, yv, z);
    P[e + 1] = (rules[1] as Rule)(xv, yv, z);
  } else if (code === SUM) {
    P.fill(1, e, e + (b[i] as number));
  } else if (code === DOT) {
    const start = a[i] as number;
    const h = (b[i] as number) >> 1;
    for (let k = 0; k < h; k++) {
      P[e + k] = v[args[start + h + k] as number] as number;
      P[e + h + k] = v[args[start + k] as number] as number;
    }
  } else {
    const start = a[i] as number;
    const count = b[i] as number;
    const partial = (OP_DEFS[code] as NaryOpDef).numericPartial;
    for (let k = 0; k < count; k++) P[e + k] = partial(v, args, start, count, z, k);
  }
}

/**
 * {@link backward} on a program without loop calls, reading the partials from P (filled by
 * {@link storePartials} at the tape's values): zeroes the adjoints, lets `seed` set the outputs' adjoints, and
 * runs one descending loop. The same steps in the same order as {@link backward}'s interpreter.
 */
export function backwardStored(
  f: Program,
  tape: Tape,
  P: Float64Array,
  seed: (adjoints: Float64Array) => void,
  check = false,
): void {
  const { values: v, adjoints: adj } = tape;
  adj.fill(UNTOUCHED);
  seed(adj);
  const { op, a, b, args } = f;
  const c0 = f.inputStart;
  const { start: starts } = edgeStarts(f);
  const halves = dotHalves(f);
  // The chain of products' carried adjoint, as in backward.
  let carried = -1;
  let carry = 0;
  for (let i = f.size - 1; i >= f.opStart; i--) {
    const g = i === carried ? carry : (adj[i] as number);
    if (check && !Number.isFinite(g)) throwNonFiniteDerivative(f, culprit(f, v, adj, i), g, 'adjoint', i);
    if (g === 0 && isUntouched(g)) continue;
    const code = op[i] as number;
    const e = starts[i - f.opStart] as number;
    if (code === MUL) {
      const xi = a[i] as number;
      const yi = b[i] as number;
      if (xi >= c0) {
        const u = (adj[xi] as number) + (g * (P[e] as number) + 0);
        adj[xi] = u;
        if (xi === i - 1) {
          carried = xi;
          carry = u;
        }
      }
      if (yi >= c0) {
        const u = (adj[yi] as number) + (g * (P[e + 1] as number) + 0);
        adj[yi] = u;
        if (yi === i - 1) {
          carried = yi;
          carry = u;
        }
      }
      continue;
    }
    // add, sub and sum add ±g itself, as backward does (their partials ±1 are stored but not read).
    if (code === ADD || code === SUB) {
      const xi = a[i] as number;
      const yi = b[i] as number;
      if (xi >= c0) adj[xi] = (adj[xi] as number) + g;
      if (yi >= c0) adj[yi] = (adj[yi] as number) + (code === ADD ? g : 0 - g);
      continue;
    }
    const arity = OP_ARITY[code];
    if (arity === 1) {
      const xi = a[i] as number;
      if (xi >= c0) adj[xi] = (adj[xi] as number) + (g * (P[e] as number) + 0);
    } else if (arity === 2) {
      const xi = a[i] as number;
      const yi = b[i] as number;
      if (xi >= c0) adj[xi] = (adj[xi] as number) + (g * (P[e] as number) + 0);
      if (yi >= c0) adj[yi] = (adj[yi] as number) + (g * (P[e + 1] as number) + 0);
    } else if (code === SUM) {
      const start = a[i] as number;
      for (let k = start; k < start + (b[i] as number); k++) {
        const xi = args[k] as number;
        if (xi >= c0) adj[xi] = (adj[xi] as number) + g;
      }
    } else if (code === DOT) {
      dotAdjointStored(P, e, adj, args, a[i] as number, (b[i] as number) >> 1, g, c0, halves[i] as number);
    } else {
      const start = a[i] as number;
      const count = b[i] as number;
      for (let k = 0; k < count; k++) {
        const xi = args[start + k] as number;
        if (xi >= c0) adj[xi] = (adj[xi] as number) + (g * (P[e + k] as number) + 0);
      }
    }
  }
  if (check) checkInputAdjoints(f, v, adj);
}

/**
 * The adjoints of `dot(x, y)` with its partials from P (the x's from edge e, the y's from e + h), in the order
 * of adjoint.ts's dotAdjoint: dot(w, w) makes both contributions to w_k in one step.
 */
function dotAdjointStored(
  P: Float64Array,
  e: number,
  adj: Float64Array,
  args: Int32Array,
  start: number,
  h: number,
  g: number,
  c0: number,
  flags: number,
): void {
  if (flags & SAME) {
    if ((flags & 1) === 0) return;
    for (let k = 0; k < h; k++) {
      const xi = args[start + k] as number;
      const p = P[e + k] as number;
      if (xi >= c0) adj[xi] = (adj[xi] as number) + (g * p + 0) + g * p;
    }
    return;
  }
  if (flags & 1) {
    for (let k = 0; k < h; k++) {
      const xi = args[start + k] as number;
      if (xi >= c0) adj[xi] = (adj[xi] as number) + (g * (P[e + k] as number) + 0);
    }
  }
  if (flags & 2) {
    for (let k = h; k < 2 * h; k++) {
      const yi = args[start + k] as number;
      if (yi >= c0) adj[yi] = (adj[yi] as number) + (g * (P[e + k] as number) + 0);
    }
  }
}
