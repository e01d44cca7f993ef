/**
 * `difflab bench`: the scaling benchmark alone, printed as tables (or JSON).
 */
import { runScaling, scalingMarkdown } from '../report/sections/scaling/scaling.js';
import { printJson } from './common.js';
import type { SuiteArgs } from './options.js';
import { interruptSignal, progressBar } from './progress.js';
import { sectionOptions } from './report.js';

export async function handler(args: SuiteArgs): Promise<void> {
  const { signal, dispose } = interruptSignal();
  const bar = progressBar(!args.json);
  try {
    const section = await runScaling(sectionOptions(args, signal, (d, t, l) => bar.update(d, t, l)));
    bar.stop();
    if (args.json) printJson(section);
    else process.stdout.write(`${scalingMarkdown(section).trim()}\n`);
  } finally {
    bar.stop();
    dispose();
  }
}
