/**
 * What the memory section measures, and what `bench/checkpoint.ts` reuses: the bytes reverse mode holds for a
 * gradient against the program's depth, and a scan's checkpointing strategies as memory kept against
 * recomputation (body forward runs, counted, and time), beside Griewank's revolve bound.
 *
 * No `node:` imports: this runs in a browser.
 */
import type { Backend } from '../../../ir/differentiator.js';
import type { Program } from '../../../ir/program.js';
import { memoryOf, type ReverseMemory, type ReverseOptions, reverse } from '../../../reverse/index.js';
import { type Timing, timeTasks } from '../../harness.js';

/** A program to differentiate at a point; `u` is the cotangent when it has several outputs (a vjp). */
export interface MemoryCase {
  readonly name: string;
  readonly f: Program;
  readonly x: Float64Array;
  readonly u?: Float64Array;
}

/** One reverse-mode call's value and memory. */
function reverseCall(c: MemoryCase, options: ReverseOptions): { value: Float64Array; memory: ReverseMemory } {
  const r = c.u === undefined ? reverse.gradient(c.f, c.x, options) : reverse.vjp(c.f, c.x, c.u, options);
  return { value: r.value, memory: memoryOf(r.stats) };
}

/** A point of memory against depth. */
export interface DepthRow {
  workload: string;
  depth: number;
  /** Everything reverse mode held: the tape, the loop bodies' tapes, what loops kept (stats.bytes). */
  bytes: number;
  tapeBytes: number;
  loopTapeBytes: number;
  keptBytes: number;
}

/** The memory of one gradient (store-all, the default) at each depth. */
export function depthRow(workload: string, depth: number, c: MemoryCase, backend: Backend): DepthRow {
  const { memory: m } = reverseCall(c, { backend });
  return {
    workload,
    depth,
    bytes: m.totalBytes,
    tapeBytes: m.tapeBytes,
    loopTapeBytes: m.loopTapeBytes,
    keptBytes: m.keptBytes,
  };
}

/** A checkpointing strategy of a scan. */
export interface Strategy {
  readonly label: string;
  readonly checkpoint: 'all' | 'sqrt' | 'binomial';
  readonly snapshots?: number;
}

/** One strategy measured on one scan. */
export interface CheckpointRow {
  workload: string;
  /** Iterations of the scan and the size of its carry. */
  n: number;
  carry: number;
  strategy: string;
  checkpoint: Strategy['checkpoint'];
  snapshots: number | null;
  /** Bytes held at most at once for the scan's backward sweep: carries kept and worked on, store-all's values. */
  keptBytes: number;
  totalBytes: number;
  checkpointCarries: number;
  workingCarries: number;
  /** Runs of the body's primal sweep: the recording's n, the backward steps' and the recomputation. */
  bodyForwards: number;
  /** What theory says bodyForwards is (see {@link theoryForwards}). */
  theoryForwards: number;
  /** Median gradient time (ms). */
  ms: number;
  /** Whether the gradient equals store-all's to the last bit. */
  sameAsStoreAll: boolean;
}

/** β(s, t) = C(s + t, s). */
export function beta(s: number, t: number): number {
  if (t < 0) return 0;
  let r = 1;
  for (let k = 1; k <= s; k++) r = (r * (t + k)) / k;
  return Math.round(r);
}

/**
 * Griewank's fewest forward steps to reverse l steps holding c states at once (the first among them):
 * t·l − β(c + 1, t − 1) with β(c, t − 1) < l ≤ β(c, t) (Griewank and Walther, Algorithm 799: revolve).
 */
export function revolveForwards(c: number, l: number): number {
  if (l <= 1) return 0;
  let t = 0;
  while (beta(c, t) < l) t++;
  return t * l - beta(c + 1, t - 1);
}

/**
 * The body's forward runs theory gives for a strategy on n iterations: store-all n when it keeps the body
 * values (else 2n), sqrt 3n − ⌈n/⌈√n⌉⌉ (the recording, each segment's carries again after its first, the
 * steps), binomial 2n plus revolve's minimum with s + 1 carries.
 */
export function theoryForwards(s: Strategy, n: number, keepsValues: boolean): number {
  if (s.checkpoint === 'all') return keepsValues ? n : 2 * n;
  if (s.checkpoint === 'sqrt') return 3 * n - Math.ceil(n / Math.max(1, Math.ceil(Math.sqrt(n))));
  return 2 * n + revolveForwards(snapshotsOf(s, n) + 1, n);
}

/** A binomial strategy's snapshots (default ⌈log₂ n⌉, as reverse mode's). */
export function snapshotsOf(s: Strategy, n: number): number {
  return s.snapshots ?? Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
}

/** The strategies measured: store-all, √n, binomial with the default and the given snapshot counts. */
export function strategies(snapshots: readonly number[]): Strategy[] {
  return [
    { label: 'store all', checkpoint: 'all' },
    { label: '√n', checkpoint: 'sqrt' },
    { label: 'binomial, ⌈log₂ n⌉ snapshots', checkpoint: 'binomial' },
    ...snapshots.map((s) => ({
      label: `binomial, ${s} snapshot${s === 1 ? '' : 's'}`,
      checkpoint: 'binomial' as const,
      snapshots: s,
    })),
  ];
}

/** The scan's iterations and carry: the program's first loop call's. */
export function scanShapeOf(f: Program): { n: number; carry: number } {
  const call = f.calls[0];
  if (call === undefined || call.loop.kind !== 'scan')
    throw new Error('difflab: a checkpointing case needs a scan');
  return { n: call.loop.n, carry: call.loop.carry };
}

/**
 * Each strategy on a scan: the memory and forward runs of one gradient (counted), and whether its gradient
 * equals store-all's to the bit (store-all runs first); then the median time of each, timed in rounds that run
 * every strategy once (so that the JIT's warming and the machine's load fall on all alike), at least 3 rounds
 * and `minMs` per strategy.
 */
export async function measureCheckpointing(
  c: MemoryCase,
  list: readonly Strategy[],
  options: { backend: Backend; minMs: number; signal?: AbortSignal },
): Promise<CheckpointRow[]> {
  const { n, carry } = scanShapeOf(c.f);
  const calls = list.map(
    (s): ReverseOptions => ({
      backend: options.backend,
      checkpoint: s.checkpoint,
      ...(s.snapshots === undefined ? {} : { snapshots: s.snapshots }),
    }),
  );
  const firsts = calls.map((o) => reverseCall(c, o));
  const reference = (firsts[0] as (typeof firsts)[number]).value;
  const tasks = Object.fromEntries(calls.map((o, k) => [String(k), () => reverseCall(c, o)]));
  const times = await timeTasks(tasks, { samples: 3, timeMs: options.minMs, signal: options.signal });
  return list.map((s, k) => {
    const first = firsts[k] as (typeof firsts)[number];
    const m = first.memory;
    return {
      workload: c.name,
      n,
      carry,
      strategy: s.label,
      checkpoint: s.checkpoint,
      snapshots: s.checkpoint === 'binomial' ? snapshotsOf(s, n) : null,
      keptBytes: m.keptBytes,
      totalBytes: m.totalBytes,
      checkpointCarries: m.checkpointCarries,
      workingCarries: m.workingCarries,
      bodyForwards: m.bodyForwards,
      theoryForwards: theoryForwards(s, n, m.bodyValueBytes > 0),
      ms: (times[String(k)] as Timing).p50,
      sameAsStoreAll: first.value.every((g, i) => Object.is(g, reference[i])),
    };
  });
}

/** A point of revolve's curve: s + 1 carries kept and one worked on, against the body's forward runs ÷ n. */
export interface RevolvePoint {
  workload: string;
  snapshots: number;
  keptBytes: number;
  forwardsPerIteration: number;
}

/** Revolve's memory/recomputation curve for a scan of n iterations with a carry of `carry` numbers. */
export function revolveCurve(
  workload: string,
  n: number,
  carry: number,
  snapshots: readonly number[],
): RevolvePoint[] {
  return snapshots
    .filter((s) => s + 1 < n)
    .map((s) => ({
      workload,
      snapshots: s,
      keptBytes: 8 * carry * (s + 2),
      forwardsPerIteration: (2 * n + revolveForwards(s + 1, n)) / n,
    }));
}
