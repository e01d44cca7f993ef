/**
 * The GradBench section: every eval at the public fixtures' shapes and at larger generated sizes, by each
 * method, with the derivative/primal time ratio beside the best published ratios, which method covers which
 * eval, and how each method's outputs agree with reverse mode's.
 */
import { type Displayable, displaySection } from '../../../display/mime.js';
import {
  compareOutputs,
  DEFAULT_LIMITS,
  type GeneratedSize,
  generatedFixture,
  type Limits,
  runFixture,
  STRICT_TOLERANCE,
  sizeLabel,
  type WorkloadRow,
} from '../../../gradbench/index.js';
import { METHODS, type Method } from '../../../ir/differentiator.js';
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../../chart.js';
import { breathe, isAbort, Progress } from '../../harness.js';
import type { SectionOptions } from '../../section.js';
import { csvText, mdTable } from '../../table.js';

/** One workload by one method. */
export interface GradbenchRow extends WorkloadRow {
  /** The sizes, e.g. `n=17,m=8`. */
  sizes: string;
  /** Whether the sizes are the public fixture's (the smallest) or larger. */
  scale: 'fixture' | 'larger';
  /** Worst difference from reverse mode's outputs in GradBench's metric (methods other than reverse). */
  vsReverse?: number;
}

/** A published derivative/primal ratio to compare with. */
export interface PublishedRatio {
  eval: string;
  ratio: string;
  source: string;
}

export interface GradbenchSection {
  settings: { quick: boolean; minRuns: number; minSeconds: number; methods: Method[]; limits: Limits };
  rows: GradbenchRow[];
}

/**
 * The best published reverse-mode ratios (derivative time over primal time) on the same problems, as the
 * order of magnitude to aim at. They are approximate figures for compiled tools (C++ and Fortran source
 * transformation, Enzyme) on other machines, as cited from ADBench (Srajer, Habib and Fitzgibbon, "A benchmark
 * of selected algorithmic differentiation tools on some problems in computer vision and machine learning",
 * 2018) and GradBench's published results; they were not re-measured here.
 */
export const PUBLISHED_RATIOS: readonly PublishedRatio[] = [
  {
    eval: 'gmm',
    ratio: '≈ 2–4',
    source:
      'ADBench (Srajer, Habib, Fitzgibbon 2018), GradBench results; best tools (Tapenade, Enzyme, manual); approximate, not re-measured here',
  },
  {
    eval: 'lstm',
    ratio: '≈ 3',
    source: 'ADBench (2018), GradBench results; best tools; approximate, not re-measured here',
  },
  {
    eval: 'llsq',
    ratio: '≈ 1.5–2',
    source: 'GradBench results (cmpad problems); best tools; approximate, not re-measured here',
  },
  { eval: 'lse', ratio: '≈ 1–2', source: 'GradBench results; best tools; approximate, not re-measured here' },
];

/** The workloads: each fixture's shape, then larger sizes (fewer with `quick`). */
export function gradbenchSizes(quick: boolean): { size: GeneratedSize; scale: 'fixture' | 'larger' }[] {
  const fixture: GeneratedSize[] = [
    { eval: 'hello', sizes: {} },
    { eval: 'llsq', sizes: { m: 8, n: 17 } },
    { eval: 'lse', sizes: { n: 16 } },
    { eval: 'det', sizes: { ell: 4 } },
    { eval: 'ode', sizes: { n: 10, s: 4 } },
    { eval: 'kmeans', sizes: { k: 5, n: 50, d: 4 } },
    { eval: 'gmm', sizes: { d: 4, k: 3, n: 20 } },
    { eval: 'lstm', sizes: { l: 2, c: quick ? 128 : 1024 } },
    { eval: 'ba', sizes: quick ? { n: 5, m: 50, p: 500 } : { n: 49, m: 7776, p: 31843 } },
  ];
  if (!quick) fixture.push({ eval: 'particle', sizes: {} }, { eval: 'saddle', sizes: {} });
  const larger: GeneratedSize[] = quick
    ? [
        { eval: 'llsq', sizes: { m: 128, n: 1024 } },
        { eval: 'lse', sizes: { n: 10000 } },
        { eval: 'det', sizes: { ell: 7 } },
        { eval: 'ode', sizes: { n: 1000, s: 10 } },
        { eval: 'gmm', sizes: { d: 10, k: 5, n: 200 } },
      ]
    : [
        { eval: 'llsq', sizes: { m: 128, n: 1024 } },
        { eval: 'llsq', sizes: { m: 128, n: 16392 } },
        { eval: 'lse', sizes: { n: 10000 } },
        { eval: 'lse', sizes: { n: 320000 } },
        { eval: 'det', sizes: { ell: 7 } },
        { eval: 'det', sizes: { ell: 11 } },
        { eval: 'ode', sizes: { n: 1000, s: 10 } },
        { eval: 'ode', sizes: { n: 10000, s: 10 } },
        { eval: 'kmeans', sizes: { k: 10, n: 1000, d: 8 } },
        { eval: 'gmm', sizes: { d: 10, k: 25, n: 1000 } },
        { eval: 'gmm', sizes: { d: 20, k: 25, n: 1000 } },
        { eval: 'lstm', sizes: { l: 4, c: 4096 } },
      ];
  return [
    ...fixture.map((size) => ({ size, scale: 'fixture' as const })),
    ...larger.map((size) => ({ size, scale: 'larger' as const })),
  ];
}

export interface GradbenchOptions {
  quick?: boolean;
  methods?: readonly Method[];
  /** Repetitions per function (defaults: 1 run, at least 0.2 s; quick: 1 run, 0 s). */
  minRuns?: number;
  minSeconds?: number;
  limits?: Limits;
  signal?: AbortSignal;
  onProgress?: SectionOptions['onProgress'];
}

/** Report limits: a tenth of the tool's work limit, so that no single measurement takes more than seconds. */
const REPORT_LIMITS: Limits = { ...DEFAULT_LIMITS, work: DEFAULT_LIMITS.work / 10 };

/** Runs every workload by every method (reverse first, as the reference the others are compared with). */
export async function runGradbench(options: GradbenchOptions = {}): Promise<GradbenchSection & Displayable> {
  const quick = options.quick ?? false;
  const methods = [...(options.methods ?? METHODS)].sort(
    (a, b) => Number(b === 'reverse') - Number(a === 'reverse'),
  );
  const minRuns = options.minRuns ?? 1;
  const minSeconds = options.minSeconds ?? (quick ? 0 : 0.2);
  const limits = options.limits ?? REPORT_LIMITS;
  const sizes = gradbenchSizes(quick);
  const rows: GradbenchRow[] = [];
  const progress = new Progress(sizes.length * methods.length, options.onProgress);
  const settings = { quick, minRuns, minSeconds, methods, limits };
  for (const { size, scale } of sizes) {
    let reference: Map<string, unknown> | undefined;
    for (const method of methods) {
      // Let the event loop run (progress bar, Ctrl-C) between measurements; stopped, keep the rows so far.
      try {
        await breathe(options.signal);
      } catch (e) {
        if (isAbort(e, options.signal)) return displayGradbench({ settings, rows });
        throw e;
      }
      const result = runFixture(generatedFixture(size, minRuns, minSeconds), { method, limits });
      const outputs = new Map(result.rounds.filter((r) => r.success).map((r) => [r.function, r.output]));
      if (method === 'reverse') reference = outputs;
      for (const row of result.rows) {
        const out: GradbenchRow = { ...row, sizes: sizeLabel(size) || '–', scale };
        const mine = outputs.get(row.function);
        const theirs = reference?.get(row.function);
        if (method !== 'reverse' && mine !== undefined && theirs !== undefined) {
          out.vsReverse = compareOutputs(theirs, mine, STRICT_TOLERANCE).worst;
        }
        rows.push(out);
      }
      progress.step(`gradbench ${size.eval} ${sizeLabel(size)} ${method}`);
    }
  }
  return displayGradbench({ settings, rows });
}

/** Attaches the notebook display (its tables and chart) and `toString()` (its Markdown) to a section. */
export function displayGradbench(s: GradbenchSection): GradbenchSection & Displayable {
  return displaySection(s, gradbenchMarkdown, gradbenchCharts);
}

const fmtRatio = (r: number | undefined) => (r === undefined ? '' : r < 10 ? r.toFixed(2) : r.toFixed(0));
const fmtTime = (ns: number | undefined) =>
  ns === undefined ? '' : ns >= 1e9 ? `${(ns / 1e9).toPrecision(3)} s` : `${(ns / 1e6).toPrecision(3)} ms`;
const fmtError = (e: number | undefined) => (e === undefined ? '' : e === 0 ? '0' : e.toExponential(1));

/** Which method covers which eval: on every workload, ok, refused (with the reason) or failed. */
function coverage(s: GradbenchSection): string[] {
  const evals = [...new Set(s.rows.map((r) => r.eval))];
  const cell = (ev: string, m: Method) => {
    const rows = s.rows.filter((r) => r.eval === ev && r.method === m);
    if (rows.length === 0) return '';
    const ok = rows.filter((r) => r.error === undefined).length;
    if (ok === rows.length) return 'all';
    if (ok === 0)
      return rows.some((r) => /not attempted|no nested form/.test(r.error ?? '')) ? 'refused' : 'failed';
    return `${ok} of ${rows.length}`;
  };
  return mdTable(
    ['eval', ...s.settings.methods],
    evals.map((ev) => [ev, ...s.settings.methods.map((m) => cell(ev, m))]),
    () => false,
  );
}

/** The section as Markdown. */
export function gradbenchMarkdown(s: GradbenchSection): string {
  const lines: string[] = [
    'Every GradBench eval, written once with the builder, run through the tool exactly as GradBench would run it',
    `(${s.settings.minRuns} run${s.settings.minRuns === 1 ? '' : 's'} at least, ${s.settings.minSeconds} s at least, the median`,
    'timing), at the public fixtures’ shapes and at larger generated sizes. The ratio is derivative time over',
    'primal time, both measured on the same program. `vs reverse` is the worst difference from reverse mode’s',
    'outputs in GradBench’s metric (|x − y| / max(1, |x| + |y|)); the public fixtures themselves are checked',
    'against GradBench’s golden outputs by the test suite and by `difflab gradbench run`.',
    '',
    '### Which method covers which eval',
    '',
    'particle and saddle name their own nested modes (ff, fr, rf, rr), run by forward and reverse mode;',
    '“refused” means the tool answers `success: false` up front, with the reason, because the work would exceed',
    'its limits (forward mode and finite differences cost one pass per input).',
    '',
    ...coverage(s),
    '',
    '### Best published ratios (reverse mode)',
    '',
    ...mdTable(
      ['eval', 'published ratio', 'source'],
      PUBLISHED_RATIOS.map((p) => [p.eval, p.ratio, p.source]),
      () => false,
    ),
    '',
    '### difflab’s ratios',
    '',
    ...mdTable(
      ['eval', 'sizes', 'function', 'method', 'primal', 'derivative', 'ratio', 'vs reverse', 'note'],
      s.rows.map((r) => [
        r.eval,
        r.sizes,
        r.function,
        r.method,
        fmtTime(r.primalNs),
        fmtTime(r.derivativeNs),
        fmtRatio(r.ratio),
        fmtError(r.vsReverse),
        r.error ?? '',
      ]),
      (i) => i >= 4 && i <= 7,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** The rows as CSV. */
export function gradbenchCsv(s: GradbenchSection): string {
  return csvText(
    [
      'eval',
      'sizes',
      'scale',
      'function',
      'method',
      'primal_ns',
      'derivative_ns',
      'ratio',
      'vs_reverse',
      'error',
    ],
    s.rows.map((r) => [
      r.eval,
      r.sizes,
      r.scale,
      r.function,
      r.method,
      r.primalNs ?? null,
      r.derivativeNs ?? null,
      r.ratio ?? null,
      r.vsReverse ?? null,
      r.error ?? null,
    ]),
  );
}

/** One chart: the ratio per eval and workload, by method, on a log scale, with the published ranges marked. */
export function gradbenchCharts(s: GradbenchSection): Record<string, ChartSpec> {
  const values = s.rows
    .filter((r) => r.ratio !== undefined && r.ratio > 0)
    .map((r) => ({ workload: `${r.eval} ${r.sizes}`, method: r.method, ratio: r.ratio }));
  return {
    'gradbench-ratios': {
      $schema: VEGA_LITE_SCHEMA,
      title: 'GradBench: derivative time / primal time (log scale)',
      width: 560,
      height: 360,
      data: { values },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        y: { field: 'workload', type: 'nominal', sort: null, title: null },
        x: { field: 'ratio', type: 'quantitative', scale: { type: 'log' }, title: 'derivative / primal' },
        color: { field: 'method', type: 'nominal', scale: { domain: [...METHODS] } },
        shape: { field: 'method', type: 'nominal' },
        tooltip: [
          { field: 'workload', type: 'nominal' },
          { field: 'method', type: 'nominal' },
          { field: 'ratio', type: 'quantitative', format: '.2f' },
        ],
      },
    } as ChartSpec,
  };
}
