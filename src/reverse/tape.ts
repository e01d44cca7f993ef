/**
 * The tape: the primal values of every node, recorded by one forward sweep, and the adjoints that one
 * backward sweep accumulates into. Both are typed arrays indexed like the program, allocated once per program
 * and reused by later calls.
 */
import {
  type NaryOpDef,
  NUMERIC_PARTIALS,
  OP_ARITY,
  OP_DEFS,
  type Program,
  primalSweep,
} from '../ir/index.js';

type Rule = (x: number, y: number, z: number) => number;

export interface Tape {
  /** Primal values, one per node. */
  readonly values: Float64Array;
  /** Adjoints ∂(seeded output combination)/∂(node), one per node. */
  readonly adjoints: Float64Array;
}

const tapes = new WeakMap<Program, Tape>();

/** The program's reusable tape. */
export function tapeFor(f: Program): Tape {
  let tape = tapes.get(f);
  if (tape === undefined) {
    tape = { values: new Float64Array(f.size), adjoints: new Float64Array(f.size) };
    tapes.set(f, tape);
  }
  return tape;
}

/** The forward sweep: records every node's value on the tape. */
export function record(f: Program, x: ArrayLike<number>, tape: Tape, check = false): void {
  primalSweep(f, x, tape.values, check);
}

/**
 * The backward sweep: one descending loop over the program. The caller seeds the output adjoints (after
 * `tape.adjoints.fill(0)`); on return every node holds its adjoint, the inputs' being the vjp.
 *
 * A zero factor (adjoint or partial) contributes zero even against ∞ or NaN: √x at 0 on a branch whose
 * adjoint is 0 gives no NaN, exactly as in forward mode; otherwise IEEE arithmetic.
 */
export function backward(f: Program, tape: Tape): void {
  const { values: v, adjoints: adj } = tape;
  const { op, a, b, args } = f;
  for (let i = f.size - 1; i >= f.opStart; i--) {
    const g = adj[i] as number;
    if (g === 0) continue;
    const code = op[i] as number;
    const arity = OP_ARITY[code];
    if (arity === 1) {
      const xi = a[i] as number;
      const p = ((NUMERIC_PARTIALS[code] as readonly Rule[])[0] as Rule)(v[xi] as number, 0, v[i] as number);
      if (p !== 0) adj[xi] = (adj[xi] as number) + g * p;
    } else if (arity === 2) {
      const xi = a[i] as number;
      const yi = b[i] as number;
      const partials = NUMERIC_PARTIALS[code] as readonly Rule[];
      const xv = v[xi] as number;
      const yv = v[yi] as number;
      const z = v[i] as number;
      const px = (partials[0] as Rule)(xv, yv, z);
      const py = (partials[1] as Rule)(xv, yv, z);
      if (px !== 0) adj[xi] = (adj[xi] as number) + g * px;
      if (py !== 0) adj[yi] = (adj[yi] as number) + g * py;
    } else {
      const start = a[i] as number;
      const count = b[i] as number;
      const partial = (OP_DEFS[code] as NaryOpDef).numericPartial;
      const z = v[i] as number;
      for (let k = 0; k < count; k++) {
        const xi = args[start + k] as number;
        const p = partial(v, args, start, count, z, k);
        if (p !== 0) adj[xi] = (adj[xi] as number) + g * p;
      }
    }
  }
}
