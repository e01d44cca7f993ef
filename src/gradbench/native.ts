/**
 * GradBench's C++ reference tool (its "manual" tool: hand-written derivatives, one binary per eval) run beside
 * difflab on the same inputs and the same run counts. A binary is driven as GradBench drives it: the input is
 * written to a file, `<dir>/<module> <file> <function>` prints the output on its first line and then one
 * `{"name":"evaluate","nanoseconds":N}` line per call, repeating until it has made `min_runs` calls and spent
 * `min_seconds` in them. difflab runs the same function by reverse mode the same way, in this process, with the
 * first call (which generates code on the compiled backend) untimed. The two outputs are compared by GradBench's
 * rule with the C++ output as the golden one. This file holds what runs anywhere; driving the binaries is in
 * `report/sections/native/binaries`.
 */
import type { Backend } from '../ir/differentiator.js';
import type { GradbenchEval } from '../workloads/gradbench/index.js';
import { compareOutputs, GRADBENCH_TOLERANCE, helloClose, metric, type Verdict } from './check.js';
import { derivativeEngine } from './engine.js';

/** The environment variable that names the folder of the C++ reference's binaries. */
export const NATIVE_ENV = 'DIFFLAB_GRADBENCH_NATIVE';

/** The outputs longer than this (characters) are timed but not compared: a string this long is near V8's limit. */
export const MAX_COMPARED_CHARS = 2 ** 28;

/** One side's timing of one function: the median of its `evaluate` times, or why there is none. */
export interface SideTiming {
  medianNs?: number;
  runs: number;
  error?: string;
}

/**
 * difflab's side of one function on one backend: its timing, and how its output compares with the C++ one.
 * `cpuNs` and `waitNs` (where the thread's clock is known, see {@link ThreadTimes}): per timed call, the mean
 * CPU time of difflab's thread and the mean time it was ready to run but waited for a CPU that another process
 * held. The median is wall-clock time, as GradBench's; on a loaded machine it grows by about the wait while the
 * CPU time stays.
 */
export type DifflabTiming = SideTiming & {
  agree?: boolean;
  worst?: number;
  note?: string;
  cpuNs?: number;
  waitNs?: number;
};

/** A thread's CPU time so far and its time spent ready but waiting for a CPU, in ns. */
export interface ThreadTimes {
  runNs: number;
  waitNs: number;
}

/** One function of one workload, by the C++ reference and by difflab on each backend. */
export interface NativeMeasurement {
  eval: string;
  sizes: Record<string, number>;
  function: string;
  role: 'primal' | 'derivative';
  native: SideTiming;
  difflab: Partial<Record<Backend, DifflabTiming>>;
}

/**
 * Whether difflab's output agrees with the C++ reference's by GradBench's rule, the C++ output taken as the
 * golden one: hello by closeness, every other eval by the walk and metric of GradBench's checker at 1e−4.
 */
export function agreesWithNative(module: string, native: unknown, ours: unknown): Verdict {
  if (module !== 'hello') return compareOutputs(native, ours, GRADBENCH_TOLERANCE);
  if (typeof native !== 'number' || typeof ours !== 'number') {
    return { pass: false, worst: Number.POSITIVE_INFINITY, mismatches: ['output: a number was expected'] };
  }
  const pass = helloClose(native, ours);
  return { pass, worst: metric(native, ours), mismatches: pass ? [] : [`output: ${ours} vs ${native}`] };
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Parses what a binary printed after its output line: one JSON object per line, `evaluate` ones timed
 * (`prepare` and any other names are not). A line that is not JSON is an error.
 */
export function parseTimings(lines: readonly string[]): { timesNs: number[]; error?: string } {
  const timesNs: number[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    let t: unknown;
    try {
      t = JSON.parse(line);
    } catch {
      return { timesNs, error: `unparsable timing line: ${line.slice(0, 200)}` };
    }
    const o = t as { name?: unknown; nanoseconds?: unknown };
    if (o.name === 'evaluate' && typeof o.nanoseconds === 'number') timesNs.push(o.nanoseconds);
  }
  return { timesNs };
}

/** How many calls each side makes: at least `minRuns` calls and `minSeconds` in them, as GradBench counts. */
export interface RunCounts {
  minRuns: number;
  minSeconds: number;
}

/**
 * Times function `fn` of a prepared workload by difflab's reverse mode on `backend`: one untimed call (it
 * generates the compiled code and warms the engine), then calls until `minRuns` calls and `minSeconds` are
 * done. The last output is compared with `golden`, the C++ output, when there is one (else `unchecked` says why).
 * With `clock` (this thread's times, undefined where unknown) the timing has their means per call too.
 */
export function timeDifflab(
  ev: GradbenchEval,
  workload: unknown,
  fn: string,
  backend: Backend,
  counts: RunCounts,
  golden: { output: unknown } | { unchecked: string },
  clock?: () => ThreadTimes | undefined,
): DifflabTiming {
  const engine = derivativeEngine({ method: 'reverse', backend });
  try {
    ev.run(fn, workload, engine);
    const timesNs: number[] = [];
    let raw: unknown;
    const before = clock?.();
    const start = performance.now();
    while (timesNs.length < counts.minRuns || performance.now() - start < counts.minSeconds * 1000) {
      const t0 = performance.now();
      raw = ev.run(fn, workload, engine);
      timesNs.push(Math.round((performance.now() - t0) * 1e6));
    }
    const after = clock?.();
    const side: DifflabTiming = timing(timesNs);
    if (before !== undefined && after !== undefined) {
      side.cpuNs = Math.round((after.runNs - before.runNs) / timesNs.length);
      side.waitNs = Math.round((after.waitNs - before.waitNs) / timesNs.length);
    }
    if ('unchecked' in golden) side.note = golden.unchecked;
    else {
      const v = agreesWithNative(ev.name, golden.output, ev.output(fn, raw, workload));
      side.agree = v.pass;
      side.worst = v.worst;
      if (!v.pass) side.note = v.mismatches.slice(0, 2).join('; ');
    }
    return side;
  } catch (e) {
    return { runs: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

/** One side's timing from its call times. */
export function timing(timesNs: readonly number[], error?: string): SideTiming {
  const t: SideTiming = { runs: timesNs.length };
  if (timesNs.length > 0) t.medianNs = median(timesNs);
  if (error !== undefined) t.error = error;
  return t;
}

type Sizes = Record<string, number>;

/**
 * GradBench's default workloads, a spread of each eval's grid with its largest included (the sizes of
 * `npm run bench:evals`). Every eval here has a C++ binary; particle and saddle have none.
 */
export const NATIVE_DEFAULT_SIZES: Readonly<Record<string, readonly Sizes[]>> = {
  llsq: [
    { m: 128, n: 1024 },
    { m: 128, n: 16392 },
  ],
  lse: [{ n: 40000 }, { n: 1280000 }],
  det: [{ ell: 9 }, { ell: 11 }],
  ode: [
    { n: 10000, s: 10 },
    { n: 100000, s: 100 },
  ],
  kmeans: [
    { n: 1000, k: 100, d: 8 },
    { n: 10000, k: 1000, d: 16 },
  ],
  gmm: [
    { d: 10, k: 25, n: 1000 },
    { d: 64, k: 100, n: 1000 },
  ],
  lstm: [
    { l: 2, c: 1024 },
    { l: 6, c: 8192 },
  ],
  ba: [
    { n: 49, m: 7776, p: 31843 },
    { n: 356, m: 226730, p: 1255268 },
  ],
};

/**
 * ht's workloads: GradBench's default (the complicated variant on the big model), hands by number. ht's input
 * is a hand model and a hand file, not generated from sizes, so it runs only when GradBench's
 * `evals/ht/data` folder is given (`--ht-data`, or {@link HT_DATA_ENV}).
 */
export const HT_DEFAULT_HANDS: readonly number[] = [1, 6, 11];
export const HT_QUICK_HANDS: readonly number[] = [1];

/** The environment variable that names GradBench's `evals/ht/data` folder. */
export const HT_DATA_ENV = 'DIFFLAB_GRADBENCH_HT_DATA';

/** Small workloads of every eval, for a run of about a minute. */
export const NATIVE_QUICK_SIZES: Readonly<Record<string, readonly Sizes[]>> = {
  llsq: [{ m: 32, n: 1024 }],
  lse: [{ n: 10000 }],
  det: [{ ell: 7 }],
  ode: [{ n: 1000, s: 10 }],
  kmeans: [{ n: 1000, k: 10, d: 8 }],
  gmm: [{ d: 4, k: 5, n: 200 }],
  lstm: [{ l: 2, c: 256 }],
  ba: [{ n: 10, m: 500, p: 2000 }],
};

/** A whole comparison: how it was run, and every function's timings. */
export interface NativeComparison {
  settings: RunCounts & {
    quick: boolean;
    backends: Backend[];
    evals: string[];
    /** Why an eval asked for was not run (ht without its data folder). */
    skipped?: string[];
    /** The system's 1-, 5- and 15-minute load averages when the run started (a loaded machine skews both sides). */
    loadAverage: number[];
  };
  measurements: NativeMeasurement[];
}
