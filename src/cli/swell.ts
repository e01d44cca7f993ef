/**
 * `difflab swell`: the repeated-subterm blowup: tree against DAG sizes of f and of its derivatives.
 */
import type { Argv } from 'yargs';
import { runSwell, SWELL_WORKLOADS, swellMarkdown } from '../report/swell.js';
import { printJson, UsageError } from './common.js';
import { interruptSignal, progressBar } from './progress.js';

interface SwellArgs {
  quick: boolean;
  workloads?: string;
  sizes?: string;
  budget?: number;
  json: boolean;
}

export const command = 'swell';
export const describe = 'Expression swell: sizes of symbolic derivative trees against DAGs and tapes';

export function builder(y: Argv): Argv<SwellArgs> {
  return y
    .option('quick', { type: 'boolean', default: false, describe: 'Small sizes only' })
    .option('workloads', { type: 'string', describe: 'product, logistic-map, nested (comma-separated)' })
    .option('sizes', {
      type: 'string',
      describe: 'Sizes K or depths n for every chosen workload, comma-separated',
    })
    .option('budget', {
      type: 'number',
      describe: 'mathjs derivative-tree nodes before giving up (default 1e6)',
    })
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
    const workloads = args.workloads?.split(',').map((s) => s.trim()) ?? [...SWELL_WORKLOADS];
    const sizes = args.sizes?.split(',').map(Number);
    if (sizes?.some((n) => !Number.isInteger(n) || n < 1))
      throw new UsageError('--sizes: expected positive integers');
    const section = await runSwell({
      workloads,
      ...(sizes ? { sizes: Object.fromEntries(workloads.map((w) => [w, sizes])) } : {}),
      ...(args.budget !== undefined ? { budget: args.budget } : {}),
      quick: args.quick,
      signal,
      onProgress: (d, t, l) => bar.update(d, t, l),
    });
    bar.stop();
    if (args.json) printJson(section);
    else process.stdout.write(`${swellMarkdown(section).trim()}\n`);
  } finally {
    bar.stop();
    dispose();
  }
}
