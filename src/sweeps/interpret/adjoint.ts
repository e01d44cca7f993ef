/**
 * The tape: the primal values of every node, recorded by one forward sweep, and the adjoints that one
 * backward sweep accumulates into. Both are typed arrays indexed like the program, allocated once per program
 * and reused by later calls.
 */
import {
  type Backend,
  cachedFor,
  LOOP,
  type NaryOpDef,
  NUMERIC_PARTIALS,
  OP_ARITY,
  OP_CODE,
  OP_DEFS,
  type Program,
} from '../../ir/index.js';
import { isUntouched } from '../../ir/ops.js';
import { sweepsFor } from '../backend.js';
import { activity } from '../compiled/index.js';
import { backwardCall, type CheckpointOptions, recordWithLoops, zeroAdjoints } from './adjoint-loop.js';
import { primalSweep, throwNonFiniteDerivative } from './primal.js';

type Rule = (x: number, y: number, z: number) => number;

const { add: ADD, sub: SUB, mul: MUL, neg: NEG, sum: SUM, dot: DOT } = OP_CODE;

export interface Tape {
  /** Primal values, one per node. */
  readonly values: Float64Array;
  /** Adjoints ∂(seeded output combination)/∂(node), one per node. */
  readonly adjoints: Float64Array;
}

const tapes = new WeakMap<Program, Tape>();

/** The program's reusable tape. */
export function tapeFor(f: Program): Tape {
  return cachedFor(tapes, f, () => ({
    values: new Float64Array(f.size),
    adjoints: new Float64Array(f.size),
  }));
}

/**
 * The forward sweep: records every node's value on the tape. The compiled backend (without `check`) records
 * only the values a backward sweep reads, and what they are computed from. `oneSweep`: the caller runs one
 * backward sweep on this recording, no more (a loop may then keep what it sends back in the tape's adjoints).
 */
export function record(
  f: Program,
  x: ArrayLike<number>,
  tape: Tape,
  check = false,
  backend: Backend = 'interpret',
  options: CheckpointOptions = {},
  oneSweep = false,
): void {
  if (f.calls.length > 0) recordWithLoops(f, x, tape, check, backend, options, oneSweep);
  else primalSweep(f, x, tape.values, check, backend, true);
}

/**
 * The backward sweep: zeroes the adjoints, lets `seed` set the outputs' adjoints, then runs one descending
 * loop over the program. On return the inputs hold their adjoints (the vjp); with the interpreter, every node
 * does.
 *
 * The zero-factor rule (ops.ts): an adjoint no seeded output reaches is −0 and contributes nothing; otherwise
 * IEEE arithmetic, as in forward mode. `seed` writes the seeded outputs' adjoints (leaving an unseeded one −0).
 * The inputs' adjoints may be −0 (untouched) or ±∞: callers report them through asDerivatives (ops.ts).
 *
 * The compiled backend first runs its sweep without zero tests; that stands when it meets no infinite or NaN
 * partial (then it is the rule's result); otherwise the interpreter runs, on values it computes again
 * (sweepsFor, src/sweeps/backend.ts).
 */
export function backward(
  f: Program,
  tape: Tape,
  seed: (adjoints: Float64Array) => void,
  backend: Backend = 'interpret',
  options: CheckpointOptions & { check?: boolean } = {},
): void {
  sweepsFor(f, backend, options.check === true).adjoint(tape, seed, options);
}

/**
 * @internal The interpreter's backward sweep ({@link backward}); `backend` is what its loop calls run their
 * bodies by. A checked sweep throws at the first adjoint that is NaN or ±∞.
 */
export function interpretAdjoint(
  f: Program,
  tape: Tape,
  seed: (adjoints: Float64Array) => void,
  backend: Backend,
  options: CheckpointOptions,
  check = false,
): void {
  const { values: v, adjoints: adj } = tape;
  zeroAdjoints(tape);
  seed(adj);
  const { op, a, b, args } = f;
  // Constants (indices below inputStart) get no adjoint: no one reads it.
  const c0 = f.inputStart;
  const halves = dotHalves(f);
  const loops = f.calls.length > 0;
  const top = f.size - 1;
  const stop = f.opStart;
  if (!check) {
    adjointNodes(f, tape, v, adj, op, a, b, args, top, stop, c0, halves, loops, backend, options);
    return;
  }
  // Checked: node by node, each adjoint tested once final (all its consumers are above it), from the output
  // down: the first that is NaN or ±∞ is named. A loop call's body sweeps check themselves (`options.check`).
  for (let i = top; i >= stop; i--) {
    const g = adj[i] as number;
    if (!Number.isFinite(g)) throwNonFiniteDerivative(f, culprit(f, v, adj, i), g, 'adjoint', i);
    adjointNodes(f, tape, v, adj, op, a, b, args, i, i, c0, halves, loops, backend, options);
  }
  checkInputAdjoints(f, v, adj);
}

/**
 * The backward sweep's loop over nodes `top` down to `stop` (`loops`: whether the program has loop calls).
 *
 * Why a function of its own, with everything it reads before its loop passed in, and no test for a checked
 * sweep inside: V8 collects a function's type feedback only once it has run a while, so in the first call the
 * lines before the loop leave none. The second call starts the optimised compile; when that compile read those
 * lines before the call had run them again, it put a deopt there, and the sweep then ran in the code compiled
 * during the first call's loop for the rest of the process: det's backward sweep at ℓ = 11 took 0.20 ms
 * instead of 0.115 in about half the processes. Here nothing before the loop needs type feedback, and it takes
 * 0.125 ms in every process (the arrays as arguments cost the difference: V8 knows less of them than of the
 * tape's fields; loading those here made the time two-valued again).
 */
function adjointNodes(
  f: Program,
  tape: Tape,
  v: Float64Array,
  adj: Float64Array,
  op: Uint8Array,
  a: Int32Array,
  b: Int32Array,
  args: Int32Array,
  top: number,
  stop: number,
  c0: number,
  halves: Uint8Array,
  loops: boolean,
  backend: Backend,
  options: CheckpointOptions,
): void {
  // A product's contribution to the node just before it (a chain, Π wᵢ) is also kept in `carry`, which the next
  // step reads instead of loading what was just stored: the chain then waits on a multiply and an add per link,
  // not also on the store reaching the load.
  let carried = -1;
  let carry = 0;
  // Skipped nodes look for a loop call only in a program that has one (`loops`).
  for (let i = top; i >= stop; i--) {
    const g = i === carried ? carry : (adj[i] as number);
    if (g === 0 && isUntouched(g)) {
      // A loop call runs when its first output is reached: the adjoints of all its outputs are final then.
      if (loops && op[i] === LOOP && b[i] === 0) backwardCall(f, a[i] as number, tape, backend, options);
      continue;
    }
    const code = op[i] as number;
    // add, sub and mul first, their partials written out (the values of their rules).
    if (code === MUL) {
      const xi = a[i] as number;
      const yi = b[i] as number;
      const px = v[yi] as number;
      const py = v[xi] as number;
      if (xi >= c0) {
        const u = (adj[xi] as number) + (g * px + 0);
        adj[xi] = u;
        if (xi === i - 1) {
          carried = xi;
          carry = u;
        }
      }
      if (yi >= c0) {
        const u = (adj[yi] as number) + (g * py + 0);
        adj[yi] = u;
        if (yi === i - 1) {
          carried = yi;
          carry = u;
        }
      }
      continue;
    }
    if (code === ADD || code === SUB) {
      const xi = a[i] as number;
      const yi = b[i] as number;
      if (xi >= c0) adj[xi] = (adj[xi] as number) + g;
      // g is never −0 here (a reached adjoint), but −g is at g = 0: + 0 keeps the sum reached.
      if (yi >= c0) adj[yi] = (adj[yi] as number) + (code === ADD ? g : 0 - g);
      continue;
    }
    const arity = OP_ARITY[code];
    if (arity === 1) {
      const xi = a[i] as number;
      if (xi < c0) continue;
      const p =
        code === NEG
          ? -1
          : ((NUMERIC_PARTIALS[code] as readonly Rule[])[0] as Rule)(v[xi] as number, 0, v[i] as number);
      adj[xi] = (adj[xi] as number) + (g * p + 0);
    } else if (arity === 2) {
      const xi = a[i] as number;
      const yi = b[i] as number;
      const partials = NUMERIC_PARTIALS[code] as readonly Rule[];
      const xv = v[xi] as number;
      const yv = v[yi] as number;
      const z = v[i] as number;
      if (xi >= c0) {
        const px = (partials[0] as Rule)(xv, yv, z);
        adj[xi] = (adj[xi] as number) + (g * px + 0);
      }
      if (yi >= c0) {
        const py = (partials[1] as Rule)(xv, yv, z);
        adj[yi] = (adj[yi] as number) + (g * py + 0);
      }
    } else if (code === SUM) {
      const start = a[i] as number;
      for (let k = start; k < start + (b[i] as number); k++) {
        const xi = args[k] as number;
        if (xi >= c0) adj[xi] = (adj[xi] as number) + g;
      }
    } else if (code === DOT) {
      dotAdjoint(v, adj, args, a[i] as number, (b[i] as number) >> 1, g, c0, halves[i] as number);
    } else if (code === LOOP) {
      // A loop call (no arity of its own) runs at its first output, when all its outputs' adjoints are final.
      if (b[i] === 0) backwardCall(f, a[i] as number, tape, backend, options);
    } else {
      const start = a[i] as number;
      const count = b[i] as number;
      const partial = (OP_DEFS[code] as NaryOpDef).numericPartial;
      const z = v[i] as number;
      for (let k = 0; k < count; k++) {
        const xi = args[start + k] as number;
        if (xi < c0) continue;
        const p = partial(v, args, start, count, z, k);
        adj[xi] = (adj[xi] as number) + (g * p + 0);
      }
    }
  }
}

/**
 * A checked sweep's last test: an input's adjoint (the gradient itself) is the last place a derivative can stop
 * being a number. Throws for the first input whose adjoint is NaN or ±∞.
 */
export function checkInputAdjoints(f: Program, v: Float64Array, adj: Float64Array): void {
  for (let i = f.inputStart; i < f.opStart; i++) {
    if (!Number.isFinite(adj[i]))
      throwNonFiniteDerivative(f, culprit(f, v, adj, i), adj[i] as number, 'adjoint', i);
  }
}

/**
 * The node to name when node i's adjoint is NaN or ±∞: the first consumer of i (in the backward sweep's order)
 * whose own adjoint is finite but whose partial with respect to i is not, which is where the derivative stopped
 * being a number (√u at u = 0 for u = x − x); else i itself (a NaN that came in through an adjoint).
 */
export function culprit(f: Program, v: Float64Array, adj: Float64Array, i: number): number {
  for (let m = f.size - 1; m > i; m--) {
    const code = f.op[m] as number;
    const arity = OP_ARITY[code] as number;
    if (arity === 0 || !Number.isFinite(adj[m]) || isUntouched(adj[m] as number)) continue;
    const xv = v[f.a[m] as number] as number;
    const yv = arity === 2 ? (v[f.b[m] as number] as number) : Number.NaN;
    const rules = NUMERIC_PARTIALS[code] as readonly Rule[];
    for (let k = 0; k < arity; k++) {
      const arg = k === 0 ? f.a[m] : f.b[m];
      if (arg === i && !Number.isFinite((rules[k] as Rule)(xv, yv, v[m] as number))) return m;
    }
  }
  return i;
}

/** Which halves of a dot node's arguments depend on an input: bit 1 the x's, bit 2 the y's; 4 when x = y. */
export const SAME = 4;

const halvesCache = new WeakMap<Program, Uint8Array>();

/** The halves flags of the program's dot nodes, by node (computed once per program). */
export function dotHalves(f: Program): Uint8Array {
  let m = halvesCache.get(f);
  if (m === undefined) {
    m = new Uint8Array(f.size);
    const active = activity(f);
    for (let i = f.opStart; i < f.size; i++) {
      if (f.op[i] !== DOT) continue;
      const start = f.a[i] as number;
      const h = (f.b[i] as number) >> 1;
      let flags = 0;
      let same = true;
      for (let k = 0; k < h; k++) {
        const x = f.args[start + k] as number;
        const y = f.args[start + h + k] as number;
        if (active[x] === 1) flags |= 1;
        if (active[y] === 1) flags |= 2;
        if (x !== y) same = false;
      }
      m[i] = flags | (same ? SAME : 0);
    }
    halvesCache.set(f, m);
  }
  return m;
}

/**
 * The adjoints of `dot(x, y)`: ∂/∂x_k = y_k and ∂/∂y_k = x_k, the x's first, then the y's (the order the rule of
 * OPS.dot gives). A half of constants is left out; for dot(w, w) both contributions to w_k are made in one pass,
 * in the same order for each w_k.
 */
export function dotAdjoint(
  v: Float64Array,
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
    for (let k = start; k < start + h; k++) {
      const xi = args[k] as number;
      const p = v[xi] as number;
      if (xi >= c0) adj[xi] = (adj[xi] as number) + (g * p + 0) + g * p;
    }
    return;
  }
  if (flags & 1) {
    for (let k = start; k < start + h; k++) {
      const xi = args[k] as number;
      const p = v[args[k + h] as number] as number;
      if (xi >= c0) adj[xi] = (adj[xi] as number) + (g * p + 0);
    }
  }
  if (flags & 2) {
    for (let k = start + h; k < start + 2 * h; k++) {
      const yi = args[k] as number;
      const p = v[args[k - h] as number] as number;
      if (yi >= c0) adj[yi] = (adj[yi] as number) + (g * p + 0);
    }
  }
}
