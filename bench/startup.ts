/**
 * Start-up time of the command line: `npm run bench:startup -- [--runs 5]`. Runs each command as a user would
 * (`node dist/cli/main.js ...`, after `npm run build`) once to warm the file cache, then `--runs` times, and
 * prints the median and the range of the wall-clock times, and which of the package's dependencies each
 * command loads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadedModules } from './startup-modules.js';

/** The package root: this file runs as build/bench/startup.js. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** The package's own dependencies: the packages worth naming in what a command loads. */
const DEPENDENCIES = Object.keys(
  (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies,
);

const CASES: readonly { label: string; args: readonly string[] }[] = [
  { label: 'difflab --help', args: [MAIN, '--help'] },
  { label: "difflab grad 'x^2' --at x=3", args: [MAIN, 'grad', 'x^2', '--at', 'x=3'] },
  { label: 'difflab grad --help', args: [MAIN, 'grad', '--help'] },
  {
    label: "import { gradient } from 'difflab'",
    args: ['--input-type=module', '-e', "import { gradient } from 'difflab';"],
  },
  { label: 'node -e 0 (the floor)', args: ['-e', '0'] },
];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Wall-clock milliseconds of one run of node with `args`. */
function runOnce(args: readonly string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function main(): void {
  if (!existsSync(MAIN)) throw new Error('build first: npm run build');
  const runs = Number(option('runs') ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: expected a positive integer');
  const rows = [['command', `median of ${runs} (ms)`, 'min–max (ms)', 'packages loaded']];
  for (const c of CASES) {
    runOnce(c.args);
    const times = Array.from({ length: runs }, () => runOnce(c.args));
    const packages = loadedModules(c.args, ROOT).packages.filter((p) => DEPENDENCIES.includes(p));
    rows.push([
      c.label,
      median(times).toFixed(0),
      `${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)}`,
      packages.join(', ') || '–',
    ]);
  }
  const widths = rows[0]?.map((_, j) => Math.max(...rows.map((r) => (r[j] as string).length))) ?? [];
  for (const r of rows)
    process.stdout.write(`${r.map((cell, j) => cell.padEnd(widths[j] as number)).join('  ')}\n`);
}

main();
