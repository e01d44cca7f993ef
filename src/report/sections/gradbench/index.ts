/** The GradBench section: the standard AD benchmarks by every method, derivative time over primal time. */
import type { Finding, ReportSection } from '../../section.js';
import { chartList } from '../../views.js';
import {
  type GradbenchSection,
  gradbenchCharts,
  gradbenchCsv,
  gradbenchMarkdown,
  runGradbench,
} from './gradbench.js';

/** Reverse mode's derivative/primal ratios: the range over the evals, and how many ran. */
export function gradbenchFindings(s: GradbenchSection): Finding[] {
  const rows = s.rows.filter((r) => r.method === 'reverse' && r.ratio !== undefined && r.ratio > 0);
  if (rows.length === 0) return [];
  const sorted = [...rows].sort((a, b) => (a.ratio as number) - (b.ratio as number));
  const lo = sorted[0] as (typeof rows)[number];
  const hi = sorted[sorted.length - 1] as (typeof rows)[number];
  const fmt = (r: typeof lo) =>
    `${(r.ratio as number).toPrecision(3)}× (${r.eval} ${r.function}, ${r.sizes})`;
  return [
    {
      text:
        `GradBench, reverse mode: derivative time over primal time from ${fmt(lo)} to ${fmt(hi)} ` +
        `over ${new Set(rows.map((r) => r.eval)).size} evals.`,
    },
  ];
}

export const gradbenchSection: ReportSection<GradbenchSection> = {
  name: 'gradbench',
  title: 'GradBench: the standard AD benchmarks, derivative time over primal time',
  byDefault: true,
  run: (o) =>
    runGradbench({ quick: o.quick, signal: o.signal, methods: o.methods, onProgress: o.onProgress }),
  markdown: gradbenchMarkdown,
  csv: gradbenchCsv,
  charts: (s) => chartList(gradbenchCharts(s)),
  findings: gradbenchFindings,
};
