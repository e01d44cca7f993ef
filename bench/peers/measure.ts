/**
 * Checking and timing one contender: the relative error of its answer against the reference, and samples of
 * the time of one call with tinybench (calls far below the timer's resolution are batched; slow calls are timed
 * directly a few times instead).
 */
import { Bench } from 'tinybench';
import { callsFor, callsPerSample, median as harnessMedian } from '../../src/report/harness.js';

/**
 * ‖got − want‖∞ / ‖want‖∞ (or |got − want| / |want| for numbers), with the denominator kept off zero; a
 * length mismatch or a NaN gives Infinity.
 */
export function relativeError(got: number | ArrayLike<number>, want: number | ArrayLike<number>): number {
  const g = typeof got === 'number' ? [got] : got;
  const w = typeof want === 'number' ? [want] : want;
  if (g.length !== w.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < w.length; i++) {
    const d = Math.abs((g[i] as number) - (w[i] as number));
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(w[i] as number));
  }
  return diff / Math.max(scale, Number.MIN_VALUE);
}

/**
 * The arithmetic a contender computes in, which sets how far from the reference it may be and still be timed.
 * `float64-approx`: float64 arrays, but exp and log evaluated by float32 polynomial approximations (jax-js's
 * WebAssembly kernels do this).
 */
export type Precision = 'float64' | 'float64-approx' | 'float32';

/**
 * The largest relative error a contender may show and still be timed, by precision. A wrong derivative rule is
 * off by order 1; these bounds sit far below that and above what rounding can do:
 * - float64: sums of up to a few million terms in an order of the contender's own, n·ε ≈ 2e-10 at n = 10⁶;
 * - float64-approx: exp and log with relative error ≈ 4e-7 (measured on jax-js's kernels), which reaches a
 *   gradient through σ(z) − y a few times amplified;
 * - float32: inputs and data rounded to 24 bits (ε₃₂ = 1.2e-7) and K-term sums in float32: a K·ε₃₂ bound at
 *   K = 10⁴, and many standard deviations of the √K·ε₃₂ random-walk error at K = 10⁵.
 */
export const TOLERANCE: { readonly [P in Precision]: number } = {
  float64: 1e-9,
  'float64-approx': 1e-5,
  float32: 1e-3,
};

export interface TimingOptions {
  /**
   * tinybench's time per contender and size, ms, split over `rounds` rounds that visit every contender in
   * turn (so a change in the machine's load during a run weighs on all contenders alike, not on one).
   */
  timeMs: number;
  rounds: number;
  /** tinybench's warm-up time per round, ms. */
  warmupMs: number;
  /** Fewest samples per round. */
  minSamples: number;
  /** Calls slower than this (ms) are timed directly, up to `slowSamples` times, without tinybench. */
  slowMs: number;
  /**
   * Samples of a slow call, besides the first (which is not counted: it may hold one-off compilation), as
   * long as they fit in `slowTotalMs` together; a first call longer than that is the only sample.
   */
  slowSamples: number;
  slowTotalMs: number;
  /** A call is batched until one sample lasts this long (ms), so the timer's resolution does not count. */
  minSampleMs: number;
}

export const DEFAULT_TIMING: TimingOptions = {
  timeMs: 300,
  rounds: 3,
  warmupMs: 20,
  minSamples: 3,
  slowMs: 250,
  slowSamples: 3,
  slowTotalMs: 3_000,
  minSampleMs: 0.2,
};

/** Keeps results alive so no engine can drop a call whose value is unused. */
let sink: unknown;

/** The value the last timed call returned. */
export function lastResult(): unknown {
  return sink;
}

/** The median of a non-empty list (NaN for an empty one). */
export function median(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : harnessMedian(xs);
}

/** Calls per sample for a call of `perCallMs`, so that one sample lasts at least `minSampleMs`. */
export function batchOf(perCallMs: number, o: TimingOptions): number {
  return callsPerSample(perCallMs, o.minSampleMs);
}

/**
 * A first guess of the batch for a fast call (see callsFor). Each round re-estimates it from the previous
 * round's median.
 */
export function batchFor(run: () => unknown, o: TimingOptions): number {
  return callsFor(run, o.minSampleMs);
}

/** tinybench for one round, with the options of {@link sampleRound}. */
function roundBench(o: TimingOptions): Bench {
  return new Bench({
    time: o.timeMs / o.rounds,
    iterations: o.minSamples,
    warmupTime: o.warmupMs,
    warmupIterations: 1,
    retainSamples: true,
    throws: true,
  });
}

/** Runs a round's tinybench with its one task, `call`, and returns the samples (ms). */
async function roundSamples(bench: Bench): Promise<number[]> {
  await bench.run();
  const result = bench.getTask('call')?.result;
  if (result?.state !== 'completed' || result.latency.samples === undefined) {
    throw new Error(`tinybench did not complete (${result?.state ?? 'no task'})`);
  }
  return Array.from(result.latency.samples);
}

/** One round of tinybench on a fast call: the per-call times (ms) of its samples, `batch` calls each. */
export async function sampleRound(run: () => unknown, batch: number, o: TimingOptions): Promise<number[]> {
  const bench = roundBench(o);
  bench.add('call', () => {
    const start = bench.now();
    for (let i = 0; i < batch; i++) sink = run();
    const d = bench.now() - start;
    return { overriddenDuration: d / batch, overriddenIterationCost: d };
  });
  return roundSamples(bench);
}

/**
 * A slow call (the first took `firstMs` ≥ `slowMs`) timed directly: up to `slowSamples` more calls within
 * `slowTotalMs`, or the first call alone when it took longer than that. Returns the samples (ms).
 */
export function sampleSlow(run: () => unknown, firstMs: number, o: TimingOptions): number[] {
  if (firstMs >= o.slowTotalMs) return [firstMs];
  const samples: number[] = [];
  let total = 0;
  while (samples.length < o.slowSamples && total + (samples.at(-1) ?? firstMs) <= o.slowTotalMs) {
    const t0 = performance.now();
    sink = run();
    const t = performance.now() - t0;
    samples.push(t);
    total += t;
  }
  return samples;
}

/**
 * `n` calls of a contender in another process, back to back, timed by the peer's own clock: their total ms.
 * The functions below time such a contender the way {@link batchFor}, {@link sampleRound} and
 * {@link sampleSlow} time a call in this process, with one request (one round trip) per batch; the round trip
 * is outside the peer's measurement.
 */
export type TimedCalls = (n: number) => Promise<number>;

/**
 * {@link batchFor} for a peer that times itself: four windows, each growing its batch until one request lasts
 * `2 · minSampleMs` (or holds 100,000 calls), and the batch taken from the fastest window's time per call.
 */
export async function batchForTimed(timed: TimedCalls, o: TimingOptions): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  let n = 1;
  for (let window = 0; window < 4; window++) {
    let ms = await timed(n);
    while (ms < 2 * o.minSampleMs && n < 100_000) {
      const wanted = ms > 0 ? Math.ceil((n * 2.5 * o.minSampleMs) / ms) : 10 * n;
      n = Math.min(100_000, Math.max(2 * n, wanted));
      ms = await timed(n);
    }
    best = Math.min(best, ms / n);
  }
  return batchOf(best, o);
}

/** {@link sampleRound} for a peer that times itself: each sample is one request of `batch` calls. */
export async function sampleRoundTimed(
  timed: TimedCalls,
  batch: number,
  o: TimingOptions,
): Promise<number[]> {
  const bench = roundBench(o);
  bench.add('call', async () => {
    const d = await timed(batch);
    return { overriddenDuration: d / batch, overriddenIterationCost: d };
  });
  return roundSamples(bench);
}

/** {@link sampleSlow} for a peer that times itself: one request of one call per sample. */
export async function sampleSlowTimed(
  timed: TimedCalls,
  firstMs: number,
  o: TimingOptions,
): Promise<number[]> {
  if (firstMs >= o.slowTotalMs) return [firstMs];
  const samples: number[] = [];
  let total = 0;
  while (samples.length < o.slowSamples && total + (samples.at(-1) ?? firstMs) <= o.slowTotalMs) {
    const t = await timed(1);
    samples.push(t);
    total += t;
  }
  return samples;
}
