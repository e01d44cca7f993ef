/**
 * The performance section: what reverse mode costs against the function itself, on each backend.
 *
 * - Cheap gradient: the median time of a reverse-mode gradient over the median time of difflab's own
 *   evaluation of f, per workload, K and backend; the theory's claim is a small constant (bound: 3).
 * - Forward mode in chunks: a full gradient over K evaluations of f (bound: 1.5 per direction), beside the
 *   unchunked sweep.
 * - Scale: ridge at a large K (10,000,000 by default when asked for): program bytes per node, tape bytes, and
 *   the times of f and its gradient.
 *
 * Every gradient is checked against the workload's hand-derived one before it is timed. No `node:` imports.
 */
import { gradient, methods } from '../../../api.js';
import { type Displayable, displaySection } from '../../../display/mime.js';
import { type Backend, evaluate, type Program } from '../../../ir/index.js';
import { workloads as registered } from '../../../workloads/index.js';
import type { Workload } from '../../../workloads/workload.js';
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../../chart.js';
import { breathe, callsFor } from '../../harness.js';
import { csvText, formatError, mdTable } from '../../table.js';
import { relativeInf } from '../accuracy/accuracy.js';

/** The bound on reverse-mode gradient time over f's time. */
export const CHEAP_BOUND = 3;
/** The bound on a chunked forward-mode gradient's time over K times f's time. */
export const FORWARD_BOUND = 1.5;

export const PERFORMANCE_WORKLOADS = ['ridge', 'rosenbrock', 'product', 'logreg'] as const;
export const DEFAULT_PERFORMANCE_SIZES = [10, 100, 1000, 10_000, 100_000] as const;
export const DEFAULT_FORWARD_SIZES = [1000] as const;
const BACKENDS: readonly Backend[] = ['interpret', 'compile'];

export interface PerformanceOptions {
  /** Workload names (default: ridge, rosenbrock, product, logreg). */
  workloads?: readonly string[];
  /** Sizes for the cheap-gradient table (default 10 to 100,000 by decades). */
  sizes?: readonly number[];
  /** Sizes for forward mode (default 1000); [] to skip. */
  forwardSizes?: readonly number[];
  /** K for the ridge scale run; 0 (the default) skips it. */
  scaleK?: number;
  /** tinybench time per task, in ms (default 150). */
  benchTimeMs?: number;
  signal?: AbortSignal;
  onProgress?: (label: string) => void;
}

export interface CheapRow {
  workload: string;
  K: number;
  backend: Backend;
  /** Nodes of the program. */
  nodes: number;
  /** Median ms of evaluate(f). */
  f: number;
  /** Median ms of a reverse-mode gradient. */
  gradient: number;
  ratio: number;
  /** Relative error (∞-norm) against the workload's hand-derived gradient. */
  error: number;
}

export interface ForwardRow {
  workload: string;
  K: number;
  backend: Backend;
  chunk: number;
  f: number;
  gradient: number;
  /** gradient / (K · f): the cost of one direction in evaluations of f. */
  perDirection: number;
  error: number;
}

export interface ScaleRow {
  workload: string;
  K: number;
  nodes: number;
  /** Bytes of the program's arrays, and per node. */
  programBytes: number;
  bytesPerNode: number;
  /** Bytes of the tape (values and adjoints). */
  tapeBytes: number;
  /** Milliseconds to build the program. */
  build: number;
  backend: Backend;
  f: number;
  gradient: number;
  ratio: number;
  error: number;
}

export interface PerformanceSection {
  cheap: CheapRow[];
  forward: ForwardRow[];
  scale: ScaleRow[];
  settings: {
    workloads: string[];
    sizes: number[];
    forwardSizes: number[];
    scaleK: number;
    benchTimeMs: number;
  };
  aborted?: boolean;
}

/** Shortest sample, ms: a shorter call is repeated within one sample, so the timer's cost does not count. */
const MIN_SAMPLE_MS = 0.05;

/** The task repeated within each sample so that one lasts at least {@link MIN_SAMPLE_MS} (see callsFor). */
function batched(fn: () => unknown): { run: () => unknown; calls: number } {
  const calls = callsFor(fn, MIN_SAMPLE_MS);
  if (calls === 1) return { run: fn, calls };
  return {
    run: () => {
      for (let k = 0; k < calls; k++) fn();
    },
    calls,
  };
}

/** Rounds a measurement is split into, visiting every task in turn. */
const ROUNDS = 3;

/**
 * Median milliseconds of each task (per call), timed by tinybench: the time split over {@link ROUNDS} rounds
 * that visit every task in turn (so a change in the machine's load weighs on all tasks alike, not on one), and
 * the median of the rounds' medians taken. Calls shorter than {@link MIN_SAMPLE_MS} are timed in batches.
 */
async function medians(
  tasks: Record<string, () => unknown>,
  benchTimeMs: number,
  signal: AbortSignal | undefined,
): Promise<Record<string, number>> {
  const names = Object.keys(tasks);
  const runs: Record<string, { run: () => unknown; calls: number }> = {};
  for (const name of names) runs[name] = batched(tasks[name] as () => unknown);
  const rounds: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // One controller per bench, following the caller's signal (tinybench leaves its listener on the signal).
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal?.addEventListener('abort', abort, { once: true });
    const time = benchTimeMs / ROUNDS;
    // Loaded here, when something is timed: importing the library times nothing.
    const { Bench } = await import('tinybench');
    const bench = new Bench({
      time,
      iterations: 3,
      warmupTime: time / 5,
      warmupIterations: 2,
      signal: controller.signal,
    });
    // Alternate the order, so neither task always runs first.
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) bench.add(name, (runs[name] as { run: () => unknown }).run);
    try {
      await bench.run();
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    signal?.throwIfAborted();
    for (const name of names) {
      const r = bench.getTask(name)?.result;
      const calls = (runs[name] as { calls: number }).calls;
      (rounds[name] as number[]).push(r?.state === 'completed' ? r.latency.p50 / calls : Number.NaN);
    }
  }
  const out: Record<string, number> = {};
  for (const name of names) {
    const xs = [...(rounds[name] as number[])].sort((x, y) => x - y);
    out[name] = xs.some(Number.isNaN) ? Number.NaN : (xs[xs.length >> 1] as number);
  }
  return out;
}

function workloadOf(name: string): Workload {
  const w = registered[name];
  if (w === undefined) throw new Error(`unknown workload '${name}'`);
  return w;
}

/** Runs the performance measurements. */
export async function runPerformance(
  options: PerformanceOptions = {},
): Promise<PerformanceSection & Displayable> {
  const names = [...(options.workloads ?? PERFORMANCE_WORKLOADS)];
  const sizes = [...(options.sizes ?? DEFAULT_PERFORMANCE_SIZES)];
  const forwardSizes = [...(options.forwardSizes ?? DEFAULT_FORWARD_SIZES)];
  const scaleK = options.scaleK ?? 0;
  const benchTimeMs = options.benchTimeMs ?? 150;
  const { signal, onProgress } = options;
  const section: PerformanceSection = {
    cheap: [],
    forward: [],
    scale: [],
    settings: { workloads: names, sizes, forwardSizes, scaleK, benchTimeMs },
  };
  try {
    for (const name of names) {
      const w = workloadOf(name);
      for (const K of sizes) {
        onProgress?.(`performance: ${name} K=${K}`);
        await breathe(signal);
        const f = w.build(K);
        const x = w.point(K);
        const reference = w.gradient(K, x);
        for (const backend of BACKENDS) {
          const out = new Float64Array(K);
          const error = relativeInf(gradient(f, x, { backend }), reference);
          const t = await medians(
            {
              f: () => evaluate(f, x, { backend }),
              gradient: () => gradient(f, x, { backend, out }),
            },
            benchTimeMs,
            signal,
          );
          section.cheap.push({
            workload: name,
            K,
            backend,
            nodes: f.size,
            f: t.f as number,
            gradient: t.gradient as number,
            ratio: (t.gradient as number) / (t.f as number),
            error,
          });
        }
      }
      for (const K of forwardSizes) {
        onProgress?.(`performance: forward mode, ${name} K=${K}`);
        await breathe(signal);
        const f = w.build(K);
        const x = w.point(K);
        const reference = w.gradient(K, x);
        for (const backend of BACKENDS) {
          for (const chunk of [1, undefined]) {
            const o = { backend, ...(chunk === undefined ? {} : { chunk }) };
            const first = methods.forward.gradient(f, x, o);
            const t = await medians(
              { f: () => evaluate(f, x, { backend }), gradient: () => methods.forward.gradient(f, x, o) },
              benchTimeMs,
              signal,
            );
            section.forward.push({
              workload: name,
              K,
              backend,
              chunk: Number(first.stats.details.chunk),
              f: t.f as number,
              gradient: t.gradient as number,
              perDirection: (t.gradient as number) / (K * (t.f as number)),
              error: relativeInf(first.value, reference),
            });
          }
        }
      }
    }
    if (scaleK > 0) {
      onProgress?.(`performance: ridge at K=${scaleK}`);
      await breathe(signal);
      section.scale.push(...(await scaleRun(scaleK, benchTimeMs, signal)));
    }
  } catch (e) {
    if (!signal?.aborted) throw e;
    section.aborted = true;
  }
  return displayPerformance(section);
}

/** Attaches the notebook display (its tables and chart) and `toString()` (its Markdown) to a section. */
export function displayPerformance(s: PerformanceSection): PerformanceSection & Displayable {
  return displaySection(s, performanceMarkdown, performanceCharts);
}

async function scaleRun(
  K: number,
  benchTimeMs: number,
  signal: AbortSignal | undefined,
): Promise<ScaleRow[]> {
  const w = workloadOf('ridge');
  const t0 = performance.now();
  const f: Program<number> = w.build(K);
  const build = performance.now() - t0;
  const x = w.point(K);
  const reference = w.gradient(K, x);
  const rows: ScaleRow[] = [];
  for (const backend of BACKENDS) {
    const first = methods.reverse.gradient(f, x, { backend });
    const out = new Float64Array(K);
    const t = await medians(
      { f: () => evaluate(f, x, { backend }), gradient: () => gradient(f, x, { backend, out }) },
      benchTimeMs,
      signal,
    );
    rows.push({
      workload: 'ridge',
      K,
      nodes: f.size,
      programBytes: f.bytes,
      bytesPerNode: f.bytes / f.size,
      tapeBytes: first.stats.bytes,
      build,
      backend,
      f: t.f as number,
      gradient: t.gradient as number,
      ratio: (t.gradient as number) / (t.f as number),
      error: relativeInf(first.value, reference),
    });
  }
  return rows;
}

const ms = (t: number) =>
  Number.isFinite(t) ? (t < 0.1 ? t.toPrecision(2) : t.toFixed(t < 10 ? 3 : 1)) : '—';
const ratio = (r: number) => (Number.isFinite(r) ? r.toFixed(2) : '—');

/** The section as Markdown: the three tables and what they show against the bounds. */
export function performanceMarkdown(s: PerformanceSection): string {
  const lines: string[] = [];
  if (s.cheap.length > 0) {
    const worst = Math.max(...s.cheap.map((r) => r.ratio));
    lines.push(
      `**Cheap gradient.** Median time of a reverse-mode gradient (\`gradient(f, x, { backend, out })\`, into a reused array) over the median time of evaluating f (\`evaluate(f, x, { backend })\`), with each backend. ` +
        `The bound is ${CHEAP_BOUND}×; the largest ratio measured is ${ratio(worst)}× ` +
        `(${worst <= CHEAP_BOUND ? 'within' : '**over**'} the bound).`,
      '',
      ...mdTable(
        [
          'workload',
          'K',
          'nodes',
          'f interp (ms)',
          'gradient interp (ms)',
          'ratio',
          'f compile (ms)',
          'gradient compile (ms)',
          'ratio',
          'error',
        ],
        cheapPairs(s).map(([i, c]) => [
          i.workload,
          String(i.K),
          String(i.nodes),
          ms(i.f),
          ms(i.gradient),
          ratio(i.ratio),
          ms(c?.f ?? Number.NaN),
          ms(c?.gradient ?? Number.NaN),
          ratio(c?.ratio ?? Number.NaN),
          formatError(Math.max(i.error, c?.error ?? 0)),
        ]),
        (c) => c > 0,
      ),
      '',
    );
  }
  if (s.forward.length > 0) {
    lines.push(
      `**Forward mode in chunks.** A full gradient's time over K evaluations of f: the cost of one direction, in evaluations of f. ` +
        `The bound for the default chunk is ${FORWARD_BOUND}.`,
      '',
      ...mdTable(
        ['workload', 'K', 'backend', 'chunk', 'f (ms)', 'gradient (ms)', 'per direction', 'error'],
        s.forward.map((r) => [
          r.workload,
          String(r.K),
          r.backend,
          String(r.chunk),
          ms(r.f),
          ms(r.gradient),
          ratio(r.perDirection),
          formatError(r.error),
        ]),
        (c) => c === 1 || c >= 3,
      ),
      '',
    );
  }
  if (s.scale.length > 0) {
    const r = s.scale[0] as ScaleRow;
    lines.push(
      `**Scale.** ridge at K = ${r.K.toLocaleString('en-US')}: ${r.nodes.toLocaleString('en-US')} nodes, program ` +
        `${(r.programBytes / 2 ** 20).toFixed(0)} MiB (${r.bytesPerNode.toFixed(1)} bytes per node), tape ` +
        `${(r.tapeBytes / 2 ** 20).toFixed(0)} MiB; built in ${ms(r.build)} ms.`,
      '',
      ...mdTable(
        ['backend', 'f (ms)', 'gradient (ms)', 'ratio', 'error'],
        s.scale.map((q) => [q.backend, ms(q.f), ms(q.gradient), ratio(q.ratio), formatError(q.error)]),
        (c) => c > 0,
      ),
      '',
    );
  }
  if (s.aborted) lines.push('_Interrupted: the tables hold what was measured before the stop._', '');
  return lines.join('\n');
}

/** The cheap-gradient rows paired by (workload, K): interpreter first, compiled second. */
function cheapPairs(s: PerformanceSection): [CheapRow, CheapRow | undefined][] {
  return s.cheap
    .filter((r) => r.backend === 'interpret')
    .map((i) => [
      i,
      s.cheap.find((c) => c.backend === 'compile' && c.workload === i.workload && c.K === i.K),
    ]);
}

export function performanceCsv(s: PerformanceSection): string {
  return csvText(
    ['table', 'workload', 'K', 'backend', 'chunk', 'nodes', 'f_ms', 'gradient_ms', 'ratio', 'error'],
    [
      ...s.cheap.map((r) => reverseCsvRow('cheap', r)),
      ...s.forward.map((r) => [
        'forward',
        r.workload,
        r.K,
        r.backend,
        r.chunk,
        null,
        r.f,
        r.gradient,
        r.perDirection,
        r.error,
      ]),
      ...s.scale.map((r) => reverseCsvRow('scale', r)),
    ],
  );
}

/** A cheap-gradient or scale row as CSV cells (no chunk: reverse mode). */
function reverseCsvRow(table: string, r: CheapRow | ScaleRow): (string | number | null)[] {
  return [table, r.workload, r.K, r.backend, null, r.nodes, r.f, r.gradient, r.ratio, r.error];
}

/** One chart: gradient time over f's time against K, a line per workload and backend, with the bound. */
export function performanceCharts(s: PerformanceSection): Record<string, ChartSpec> {
  if (s.cheap.length === 0) return {};
  const values = s.cheap
    .filter((r) => Number.isFinite(r.ratio))
    .map((r) => ({
      K: r.K,
      ratio: r.ratio,
      series: `${r.workload} (${r.backend})`,
      workload: r.workload,
      backend: r.backend,
    }));
  const x = {
    field: 'K',
    type: 'quantitative' as const,
    scale: { type: 'log' as const },
    axis: { title: 'K' },
  };
  return {
    'performance-cheap-gradient': {
      $schema: VEGA_LITE_SCHEMA,
      title:
        'Reverse-mode gradient time over f’s time against K (solid: compiled, dashed: interpreted; gray: the bound)',
      width: 480,
      height: 320,
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y: { field: 'ratio', type: 'quantitative', title: 'gradient / f', scale: { zero: true } },
            color: { field: 'workload', type: 'nominal' },
            strokeDash: {
              field: 'backend',
              type: 'nominal',
              scale: {
                domain: ['compile', 'interpret'],
                range: [
                  [1, 0],
                  [6, 4],
                ],
              },
            },
            tooltip: [
              { field: 'series', type: 'nominal' },
              { field: 'K', type: 'quantitative' },
              { field: 'ratio', type: 'quantitative', format: '.2f' },
            ],
          },
        },
        {
          data: { values: [{ bound: CHEAP_BOUND }] },
          mark: { type: 'rule', color: 'gray', strokeWidth: 3, opacity: 0.5 },
          encoding: { y: { field: 'bound', type: 'quantitative' } },
        },
      ],
    },
  };
}
