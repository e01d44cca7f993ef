/**
 * `difflab swell`: the repeated-subterm blowup: tree against DAG sizes of f and of its derivatives.
 */
import { runSwell, SWELL_WORKLOADS, swellMarkdown } from '../report/sections/swell/swell.js';
import { printJson } from './common.js';
import { parseSizes } from './options.js';
import { interruptSignal, progressBar } from './progress.js';

export interface SwellArgs {
  quick: boolean;
  workloads?: string;
  sizes?: string;
  budget?: number;
  json: boolean;
}

export async function handler(args: SwellArgs): Promise<void> {
  const { signal, dispose } = interruptSignal();
  const bar = progressBar(!args.json);
  try {
    const workloads = args.workloads?.split(',').map((s) => s.trim()) ?? [...SWELL_WORKLOADS];
    const sizes = parseSizes(args.sizes);
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
