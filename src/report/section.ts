/**
 * What a report section is: one measurement and its views behind one interface. The command line, `writeReport`,
 * the HTML page and the notebook display loop over the sections; a new section is one module that exports a
 * {@link ReportSection} and one line in the registry.
 */
import type { Method } from '../ir/differentiator.js';
import type { ChartSpec } from './chart.js';

/** The options every section takes, in one shape: the command line's `report` options. */
export interface SectionOptions {
  /** Smaller sizes and shorter timings, for a smoke run. */
  quick?: boolean;
  /** Stops the run early; the section returns what it measured until then. */
  signal?: AbortSignal;
  /** Progress: `done` of `total` steps, and what is being measured. */
  onProgress?: (done: number, total: number, label: string) => void;
  /** A line saying why (part of) the section was skipped, e.g. a missing external binary. */
  onSkip?: (line: string) => void;
  /**
   * The problem sizes to measure at, smallest first; what a size is depends on the section (K for scaling,
   * performance and sparsity, K or the depth for swell, the depth for memory, n and m for jacobian-shape; the
   * others keep their own sizes).
   */
  sizes?: readonly number[];
  /** The workloads to measure, by name; a section ignores names it does not know. */
  workloads?: readonly string[];
  /** The derivative methods to measure. */
  methods?: readonly Method[];
  /**
   * The time budget (ms) of a section that grows sizes: once measuring a workload (in scaling, a workload's
   * method) has taken longer in all, its larger sizes are not measured (the harness's `growSizes`).
   */
  budgetMs?: number;
  /** performance: the size K of its one large problem (0: none). */
  scaleK?: number;
  /** native: the folder of GradBench's C++ reference binaries (the section is skipped without it). */
  native?: string;
  /** peers: the peer benchmark's results file to read back (peers.json, with peers.md and charts/ beside it). */
  peers?: string;
}

/** One chart of a section, with a caption in words. */
export interface SectionChart {
  /** File-name slug (the SVG and Vega-Lite files are named after it). */
  name: string;
  /** What the chart shows, in one sentence, for the report's figure caption. */
  caption: string;
  spec: ChartSpec;
}

/** A headline result for the report's summary: one sentence with its number, and whether the claim held. */
export interface Finding {
  text: string;
  /** `holds` when the measurement agrees with the claim it tests, `fails` when not; absent when it tests none. */
  verdict?: 'holds' | 'fails';
}

/** A report section: how to measure it and how to show what was measured. */
export interface ReportSection<R = unknown> {
  /** The name on the command line (`--sections`) and the key of its results in the results JSON. */
  name: string;
  /** The heading in the report. */
  title: string;
  /** Whether `difflab report` runs it when `--sections` is not given. */
  byDefault: boolean;
  /** Measures; `undefined` when the section has nothing to measure here (it says why through `onSkip`). */
  run(options: SectionOptions): Promise<R | undefined>;
  /** The tables and prose, as Markdown (without the section's heading). */
  markdown(result: R): string;
  /** The measurements as CSV (a header line, then one row per measurement); '' when there is nothing to tabulate. */
  csv(result: R): string;
  charts(result: R): SectionChart[];
  /** The headline results for the report's summary, most important first. */
  findings(result: R): Finding[];
}
