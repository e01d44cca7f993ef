/**
 * `difflab gradbench`: difflab as a GradBench tool on standard input and output (one JSON response line per
 * message, flushed; diagnostics on standard error; exit 0 at end of input), and `difflab gradbench run`, a
 * local runner that plays the eval's side from a fixture file and prints a table of checks and timings.
 */
import { GradbenchTool, parseFixture, runFixture, type WorkloadRow } from '../gradbench/index.js';
import type { Backend, Method } from '../index.js';
import { formatSmall, printJson, readText, table } from './common.js';

export interface ToolArgs {
  method: string;
  backend: string;
}

export interface RunArgs extends ToolArgs {
  fixture: string;
  'min-runs'?: number;
  'min-seconds'?: number;
  json: boolean;
}

/** The tool: one response line per message line, until standard input closes. */
export async function handler(args: ToolArgs): Promise<void> {
  const tool = new GradbenchTool({
    method: args.method as Method,
    backend: args.backend as Backend,
    log: (line) => process.stderr.write(`difflab gradbench: ${line}\n`),
  });
  // Every line is answered, a blank one too (with an error): the eval waits for one line per line it wrote.
  for await (const line of messageLines(process.stdin)) {
    const response =
      typeof line === 'string'
        ? tool.handle(line)
        : JSON.stringify({
            id: null,
            success: false,
            error: `the message is ${line.tooLong} characters long, over difflab's limit of ${MAX_LINE}`,
          });
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(`${response}\n`, (e) => (e ? reject(e) : resolve())),
    );
  }
}

/** The longest message line read (characters): longer ones are answered with an error, not held in memory. */
export const MAX_LINE = 2 ** 28;

/**
 * The message lines of a stream, as GradBench frames them: ended by a line feed only (a carriage return
 * before it is dropped, as CRLF ends a line; one elsewhere is JSON whitespace, not a break, as Node's readline
 * would make it), the last one with or without. A line past `maxLine` yields its length instead (a string
 * that long would not fit in V8).
 */
export async function* messageLines(
  input: NodeJS.ReadableStream,
  maxLine = MAX_LINE,
): AsyncGenerator<string | { tooLong: number }> {
  input.setEncoding('utf8');
  // The line so far, in pieces: a new chunk is searched alone, so a long line costs linear time.
  let parts: string[] = [];
  let length = 0;
  const end = () => {
    const line = length > maxLine ? { tooLong: length } : parts.join('').replace(/\r$/, '');
    parts = [];
    length = 0;
    return line;
  };
  const add = (piece: string) => {
    length += piece.length;
    if (length <= maxLine) parts.push(piece);
    else parts = [];
  };
  for await (const chunk of input as AsyncIterable<string>) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      add(chunk.slice(start, nl));
      yield end();
      start = nl + 1;
    }
    if (start < chunk.length) add(chunk.slice(start));
  }
  if (length > 0) yield end();
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

export async function runHandler(args: RunArgs): Promise<void> {
  const text = readText(args.fixture);
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
