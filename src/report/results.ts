/**
 * One results object per run: serialisable to JSON with a version number, the machine and the settings, so two
 * runs can be compared. Each section's result sits under its name; the views (Markdown, CSV, charts, findings)
 * come from the sections in the registry.
 */
import { type Displayable, displayable } from '../display/mime.js';
import { finishChart } from './chart.js';
import { REPORT_SECTIONS } from './registry.js';
import type { Finding, ReportSection, SectionChart } from './section.js';
import type { AccuracySection } from './sections/accuracy/accuracy.js';
import type { GradbenchSection } from './sections/gradbench/gradbench.js';
import type { NativeSection } from './sections/native/native.js';
import type { PeersSection } from './sections/peers/index.js';
import type { PerformanceSection } from './sections/performance/performance.js';
import type { ScalingSection } from './sections/scaling/scaling.js';
import type { SwellSection } from './sections/swell/swell.js';

export type { PeersSection };

/** Bumped whenever the shape of {@link Results} changes. */
export const RESULTS_VERSION = 1;

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export interface Results {
  version: typeof RESULTS_VERSION;
  /** When the run started (ISO 8601). */
  createdAt: string;
  machine: MachineInfo;
  /** The options the run was made with. */
  settings: Record<string, unknown>;
  /** True when the run was stopped early (Ctrl-C): the sections hold what was measured until then. */
  interrupted: boolean;
  scaling?: ScalingSection;
  swell?: SwellSection;
  accuracy?: AccuracySection;
  gradbench?: GradbenchSection;
  performance?: PerformanceSection;
  peers?: PeersSection;
  /** GradBench's C++ reference beside difflab (only when its binaries were given). */
  native?: NativeSection;
  /** Any other section's result, under its name. */
  [section: string]: unknown;
}

/** A section present in the results: its name, title and views. */
export interface SectionView {
  name: string;
  title: string;
  markdown: string;
  csv: string;
  charts: SectionChart[];
  findings: Finding[];
}

/** The sections present in the results, in the order of `sections`, with their views. */
export function sectionViews(
  r: Results,
  sections: readonly ReportSection[] = REPORT_SECTIONS,
): SectionView[] {
  return sections.flatMap((s) => {
    const result = r[s.name];
    if (result === undefined || result === null) return [];
    return [
      {
        name: s.name,
        title: s.title,
        markdown: s.markdown(result),
        csv: s.csv(result),
        // Every section's charts get point shapes per series and legends that are not cut.
        charts: s.charts(result).map((c) => ({ ...c, spec: finishChart(c.spec) })),
        findings: s.findings(result),
      },
    ];
  });
}

/** Every section's findings, in report order: the report's summary. */
export function reportFindings(r: Results, sections: readonly ReportSection[] = REPORT_SECTIONS): Finding[] {
  return sectionViews(r, sections).flatMap((v) => v.findings);
}

/** A finding as one line of words: its verdict first, where it has one. */
export function findingText(f: Finding): string {
  return f.verdict === undefined ? f.text : `${f.verdict === 'holds' ? 'Holds' : 'Fails'}: ${f.text}`;
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens. */
export function headingSlug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** The machine, the run's date and whether it was interrupted, in one line. */
export function runLine(r: Results): string {
  const m = r.machine;
  return (
    `Run ${r.createdAt} on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), Node ${m.node}, ${m.platform}.` +
    (r.interrupted ? ' **Interrupted**: the tables hold what was measured before the stop.' : '')
  );
}

/**
 * The whole report as Markdown: the machine, a summary of every section's findings, a table of contents, each
 * section, and the settings last.
 */
export function reportMarkdown(r: Results, sections: readonly ReportSection[] = REPORT_SECTIONS): string {
  const views = sectionViews(r, sections);
  const findings = views.flatMap((v) => v.findings);
  const lines = ['# difflab benchmark report', '', runLine(r), ''];
  if (findings.length > 0) {
    lines.push('## Summary', '', ...findings.map((f) => `- ${findingText(f)}`), '');
  }
  if (views.length > 0) {
    lines.push('## Contents', '', ...views.map((v) => `- [${v.title}](#${headingSlug(v.title)})`), '');
  }
  for (const v of views) lines.push(`## ${v.title}`, '', v.markdown.trim(), '');
  lines.push('## Settings', '', `\`${JSON.stringify(r.settings)}\``, '');
  return `${lines.join('\n')}\n`;
}

/** The results as JSON text (bigints as decimal strings, typed arrays as arrays). */
export function resultsJson(r: Results): string {
  return `${JSON.stringify(
    r,
    (_k, v) =>
      typeof v === 'bigint' ? v.toString() : ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
    2,
  )}\n`;
}

/** Reads results JSON back, checking the version. The results and their sections display themselves. */
export function parseResults(
  text: string,
  sections: readonly ReportSection[] = REPORT_SECTIONS,
): Results & Displayable {
  const r = JSON.parse(text) as Results;
  if (r.version !== RESULTS_VERSION) {
    throw new Error(
      `results version ${String(r.version)} is not ${RESULTS_VERSION}: written by another difflab`,
    );
  }
  return displayResults(r, sections);
}

/**
 * Attaches the notebook display (the whole report: every section's tables and charts) and `toString()` (the
 * report's Markdown) to results, and each section's own display to its section's result; returns the results.
 */
export function displayResults(
  r: Results,
  sections: readonly ReportSection[] = REPORT_SECTIONS,
): Results & Displayable {
  for (const s of sections) {
    const result = r[s.name];
    if (result === null || typeof result !== 'object') continue;
    displayable(result, {
      text: () => s.markdown(result),
      markdown: () => s.markdown(result),
      charts: () => s.charts(result).map((c) => finishChart(c.spec)),
    });
  }
  return displayable(r, {
    text: () => reportMarkdown(r, sections),
    markdown: () => reportMarkdown(r, sections),
    charts: () => sectionViews(r, sections).flatMap((s) => s.charts.map((c) => c.spec)),
  });
}
