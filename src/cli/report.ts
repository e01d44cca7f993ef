/**
 * `difflab report`: the report's sections (the registry's, in report order) run one after another and written
 * to one folder as Markdown, JSON, CSV, HTML with charts, and standalone SVG charts.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_ENV } from '../gradbench/native.js';
import type { Method } from '../index.js';
import { DifflabError } from '../ir/errors.js';
import { machineInfo, makeFolder, REPORT_FORMATS, type ReportFormat, writeReport } from '../report/files.js';
import { REPORT_SECTIONS } from '../report/registry.js';
import { findingText, reportFindings } from '../report/results.js';
import { runReport } from '../report/run.js';
import type { ReportSection, SectionOptions } from '../report/section.js';
import { printJson, UsageError } from './common.js';
import { parseSizes, type ReportArgs, type SuiteArgs } from './options.js';
import { interruptSignal, stageProgress } from './progress.js';

const list = (s: string | undefined) =>
  s
    ?.split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** The options every section takes, from the command line's suite flags. */
export function sectionOptions(
  args: SuiteArgs,
  signal: AbortSignal,
  onProgress: (d: number, t: number, l: string) => void,
): SectionOptions {
  const sizes = parseSizes(args.sizes);
  return {
    quick: args.quick,
    signal,
    onProgress,
    workloads: list(args.workloads),
    methods: list(args.methods) as Method[] | undefined,
    sizes,
    budgetMs: args.budget,
  };
}

/** The sections named by --sections (default: the registry's default ones), in report order. */
function chosenSections(names: string[] | undefined, peers: boolean): ReportSection[] {
  if (names === undefined) return REPORT_SECTIONS.filter((s) => s.byDefault);
  const known = REPORT_SECTIONS.map((s) => s.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    throw new UsageError(`--sections: unknown ${unknown.join(', ')} (use ${known.join(', ')})`);
  // A peer benchmark named by --peers is read whatever the sections.
  return REPORT_SECTIONS.filter((s) => names.includes(s.name) || (peers && s.name === 'peers'));
}

export async function handler(args: ReportArgs): Promise<void> {
  const formats = (list(args.format) ?? REPORT_FORMATS) as ReportFormat[];
  const bad = formats.filter((f) => !REPORT_FORMATS.includes(f));
  if (bad.length > 0)
    throw new UsageError(`--format: unknown ${bad.join(', ')} (use ${REPORT_FORMATS.join(', ')})`);
  const peers = args.peers ?? join(args.out, 'peers', 'peers.json');
  const sections = chosenSections(list(args.sections), args.peers !== undefined);

  // What the run needs from the file system is checked before it starts: a run takes minutes, and a bad
  // --out or --peers found after it would lose every result.
  parseSizes(args.sizes);
  if (args.peers !== undefined && !existsSync(args.peers))
    throw new UsageError(`--peers: no file ${args.peers} (run npm run bench:peers first)`);
  prepareFolder(args.out);

  const { signal, dispose } = interruptSignal();
  const progress = stageProgress(args.json);
  const native = args.native ?? process.env[NATIVE_ENV];
  let results: Awaited<ReturnType<typeof runReport>>;
  try {
    results = await runReport({
      ...sectionOptions(args, signal, progress.update),
      scaleK: args.scaleK,
      native,
      peers,
      onSkip: (line) => process.stderr.write(`${line}\n`),
      sections,
      machine: machineInfo(),
      settings: {
        command: 'report',
        quick: args.quick,
        sections: sections.map((s) => s.name),
        workloads: args.workloads,
        methods: args.methods,
        sizes: args.sizes,
        budget: args.budget,
        native,
      },
      onStart: (s, i, n) => progress.start(s.name, i, n),
      onEnd: (s, ms, measured) => progress.end(s.name, ms, measured),
    });
  } finally {
    progress.stop();
    dispose();
  }
  const files = await writeReport(args.out, results, formats, sections);
  const headline = reportFindings(results, sections)[0];
  if (args.json) {
    printJson({
      out: args.out,
      files,
      interrupted: results.interrupted,
      ...(headline ? { headline: findingText(headline) } : {}),
    });
    return;
  }
  const page = ['report.html', 'report.md'].map((f) => join(args.out, f)).find((f) => files.includes(f));
  process.stdout.write(
    `wrote the report to ${args.out}/ (${files.length} files)${results.interrupted ? ', interrupted' : ''}` +
      `${page ? `; read ${page}` : ''}${headline ? `; headline: ${findingText(headline)}` : ''}\n`,
  );
}

/**
 * Creates the report folder (and its missing parents, by makeFolder) and checks that a file can be written in
 * it, or throws a usage error naming the path and the system's error code.
 */
export function prepareFolder(out: string): void {
  // An empty name (`--out ''`, or `--out` with no value) would write into the current folder unasked.
  if (out.trim() === '') throw new UsageError('--out: expected a folder name, got an empty one');
  const probe = join(out, `.difflab-write-check-${process.pid}`);
  try {
    makeFolder(out);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    // makeFolder's error carries the system's as its cause.
    const system = (e instanceof DifflabError ? e.cause : e) as NodeJS.ErrnoException;
    throw new UsageError(`--out ${out}: cannot write a report there (${system.code ?? 'EIO'})`);
  }
}
