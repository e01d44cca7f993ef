/** The swell section: expression sizes of derivatives (mathjs trees, the graph DAG, the tape) against size. */
import { workloads } from '../../../workloads/index.js';
import type { Finding, ReportSection } from '../../section.js';
import { chartList } from '../../views.js';
import {
  formatFit,
  runSwell,
  SWELL_WORKLOADS,
  type SwellSection,
  swellCharts,
  swellCsv,
  swellMarkdown,
} from './swell.js';

/** How a fitted growth compares: an exponential outgrows any power law, and a larger exponent a smaller. */
function faster(a: { model: string; parameter: number }, b: { model: string; parameter: number }): boolean {
  if (a.model !== b.model) return a.model === 'exponential';
  return a.parameter > b.parameter + 0.05;
}

/**
 * Per workload, how mathjs's derivative tree grows beside the graph derivative's DAG and the reverse tape; the
 * claim tested is that the tree grows faster than the DAG (the swell sharing avoids).
 */
export function swellFindings(s: SwellSection): Finding[] {
  const findings: Finding[] = [];
  for (const workload of [...new Set(s.fits.map((f) => f.workload))]) {
    const fitOf = (column: string) => s.fits.find((f) => f.workload === workload && f.column === column);
    const tree = fitOf('mathjsTree');
    const dag = fitOf('graphDag');
    if (tree === undefined || dag === undefined) continue;
    const x = workloads[workload]?.kind === 'depth' ? 'n' : 'K';
    const tape = fitOf('tape');
    findings.push({
      text:
        `${workload}: mathjs's derivative tree grows as ${formatFit(tree, x)}, the graph derivative's DAG as ` +
        `${formatFit(dag, x)}${tape ? ` and the reverse tape as ${formatFit(tape, x)}` : ''}.`,
      verdict: faster(tree, dag) ? 'holds' : 'fails',
    });
  }
  return findings;
}

export const swellSection: ReportSection<SwellSection> = {
  name: 'swell',
  title: 'Expression swell: trees against DAGs',
  byDefault: true,
  async run(o) {
    const names = o.workloads?.filter((w) => workloads[w] !== undefined) ?? SWELL_WORKLOADS;
    if (names.length === 0) {
      o.onSkip?.(`swell: none of the workloads ${o.workloads?.join(', ')} is a registered workload; skipped`);
      return undefined;
    }
    const sizes = o.sizes;
    return runSwell({
      quick: o.quick,
      signal: o.signal,
      onProgress: o.onProgress,
      workloads: names,
      // One list of sizes for every workload: K for a size workload, the depth n for a depth workload.
      sizes: sizes && Object.fromEntries(names.map((w) => [w, sizes])),
      budgetMs: o.budgetMs,
    });
  },
  markdown: swellMarkdown,
  csv: swellCsv,
  charts: (s) => chartList(swellCharts(s)),
  findings: swellFindings,
};
