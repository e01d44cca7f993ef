/**
 * GradBench's C++ reference beside difflab:
 * `npm run bench:native -- --native <dir> [--ht-data <dir>] [--quick] [--evals a,b] [--min-runs N] [--min-seconds S] [--out dir]`.
 * `<dir>` holds the reference's binaries (GradBench's `tools/manual`, one per eval; the environment variable
 * DIFFLAB_GRADBENCH_NATIVE names it when `--native` is absent). For each eval and workload (GradBench's default
 * sizes; `--quick`: small ones) both sides run each function on the same generated input with the same run
 * counts, difflab by reverse mode on both backends, and the outputs are compared by GradBench's rule. Writes
 * `native.md` and `native.json` to the output folder (default `difflab-report/native`) after every workload,
 * so an interrupted run keeps what it measured. Without binaries it prints one line and exits 0. ht's inputs
 * are GradBench's hand files, not generated: `--ht-data` (or DIFFLAB_GRADBENCH_HT_DATA) names GradBench's
 * `evals/ht/data` folder, and without it ht is skipped with one line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HT_DATA_ENV,
  NATIVE_DEFAULT_SIZES,
  NATIVE_ENV,
  type NativeComparison,
} from '../src/gradbench/native.js';
import { findNative, runNativeComparison } from '../src/report/sections/native/binaries.js';
import { nativeMarkdown } from '../src/report/sections/native/native.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const found = findNative(option('native') ?? process.env[NATIVE_ENV], Object.keys(NATIVE_DEFAULT_SIZES));
if ('skip' in found) {
  process.stdout.write(`${found.skip}\n`);
  process.exit(0);
}
const out = option('out') ?? 'difflab-report/native';
const evals = option('evals')?.split(',');
const minRuns = option('min-runs');
const minSeconds = option('min-seconds');
const htData = option('ht-data') ?? process.env[HT_DATA_ENV];
const command = `npm run bench:native -- ${process.argv.slice(2).join(' ')}`;
mkdirSync(out, { recursive: true });

function save(c: NativeComparison): void {
  writeFileSync(
    join(out, 'native.md'),
    `# GradBench's C++ reference beside difflab\n\nCommand: \`${command}\`.\n\n${nativeMarkdown(c)}`,
  );
  writeFileSync(join(out, 'native.json'), `${JSON.stringify({ command, ...c }, null, 2)}\n`);
}

const started = performance.now();
const comparison = await runNativeComparison({
  dir: found.dir,
  quick,
  ...(evals ? { evals } : {}),
  ...(htData ? { htData } : {}),
  ...(minRuns ? { minRuns: Number(minRuns) } : {}),
  ...(minSeconds ? { minSeconds: Number(minSeconds) } : {}),
  timeoutMs: 1_800_000,
  onWorkload: (done, total, label) => process.stderr.write(`  [${done}/${total}] ${label}\n`),
  onMeasured: save,
});
save(comparison);
for (const line of comparison.settings.skipped ?? []) process.stdout.write(`${line}\n`);
process.stdout.write(
  `\n${nativeMarkdown(comparison)}\n${((performance.now() - started) / 1000).toFixed(0)} s\n`,
);
process.stdout.write(`wrote ${join(out, 'native.md')} and native.json\n`);
