/**
 * `difflab gradbench`: difflab as a GradBench tool on standard input and output (one JSON response line per
 * message, flushed; diagnostics on standard error; exit 0 at end of input), and `difflab gradbench run`, a
 * local runner that plays the eval's side from a fixture file and prints a table of checks and timings.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Argv } from 'yargs';
import { GradbenchTool, parseFixture, runFixture, type WorkloadRow } from '../gradbench/index.js';
import { type Backend, METHODS, type Method } from '../index.js';
import { formatSmall, printJson, table } from './common.js';

interface ToolArgs {
  method: string;
  backend: string;
}

interface RunArgs extends ToolArgs {
  fixture: string;
  'min-runs'?: number;
  'min-seconds'?: number;
  json: boolean;
}

const BACKENDS: readonly Backend[] = ['interpret', 'compile'];

function toolOptions<T>(y: Argv<T>): Argv<T & ToolArgs> {
  return y
    .option('method', {
      type: 'string',
      choices: METHODS as string[],
      default: 'reverse',
      describe: 'How derivatives are taken (particle and saddle name their own nested modes)',
    })
    .option('backend', {
      type: 'string',
      choices: BACKENDS as string[],
      default: 'interpret',
      describe: 'How the methods run their sweeps',
    }) as unknown as Argv<T & ToolArgs>;
}

export const command = 'gradbench';
export const describe =
  'Be a GradBench tool on standard input/output, or run a fixture locally (gradbench run)';

export function builder(y: Argv): Argv<ToolArgs> {
  return toolOptions(y)
    .command({
      command: 'run <fixture>',
      describe: 'Play the eval side of a fixture (.json or .jsonl) and check every answer',
      builder: (r: Argv) =>
        toolOptions(r)
          .positional('fixture', { type: 'string', demandOption: true, describe: 'A fixture file' })
          .option('min-runs', { type: 'number', describe: "Override the fixture's min_runs" })
          .option('min-seconds', { type: 'number', describe: "Override the fixture's min_seconds" })
          .option('json', { type: 'boolean', default: false, describe: 'Print the results as JSON' }),
      handler: (args) => runHandler(args as unknown as RunArgs),
    })
    .example('$0 gradbench --method reverse', 'answer GradBench messages on standard input')
    .example(
      '$0 gradbench run gmm.json',
      'run a fixture and print checks and timings',
    ) as unknown as Argv<ToolArgs>;
}

/** The tool: one response line per message line, until standard input closes. */
export async function handler(args: ToolArgs): Promise<void> {
  const tool = new GradbenchTool({
    method: args.method as Method,
    backend: args.backend as Backend,
    log: (line) => process.stderr.write(`difflab gradbench: ${line}\n`),
  });
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const response = tool.handle(line);
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(`${response}\n`, (e) => (e ? reject(e) : resolve())),
    );
  }
}

const time = (ns: number | undefined) =>
  ns === undefined
    ? ''
    : ns >= 1e9
      ? `${formatSmall(ns / 1e9)} s`
      : ns >= 1e6
        ? `${formatSmall(ns / 1e6)} ms`
        : `${formatSmall(ns / 1e3)} µs`;

const verdict = (v: boolean | undefined) => (v === undefined ? '–' : v ? 'pass' : 'FAIL');

/** The rows as an aligned table. */
export function rowsTable(rows: readonly WorkloadRow[]): string {
  return table([
    [
      'eval',
      'workload',
      'function',
      'method',
      'gradbench',
      'strict',
      'worst error',
      'primal',
      'derivative',
      'ratio',
    ],
    ...rows.map((r) => [
      r.eval,
      r.workload,
      r.function,
      r.method,
      verdict(r.pass),
      verdict(r.strictPass),
      r.worst === undefined ? '' : formatSmall(r.worst),
      time(r.primalNs),
      time(r.derivativeNs),
      r.ratio === undefined ? '' : r.ratio.toFixed(2),
    ]),
  ]);
}

async function runHandler(args: RunArgs): Promise<void> {
  const text = readFileSync(args.fixture, 'utf8');
  const fixture = parseFixture(text, args.fixture.endsWith('.jsonl'));
  const result = runFixture(fixture, {
    method: args.method as Method,
    backend: args.backend as Backend,
    ...(args['min-runs'] === undefined ? {} : { minRuns: args['min-runs'] }),
    ...(args['min-seconds'] === undefined ? {} : { minSeconds: args['min-seconds'] }),
  });
  // Exit status 1 when any check failed or any function was refused, so the runner can gate CI.
  const failed = result.rows.some((r) => r.pass === false || r.strictPass === false || r.error !== undefined);
  if (failed) process.exitCode = 1;
  if (args.json) {
    printJson(result);
    return;
  }
  process.stdout.write(`${rowsTable(result.rows)}\n`);
  for (const r of result.rounds) {
    if (r.error) process.stdout.write(`\n${r.function} (${r.description}): ${r.error}\n`);
    if (r.strictNote) process.stdout.write(`\n${r.function}: ${r.strictNote}\n`);
    for (const v of [r.gradbench, r.strict]) {
      if (v && !v.pass) process.stdout.write(`\n${r.function}: ${v.mismatches.join('\n  ')}\n`);
    }
  }
}
