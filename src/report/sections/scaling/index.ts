/** The scaling section: the cost of a full gradient against K by each method, with fitted power laws. */
import type { Finding, ReportSection } from '../../section.js';
import { chartList, power } from '../../views.js';
import {
  runScaling,
  type ScalingFit,
  type ScalingSection,
  scalingCharts,
  scalingCsv,
  scalingMarkdown,
} from './scaling.js';

/** Reverse mode first (it is the claim: a gradient for the cost of a few evaluations), then forward, numeric, symbolic. */
const ORDER = ['reverse', 'forward', 'numeric', 'symbolic'];

/** `reverse K^1.01, forward K^1.98` */
function exponents(fits: readonly ScalingFit[]): string {
  return [...fits]
    .sort((a, b) => ORDER.indexOf(a.method) - ORDER.indexOf(b.method))
    .map((f) => `${f.method} ${power('K', f.exponent)}`)
    .join(', ');
}

/**
 * Per workload with expected exponents (reverse O(K), forward, numeric and symbolic O(K²)): the fitted
 * exponents of the operation counts and of the time. The claim holds when every fit over large enough K agrees
 * with its expectation; a fit over small K only (it carries a note) is shown but not judged: constant terms,
 * timer noise and warm-up dominate there.
 */
export function scalingFindings(s: ScalingSection): Finding[] {
  const findings: Finding[] = [];
  for (const workload of [...new Set(s.fits.map((f) => f.workload))]) {
    const of = (quantity: ScalingFit['quantity']) =>
      s.fits.filter((f) => f.workload === workload && f.quantity === quantity && f.expected !== undefined);
    const ops = of('ops');
    const time = of('time');
    if (ops.length === 0 && time.length === 0) continue;
    const expected = [...ops, ...time]
      .filter((f, i, all) => all.findIndex((g) => g.method === f.method) === i)
      .sort((a, b) => ORDER.indexOf(a.method) - ORDER.indexOf(b.method))
      .map((f) => `${f.method} K^${f.expected}`)
      .join(', ');
    const judged = [...ops, ...time].filter((f) => f.note === undefined);
    const small = (fits: readonly ScalingFit[]) =>
      fits.some((f) => f.note !== undefined) ? ' (small K only: not judged)' : '';
    const parts = [
      ops.length > 0 ? `operations grow as ${exponents(ops)}${small(ops)}` : '',
      time.length > 0 ? `time as ${exponents(time)}${small(time)}` : '',
    ].filter((p) => p !== '');
    const finding: Finding = {
      text: `${workload}: a full gradient's ${parts.join('; ')} (expected ${expected}).`,
    };
    if (judged.length > 0) finding.verdict = judged.every((f) => f.agrees) ? 'holds' : 'fails';
    findings.push(finding);
  }
  return findings;
}

export const scalingSection: ReportSection<ScalingSection> = {
  name: 'scaling',
  title: 'Scaling: the cost of a full gradient against K',
  byDefault: true,
  run: runScaling,
  markdown: scalingMarkdown,
  csv: scalingCsv,
  charts: (s) => chartList(scalingCharts(s)),
  findings: scalingFindings,
};
