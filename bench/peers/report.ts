/**
 * The peer benchmark's views: the headline table (ratios to the hand-written f at the headline K, with
 * geometric means over the workloads), the tables of times and errors at every K, CSV rows, and two Vega-Lite
 * charts. No file system here; `files.ts` writes them.
 */
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../../src/report/chart.js';
import { csvText, formatError, mdTable } from '../../src/report/table.js';
import type { PeerWorkload } from './contender.js';
import type { ContenderInfo, PeerMeasurement, PeerResults } from './run.js';

/** What the headline table shows for one workload and contender. */
export interface HeadlineCell {
  /** The measurement shown: at the headline K, or at the largest K timed when the budget stopped it before. */
  m: PeerMeasurement | undefined;
  /** True when `m` is at a smaller K than the headline (the budget stopped the contender before it). */
  fallback: boolean;
}

function measurementsOf(r: PeerResults, workload: PeerWorkload, contender: string): PeerMeasurement[] {
  return r.measurements
    .filter((m) => m.workload === workload && m.contender === contender)
    .sort((a, b) => a.K - b.K);
}

/**
 * The cell of the headline table: the measurement at the headline K, unless the contender was skipped there
 * for its budget, in which case the largest K it was timed at (as the issue's table reports mathjs).
 */
export function headlineCell(r: PeerResults, workload: PeerWorkload, contender: string): HeadlineCell {
  const ms = measurementsOf(r, workload, contender);
  const at = ms.find((m) => m.K === r.settings.headlineK);
  if (at !== undefined && at.status !== 'skipped') return { m: at, fallback: false };
  const timed = ms.filter((m) => m.status === 'timed' && m.K < r.settings.headlineK).at(-1);
  return timed === undefined ? { m: at, fallback: false } : { m: timed, fallback: true };
}

/** exp(mean(log x)); NaN for no values. */
export function geometricMean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

/** A contender's geometric mean of ratios over the workloads timed at the headline K, and how many those are. */
export function headlineMean(r: PeerResults, contender: string): { mean: number; count: number } {
  const ratios = r.settings.workloads.flatMap((w) => {
    const c = headlineCell(r, w, contender);
    return !c.fallback && c.m?.status === 'timed' && c.m.ratio !== undefined ? [c.m.ratio] : [];
  });
  return { mean: geometricMean(ratios), count: ratios.length };
}

/** A ratio for people: 3 significant digits, written out with thousands separators past 1,000. */
export function formatRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  if (x >= 1000) return Math.round(Number(x.toPrecision(3))).toLocaleString('en-US');
  return x.toPrecision(3);
}

/** A time in ms for people, 3 significant digits in ns, µs, ms or s. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  if (ms >= 1e-3) return `${(ms * 1e3).toPrecision(3)} µs`;
  return `${(ms * 1e6).toPrecision(3)} ns`;
}

function formatK(K: number): string {
  return K.toLocaleString('en-US');
}

/** A headline cell as text: the ratio (or time), the K when it is not the headline K, or what went wrong. */
function cellText(c: HeadlineCell, show: 'ratio' | 'time'): string {
  const m = c.m;
  if (m === undefined) return '—';
  if (m.status === 'disagrees') return `✗ error ${formatError(m.error)}`;
  if (m.status === 'failed') return '✗ failed';
  if (m.status === 'skipped') return 'over budget';
  const v = show === 'ratio' ? formatRatio(m.ratio) : formatTime(m.median);
  return c.fallback ? `${v} (K = ${formatK(m.K)})` : v;
}

/** The contenders the headline table shows: everything but the hand-written f, which is 1 by definition. */
function columns(r: PeerResults): ContenderInfo[] {
  return r.contenders.filter((c) => c.id !== 'hand-f');
}

/** The headline table as Markdown lines: ratios to the hand-written f (or median times), geometric means. */
export function headlineTable(r: PeerResults, show: 'ratio' | 'time' = 'ratio'): string[] {
  const cols = show === 'ratio' ? columns(r) : r.contenders;
  const rows = r.settings.workloads.map((w) => [
    w,
    ...cols.map((c) => cellText(headlineCell(r, w, c.id), show)),
  ]);
  if (show === 'ratio') {
    rows.push([
      'geometric mean',
      ...cols.map((c) => {
        const { mean, count } = headlineMean(r, c.id);
        if (count === 0) return '—';
        const n = r.settings.workloads.length;
        return count === n ? formatRatio(mean) : `${formatRatio(mean)} (${count} of ${n})`;
      }),
    ]);
  }
  return mdTable(['workload', ...cols.map((c) => c.label)], rows, (i) => i > 0);
}

/** Per workload, a table of K against contender: median time and ratio to the hand-written f. */
function detailTable(r: PeerResults, workload: PeerWorkload): string[] {
  const rows = r.settings.sizes.map((K) => [
    formatK(K),
    ...r.contenders.map((c) => {
      const m = r.measurements.find((x) => x.workload === workload && x.K === K && x.contender === c.id);
      if (m === undefined) return '—';
      if (m.status === 'timed') return `${formatTime(m.median)} (${formatRatio(m.ratio)})`;
      if (m.status === 'disagrees') return `✗ error ${formatError(m.error)}`;
      return m.status === 'failed' ? '✗ failed' : '—';
    }),
  ]);
  return mdTable(['K', ...r.contenders.map((c) => c.label)], rows, (i) => i > 0);
}

/** Relative errors against the reference, every workload and K. */
function errorTable(r: PeerResults): string[] {
  const rows = r.settings.workloads.flatMap((w) =>
    r.settings.sizes.map((K) => [
      w,
      formatK(K),
      ...r.contenders.map((c) => {
        const m = r.measurements.find((x) => x.workload === w && x.K === K && x.contender === c.id);
        if (m?.error === undefined) return '—';
        return m.status === 'disagrees' ? `✗ ${formatError(m.error)}` : formatError(m.error);
      }),
    ]),
  );
  return mdTable(['workload', 'K', ...r.contenders.map((c) => c.label)], rows, (i) => i > 1);
}

/** What did not run, and why: skips (grouped per contender and workload), disagreements, failures. */
function notes(r: PeerResults): string[] {
  const out: string[] = [];
  const label = (id: string) => r.contenders.find((c) => c.id === id)?.label ?? id;
  for (const w of r.settings.workloads) {
    for (const c of r.contenders) {
      const ms = measurementsOf(r, w, c.id);
      const skipped = ms.filter((m) => m.status === 'skipped');
      const first = skipped[0];
      if (first !== undefined) {
        out.push(
          `- ${w} / ${label(c.id)}: not run at K = ${skipped.map((m) => formatK(m.K)).join(', ')} (${first.note}).`,
        );
      }
      for (const m of ms.filter((x) => x.status === 'disagrees')) {
        out.push(
          `- ${w} / ${label(c.id)} at K = ${formatK(m.K)}: disagrees with the reference (relative error ` +
            `${formatError(m.error)} > ${formatError(m.tolerance)})${m.note === undefined ? '' : `: ${m.note}`}; not timed.`,
        );
      }
      for (const m of ms.filter((x) => x.status === 'failed')) {
        out.push(`- ${w} / ${label(c.id)} at K = ${formatK(m.K)}: failed: ${m.note}`);
      }
    }
  }
  return out;
}

/** The contender whose gradient the peers are held against: difflab's compiled reverse mode. */
const OURS = 'difflab-reverse-compile';

/**
 * Where a peer's gradient is faster than difflab's compiled reverse mode at the headline K: by how much, and
 * why (the reasons are the same for every peer that wins here, so they are given once).
 */
export function fasterPeers(r: PeerResults): string[] {
  const rows: string[] = [];
  for (const w of r.settings.workloads) {
    const ours = headlineCell(r, w, OURS);
    const mine = ours.m?.ratio;
    if (ours.fallback || ours.m?.status !== 'timed' || mine === undefined) continue;
    for (const c of r.contenders) {
      if (c.computes !== 'gradient' || c.id.startsWith('difflab') || c.id.startsWith('hand')) continue;
      const cell = headlineCell(r, w, c.id);
      const theirs = cell.m?.ratio;
      if (cell.fallback || cell.m?.status !== 'timed' || theirs === undefined || theirs >= mine) continue;
      rows.push(
        `- ${w}: ${c.label} at ${formatRatio(theirs)} against difflab's ${formatRatio(mine)}, ` +
          `${(mine / theirs).toFixed(2)}× faster.`,
      );
    }
  }
  if (rows.length === 0) return [];
  return [
    `## Where a peer is faster than difflab's compiled reverse mode (K = ${formatK(r.settings.headlineK)})`,
    '',
    ...rows,
    '',
    'Why: those peers run vectorised kernels in native code or WebAssembly (a matrix–vector product or a ' +
      'reduction with vector instructions and several running sums at once). difflab generates scalar ' +
      'JavaScript and adds a sum or a dot product in order, one addition at a time, which keeps its results ' +
      'equal to its interpreter’s to the last bit. On product, difflab runs the program’s chain of K ' +
      'multiplications forwards beside the chain of its adjoints backwards, in one loop, each multiplication ' +
      'still waiting on the one before it; a vectorised prod reduces in a tree and takes the gradient from the ' +
      'product.',
    '',
  ];
}

/** The peers' names for the title, by contender id, in title order. */
const PEER_NAMES: readonly (readonly [string, string])[] = [
  ['tfjs', 'TF.js'],
  ['jax', 'jax-js'],
  ['mathjs', 'mathjs'],
  ['pytorch', 'PyTorch'],
  ['pytorch-scalar', 'PyTorch'],
];

/** "difflab against hand-written loops, TF.js, jax-js and mathjs", naming the peers that took part. */
function titleOf(r: PeerResults): string {
  const ids = new Set(r.contenders.map((c) => c.id));
  const names = [...new Set(PEER_NAMES.filter(([id]) => ids.has(id)).map(([, name]) => name))];
  const all = ['hand-written loops', ...names];
  const list = all.length === 1 ? all[0] : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
  return `Peers: difflab against ${list}`;
}

/** The whole peer benchmark as a Markdown document. */
export function peersMarkdown(r: PeerResults): string {
  const K = formatK(r.settings.headlineK);
  const packages = Object.entries(r.packages)
    .map(([name, v]) => `${name} ${v}`)
    .join(', ');
  const lines = [
    `# ${titleOf(r)}`,
    '',
    `Median time of one call divided by the median time of the hand-written JavaScript loop that evaluates f, ` +
      `at K = ${K} (where a contender's budget stopped it earlier, at the largest K it finished). All in one ` +
      `process, single-threaded, timed with tinybench; every answer checked against the workload's reference ` +
      `gradient before it is timed.`,
    '',
    ...(r.contenders.some((c) => c.id.startsWith('pytorch'))
      ? [
          'PyTorch runs in a Python child process (one thread, float64) and times its own calls with ' +
            '`time.perf_counter`, a batch of calls back to back per request: the round trip between the ' +
            'processes, and reading its gradient back into JavaScript, are not in its times (the peers in this ' +
            'process include reading their gradient into a typed array).',
          '',
        ]
      : []),
    ...headlineTable(r, 'ratio'),
    '',
    `Median times at K = ${K}:`,
    '',
    ...headlineTable(r, 'time'),
    '',
    ...fasterPeers(r),
    '## Every size',
    '',
  ];
  for (const w of r.settings.workloads) lines.push(`### ${w}`, '', ...detailTable(r, w), '');
  lines.push(
    '## Agreement with the reference',
    '',
    'Relative error ‖g − g_ref‖∞ / ‖g_ref‖∞ against the workload’s closed-form gradient (for f: against ' +
      'difflab’s interpreted evaluation). Tolerances: float64 1e-9; float64 arrays with float32 exp/log ' +
      '(jax-js) 1e-5; float32 (TF.js) 1e-3.',
    '',
    ...errorTable(r),
    '',
  );
  const n = notes(r);
  if (n.length > 0) lines.push('## Not run', '', ...n, '');
  lines.push(
    '## Settings',
    '',
    `- Sizes: ${r.settings.sizes.map(formatK).join(', ')}; headline K = ${K}; per-call budget ` +
      `${formatTime(r.settings.callBudgetMs)} (a contender whose next size is projected past it stops).`,
    `- tinybench: ${r.settings.timing.timeMs} ms per measurement in ${r.settings.timing.rounds} rounds that ` +
      `visit every contender in turn, ${r.settings.timing.warmupMs} ms of warm-up per round, calls batched to ` +
      `≥ ${r.settings.timing.minSampleMs} ms per sample; calls slower than ${formatTime(r.settings.timing.slowMs)} ` +
      `timed directly, up to ${r.settings.timing.slowSamples} times within ${formatTime(r.settings.timing.slowTotalMs)}.`,
    `- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node} ` +
      `(${r.machine.platform}). Packages: ${packages}.`,
    `- Run: ${r.createdAt}, ${r.seconds.toFixed(0)} s.`,
    '',
  );
  return lines.join('\n');
}

export const PEERS_CSV_COLUMNS = [
  'workload',
  'K',
  'contender',
  'label',
  'computes',
  'precision',
  'status',
  'error',
  'tolerance',
  'median_ms',
  'ratio_to_hand_f',
  'samples',
  'batch',
  'note',
] as const;

/** Every measurement as CSV (RFC 4180). */
export function peersCsv(r: PeerResults): string {
  const info = new Map(r.contenders.map((c) => [c.id, c]));
  return csvText(
    PEERS_CSV_COLUMNS,
    r.measurements.map((m) => {
      const c = info.get(m.contender);
      return [
        m.workload,
        m.K,
        m.contender,
        c?.label ?? '',
        c?.computes ?? '',
        c?.precision ?? '',
        m.status,
        m.error ?? null,
        m.tolerance ?? null,
        m.median ?? null,
        m.ratio ?? null,
        m.samples ?? null,
        m.batch ?? null,
        m.note ?? '',
      ];
    }),
  );
}

/**
 * `peers-ratio`: a dot plot of the ratio to the hand-written f at the headline K, one row per contender and
 * one dot per workload (log scale). `peers-time`: median time against K per contender, one panel per workload (log–log).
 */
export function peersCharts(r: PeerResults): Record<string, ChartSpec> {
  const label = new Map(r.contenders.map((c) => [c.id, c.label]));
  const order = r.contenders.map((c) => c.label);
  const K = r.settings.headlineK;
  const bars = r.measurements
    .filter((m) => m.K === K && m.status === 'timed' && m.ratio !== undefined && m.contender !== 'hand-f')
    .map((m) => ({ workload: m.workload, contender: label.get(m.contender), ratio: m.ratio }));
  const points = r.measurements
    .filter((m) => m.status === 'timed' && m.median !== undefined && m.median > 0)
    .map((m) => ({ workload: m.workload, K: m.K, contender: label.get(m.contender), median: m.median }));
  const color = {
    field: 'contender',
    type: 'nominal' as const,
    scale: { domain: order },
    legend: { title: 'contender' },
  };
  return {
    'peers-ratio': {
      $schema: VEGA_LITE_SCHEMA,
      title: `Time ÷ hand-written f at K = ${formatK(K)} (log scale; left is faster)`,
      width: 420,
      height: { step: 22 },
      data: { values: bars },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        y: { field: 'contender', type: 'nominal', sort: order, title: null },
        x: { field: 'ratio', type: 'quantitative', scale: { type: 'log' }, title: 'time ÷ hand-written f' },
        color: {
          field: 'workload',
          type: 'nominal',
          sort: r.settings.workloads,
          legend: { title: 'workload' },
        },
        shape: { field: 'workload', type: 'nominal', sort: r.settings.workloads },
        tooltip: [
          { field: 'workload', type: 'nominal' },
          { field: 'contender', type: 'nominal' },
          { field: 'ratio', type: 'quantitative', format: '.3~g' },
        ],
      },
    } as ChartSpec,
    'peers-time': {
      $schema: VEGA_LITE_SCHEMA,
      title: 'Median time of one call against K (log–log)',
      data: { values: points },
      facet: { field: 'workload', type: 'nominal', sort: r.settings.workloads, title: null },
      columns: 2,
      spec: {
        width: 260,
        height: 200,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'K', type: 'quantitative', scale: { type: 'log' }, title: 'K' },
          y: { field: 'median', type: 'quantitative', scale: { type: 'log' }, title: 'median time (ms)' },
          color,
          tooltip: [
            { field: 'contender', type: 'nominal' },
            { field: 'K', type: 'quantitative' },
            { field: 'median', type: 'quantitative', format: '.3~g', title: 'ms' },
          ],
        },
      },
    } as ChartSpec,
  };
}
