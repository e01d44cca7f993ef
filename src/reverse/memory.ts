/**
 * The memory reverse mode holds for one gradient (or vjp, or Jacobian) call, counted from the arrays it uses:
 * the program's tape, each loop body's tape, and what loops keep for their backward sweeps (src/sweeps/interpret/adjoint-loop.ts counts
 * those as it allocates and drops them). Every figure lands in the call's `stats.details`, their sum in
 * `stats.bytes`; {@link memoryOf} reads them back typed.
 */
import type { Program, Stats } from '../ir/index.js';
import type { Tape } from '../sweeps/index.js';
import { loopUsage } from '../sweeps/index.js';

export interface ReverseMemory {
  /** The program's tape: one value and one adjoint per node (16 bytes a node). */
  tapeBytes: number;
  /** A Jacobian's stored partials (src/sweeps/interpret/stored.ts): 8 bytes an edge; 0 when its sweeps recompute them. */
  partialBytes: number;
  /** The tapes of the loop bodies, nested ones included: 16 bytes a body node, once per body whatever n. */
  loopTapeBytes: number;
  /**
   * The most bytes held at once for the loops' backward sweeps: checkpointed carries, the carries the backward
   * sweep works on, store-all's body values, a one-output map's gradient.
   */
  keptBytes: number;
  /** Store-all's every-iteration body values (part of `keptBytes`): n × body nodes × 8 bytes. */
  bodyValueBytes: number;
  /** The most carries held at once as checkpoints (n for store-all, ⌈n/⌈√n⌉⌉ for sqrt, ≤ snapshots + 1). */
  checkpointCarries: number;
  /** The most carries held at once to work on (⌈√n⌉ for sqrt's segment, 1 for binomial, 0 for store-all). */
  workingCarries: number;
  /** Runs of a loop body's primal sweep, the recording's and every recomputation. */
  bodyForwards: number;
  /** Runs of a loop body's backward sweep. */
  bodyBackwards: number;
  /** tapeBytes + partialBytes + loopTapeBytes + keptBytes: what `stats.bytes` reports. */
  totalBytes: number;
}

/**
 * The memory of the sweeps just run on `f` with `tape` and `partialBytes` of stored partials (loop figures since
 * the last resetLoopUsage).
 */
export function reverseMemory(f: Program, tape: Tape, partialBytes = 0): ReverseMemory {
  const tapeBytes = tape.values.byteLength + tape.adjoints.byteLength;
  if (f.calls.length === 0) {
    return {
      tapeBytes,
      partialBytes,
      loopTapeBytes: 0,
      keptBytes: 0,
      bodyValueBytes: 0,
      checkpointCarries: 0,
      workingCarries: 0,
      bodyForwards: 0,
      bodyBackwards: 0,
      totalBytes: tapeBytes + partialBytes,
    };
  }
  const used = loopUsage();
  const loopTapeBytes = loopTapes(f);
  return {
    tapeBytes,
    partialBytes,
    loopTapeBytes,
    keptBytes: used.residualBytes,
    bodyValueBytes: used.bodyValueBytes,
    checkpointCarries: used.checkpointCarries,
    workingCarries: used.workingCarries,
    bodyForwards: used.bodyPrimals,
    bodyBackwards: used.bodyBackwards,
    totalBytes: tapeBytes + partialBytes + loopTapeBytes + used.residualBytes,
  };
}

const FIELDS = [
  'tapeBytes',
  'partialBytes',
  'loopTapeBytes',
  'keptBytes',
  'bodyValueBytes',
  'checkpointCarries',
  'workingCarries',
  'bodyForwards',
  'bodyBackwards',
  'totalBytes',
] as const satisfies readonly (keyof ReverseMemory)[];

/** Writes the memory figures into stats: each into `details`, the total into `bytes`. */
export function putMemory(stats: Stats, m: ReverseMemory): void {
  for (const k of FIELDS) stats.details[k] = m[k];
  stats.bytes = m.totalBytes;
}

/**
 * The memory figures of a reverse-mode call's stats: `memoryOf(methods.reverse.gradient(f, x).stats)`.
 * Throws when the stats are not reverse mode's.
 */
export function memoryOf(stats: Stats): ReverseMemory {
  const m = {} as ReverseMemory;
  for (const k of FIELDS) {
    const v = stats.details[k];
    if (typeof v !== 'number') throw new TypeError(`memoryOf: these stats have no ${k} (not reverse mode's)`);
    m[k] = v;
  }
  return m;
}

/** Bytes of the tapes of every loop body in `f`, nested ones included (each body has one tape). */
function loopTapes(f: Program): number {
  let bytes = 0;
  const stack = [...f.calls];
  while (stack.length > 0) {
    const body = (stack.pop() as (typeof f.calls)[number]).loop.body;
    bytes += 2 * body.size * 8;
    stack.push(...body.calls);
  }
  return bytes;
}
