/** The accuracy section: finite differences' error against the step, and every method's error per workload. */
import type { Finding, ReportSection } from '../../section.js';
import { formatError } from '../../table.js';
import { chartList } from '../../views.js';
import {
  type AccuracySection,
  accuracyCharts,
  accuracyCsv,
  accuracyMarkdown,
  runAccuracy,
} from './accuracy.js';

/** Each method's worst gradient error over the workloads, at its default settings, exact methods first. */
export function accuracyFindings(s: AccuracySection): Finding[] {
  const worst = new Map<string, number>();
  for (const m of s.methods)
    if (m.error !== null) worst.set(m.method, Math.max(worst.get(m.method) ?? 0, m.error));
  if (worst.size === 0) return [];
  const sorted = [...worst].sort((a, b) => a[1] - b[1]);
  const workloads = new Set(s.methods.map((m) => m.workload)).size;
  return [
    {
      text:
        `Worst relative gradient error over ${workloads} workloads at default settings: ` +
        `${sorted.map(([m, e]) => `${m} ${formatError(e)}`).join(', ')}.`,
    },
  ];
}

export const accuracySection: ReportSection<AccuracySection> = {
  name: 'accuracy',
  title: 'Accuracy: finite differences against exact derivatives',
  byDefault: true,
  run: runAccuracy,
  markdown: accuracyMarkdown,
  csv: accuracyCsv,
  charts: (s) => chartList(accuracyCharts(s)),
  findings: accuracyFindings,
};
