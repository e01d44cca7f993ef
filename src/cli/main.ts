#!/usr/bin/env node
/**
 * The `difflab` command. Exit status: 0 on success, 2 on a usage error, 1 on any other error, with one clear
 * line on standard error (and a stack trace only with --debug).
 *
 * This module loads yargs and the commands' options only; each command's handler, and what it needs (mathjs
 * to parse, Vega to draw, marked to write HTML), is loaded when that command runs.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands.js';
import { describeError } from './errors.js';
import { refuseRepeatedFlags } from './options.js';

const debug = process.argv.includes('--debug');

function fail(e: unknown): never {
  const { message, usage } = describeError(e);
  process.stderr.write(`difflab: ${message}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exit(usage ? 2 : 1);
}

/**
 * Output piped into a reader that stops early (`difflab ... | head`) closes the pipe: that ends the command
 * quietly, as it does for other Unix tools, not with Node's stack trace for the EPIPE.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    // The status the command chose (a failed check's 1) stands; otherwise 0.
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    fail(e);
  });
}

quietOnClosedPipe(process.stdout);
quietOnClosedPipe(process.stderr);
// Whatever escapes a handler (a server's callback, a stream) is still one line, not a stack trace.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

try {
  await yargs(hideBin(process.argv))
    .scriptName('difflab')
    .usage('$0 <command> [options]\n\nDerivatives four ways: numeric, symbolic, forward and reverse mode.')
    .command(COMMANDS)
    .option('debug', { type: 'boolean', describe: 'Print stack traces on errors' })
    .middleware(refuseRepeatedFlags, true)
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
