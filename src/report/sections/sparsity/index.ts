/**
 * The sparsity section: per sparse workload and size K, the colours a compressed Jacobian or Hessian needs and
 * what it costs (sweeps, operations, time) against dense forward and reverse mode. Dense mode runs up to a
 * size where it is affordable; past it, its sweeps and operations are the counts its methods report (n tangent
 * directions, m adjoint sweeps, n Hessian-vector products: see `denseCost`), and its time is not measured.
 */
import { defaultChunk, forward } from '../../../forward/index.js';
import { type Program, programCost } from '../../../ir/index.js';
import { hessian, reverse } from '../../../reverse/index.js';
import { sparseHessian, sparseJacobian } from '../../../sparse/compressed.js';
import { type SparseWorkload, sparseWorkload, sparseWorkloads } from '../../../sparse/workloads.js';
import { adjointOps, storesPartials } from '../../../sweeps/index.js';
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../../chart.js';
import { growSizes, Progress, timed } from '../../harness.js';
import type { Finding, ReportSection, SectionChart, SectionOptions } from '../../section.js';
import { csvText, mdTable } from '../../table.js';

/** How a row's derivative was computed. */
export type SparsityMethod =
  | 'sparse forward'
  | 'sparse reverse'
  | 'sparse hvp'
  | 'dense forward'
  | 'dense reverse'
  | 'dense hvp';

export interface SparsityRow {
  workload: string;
  kind: 'jacobian' | 'hessian';
  /** Inputs n. */
  n: number;
  /** Outputs m (1 for a Hessian). */
  m: number;
  /** Structural nonzeros of the Jacobian or Hessian. */
  nnz: number;
  method: SparsityMethod;
  /** Colours of the compressed method (undefined for dense). */
  colours?: number;
  /** Derivative directions: tangent directions, adjoint sweeps or Hessian-vector products. */
  directions: number;
  /** Deterministic operation count (the methods' own `stats.ops`). */
  ops: number;
  /** Wall-clock ms of the derivative (sparse: pattern and colouring included); undefined when not run. */
  timeMs?: number;
}

export interface SparsityResult {
  rows: SparsityRow[];
  /** The largest K at which dense mode ran. */
  denseLimit: number;
  stopped: boolean;
}

const SIZES = [100, 1000, 10_000, 100_000];
const QUICK_SIZES = [100, 1000];
const DENSE_LIMIT = 2000;
const QUICK_DENSE_LIMIT = 500;

/**
 * Dense mode's directions and operations for `f`, as the methods count them: forward mode carries n directions
 * in ⌈n/chunk⌉ sweeps, reverse mode one recording and m adjoint sweeps, the Hessian n Hessian-vector products.
 */
export function denseCost(
  f: Program,
  method: 'dense forward' | 'dense reverse' | 'dense hvp',
): { directions: number; ops: number } {
  const { nodes, edges } = programCost(f);
  const n = f.variables.length;
  const m = f.outputs.length;
  if (method === 'dense forward') {
    const sweeps = Math.ceil(n / defaultChunk(n));
    return { directions: n, ops: sweeps * (nodes + edges) + n * edges };
  }
  // Reverse mode stores the partials once for its m sweeps where it can (sweeps/interpret/stored.ts).
  if (method === 'dense reverse')
    return { directions: m, ops: adjointOps(f, m, storesPartials(f, m, 'interpret', false)) };
  return { directions: n, ops: n * (2 * (nodes + edges) + 4 * edges) };
}

/** The rows of one workload at one size. */
function measure(w: SparseWorkload, K: number, runDense: boolean): SparsityRow[] {
  const f = w.build(K);
  const x = w.point(K);
  const n = f.variables.length;
  const m = f.outputs.length;
  const rows: SparsityRow[] = [];
  const base = { workload: w.name, kind: w.kind, n, m };
  if (w.kind === 'hessian') {
    const { value: s, ms: time } = timed(() => sparseHessian(f, x));
    const nnz = s.colIndex.length;
    rows.push({
      ...base,
      nnz,
      method: 'sparse hvp',
      colours: s.colourCount,
      directions: s.sweeps,
      ops: s.stats.ops,
      timeMs: time,
    });
    const dense = runDense ? hessian(f, x).stats : undefined;
    rows.push({
      ...base,
      nnz,
      method: 'dense hvp',
      ...denseCost(f, 'dense hvp'),
      ...(dense ? { ops: dense.ops, timeMs: dense.time } : {}),
    });
    return rows;
  }
  for (const mode of ['forward', 'reverse'] as const) {
    const { value: s, ms: time } = timed(() => sparseJacobian(f, x, { mode }));
    rows.push({
      ...base,
      nnz: s.colIndex.length,
      method: `sparse ${mode}`,
      colours: s.colourCount,
      directions: s.colourCount,
      ops: s.stats.ops,
      timeMs: time,
    });
  }
  const nnz = (rows[0] as SparsityRow).nnz;
  for (const method of ['dense forward', 'dense reverse'] as const) {
    const dense = runDense
      ? (method === 'dense forward' ? forward : reverse).jacobian(f, x).stats
      : undefined;
    rows.push({
      ...base,
      nnz,
      method,
      ...denseCost(f, method),
      ...(dense ? { ops: dense.ops, timeMs: dense.time } : {}),
    });
  }
  return rows;
}

/** Each workload grows K (`--sizes`) until measuring it has taken longer than `--budget`. */
async function run(options: SectionOptions): Promise<SparsityResult> {
  const sizes = options.sizes ?? (options.quick ? QUICK_SIZES : SIZES);
  const denseLimit = options.quick ? QUICK_DENSE_LIMIT : DENSE_LIMIT;
  const names = (options.workloads ?? Object.keys(sparseWorkloads)).filter(
    (w) => sparseWorkload(w) !== undefined,
  );
  const rows: SparsityRow[] = [];
  const progress = new Progress(names.length * sizes.length, options.onProgress);
  for (const name of names) {
    const w = sparseWorkload(name) as SparseWorkload;
    const grown = await growSizes(
      sizes,
      (K) => {
        rows.push(...measure(w, K, w.inputs(K) <= denseLimit));
        progress.step(`${name} K=${K}`);
      },
      options,
    );
    if (grown.budgetStop) {
      const { size, spentMs, dropped } = grown.budgetStop;
      progress.drop(dropped);
      options.onSkip?.(`sparsity: ${name} stopped at K = ${size} (${spentMs.toFixed(0)} ms > budget)`);
    }
    if (grown.aborted) return { rows, denseLimit, stopped: true };
  }
  return { rows, denseLimit, stopped: false };
}

const fmt = (x: number | undefined): string =>
  x === undefined ? '—' : x >= 1e5 ? x.toExponential(2) : String(x);
const ms = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(x < 10 ? 2 : 0));

function markdown(r: SparsityResult): string {
  const lines = [
    'A compressed derivative needs one sweep per colour: columns of one colour share no row (forward mode), rows',
    'of one colour share no column (reverse mode), and a star colouring recovers a Hessian directly from one',
    'Hessian-vector product per colour. Dense forward mode needs n tangent directions, reverse mode m adjoint',
    `sweeps, the Hessian n products. Operations are the methods' own counts; dense mode runs up to n = ${r.denseLimit}`,
    '(— marks a time not measured; its operations are then the same counts, from the program).',
    '',
    ...mdTable(
      ['workload', 'n', 'm', 'nnz', 'method', 'colours', 'directions', 'operations', 'time (ms)'],
      r.rows.map((row) => [
        row.workload,
        String(row.n),
        String(row.m),
        String(row.nnz),
        row.method,
        row.colours === undefined ? '—' : String(row.colours),
        String(row.directions),
        fmt(row.ops),
        ms(row.timeMs),
      ]),
      (i) => i !== 0 && i !== 4,
    ),
  ];
  if (r.stopped) lines.push('', 'The run was stopped: the table holds what was measured until then.');
  return `${lines.join('\n')}\n`;
}

function csv(r: SparsityResult): string {
  if (r.rows.length === 0) return '';
  return csvText(
    ['workload', 'kind', 'n', 'm', 'nnz', 'method', 'colours', 'directions', 'ops', 'time_ms'],
    r.rows.map((row) => [
      row.workload,
      row.kind,
      row.n,
      row.m,
      row.nnz,
      row.method,
      row.colours ?? null,
      row.directions,
      row.ops,
      row.timeMs ?? null,
    ]),
  );
}

function charts(r: SparsityResult): SectionChart[] {
  const names = [...new Set(r.rows.map((row) => row.workload))];
  return names.map((name) => {
    const values = r.rows
      .filter((row) => row.workload === name)
      .map((row) => ({ n: row.n, ops: row.ops, method: row.method }));
    const spec = {
      $schema: VEGA_LITE_SCHEMA,
      title: `${name}: operations against n (log-log), sparse and dense`,
      width: 420,
      height: 280,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'n', type: 'quantitative', scale: { type: 'log' }, title: 'n (inputs)' },
        y: { field: 'ops', type: 'quantitative', scale: { type: 'log' }, title: 'operations' },
        color: { field: 'method', type: 'nominal', legend: { title: 'method' } },
        strokeDash: { field: 'method', type: 'nominal' },
        tooltip: [
          { field: 'method', type: 'nominal' },
          { field: 'n', type: 'quantitative' },
          { field: 'ops', type: 'quantitative', title: 'operations' },
        ],
      },
    } as ChartSpec;
    return {
      name: `sparsity-${name}`,
      caption: `${name}: the compressed derivative's operations grow like n (a fixed number of colours), dense mode's like n².`,
      spec,
    };
  });
}

/** Colours the theory fixes for a workload at n ≥ 4: a tridiagonal pattern needs 3. */
const THEORY: Readonly<Record<string, number>> = { bratu: 3, rosenbrock: 3 };

function findings(r: SparsityResult): Finding[] {
  const out: Finding[] = [];
  for (const [name, expected] of Object.entries(THEORY)) {
    const sparse = r.rows.filter((row) => row.workload === name && row.colours !== undefined && row.n >= 4);
    if (sparse.length === 0) continue;
    const counts = [...new Set(sparse.map((row) => row.colours))];
    const nMax = Math.max(...sparse.map((row) => row.n));
    out.push({
      text: `${name}: ${counts.join(', ')} colour${counts.length === 1 && counts[0] === 1 ? '' : 's'} at every n up to ${nMax} (theory for a tridiagonal pattern: ${expected})`,
      verdict: counts.length === 1 && counts[0] === expected ? 'holds' : 'fails',
    });
  }
  // At each workload's largest n: how many times fewer operations than the cheaper dense mode.
  for (const name of new Set(r.rows.map((row) => row.workload))) {
    const own = r.rows.filter((row) => row.workload === name);
    const nMax = Math.max(...own.map((row) => row.n));
    const at = own.filter((row) => row.n === nMax);
    const best = (prefix: string) =>
      Math.min(...at.filter((row) => row.method.startsWith(prefix)).map((row) => row.ops));
    const ratio = best('dense') / best('sparse');
    out.push({
      text: `${name} at n = ${nMax}: the compressed derivative costs ${ratio.toPrecision(3)}× fewer operations than the cheaper dense mode`,
      verdict: ratio > 1 ? 'holds' : 'fails',
    });
  }
  return out;
}

export const sparsity: ReportSection<SparsityResult> = {
  name: 'sparsity',
  title: 'Sparse Jacobians and Hessians by colouring',
  byDefault: true,
  run,
  markdown,
  csv,
  charts,
  findings,
};
