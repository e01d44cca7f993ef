/**
 * The eval benchmark's rows: one per worker process (`worker.ts` prints it), and their combination over the
 * processes that ran the same workload on the same backend.
 */

export type Sizes = Record<string, number>;

/** What one worker process measured. */
export interface Row {
  eval: string;
  sizes: Sizes;
  backend: string;
  primal: string | undefined;
  derivatives: string[];
  buildMs: number;
  times: Record<string, number>;
  cpuTimes: Record<string, number>;
  peakBytes: number;
}

/** A workload and backend over its processes, with each derivative's fastest and slowest process's time. */
export type CombinedRow = Row & { spread: Record<string, [number, number]> };

/**
 * One row per workload and backend: each function's median time and CPU time over the processes, the median
 * build time, the largest peak memory, and (`spread`) each derivative's fastest and slowest process.
 */
export function combined(all: readonly Row[]): CombinedRow[] {
  const groups = new Map<string, Row[]>();
  for (const r of all) {
    const key = `${r.eval} ${JSON.stringify(r.sizes)} ${r.backend}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as Row;
    const per = (pick: (r: Row) => Record<string, number>) =>
      Object.fromEntries(
        Object.keys(pick(first)).map((fn) => [fn, med(g.map((r) => pick(r)[fn] ?? Number.NaN))]),
      );
    const spread = Object.fromEntries(
      first.derivatives.map((fn) => {
        const ts = g.map((r) => r.times[fn] ?? Number.NaN);
        return [fn, [Math.min(...ts), Math.max(...ts)] as [number, number]];
      }),
    );
    return {
      ...first,
      buildMs: med(g.map((r) => r.buildMs)),
      times: per((r) => r.times),
      cpuTimes: per((r) => r.cpuTimes),
      peakBytes: Math.max(...g.map((r) => r.peakBytes)),
      spread,
    };
  });
}

/** The median (the mean of the middle two for an even count). */
export function med(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
