/**
 * Calls per timing sample: a call much shorter than the timer's resolution and cost is repeated within one
 * sample, so that the sample lasts at least `minSampleMs`. Shared by the performance report and the peer
 * benchmark.
 */

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

/** The value the last call timed here returned (read, so the results stay observable). */
export function lastCallResult(): unknown {
  return sink;
}
