/**
 * `difflab report`: the default benchmark suite (scaling, swell, accuracy) written to one folder as Markdown,
 * JSON, CSV, HTML with charts, and standalone SVG charts.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NATIVE_ENV } from '../gradbench/native.js';
import type { Method } from '../index.js';
import { DifflabError } from '../ir/errors.js';
import { runAccuracy } from '../report/accuracy.js';
import type { ChartSpec } from '../report/chart.js';
import { machineInfo, makeFolder, REPORT_FORMATS, type ReportFormat, writeReport } from '../report/files.js';
import { runGradbench } from '../report/gradbench.js';
import { runPerformance } from '../report/performance.js';
import { type PeersSection, RESULTS_VERSION, type Results } from '../report/results.js';
import { runScaling } from '../report/scaling.js';
import { runSwell } from '../report/swell.js';
import { printJson, UsageError } from './common.js';
import { nativeSection } from './native.js';
import { type ReportArgs, SECTIONS, type Section, type SuiteArgs } from './options.js';
import { interruptSignal, progressBar } from './progress.js';

const list = (s: string | undefined) =>
  s
    ?.split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** The scaling options from the command line. */
export function scalingOptions(
  args: SuiteArgs,
  signal: AbortSignal,
  onProgress: (d: number, t: number, l: string) => void,
) {
  const sizes = list(args.sizes)?.map(Number);
  if (sizes?.some((k) => !Number.isInteger(k) || k < 1))
    throw new UsageError('--sizes: expected positive integers');
  return {
    quick: args.quick,
    signal,
    onProgress,
    ...(args.workloads ? { workloads: list(args.workloads) } : {}),
    ...(args.methods ? { methods: list(args.methods) as Method[] } : {}),
    ...(sizes ? { sizes } : {}),
    ...(args.budget !== undefined ? { budgetMs: args.budget } : {}),
  };
}

export async function handler(args: ReportArgs): Promise<void> {
  const formats = (list(args.format) ?? REPORT_FORMATS) as ReportFormat[];
  const bad = formats.filter((f) => !REPORT_FORMATS.includes(f));
  if (bad.length > 0)
    throw new UsageError(`--format: unknown ${bad.join(', ')} (use ${REPORT_FORMATS.join(', ')})`);
  const sections = (list(args.sections) ?? SECTIONS) as Section[];
  const unknown = sections.filter((s) => !SECTIONS.includes(s));
  if (unknown.length > 0)
    throw new UsageError(`--sections: unknown ${unknown.join(', ')} (use ${SECTIONS.join(', ')})`);

  // What the run needs from the file system is checked before it starts: a run takes minutes, and a bad
  // --out or --peers found after it would lose every result.
  const peers = readPeers(args.peers ?? join(args.out, 'peers', 'peers.json'), args.peers !== undefined);
  prepareFolder(args.out);

  const { signal, dispose } = interruptSignal();
  const bar = progressBar(!args.json);
  const results: Results = {
    version: RESULTS_VERSION,
    createdAt: new Date().toISOString(),
    machine: machineInfo(),
    settings: {
      command: 'report',
      quick: args.quick,
      sections,
      workloads: args.workloads,
      methods: args.methods,
      sizes: args.sizes,
      budget: args.budget,
      native: args.native ?? process.env[NATIVE_ENV],
    },
    interrupted: false,
  };
  try {
    if (sections.includes('scaling') && !signal.aborted) {
      results.scaling = await runScaling(
        scalingOptions(args, signal, (d, t, l) => bar.update(d, t, `scaling ${l}`)),
      );
    }
    if (sections.includes('swell') && !signal.aborted) {
      results.swell = await runSwell({
        quick: args.quick,
        signal,
        onProgress: (d, t, l) => bar.update(d, t, `swell ${l}`),
      });
    }
    if (sections.includes('accuracy') && !signal.aborted)
      results.accuracy = await runAccuracy({ quick: args.quick, signal });
    if (sections.includes('performance') && !signal.aborted) {
      const sizes = list(args.sizes)?.map(Number);
      results.performance = await runPerformance({
        ...(args.quick ? { sizes: [10, 100], forwardSizes: [20], benchTimeMs: 25 } : {}),
        ...(sizes ? { sizes } : {}),
        ...(args.workloads ? { workloads: list(args.workloads) } : {}),
        scaleK: args.scaleK,
        signal,
        onProgress: (label) => bar.update(0, 0, label),
      });
    }
    if (sections.includes('gradbench') && !signal.aborted) {
      results.gradbench = await runGradbench({
        quick: args.quick,
        signal,
        ...(args.methods ? { methods: list(args.methods) as Method[] } : {}),
        onProgress: (d, t, l) => bar.update(d, t, l),
      });
    }
    if (sections.includes('native') && !signal.aborted) {
      const native = await nativeSection({
        dir: args.native ?? process.env[NATIVE_ENV],
        quick: args.quick,
        signal,
        onProgress: (d, t, l) => bar.update(d, t, `native ${l}`),
        onSkip: (line) => process.stderr.write(`${line}\n`),
      });
      if (native !== undefined) results.native = native;
    }
  } finally {
    bar.stop();
    dispose();
  }
  results.interrupted = signal.aborted;
  if (peers !== undefined) results.peers = peers;
  const files = await writeReport(args.out, results, formats);
  if (args.json) printJson({ out: args.out, files, interrupted: results.interrupted });
  else
    process.stdout.write(
      `wrote the report to ${args.out}/ (${files.length} files)${results.interrupted ? ', interrupted' : ''}\n`,
    );
}

/**
 * The peer benchmark's results beside `file` (peers.json, with peers.md and charts/*.vl.json next to it), or
 * undefined when there is none and none was asked for.
 */
function readPeers(file: string, asked: boolean): PeersSection | undefined {
  if (!existsSync(file)) {
    if (asked) throw new UsageError(`--peers: no file ${file} (run npm run bench:peers first)`);
    return undefined;
  }
  const dir = dirname(file);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { createdAt?: string };
  const mdFile = join(dir, 'peers.md');
  // The section brings its own title: drop the file's first heading.
  const markdown = existsSync(mdFile) ? readFileSync(mdFile, 'utf8').replace(/^# .*\n+/, '') : '';
  const charts: Record<string, ChartSpec> = {};
  for (const name of ['peers-ratio', 'peers-time']) {
    const spec = join(dir, 'charts', `${name}.vl.json`);
    if (existsSync(spec)) charts[name] = JSON.parse(readFileSync(spec, 'utf8')) as ChartSpec;
  }
  return { source: file, createdAt: json.createdAt ?? 'unknown', markdown, charts };
}

/**
 * Creates the report folder (and its missing parents, by makeFolder) and checks that a file can be written in
 * it, or throws a usage error naming the path and the system's error code.
 */
export function prepareFolder(out: string): void {
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
