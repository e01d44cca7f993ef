/**
 * The measuring harness the report sections share: yielding to the event loop between measurements (so that
 * Ctrl-C stops a run), calls per timing sample (a call much shorter than the timer's resolution is repeated
 * within one sample), and running the sections one after another with their progress, elapsed time and
 * skips, and the median of timing samples. Shared by the sections and the peer benchmark.
 */

import type { ReportSection, SectionOptions } from './section.js';

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
export function callsFor(run: () => unknown, minSampleMs: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let window = 0; window < 4; window++) {
    let calls = 0;
    const t0 = performance.now();
    let elapsed = 0;
    while (elapsed < 2 * minSampleMs && calls < 100_000) {
      sink = run();
      calls++;
      elapsed = performance.now() - t0;
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
    const t0 = performance.now();
    const result = await section.run(options);
    if (result !== undefined) results[section.name] = result;
    hooks.onEnd?.(section, performance.now() - t0, result !== undefined);
  }
  return { results, interrupted: options.signal?.aborted === true };
}
