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
import type { Backend, Program } from '../../../ir/index.js';
import { evaluate } from '../../../sweeps/index.js';
import { workloads as registered } from '../../../workloads/index.js';
import type { Workload } from '../../../workloads/workload.js';
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../../chart.js';
import { growSizes, MIN_SAMPLE_MS, Progress, timed, timeTasks } from '../../harness.js';
import type { SectionOptions } from '../../section.js';
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

/**
 * The section's options: the report's (`sizes`: K of the cheap-gradient table, default 10 to 100,000 by decades;
 * `budgetMs`: a workload's table stops growing K once measuring it has taken longer; `scaleK`: the ridge scale
 * run, 0 or absent to skip it; `workloads`, default ridge, rosenbrock, product, logreg), and two for library
 * callers.
 */
export interface PerformanceOptions extends SectionOptions {
  /** Sizes for forward mode (default 1000, quick 20); [] to skip. */
  forwardSizes?: readonly number[];
  /** Time per task and measurement, in ms (default 150, quick 25). */
  benchTimeMs?: number;
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

/** Samples per task at least. */
const SAMPLES = 9;

/**
 * Median milliseconds of each task (per call), by the harness's timeTasks: tinybench runs of the tasks in turn,
 * in rounds (so a change in the machine's load weighs on all alike), calls shorter than {@link MIN_SAMPLE_MS}
 * in batches.
 */
async function medians(
  tasks: Record<'f' | 'gradient', () => unknown>,
  benchTimeMs: number,
  signal: AbortSignal | undefined,
): Promise<Record<'f' | 'gradient', number>> {
  const t = await timeTasks(tasks, {
    samples: SAMPLES,
    timeMs: benchTimeMs,
    minSampleMs: MIN_SAMPLE_MS,
    signal,
  });
  return { f: t.f.p50, gradient: t.gradient.p50 };
}

function workloadOf(name: string): Workload {
  const w = registered[name];
  if (w === undefined) throw new Error(`unknown workload '${name}'`);
  return w;
}

/** The sizes and time per measurement of a quick run (a smoke test: seconds). */
const QUICK = { sizes: [10, 100], forwardSizes: [20], benchTimeMs: 25 } as const;

/**
 * Runs the performance measurements: per workload the cheap-gradient table (growing K until `budgetMs`), forward
 * mode at `forwardSizes`, then ridge at `scaleK`. Stopped by the signal, it returns what was measured.
 */
export async function runPerformance(
  options: PerformanceOptions = {},
): Promise<PerformanceSection & Displayable> {
  const quick = options.quick === true;
  const names = [...(options.workloads ?? PERFORMANCE_WORKLOADS)];
  const sizes = [...(options.sizes ?? (quick ? QUICK.sizes : DEFAULT_PERFORMANCE_SIZES))];
  const forwardSizes = [...(options.forwardSizes ?? (quick ? QUICK.forwardSizes : DEFAULT_FORWARD_SIZES))];
  const scaleK = options.scaleK ?? 0;
  const benchTimeMs = options.benchTimeMs ?? (quick ? QUICK.benchTimeMs : 150);
  const { signal } = options;
  const section: PerformanceSection = {
    cheap: [],
    forward: [],
    scale: [],
    settings: { workloads: names, sizes, forwardSizes, scaleK, benchTimeMs },
  };
  const progress = new Progress(
    names.length * (sizes.length + forwardSizes.length) + (scaleK > 0 ? 1 : 0),
    options.onProgress,
  );
  const stopped = () => {
    section.aborted = true;
    return displayPerformance(section);
  };
  for (const name of names) {
    const w = workloadOf(name);
    const cheap = await growSizes(
      sizes,
      async (K) => {
        section.cheap.push(...(await cheapRows(w, name, K, benchTimeMs, signal)));
        progress.step(`performance: ${name} K=${K}`);
      },
      options,
    );
    if (cheap.budgetStop) {
      progress.drop(cheap.budgetStop.dropped);
      options.onSkip?.(`performance: ${name} stopped at K = ${cheap.budgetStop.size} (budget)`);
    }
    if (cheap.aborted) return stopped();
    const forward = await growSizes(
      forwardSizes,
      async (K) => {
        section.forward.push(...(await forwardRows(w, name, K, benchTimeMs, signal)));
        progress.step(`performance: forward mode, ${name} K=${K}`);
      },
      { signal },
    );
    if (forward.aborted) return stopped();
  }
  if (scaleK > 0) {
    const scale = await growSizes(
      [scaleK],
      async (K) => {
        section.scale.push(...(await scaleRun(K, benchTimeMs, signal)));
        progress.step(`performance: ridge at K=${K}`);
      },
      { signal },
    );
    if (scale.aborted) return stopped();
  }
  return displayPerformance(section);
}

/** The cheap-gradient rows of one workload at one K, a row per backend. */
async function cheapRows(
  w: Workload,
  name: string,
  K: number,
  benchTimeMs: number,
  signal: AbortSignal | undefined,
): Promise<CheapRow[]> {
  const f = w.build(K);
  const x = w.point(K);
  const reference = w.gradient(K, x);
  const rows: CheapRow[] = [];
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
    rows.push({
      workload: name,
      K,
      backend,
      nodes: f.size,
      f: t.f,
      gradient: t.gradient,
      ratio: t.gradient / t.f,
      error,
    });
  }
  return rows;
}

/** Forward mode's rows of one workload at one K: per backend, unchunked and with the default chunk. */
async function forwardRows(
  w: Workload,
  name: string,
  K: number,
  benchTimeMs: number,
  signal: AbortSignal | undefined,
): Promise<ForwardRow[]> {
  const f = w.build(K);
  const x = w.point(K);
  const reference = w.gradient(K, x);
  const rows: ForwardRow[] = [];
  for (const backend of BACKENDS) {
    for (const chunk of [1, undefined]) {
      const o = { backend, ...(chunk === undefined ? {} : { chunk }) };
      const first = methods.forward.gradient(f, x, o);
      const t = await medians(
        { f: () => evaluate(f, x, { backend }), gradient: () => methods.forward.gradient(f, x, o) },
        benchTimeMs,
        signal,
      );
      rows.push({
        workload: name,
        K,
        backend,
        chunk: Number(first.stats.details.chunk),
        f: t.f,
        gradient: t.gradient,
        perDirection: t.gradient / (K * t.f),
        error: relativeInf(first.value, reference),
      });
    }
  }
  return rows;
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
  const { value: f, ms: build } = timed((): Program<number> => w.build(K));
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
      f: t.f,
      gradient: t.gradient,
      ratio: t.gradient / t.f,
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
