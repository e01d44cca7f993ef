/**
 * One results object per run: serialisable to JSON with a version number, the machine and the settings, so two
 * runs can be compared. Each section comes from its own module and brings its Markdown, CSV and charts.
 */
import { type Displayable, displayable } from '../display/mime.js';
import {
  type AccuracySection,
  accuracyCharts,
  accuracyCsv,
  accuracyMarkdown,
  displayAccuracy,
} from './accuracy.js';
import type { ChartSpec } from './chart.js';
import {
  displayGradbench,
  type GradbenchSection,
  gradbenchCharts,
  gradbenchCsv,
  gradbenchMarkdown,
} from './gradbench.js';
import { displayNative, type NativeSection, nativeCsv, nativeMarkdown } from './native.js';
import {
  displayPerformance,
  type PerformanceSection,
  performanceCharts,
  performanceCsv,
  performanceMarkdown,
} from './performance.js';
import {
  displayScaling,
  type ScalingSection,
  scalingCharts,
  scalingCsv,
  scalingMarkdown,
} from './scaling.js';
import { displaySwell, type SwellSection, swellCharts, swellCsv, swellMarkdown } from './swell.js';

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
}

/**
 * The peer benchmark (`npm run bench:peers`, which needs the peers as dev dependencies) as the report reads
 * it back: its Markdown and chart specs, and where it came from.
 */
export interface PeersSection {
  source: string;
  createdAt: string;
  markdown: string;
  charts: Record<string, ChartSpec>;
}

/** A section's name, title and views. */
interface SectionView {
  name: 'scaling' | 'swell' | 'accuracy' | 'gradbench' | 'native' | 'performance' | 'peers';
  title: string;
  markdown: string;
  csv: string;
  charts: Record<string, ChartSpec>;
}

/** The sections present in the results, in report order, with their Markdown, CSV and chart specs. */
export function sectionViews(r: Results): SectionView[] {
  const views: SectionView[] = [];
  if (r.scaling) {
    views.push({
      name: 'scaling',
      title: 'Scaling: the cost of a full gradient against K',
      markdown: scalingMarkdown(r.scaling),
      csv: scalingCsv(r.scaling),
      charts: scalingCharts(r.scaling),
    });
  }
  if (r.swell) {
    views.push({
      name: 'swell',
      title: 'Expression swell: trees against DAGs',
      markdown: swellMarkdown(r.swell),
      csv: swellCsv(r.swell),
      charts: swellCharts(r.swell),
    });
  }
  if (r.accuracy) {
    views.push({
      name: 'accuracy',
      title: 'Accuracy: finite differences against exact derivatives',
      markdown: accuracyMarkdown(r.accuracy),
      csv: accuracyCsv(r.accuracy),
      charts: accuracyCharts(r.accuracy),
    });
  }
  if (r.gradbench) {
    views.push({
      name: 'gradbench',
      title: 'GradBench: the standard AD benchmarks, derivative time over primal time',
      markdown: gradbenchMarkdown(r.gradbench),
      csv: gradbenchCsv(r.gradbench),
      charts: gradbenchCharts(r.gradbench),
    });
  }
  if (r.native) {
    views.push({
      name: 'native',
      title: 'GradBench against native code: difflab beside GradBench’s C++ reference',
      markdown: nativeMarkdown(r.native),
      csv: nativeCsv(r.native),
      charts: {},
    });
  }
  if (r.performance) {
    views.push({
      name: 'performance',
      title: 'Performance: reverse mode against the function, on each backend',
      markdown: performanceMarkdown(r.performance),
      csv: performanceCsv(r.performance),
      charts: performanceCharts(r.performance),
    });
  }
  if (r.peers) {
    views.push({
      name: 'peers',
      title: 'Peers: difflab against hand-written loops, TF.js, jax-js and mathjs',
      markdown: `Measured by \`npm run bench:peers\` at ${r.peers.createdAt} (read from ${r.peers.source}).\n\n${r.peers.markdown}`,
      csv: '',
      charts: r.peers.charts,
    });
  }
  return views;
}

/** The whole report as Markdown: the machine and settings, then each section. */
export function reportMarkdown(r: Results): string {
  const m = r.machine;
  const lines = [
    '# difflab benchmark report',
    '',
    `Run ${r.createdAt} on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), Node ${m.node}, ${m.platform}.` +
      (r.interrupted ? ' **Interrupted**: the tables hold what was measured before the stop.' : ''),
    '',
    `Settings: \`${JSON.stringify(r.settings)}\``,
    '',
  ];
  for (const s of sectionViews(r)) lines.push(`## ${s.title}`, '', s.markdown.trim(), '');
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
export function parseResults(text: string): Results & Displayable {
  const r = JSON.parse(text) as Results;
  if (r.version !== RESULTS_VERSION) {
    throw new Error(
      `results version ${String(r.version)} is not ${RESULTS_VERSION}: written by another difflab`,
    );
  }
  return displayResults(r);
}

/**
 * Attaches the notebook display (the whole report: every section's tables and charts) and `toString()` (the
 * report's Markdown) to results, and each section's own display to its section; returns the results.
 */
export function displayResults(r: Results): Results & Displayable {
  if (r.scaling) displayScaling(r.scaling);
  if (r.swell) displaySwell(r.swell);
  if (r.accuracy) displayAccuracy(r.accuracy);
  if (r.gradbench) displayGradbench(r.gradbench);
  if (r.performance) displayPerformance(r.performance);
  if (r.native) displayNative(r.native);
  return displayable(r, {
    text: () => reportMarkdown(r),
    markdown: () => reportMarkdown(r),
    charts: () => sectionViews(r).flatMap((s) => Object.values(s.charts)),
  });
}
