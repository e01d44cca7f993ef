/**
 * `difflab swell`: the repeated-subterm blowup: tree against DAG sizes of f and of its derivatives.
 */
import type { Argv } from 'yargs';
import { runSwell, swellMarkdown } from '../report/swell.js';
import { printJson } from './common.js';
import { interruptSignal, progressBar } from './progress.js';

interface SwellArgs {
  quick: boolean;
  workloads?: string;
  json: boolean;
}

export const command = 'swell';
export const describe = 'Expression swell: sizes of symbolic derivative trees against DAGs and tapes';

export function builder(y: Argv): Argv<SwellArgs> {
  return y
    .option('quick', { type: 'boolean', default: false, describe: 'Small sizes only' })
    .option('workloads', { type: 'string', describe: 'product, logistic-map, nested (comma-separated)' })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print JSON',
    }) as unknown as Argv<SwellArgs>;
}

export async function handler(args: SwellArgs): Promise<void> {
  const { signal, dispose } = interruptSignal();
  const bar = progressBar(!args.json);
  try {
    const workloads = args.workloads?.split(',').map((s) => s.trim());
    const section = await runSwell({
      quick: args.quick,
      signal,
      onProgress: (d, t, l) => bar.update(d, t, l),
      ...(workloads ? { workloads } : {}),
    });
    bar.stop();
    if (args.json) printJson(section);
    else process.stdout.write(`${swellMarkdown(section).trim()}\n`);
  } finally {
    bar.stop();
    dispose();
  }
}
