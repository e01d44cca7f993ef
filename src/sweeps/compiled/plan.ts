/**
 * The compiled backend's plan: the program's operation nodes cut into segments, each either a run of nodes
 * emitted one statement per node, or a loop. A loop covers a block of `period` consecutive nodes repeated
 * `reps` times, where every repetition has the same ops and each argument index moves by a fixed stride from
 * one repetition to the next (a chain x₁·x₂·…, the terms of Rosenbrock's sum, the objects of a loss). The
 * generated code for a loop is a JavaScript `for` loop, so its size does not grow with the program.
 */
import { CONST, LOOP, OP_ARITY, OP_CODE, VAR } from '../../ir/ops.js';
import type { Program } from '../../ir/program.js';

/** Nodes emitted one statement each, `start .. end − 1`. */
export interface Straight {
  readonly kind: 'straight';
  readonly start: number;
  readonly end: number;
}

/**
 * Nodes `start .. start + period·reps − 1` as `reps` repetitions of a block of `period` nodes. Node
 * `start + r·period + p` has the op of node `start + p`, its first argument is `a[start + p] + r·da[p]` and
 * its second `b[start + p] + r·db[p]` (for an n-ary node: its argument list starts at `a[start + p] + r·da[p]`
 * and `db[p]` is 0, the count being the same in every repetition).
 */
export interface Loop {
  readonly kind: 'loop';
  readonly start: number;
  readonly period: number;
  readonly reps: number;
  readonly da: Int32Array;
  readonly db: Int32Array;
}

export type Segment = Straight | Loop;

/** Longest block looked for. */
export const MAX_PERIOD = 256;
/** Fewest repetitions worth a loop. */
const MIN_REPS = 4;
/** Candidate periods tried at each node (the distances to the next nodes with the same op). */
const CANDIDATES = 8;

/**
 * Cuts the program's operation nodes into straight runs and loops, greedily from the first node: at each
 * node, the candidate period that covers the most nodes wins if it repeats at least {@link MIN_REPS} times.
 * Runs in about O(size · CANDIDATES) on irregular code and O(size) on regular code.
 */
export function planSegments(f: Program): Segment[] {
  const segments: Segment[] = [];
  let straightStart = f.opStart;
  let i = f.opStart;
  while (i < f.size) {
    const loop = bestLoop(f, i);
    if (loop === undefined) {
      i++;
      continue;
    }
    if (straightStart < i) segments.push({ kind: 'straight', start: straightStart, end: i });
    segments.push(loop);
    i += loop.period * loop.reps;
    straightStart = i;
  }
  if (straightStart < f.size) segments.push({ kind: 'straight', start: straightStart, end: f.size });
  return segments;
}

function bestLoop(f: Program, i: number): Loop | undefined {
  const { op, size } = f;
  const code = op[i] as number;
  let best: Loop | undefined;
  let tried = 0;
  for (let period = 1; period <= MAX_PERIOD && tried < CANDIDATES; period++) {
    if (i + period * MIN_REPS > size) break;
    if (op[i + period] !== code) continue;
    tried++;
    const loop = loopAt(f, i, period);
    if (loop !== undefined && (best === undefined || loop.period * loop.reps > best.period * best.reps)) {
      best = loop;
    }
  }
  return best;
}

/** The loop of block length `period` starting at node `i`, if the block repeats at least MIN_REPS times. */
function loopAt(f: Program, i: number, period: number): Loop | undefined {
  const { op, a, b, size } = f;
  const da = new Int32Array(period);
  const db = new Int32Array(period);
  // The strides, read off the first two repetitions.
  for (let p = 0; p < period; p++) {
    const n = i + p;
    const m = n + period;
    if (op[m] !== op[n]) return undefined;
    const arity = OP_ARITY[op[n] as number] as number;
    if (arity === 0 && b[m] !== b[n]) return undefined;
    da[p] = (a[m] as number) - (a[n] as number);
    db[p] = arity === 2 ? (b[m] as number) - (b[n] as number) : 0;
  }
  let reps = 2;
  for (; i + (reps + 1) * period <= size; reps++) {
    const base = i + reps * period;
    let same = true;
    for (let p = 0; p < period && same; p++) {
      const n = i + p;
      const m = base + p;
      const arity = OP_ARITY[op[n] as number] as number;
      same =
        op[m] === op[n] &&
        a[m] === (a[n] as number) + reps * (da[p] as number) &&
        (arity !== 2 || b[m] === (b[n] as number) + reps * (db[p] as number)) &&
        (arity !== 0 || b[m] === b[n]);
    }
    if (!same) break;
  }
  if (reps < MIN_REPS) return undefined;
  return { kind: 'loop', start: i, period, reps, da, db };
}

/**
 * Which nodes depend on an input (1) and which are constant (0). The adjoint sweep sends nothing to a
 * constant node: no one reads its adjoint. Inputs flagged in `passive` (by input index) count as constants.
 */
export function activity(f: Program, passive?: Uint8Array): Uint8Array {
  const active = new Uint8Array(f.size);
  const { op, a, b, args } = f;
  for (let i = f.inputStart; i < f.size; i++) {
    const code = op[i] as number;
    if (code === VAR) active[i] = passive?.[i - f.inputStart] === 1 ? 0 : 1;
    else if (code === CONST) active[i] = 0;
    else if (code === LOOP) {
      // Once per call (at its first output): every output of a call reads all its arguments.
      if (b[i] === 0) {
        let any = 0;
        f.forEachArg(i, (arg) => {
          any |= active[arg] as number;
        });
        active[i] = any;
      } else active[i] = active[i - 1] as number;
    } else {
      const arity = OP_ARITY[code] as number;
      if (arity === 0) {
        const start = a[i] as number;
        let any = 0;
        for (let k = start; k < start + (b[i] as number) && any === 0; k++)
          any = active[args[k] as number] as number;
        active[i] = any;
      } else
        active[i] =
          (active[a[i] as number] as number) | (arity === 2 ? (active[b[i] as number] as number) : 0);
    }
  }
  return active;
}

const { add: ADD, sub: SUB, neg: NEG, mul: MUL, pow: POW, sum: SUM, dot: DOT } = OP_CODE;

/** Whether node `i` is the constant 2 (x^2 is then x·x, and its partial 2x). */
export function isTwo(f: Program, i: number): boolean {
  return i < f.inputStart && f.constants[i] === 2;
}

/**
 * The nodes whose values an adjoint sweep reads (through the partials of the active nodes), and every node
 * those are computed from: all that a gradient needs from the primal sweep. Sums, differences and negations
 * have constant partials, a product reads its other factor, x² reads x, a dot product its entries' partners, and
 * every other op its arguments and its own value.
 */
export function adjointNeeds(f: Program, active: Uint8Array): Uint8Array {
  const need = new Uint8Array(f.size);
  const { op, a, b, args } = f;
  for (let i = f.size - 1; i >= f.opStart; i--) {
    const code = op[i] as number;
    const arity = OP_ARITY[code] as number;
    if (active[i] === 1) {
      if (arity === 0) {
        const st = a[i] as number;
        const n = b[i] as number;
        if (code === DOT) {
          // A half with an active entry reads the whole other half.
          const h = n >> 1;
          for (const [from, to] of [
            [st, st + h],
            [st + h, st],
          ] as const) {
            let any = false;
            for (let k = 0; k < h && !any; k++) any = active[args[from + k] as number] === 1;
            if (any) for (let k = 0; k < h; k++) need[args[to + k] as number] = 1;
          }
        } else if (code !== SUM) need[i] = 1;
      } else {
        const x = a[i] as number;
        const y = b[i] as number;
        const toX = active[x] === 1;
        const toY = arity === 2 && active[y] === 1;
        if (code === MUL) {
          if (toX) need[y] = 1;
          if (toY) need[x] = 1;
        } else if (code === POW && isTwo(f, y)) {
          if (toX) need[x] = 1;
        } else if (code !== ADD && code !== SUB && code !== NEG) {
          need[i] = 1;
          need[x] = 1;
          if (arity === 2) need[y] = 1;
        }
      }
    }
    // A needed value needs what it is computed from (its users all come later, so need[i] is final here).
    if (need[i] === 1) {
      if (arity === 0) {
        const st = a[i] as number;
        for (let k = st; k < st + (b[i] as number); k++) need[args[k] as number] = 1;
      } else {
        need[a[i] as number] = 1;
        if (arity === 2) need[b[i] as number] = 1;
      }
    }
  }
  return need;
}
