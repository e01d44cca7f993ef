/**
 * Start-up time of the command line: `npm run bench:startup -- [--runs 5] [--baseline <package folder>]`.
 * Runs each command as a user would (`node dist/cli/main.js ...`, after `npm run build`) once to warm the file
 * cache, then `--runs` times, and prints the median and the range of the wall-clock times, and which of the
 * package's dependencies each command loads. With `--baseline`, the same commands of another build (a folder
 * holding its package.json and dist/, e.g. an older commit built with `npx tsc -p tsconfig.build.json`) run
 * alternately with this one's, so both see the same load on the machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../src/report/harness.js';
import { loadedModules } from './startup-modules.js';

/** The package root: this file runs as build/bench/startup.js. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The package's own dependencies: the packages worth naming in what a command loads. */
const DEPENDENCIES = Object.keys(
  (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies,
);

interface Case {
  label: string;
  /** Node's arguments, for the package in `root`. */
  args: (root: string) => readonly string[];
}

const main = (root: string) => join(root, 'dist', 'cli', 'main.js');

const CASES: readonly Case[] = [
  { label: 'difflab --help', args: (r) => [main(r), '--help'] },
  { label: "difflab grad 'x^2' --at x=3", args: (r) => [main(r), 'grad', 'x^2', '--at', 'x=3'] },
  { label: 'difflab grad --help', args: (r) => [main(r), 'grad', '--help'] },
  {
    label: "import { gradient } from 'difflab'",
    args: () => ['--input-type=module', '-e', "import { gradient } from 'difflab';"],
  },
  { label: "import 'mathjs' (alone)", args: () => ['--input-type=module', '-e', "import 'mathjs';"] },
  { label: 'node -e 0 (the floor)', args: () => ['-e', '0'] },
];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Wall-clock milliseconds of one run of node with `args` in `cwd`. */
function runOnce(args: readonly string[], cwd: string): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** `median (min–max)` of some times, in ms. */
const summary = (times: readonly number[]) =>
  `${median(times).toFixed(0)} (${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)})`;

function main_(): void {
  if (!existsSync(main(ROOT))) throw new Error('build first: npm run build');
  const runs = Number(option('runs') ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: expected a positive integer');
  const baselineOption = option('baseline');
  const baseline = baselineOption === undefined ? undefined : resolve(baselineOption);
  if (baseline !== undefined && !existsSync(main(baseline)))
    throw new Error(`--baseline: no ${main(baseline)} (build it first)`);
  const roots = baseline === undefined ? [ROOT] : [ROOT, baseline];
  const head = ['command', `this build: median (min–max) of ${runs}, ms`, 'dependencies loaded'];
  if (baseline !== undefined) head.splice(2, 0, 'baseline, ms', 'baseline loads');
  const rows = [head];
  for (const c of CASES) {
    const times: number[][] = roots.map(() => []);
    for (const root of roots) runOnce(c.args(root), root);
    // Alternate the builds run by run, so that both see the same load on a shared machine.
    for (let i = 0; i < runs; i++) {
      for (const [j, root] of roots.entries()) times[j]?.push(runOnce(c.args(root), root));
    }
    const loads = roots.map(
      (root) =>
        loadedModules(c.args(root), root)
          .packages.filter((p) => DEPENDENCIES.includes(p))
          .join(', ') || '–',
    );
    const row = [c.label, summary(times[0] ?? []), loads[0] ?? ''];
    if (baseline !== undefined) row.splice(2, 0, summary(times[1] ?? []), loads[1] ?? '');
    rows.push(row);
  }
  const widths = head.map((_, j) => Math.max(...rows.map((r) => (r[j] as string).length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((cell, j) => cell.padEnd(widths[j] as number))
        .join('  ')
        .trimEnd()}\n`,
    );
}

main_();
