/**
 * Running the report's sections into one results object, in any JavaScript runtime (writing the files is
 * `writeReport`'s part, in Node).
 */
import type { Displayable } from '../display/mime.js';
import { DifflabError } from '../ir/errors.js';
import { runSections, type SectionHooks } from './harness.js';
import { REPORT_SECTIONS } from './registry.js';
import { displayResults, type MachineInfo, RESULTS_VERSION, type Results } from './results.js';
import type { ReportSection, SectionOptions } from './section.js';

export interface RunReportOptions extends SectionOptions, SectionHooks {
  /** The sections to run, or their names, in report order (default: the registry's default sections). */
  sections?: readonly (ReportSection | string)[];
  /** The machine to record (default: what the runtime tells). */
  machine?: MachineInfo;
  /** Settings to record beside the options (e.g. the command line's). */
  settings?: Record<string, unknown>;
}

/** What a runtime without Node's `os` tells about its machine. */
function runtimeMachine(): MachineInfo {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number; userAgent?: string } }).navigator;
  return {
    cpu: 'unknown',
    cores: nav?.hardwareConcurrency ?? 0,
    memoryGiB: 0,
    node: nav?.userAgent ?? 'unknown',
    platform: 'unknown',
  };
}

/** The sections given, names looked up in the registry (an unknown name is an `invalid-argument` error). */
function chosen(given: RunReportOptions['sections']): ReportSection[] {
  if (given === undefined) return REPORT_SECTIONS.filter((s) => s.byDefault);
  return given.map((s) => {
    if (typeof s !== 'string') return s;
    const found = REPORT_SECTIONS.find((r) => r.name === s);
    if (found === undefined) {
      const known = REPORT_SECTIONS.map((r) => r.name).join(', ');
      throw new DifflabError('invalid-argument', `no report section '${s}' (sections: ${known})`);
    }
    return found;
  });
}

/**
 * Runs the sections (default: every default section of the registry) and returns the results, which display
 * themselves in notebooks. Ctrl-C or `signal` stops the run early: the results hold what was measured.
 *
 * @example
 * const r = await runReport({ quick: true, sections: ['accuracy'] });
 * String(r); // the report as Markdown, its summary first
 */
export async function runReport(options: RunReportOptions = {}): Promise<Results & Displayable> {
  const { machine, settings, ...rest } = options;
  const sections = chosen(options.sections);
  const results: Results = {
    version: RESULTS_VERSION,
    createdAt: new Date().toISOString(),
    machine: machine ?? runtimeMachine(),
    settings: settings ?? {
      quick: rest.quick,
      sections: sections.map((s) => s.name),
      sizes: rest.sizes,
      workloads: rest.workloads,
      methods: rest.methods,
      budgetMs: rest.budgetMs,
    },
    interrupted: false,
  };
  const run = await runSections(sections, rest, rest);
  Object.assign(results, run.results);
  results.interrupted = run.interrupted;
  return displayResults(results, sections);
}
