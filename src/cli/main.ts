#!/usr/bin/env node
/**
 * The `difflab` command. Exit status: 0 on success, 2 on a usage error, 1 on any other error, with one clear
 * line on standard error (and a stack trace only with --debug).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import * as bench from './bench.js';
import * as check from './check.js';
import { describeError } from './common.js';
import * as grad from './grad.js';
import * as gradbench from './gradbench.js';
import * as hessian from './hessian.js';
import * as jacobian from './jacobian.js';
import * as report from './report.js';
import * as serve from './serve.js';
import * as swell from './swell.js';
import * as trace from './trace.js';

const debug = process.argv.includes('--debug');

function fail(e: unknown): never {
  const { message, usage } = describeError(e);
  process.stderr.write(`difflab: ${message}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exit(usage ? 2 : 1);
}

try {
  await yargs(hideBin(process.argv))
    .scriptName('difflab')
    .usage('$0 <command> [options]\n\nDerivatives four ways: numeric, symbolic, forward and reverse mode.')
    .command(grad)
    .command(trace)
    .command(check)
    .command(jacobian)
    .command(hessian)
    .command(report)
    .command(bench)
    .command(swell)
    .command(gradbench)
    .command(serve)
    .option('debug', { type: 'boolean', describe: 'Print stack traces on errors' })
    .demandCommand(1, 'name a command (difflab --help lists them)')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err) fail(err);
      process.stderr.write(`difflab: ${msg} (see difflab --help)\n`);
      process.exit(2);
    })
    .parseAsync();
} catch (e) {
  fail(e);
}
