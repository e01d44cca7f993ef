/**
 * The native section: GradBench's C++ reference (hand-written derivatives) beside difflab's reverse mode on
 * each backend, on the same inputs and run counts. Built from the measurements alone (no `node:` imports: the
 * report sections run in a browser too); the measuring is `runNativeComparison` in `gradbench/native`.
 */
import { type Displayable, displaySection } from '../../../display/mime.js';
import type { NativeComparison, NativeMeasurement } from '../../../gradbench/native.js';
import type { Backend } from '../../../ir/differentiator.js';
import { median } from '../../harness.js';
import { csvText, mdTable } from '../../table.js';

/** The section as the results hold it. */
export type NativeSection = NativeComparison;

/** One backend's side of a row: difflab's medians, their ratios to the C++ ones, and J/F. */
export interface NativeBackendCell {
  primalNs?: number;
  derivativeNs?: number;
  /** difflab's primal time ÷ the C++ primal time. */
  primalRatio?: number;
  /** difflab's derivative time ÷ the C++ derivative time. */
  derivativeRatio?: number;
  /** difflab's derivative time ÷ its primal time. */
  jf?: number;
  /** Both functions' outputs agree with the C++ ones by GradBench's rule (undefined: not compared). */
  agree?: boolean;
  error?: string;
}

/** One workload and derivative function: the C++ medians and J/F, and each backend's cell. */
export interface NativeRow {
  eval: string;
  /** The sizes, e.g. `n=17,m=8`. */
  workload: string;
  function: string;
  nativePrimalNs?: number;
  nativeDerivativeNs?: number;
  nativeJf?: number;
  nativeError?: string;
  backends: Partial<Record<Backend, NativeBackendCell>>;
}

/** Per eval, the medians over its workloads of each ratio. */
export interface NativeSummaryRow {
  eval: string;
  workloads: number;
  nativeJf?: number;
  backends: Partial<Record<Backend, { primalRatio?: number; derivativeRatio?: number; jf?: number }>>;
}

const sizesLabel = (s: Record<string, number>) =>
  Object.entries(s)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? a / b : undefined;

/**
 * The table's rows: each derivative function paired with the primal of the same workload (the eval's
 * primal, measured just before it), the C++ side and each backend side by side.
 */
export function nativeRows(ms: readonly NativeMeasurement[], backends: readonly Backend[]): NativeRow[] {
  const rows: NativeRow[] = [];
  let primal: NativeMeasurement | undefined;
  for (const m of ms) {
    const workload = sizesLabel(m.sizes);
    if (m.role === 'primal') {
      primal = m;
      continue;
    }
    const p =
      primal !== undefined && primal.eval === m.eval && sizesLabel(primal.sizes) === workload
        ? primal
        : undefined;
    const row: NativeRow = { eval: m.eval, workload, function: m.function, backends: {} };
    const nativeError = m.native.error ?? p?.native.error;
    if (nativeError !== undefined) row.nativeError = nativeError;
    if (p?.native.medianNs !== undefined) row.nativePrimalNs = p.native.medianNs;
    if (m.native.medianNs !== undefined) row.nativeDerivativeNs = m.native.medianNs;
    const nativeJf = ratio(row.nativeDerivativeNs, row.nativePrimalNs);
    if (nativeJf !== undefined) row.nativeJf = nativeJf;
    for (const b of backends) {
      const d = m.difflab[b];
      const q = p?.difflab[b];
      if (d === undefined && q === undefined) continue;
      const cell: NativeBackendCell = {};
      if (q?.medianNs !== undefined) cell.primalNs = q.medianNs;
      if (d?.medianNs !== undefined) cell.derivativeNs = d.medianNs;
      const values: [keyof NativeBackendCell, number | undefined][] = [
        ['primalRatio', ratio(cell.primalNs, row.nativePrimalNs)],
        ['derivativeRatio', ratio(cell.derivativeNs, row.nativeDerivativeNs)],
        ['jf', ratio(cell.derivativeNs, cell.primalNs)],
      ];
      for (const [k, v] of values) if (v !== undefined) (cell as Record<string, number>)[k] = v;
      const agrees = [q?.agree, d?.agree];
      if (agrees.some((a) => a === false)) cell.agree = false;
      else if (agrees.every((a) => a === true)) cell.agree = true;
      const error = q?.error ?? d?.error;
      if (error !== undefined) cell.error = error;
      row.backends[b] = cell;
    }
    rows.push(row);
  }
  return rows;
}

/** Per eval, the median over its workloads of each ratio (÷ C++ and J/F). */
export function nativeSummary(rows: readonly NativeRow[], backends: readonly Backend[]): NativeSummaryRow[] {
  const evals = [...new Set(rows.map((r) => r.eval))];
  return evals.map((ev) => {
    const of = rows.filter((r) => r.eval === ev);
    const pick = (f: (r: NativeRow) => number | undefined) => {
      const xs = of.map(f).filter((x): x is number => x !== undefined);
      return xs.length === 0 ? undefined : median(xs);
    };
    const s: NativeSummaryRow = { eval: ev, workloads: of.length, backends: {} };
    const nativeJf = pick((r) => r.nativeJf);
    if (nativeJf !== undefined) s.nativeJf = nativeJf;
    for (const b of backends) {
      const cell: { primalRatio?: number; derivativeRatio?: number; jf?: number } = {};
      for (const k of ['primalRatio', 'derivativeRatio', 'jf'] as const) {
        const v = pick((r) => r.backends[b]?.[k]);
        if (v !== undefined) cell[k] = v;
      }
      s.backends[b] = cell;
    }
    return s;
  });
}

/** A time in ns as s, ms or µs, three significant digits. */
export function fmtNs(ns: number | undefined): string {
  if (ns === undefined) return '–';
  if (ns >= 1e9) return `${(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e3).toPrecision(3)} µs`;
}

/** A ratio: two significant digits below 1 (det's 0.00081 is not 0.00), two decimals below 10, whole numbers above. */
export function fmtRatio(r: number | undefined): string {
  if (r === undefined) return '–';
  if (r < 1) return r.toPrecision(2);
  return r < 10 ? r.toFixed(2) : Math.round(r).toLocaleString('en-US');
}

const withRatio = (ns: number | undefined, r: number | undefined) =>
  ns === undefined ? '–' : r === undefined ? fmtNs(ns) : `${fmtNs(ns)} (${fmtRatio(r)}×)`;

const agreeCell = (cells: (NativeBackendCell | undefined)[]) => {
  if (cells.some((c) => c?.agree === false)) return 'no';
  if (cells.every((c) => c?.agree === true)) return 'yes';
  return 'not compared';
};

/** The per-workload table as Markdown lines. */
export function nativeTable(rows: readonly NativeRow[], backends: readonly Backend[]): string[] {
  const header = ['eval', 'workload', 'C++ primal', 'C++ derivative', 'C++ J/F'];
  for (const b of backends) header.push(`${b} primal (÷ C++)`, `${b} derivative (÷ C++)`, `${b} J/F`);
  header.push('outputs agree');
  const body = rows.map((r) => {
    const cells = [
      r.eval,
      r.workload,
      fmtNs(r.nativePrimalNs),
      fmtNs(r.nativeDerivativeNs),
      fmtRatio(r.nativeJf),
    ];
    for (const b of backends) {
      const c = r.backends[b];
      cells.push(
        withRatio(c?.primalNs, c?.primalRatio),
        withRatio(c?.derivativeNs, c?.derivativeRatio),
        fmtRatio(c?.jf),
      );
    }
    const errors = [
      r.nativeError && `C++: ${r.nativeError}`,
      ...backends.map((b) => r.backends[b]?.error && `${b}: ${r.backends[b]?.error}`),
    ];
    const agreed = agreeCell(backends.map((b) => r.backends[b]));
    cells.push([agreed, ...errors.filter((e) => e)].join('; '));
    return cells;
  });
  return mdTable(header, body, (i) => i >= 2 && i < header.length - 1);
}

/** The per-eval summary as Markdown lines. */
export function nativeSummaryTable(
  summary: readonly NativeSummaryRow[],
  backends: readonly Backend[],
): string[] {
  const header = ['eval', 'workloads'];
  for (const b of backends) header.push(`${b} primal ÷ C++`, `${b} derivative ÷ C++`);
  header.push('C++ J/F', ...backends.map((b) => `${b} J/F`));
  const body = summary.map((s) => [
    s.eval,
    String(s.workloads),
    ...backends.flatMap((b) => [
      fmtRatio(s.backends[b]?.primalRatio),
      fmtRatio(s.backends[b]?.derivativeRatio),
    ]),
    fmtRatio(s.nativeJf),
    ...backends.map((b) => fmtRatio(s.backends[b]?.jf)),
  ]);
  return mdTable(header, body, (i) => i >= 1);
}

/** The share of a function's timed calls that difflab's thread spent waiting for a CPU above which it is listed. */
export const WAIT_LISTED = 0.1;

/**
 * The functions whose timed calls waited for a CPU (another process held it) more than {@link WAIT_LISTED} of
 * the time, with their CPU time a call: their wall-clock medians grew with the load, their CPU time did not.
 */
export function nativeWaits(ms: readonly NativeMeasurement[], backends: readonly Backend[]): string[] {
  const out: string[] = [];
  for (const m of ms) {
    for (const b of backends) {
      const d = m.difflab[b];
      if (d?.cpuNs === undefined || d.waitNs === undefined || d.cpuNs + d.waitNs <= 0) continue;
      const share = d.waitNs / (d.cpuNs + d.waitNs);
      if (share <= WAIT_LISTED) continue;
      out.push(
        `${m.eval} ${sizesLabel(m.sizes)} ${m.function} ${b}: waited ${Math.round(share * 100)}% of its time; CPU ${fmtNs(d.cpuNs)} a call`,
      );
    }
  }
  return out;
}

/** The section as Markdown: what was run, the per-eval medians, then every workload. */
export function nativeMarkdown(s: NativeSection): string {
  const { backends } = s.settings;
  const rows = nativeRows(s.measurements, backends);
  const runs = `at least ${s.settings.minRuns} calls and ${s.settings.minSeconds} s per function`;
  const lines = [
    'GradBench’s C++ reference tool (hand-written derivatives, built with GradBench’s flags, single-threaded)',
    `beside difflab’s reverse mode on each backend, on the same generated inputs at GradBench’s ${s.settings.quick ? 'small (quick)' : 'default'}`,
    `sizes (ht: hands of GradBench’s default variant, complicated on the big model, read from its data); both sides ${runs}, medians of the calls’ own timings (difflab’s first call, which generates the`,
    'compiled code, untimed). “÷ C++” is difflab’s time over the C++ time; J/F is derivative time over primal',
    'time on each side. Outputs agree when difflab’s pass GradBench’s check with the C++ outputs as golden.',
    'ode’s C++ derivative is a closed form rather than the derivative of the RK4 steps, so only its J/F compares;',
    'det’s times do not compare either (difflab shares equal minors, the C++ expansion does not).',
    `Load average at the start: ${s.settings.loadAverage.join(', ')}.`,
    ...(s.settings.skipped ?? []).map((line) => `Not run: ${line}.`),
    '',
    '### Medians per eval',
    '',
    ...nativeSummaryTable(nativeSummary(rows, backends), backends),
    '',
    '### Every workload',
    '',
    ...nativeTable(rows, backends),
  ];
  const waits = nativeWaits(s.measurements, backends);
  if (waits.length > 0) {
    lines.push(
      '',
      'difflab’s thread waited for a CPU held by another process (its wall-clock times above grew with the load, its CPU time did not):',
      '',
      ...waits.map((w) => `- ${w}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The rows as CSV. */
export function nativeCsv(s: NativeSection): string {
  const { backends } = s.settings;
  const rows = nativeRows(s.measurements, backends);
  const header = ['eval', 'workload', 'function', 'cpp_primal_ns', 'cpp_derivative_ns', 'cpp_jf'];
  for (const b of backends)
    header.push(
      `${b}_primal_ns`,
      `${b}_derivative_ns`,
      `${b}_primal_ratio`,
      `${b}_derivative_ratio`,
      `${b}_jf`,
      `${b}_agree`,
    );
  return csvText(
    header,
    rows.map((r) => [
      r.eval,
      r.workload,
      r.function,
      r.nativePrimalNs ?? null,
      r.nativeDerivativeNs ?? null,
      r.nativeJf ?? null,
      ...backends.flatMap((b) => {
        const c = r.backends[b];
        return [
          c?.primalNs ?? null,
          c?.derivativeNs ?? null,
          c?.primalRatio ?? null,
          c?.derivativeRatio ?? null,
          c?.jf ?? null,
          c?.agree === undefined ? null : String(c.agree),
        ];
      }),
    ]),
  );
}

/** Attaches the notebook display and `toString()` (its Markdown) to a section. */
export function displayNative(s: NativeSection): NativeSection & Displayable {
  return displaySection(s, nativeMarkdown, () => ({}));
}
