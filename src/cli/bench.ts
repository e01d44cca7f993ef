/**
 * `difflab bench`: the scaling benchmark alone, printed as tables (or JSON).
 */
import type { Argv } from 'yargs';
import { runScaling, scalingMarkdown } from '../report/scaling.js';
import { printJson } from './common.js';
import { interruptSignal, progressBar } from './progress.js';
import { type SuiteArgs, scalingOptions, suiteOptions } from './report.js';

export const command = 'bench';
export const describe = 'Time full gradients by each method at growing K, and fit the growth exponents';

export function builder(y: Argv): Argv<SuiteArgs> {
  return suiteOptions(y).example(
    '$0 bench --workloads ridge --sizes 64,256,1024',
    'one workload at three sizes',
  );
}

export async function handler(args: SuiteArgs): Promise<void> {
  const { signal, dispose } = interruptSignal();
  const bar = progressBar(!args.json);
  try {
    const section = await runScaling(scalingOptions(args, signal, (d, t, l) => bar.update(d, t, l)));
    bar.stop();
    if (args.json) printJson(section);
    else process.stdout.write(`${scalingMarkdown(section).trim()}\n`);
  } finally {
    bar.stop();
    dispose();
  }
}
