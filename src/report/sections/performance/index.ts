/** The performance section: reverse mode against the function on each backend, forward mode, a large K. */
import type { Finding, ReportSection } from '../../section.js';
import { chartList } from '../../views.js';
import {
  CHEAP_BOUND,
  type PerformanceSection,
  performanceCharts,
  performanceCsv,
  performanceMarkdown,
  runPerformance,
} from './performance.js';

/** The cheap-gradient claim: a reverse-mode gradient costs at most {@link CHEAP_BOUND} evaluations of f. */
export function performanceFindings(s: PerformanceSection): Finding[] {
  if (s.cheap.length === 0) return [];
  const worst = s.cheap.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  return [
    {
      text:
        `Cheap gradient: a reverse-mode gradient takes at most ${worst.ratio.toFixed(2)}× the time of f ` +
        `(${worst.workload}, K = ${worst.K}, ${worst.backend}; bound ${CHEAP_BOUND}×).`,
      verdict: worst.ratio <= CHEAP_BOUND ? 'holds' : 'fails',
    },
  ];
}

export const performanceSection: ReportSection<PerformanceSection> = {
  name: 'performance',
  title: 'Performance: reverse mode against the function, on each backend',
  byDefault: true,
  run: runPerformance,
  markdown: performanceMarkdown,
  csv: performanceCsv,
  charts: (s) => chartList(performanceCharts(s)),
  findings: performanceFindings,
};
