/**
 * `difflab report`: the default benchmark suite (scaling, swell, accuracy) written to one folder as Markdown,
 * JSON, CSV, HTML with charts, and standalone SVG charts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Argv } from 'yargs';
import { NATIVE_ENV } from '../gradbench/native.js';
import type { Method } from '../index.js';
import { runAccuracy } from '../report/accuracy.js';
import type { ChartSpec } from '../report/chart.js';
import { machineInfo, REPORT_FORMATS, type ReportFormat, writeReport } from '../report/files.js';
import { runGradbench } from '../report/gradbench.js';
import { runPerformance } from '../report/performance.js';
import { type PeersSection, RESULTS_VERSION, type Results } from '../report/results.js';
import { runScaling } from '../report/scaling.js';
import { runSwell } from '../report/swell.js';
import { printJson, UsageError } from './common.js';
import { nativeSection } from './native.js';
import { interruptSignal, progressBar } from './progress.js';

const SECTIONS = ['scaling', 'swell', 'accuracy', 'gradbench', 'native', 'performance'] as const;
type Section = (typeof SECTIONS)[number];

export interface SuiteArgs {
  quick: boolean;
  workloads?: string;
  methods?: string;
  sizes?: string;
  budget?: number;
  json: boolean;
}

interface ReportArgs extends SuiteArgs {
  out: string;
  format: string;
  sections: string;
  scaleK: number;
  peers?: string;
  native?: string;
}

export const command = 'report';
export const describe = 'Run the benchmark suite and write a report folder (Markdown, JSON, CSV, HTML, SVG)';

/** The options the suite commands share. */
export function suiteOptions<T>(y: Argv<T>): Argv<T & SuiteArgs> {
  return y
    .option('quick', {
      type: 'boolean',
      default: false,
      describe: 'Tiny sizes and short timings (seconds, for a smoke test)',
    })
    .option('workloads', {
      type: 'string',
      describe: 'Workloads to run, comma-separated (default: the suite’s)',
    })
    .option('methods', { type: 'string', describe: 'Methods to time, comma-separated (default: all four)' })
    .option('sizes', {
      type: 'string',
      describe: 'Sizes K, comma-separated (default: powers of two up to each budget)',
    })
    .option('budget', { type: 'number', describe: 'Per workload and method, in ms: stop growing K past it' })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print JSON to standard output',
    }) as unknown as Argv<T & SuiteArgs>;
}

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

export function builder(y: Argv): Argv<ReportArgs> {
  return suiteOptions(y)
    .option('out', {
      alias: 'o',
      type: 'string',
      default: 'difflab-report',
      describe: 'Folder to write the report into',
    })
    .option('format', {
      type: 'string',
      default: REPORT_FORMATS.join(','),
      describe: 'Formats: md, json, csv, html, svg',
    })
    .option('sections', {
      type: 'string',
      default: SECTIONS.join(','),
      describe: `Sections: ${SECTIONS.join(', ')}`,
    })
    .option('scale-k', {
      type: 'number',
      default: 0,
      describe: 'Performance: also time ridge at this K (10000000 for the scale claim; 0 skips it)',
    })
    .option('peers', {
      type: 'string',
      describe:
        'Include a peer benchmark (npm run bench:peers) from this peers.json (default: <out>/peers/peers.json if it exists)',
    })
    .option('native', {
      type: 'string',
      describe:
        'GradBench’s C++ reference binaries (a folder; default: $DIFFLAB_GRADBENCH_NATIVE): time them beside difflab (native section)',
    })
    .example(
      '$0 report --sections performance --scale-k 10000000',
      'reverse mode against f, and ridge at K = 10⁷',
    )
    .example('$0 report', 'the default suite (about 3½ minutes on 2 cores) into ./difflab-report')
    .example('$0 report --quick --out /tmp/r', 'a smoke test in seconds') as unknown as Argv<ReportArgs>;
}

export async function handler(args: ReportArgs): Promise<void> {
  const formats = list(args.format) as ReportFormat[];
  const bad = formats.filter((f) => !REPORT_FORMATS.includes(f));
  if (bad.length > 0)
    throw new UsageError(`--format: unknown ${bad.join(', ')} (use ${REPORT_FORMATS.join(', ')})`);
  const sections = list(args.sections) as Section[];
  const unknown = sections.filter((s) => !SECTIONS.includes(s));
  if (unknown.length > 0)
    throw new UsageError(`--sections: unknown ${unknown.join(', ')} (use ${SECTIONS.join(', ')})`);

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
  const peers = readPeers(args.peers ?? join(args.out, 'peers', 'peers.json'), args.peers !== undefined);
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
