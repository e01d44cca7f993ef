/**
 * The measuring harness the report sections share, so that every section times, stops and reports alike:
 * - a timed measurement: {@link timed} for one call, {@link timeTasks} / {@link timeCall} for tinybench's
 *   statistics of samples (calls per sample for calls shorter than the timer's resolution, an optional time
 *   box, tasks interleaved in rounds so that the machine's load weighs on all alike);
 * - the size-growing loop: {@link growSizes} measures at each size in turn and stops once the time spent passes
 *   the budget ({@link Budget}) or the signal aborts, keeping what was measured;
 * - progress: {@link Progress} counts steps done out of a total that shrinks when sizes are dropped;
 * - running the sections one after another ({@link runSections}).
 * Every piece reads time through a {@link Clock} (default `performance.now`; tinybench's `now`), so tests can
 * pass a fake one. Shared by the sections and the peer benchmark. No `node:` imports: this runs in a browser.
 */

import type { Statistics, Bench as TinyBench } from 'tinybench';
import type { ReportSection, SectionOptions } from './section.js';

/** Milliseconds from some fixed origin. */
export type Clock = () => number;

const wallClock: Clock = () => performance.now();

/** Keeps results alive, so that no engine can drop a call whose value is unused. */
let sink: unknown;

/** Calls per sample for a call of `perCallMs`, so that one sample lasts at least `minSampleMs` (at most 100,000). */
export function callsPerSample(perCallMs: number, minSampleMs: number): number {
  if (!(perCallMs > 0)) return 100_000;
  return Math.max(1, Math.min(100_000, Math.ceil(minSampleMs / perCallMs)));
}

/**
 * Calls per sample for `run`, estimated from the fastest of four windows of calls, each about two samples long
 * (the engine optimises the call meanwhile).
 */
export function callsFor(run: () => unknown, minSampleMs: number, clock: Clock = wallClock): number {
  let best = Number.POSITIVE_INFINITY;
  for (let window = 0; window < 4; window++) {
    let calls = 0;
    const t0 = clock();
    let elapsed = 0;
    while (elapsed < 2 * minSampleMs && calls < 100_000) {
      sink = run();
      calls++;
      elapsed = clock() - t0;
    }
    best = Math.min(best, elapsed / calls);
  }
  return callsPerSample(best, minSampleMs);
}

/** The median of a non-empty list (of two middle values, their mean). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The value the last call timed here returned (read, so the results stay observable). */
export function lastCallResult(): unknown {
  return sink;
}

/** Yields to the event loop (so Ctrl-C and other tasks get a turn), then throws if the signal was aborted. */
export async function breathe(signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  signal?.throwIfAborted();
}

/** Whether `e` is the signal's own abort (a stop to keep what was measured), not a failure. */
export function isAbort(e: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && e === signal.reason;
}

/** One call of `fn` and its time in milliseconds (a build, a first call whose counts are recorded). */
export function timed<T>(fn: () => T, clock: Clock = wallClock): { value: T; ms: number } {
  const t0 = clock();
  const value = fn();
  return { value, ms: clock() - t0 };
}

/** A stopwatch started now: each call returns the milliseconds since (a time spent over several steps). */
export function stopwatch(clock: Clock = wallClock): () => number {
  const t0 = clock();
  return () => clock() - t0;
}

/** How {@link timeTasks} samples. */
export interface TimingOptions {
  /** Samples per task at least (default 5). */
  samples?: number;
  /**
   * A time box per task, in ms: each task's tinybench runs go on until they have lasted this long in all (and
   * taken `samples` samples). Default 0: `samples` samples (rounded up to a whole number per round).
   */
  timeMs?: number;
  /**
   * The shortest sample, in ms: a call faster than this is repeated within one sample, so the timer's
   * resolution and cost do not count ({@link callsFor}). Default 0: one call per sample.
   */
  minSampleMs?: number;
  /**
   * The time of one call of each task already made (a probe whose counts were recorded): it stands for the
   * warm-up call, which is otherwise made, and timed, before sampling.
   */
  firstMs?: number;
  /** Stops sampling: the signal's reason is thrown (checked between samples, yielding every few ms). */
  signal?: AbortSignal;
  clock?: Clock;
}

/** A task's per-call times, in ms, over its samples: tinybench's latency statistics. */
export interface Timing {
  mean: number;
  /** The median. */
  p50: number;
  p99: number;
  /** The relative margin of error of the mean at 95 % (Student's t), in percent; NaN with one sample. */
  rme: number;
  samples: number;
  /** Calls per sample. */
  calls: number;
}

/** The shortest sample the sections time, ms: 50 µs, far above `performance.now()`'s resolution and cost. */
export const MIN_SAMPLE_MS = 0.05;

/** Yield to the event loop at least this often while sampling, ms (so that Ctrl-C is heard). */
const YIELD_EVERY_MS = 25;

/** The rounds that several tasks are timed in: in each, every task gets a short tinybench run. */
const ROUNDS = 3;

/** A task ready for tinybench: warmed up, repeated `calls` times per sample. */
interface Batched {
  run: () => void;
  calls: number;
}

/**
 * Warms `fn` up with one timed call (unless `firstMs` stands for it) and batches it when that call is shorter
 * than `minSampleMs`. The batch returns nothing: tinybench would read an object returned with an
 * `overriddenDuration` as the sample's duration.
 */
function batched(fn: () => unknown, options: TimingOptions, clock: Clock): Batched {
  const first = options.firstMs ?? timed(() => (sink = fn()), clock).ms;
  const minSample = options.minSampleMs ?? 0;
  const calls = first >= minSample ? 1 : callsFor(fn, minSample, clock);
  const run = (): void => {
    for (let k = 1; k < calls; k++) fn();
    sink = fn();
  };
  return { run, calls };
}

/**
 * tinybench's latency statistics of per-call samples taken over several runs. tinybench computes statistics
 * over one run's samples, so the samples of all rounds are handed to it as one run, of a task that reports
 * each sample as its (overridden) duration.
 */
function statisticsOf(Bench: typeof TinyBench, samples: readonly number[]): Statistics {
  let i = 0;
  const bench = new Bench({ iterations: samples.length, time: 0, warmup: false, throws: true });
  bench.add('samples', () => ({ overriddenDuration: samples[i++] }), { async: false });
  const result = bench.runSync()[0]?.result;
  if (result?.state !== 'completed') throw new Error(`timing statistics: tinybench's run ${result?.state}`);
  return result.latency;
}

/** A task's {@link Timing} from tinybench's statistics of its per-call samples. */
function timingOf(l: Statistics, calls: number): Timing {
  // tinybench gives one sample a margin of 0; it is unknown there.
  const rme = l.samplesCount > 1 ? l.rme : Number.NaN;
  return { mean: l.mean, p50: l.p50, p99: l.p99, rme, samples: l.samplesCount, calls };
}

/**
 * An `afterEach` hook that yields to the event loop every {@link YIELD_EVERY_MS} (outside the timed call), so
 * that Ctrl-C is heard and aborts the run between samples.
 */
function yielder(clock: Clock): () => Promise<void> {
  let yielded = clock();
  return async () => {
    if (clock() - yielded < YIELD_EVERY_MS) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    yielded = clock();
  };
}

/**
 * Times each task with tinybench: a warm-up call (unless `firstMs` stands for it), calls per sample where a
 * call is shorter than `minSampleMs` (tinybench times the batch; each sample is divided by the batch's size,
 * which is exact), then tinybench runs on the clock. Several tasks are timed in {@link ROUNDS} rounds, each
 * task getting a short run per round (`samples` and `timeMs` split over the rounds) in an order that
 * alternates, so that a change in the machine's load weighs on all alike. A task's {@link Timing} is
 * tinybench's statistics over the samples of all its rounds. Returns per task its per-call times.
 *
 * @example
 * const t = await timeTasks({ f: () => evaluate(f, x), gradient: () => gradient(f, x) }, { timeMs: 50 });
 * t.gradient.p50 / t.f.p50; // the gradient's cost in evaluations of f
 */
export async function timeTasks<K extends string>(
  tasks: Readonly<Record<K, () => unknown>>,
  options: TimingOptions = {},
): Promise<Record<K, Timing>> {
  const clock = options.clock ?? wallClock;
  const names = Object.keys(tasks) as K[];
  const runs = new Map(names.map((name) => [name, batched(tasks[name], options, clock)]));
  const rounds = names.length > 1 ? ROUNDS : 1;
  // Loaded here, when something is timed: importing the library times nothing.
  const { Bench } = await import('tinybench');
  // tinybench leaves its listeners on the signal it is given: it gets one of its own, following the caller's.
  const own = new AbortController();
  const follow = (): void => own.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', follow, { once: true });
  try {
    options.signal?.throwIfAborted();
    const bench = new Bench({
      now: clock,
      iterations: Math.ceil(Math.max(1, options.samples ?? 5) / rounds),
      time: (options.timeMs ?? 0) / rounds,
      warmup: false,
      retainSamples: true,
      throws: true,
      signal: own.signal,
    });
    const afterEach = yielder(clock);
    for (const [name, r] of runs) bench.add(name, r.run, { async: false, afterEach });
    const perCall = new Map(names.map((name) => [name, [] as number[]]));
    for (let round = 0; round < rounds; round++) {
      if (round > 0) await breathe(options.signal);
      const order = round % 2 === 0 ? bench.tasks : [...bench.tasks].reverse();
      for (const task of order) {
        task.reset(false);
        await task.run();
        options.signal?.throwIfAborted();
        const result = task.result;
        if (result.state !== 'completed')
          throw new Error(`timing ${task.name}: tinybench's run ${result.state}`);
        const calls = runs.get(task.name as K)?.calls ?? 1;
        const list = perCall.get(task.name as K) ?? [];
        for (const ms of result.latency.samples ?? []) list.push(ms / calls);
      }
    }
    return Object.fromEntries(
      names.map((name) => [
        name,
        timingOf(statisticsOf(Bench, perCall.get(name) ?? []), runs.get(name)?.calls ?? 1),
      ]),
    ) as Record<K, Timing>;
  } finally {
    options.signal?.removeEventListener('abort', follow);
  }
}

/** {@link timeTasks} for one task. */
export async function timeCall(fn: () => unknown, options: TimingOptions = {}): Promise<Timing> {
  return (await timeTasks({ call: fn }, options)).call;
}

/**
 * The time spent measuring one workload's sizes (in scaling, one method's), against a limit: `--budget`. Past
 * it, the larger sizes are not measured.
 */
export class Budget {
  spentMs = 0;
  /** `limitMs` undefined: no limit. */
  constructor(readonly limitMs: number | undefined) {}

  /** Adds `ms` spent; returns whether the budget is now passed. */
  spend(ms: number): boolean {
    this.spentMs += ms;
    return this.passed;
  }

  get passed(): boolean {
    return this.limitMs !== undefined && this.spentMs > this.limitMs;
  }
}

/** Where {@link growSizes} stopped, and what it measured. */
export interface Grown<S> {
  /** The sizes measured, in order (the one the signal interrupted is not among them). */
  measured: S[];
  /** The budget stopped the loop after this size, with the time spent until then; larger sizes were dropped. */
  budgetStop?: { size: S; spentMs: number; dropped: number };
  /** The signal stopped the loop. */
  aborted: boolean;
}

/**
 * Measures at each size in turn, smallest first: `step(size, index)` measures and records one size. The loop
 * stops once the time spent in the steps adds up to more than `budgetMs` (the sizes left are dropped, the last
 * one measured past the budget is kept), when a step returns `false` (nothing left to grow), or when the
 * signal aborts (before a size, or inside a step that throws the signal's reason): what was measured stays.
 */
export async function growSizes<S>(
  sizes: readonly S[],
  step: (size: S, index: number) => unknown,
  options: { budgetMs?: number; signal?: AbortSignal; clock?: Clock } = {},
): Promise<Grown<S>> {
  const clock = options.clock ?? wallClock;
  const budget = new Budget(options.budgetMs);
  const grown: Grown<S> = { measured: [], aborted: false };
  for (const [index, size] of sizes.entries()) {
    let t0 = 0;
    try {
      await breathe(options.signal);
      t0 = clock();
      if ((await step(size, index)) === false) break;
    } catch (e) {
      if (!isAbort(e, options.signal)) throw e;
      grown.aborted = true;
      break;
    }
    grown.measured.push(size);
    const dropped = sizes.length - 1 - index;
    if (budget.spend(clock() - t0) && dropped > 0) {
      grown.budgetStop = { size, spentMs: budget.spentMs, dropped };
      break;
    }
  }
  return grown;
}

/** Progress through a section's steps, told as (done, total, label) after each step. */
export class Progress {
  done = 0;
  private label = '';
  constructor(
    public total: number,
    private readonly onProgress: SectionOptions['onProgress'],
  ) {}

  /** `count` steps done (default 1), the last of them `label`. */
  step(label: string, count = 1): void {
    this.done += count;
    this.label = label;
    this.onProgress?.(this.done, this.total, label);
  }

  /**
   * `count` steps that will not be taken (sizes past the budget, a method stopped): the total shrinks, and the
   * next step tells it. A drop that leaves no step to come tells it at once (with the last step's label), so
   * that the progress ends at its total.
   */
  drop(count: number): void {
    this.total -= count;
    if (count > 0 && this.done > 0 && this.done === this.total)
      this.onProgress?.(this.done, this.total, this.label);
  }
}

/** What the harness tells about a run of sections, as it goes. */
export interface SectionHooks {
  /** A section starts: its index in the run and the number of sections. */
  onStart?: (section: ReportSection, index: number, count: number) => void;
  /** A section ended after `ms`; `measured` is false when it had nothing to measure (it said why by onSkip). */
  onEnd?: (section: ReportSection, ms: number, measured: boolean) => void;
}

/**
 * Runs the sections one after another with the same options, stopping at the signal (a section stopped midway
 * keeps what it measured). Returns each section's result by its name, and whether the run was interrupted.
 */
export async function runSections(
  sections: readonly ReportSection[],
  options: SectionOptions,
  hooks: SectionHooks = {},
): Promise<{ results: Record<string, unknown>; interrupted: boolean }> {
  const results: Record<string, unknown> = {};
  for (const [i, section] of sections.entries()) {
    if (options.signal?.aborted) break;
    hooks.onStart?.(section, i, sections.length);
    const elapsed = stopwatch();
    const result = await section.run(options);
    if (result !== undefined) results[section.name] = result;
    hooks.onEnd?.(section, elapsed(), result !== undefined);
  }
  return { results, interrupted: options.signal?.aborted === true };
}
