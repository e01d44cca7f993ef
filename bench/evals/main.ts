/**
 * The eval benchmark: `npm run bench:evals -- [--quick] [--evals ode,gmm] [--processes N] [--out dir]`. Runs
 * GradBench's workloads by reverse mode on both backends, each workload and backend in a process of its own, N
 * times (default 3) with the backends alternated (interpreter first, then compiled first, ...), and reports per
 * eval the median over the processes of each one's median time of the primal and of the derivative, their ratio,
 * the build time and the peak memory, with the compiled backend's time over the interpreter's, by wall-clock time
 * and by the process's CPU time (which the machine's other load stretches less), workload by workload and per
 * eval, and the range of each backend's derivative time over the processes. Several processes because one
 * process's speed is not another's: the interpreter's sweeps on det at ℓ = 9 (no loops, which both backends run
 * within a second; docs/loops.md) took 14–20 µs a primal in one process and 15–24 µs in another, so one process
 * per backend put the compiled backend 11% behind or 16% ahead by chance. Writes `evals.md` and `evals.json` (every
 * process's row) to the output folder (default `difflab-report/evals`).
 *
 * The default sizes are a spread of GradBench's own default workloads, the largest of each eval included
 * (about half an hour in all on a 2-core machine); `--quick` runs small ones (about a minute).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_DEFAULT_SIZES, NATIVE_QUICK_SIZES } from '../../src/gradbench/native.js';
import { combined, med, type Row, type Sizes } from './rows.js';

// GradBench's default workloads (a spread of each eval's grid, its largest included) and small ones: the same
// as the native comparison's (src/gradbench/native.ts).
const DEFAULT_SIZES = NATIVE_DEFAULT_SIZES;
const QUICK_SIZES = NATIVE_QUICK_SIZES;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const sizes = quick ? QUICK_SIZES : DEFAULT_SIZES;
const evals = option('evals')?.split(',') ?? Object.keys(sizes);
const out = option('out') ?? 'difflab-report/evals';
const processes = Number(option('processes') ?? 3);
if (!Number.isInteger(processes) || processes < 1)
  throw new Error('--processes: expected a whole number ≥ 1');
const worker = join(dirname(fileURLToPath(import.meta.url)), 'worker.js');
/** Every process's row. */
const runs: Row[] = [];
const started = performance.now();
const loadBefore = loadavg()[0] as number;
const BACKENDS = ['interpret', 'compile'];
for (const name of evals) {
  for (const s of sizes[name] ?? []) {
    for (let p = 0; p < processes; p++) {
      // Alternated, so that neither backend always runs first (after a pause, or after the other's load).
      for (const backend of p % 2 === 0 ? BACKENDS : [...BACKENDS].reverse()) {
        const args = [worker, name, JSON.stringify(s), backend, '3', quick ? '200' : '1000'];
        process.stderr.write(`  ${name} ${JSON.stringify(s)} ${backend} (${p + 1}/${processes}) … `);
        try {
          const text = execFileSync(process.execPath, ['--max-old-space-size=8192', ...args], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
            timeout: 1_800_000,
          });
          const row = JSON.parse(text.trim().split('\n').pop() as string) as Row;
          runs.push(row);
          process.stderr.write(`${fmtMs(row.times[row.derivatives[0] as string] ?? Number.NaN)} ms\n`);
        } catch (e) {
          process.stderr.write(`failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
        }
      }
    }
  }
}
const rows = combined(runs);

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(3);
}

const label = (s: Sizes) =>
  Object.entries(s)
    .map(([k, v]) => `${k} = ${v.toLocaleString('en-US')}`)
    .join(', ');
const lines = [
  '| eval | workload | backend | primal (ms) | derivative (ms) | derivative ÷ primal | build (ms) | peak memory (MB) |',
  '|---|---|---|---|---|---|---|---|',
];
for (const r of rows) {
  const p = r.primal === undefined ? Number.NaN : (r.times[r.primal] ?? Number.NaN);
  const d = r.times[r.derivatives[0] as string] ?? Number.NaN;
  lines.push(
    `| ${r.eval} | ${label(r.sizes)} | ${r.backend} | ${fmtMs(p)} | ${fmtMs(d)} | ${(d / p).toFixed(2)} | ${r.buildMs.toFixed(0)} | ${(r.peakBytes / 2 ** 20).toFixed(0)} |`,
  );
}
// Compiled over interpreted, workload by workload: wall-clock time, then CPU time, then each backend's
// derivative over the processes (fastest–slowest).
const pairs = [
  '',
  '| eval | workload | primal, interpreted / compiled (ms) | ÷ | derivative, interpreted / compiled (ms) | ÷ | CPU ÷, primal | CPU ÷, derivative | derivative over the processes, interpreted; compiled (ms) |',
  '|---|---|---|---|---|---|---|---|---|',
];
// Compiled over interpreted, per eval: the median over its workloads of the ratio of medians.
const ratio = [
  '',
  '| eval | compiled ÷ interpreted, primal | compiled ÷ interpreted, derivative | by CPU time, primal | by CPU time, derivative |',
  '|---|---|---|---|---|',
];
const fmtRatio = (xs: number[]) => (xs.length > 0 ? med(xs).toFixed(2) : '–');
const timeOf = (r: Row, fn: string | undefined, cpu: boolean) =>
  fn === undefined ? Number.NaN : ((cpu ? r.cpuTimes : r.times)[fn] ?? Number.NaN);
for (const name of evals) {
  const of = (backend: string) => rows.filter((r) => r.eval === name && r.backend === backend);
  const interp = of('interpret');
  const pr: number[] = [];
  const dr: number[] = [];
  const pc: number[] = [];
  const dc: number[] = [];
  for (const c of of('compile')) {
    const i = interp.find((r) => JSON.stringify(r.sizes) === JSON.stringify(c.sizes));
    if (i === undefined) continue;
    const fn = c.derivatives[0] as string;
    const [p0, p1] = [timeOf(i, c.primal, false), timeOf(c, c.primal, false)];
    const [d0, d1] = [timeOf(i, fn, false), timeOf(c, fn, false)];
    const pcpu = timeOf(c, c.primal, true) / timeOf(i, c.primal, true);
    const dcpu = timeOf(c, fn, true) / timeOf(i, fn, true);
    if (c.primal !== undefined) {
      pr.push(p1 / p0);
      pc.push(pcpu);
    }
    dr.push(d1 / d0);
    dc.push(dcpu);
    const range = (r: (typeof rows)[number]) => {
      const [lo, hi] = r.spread[fn] ?? [Number.NaN, Number.NaN];
      return `${fmtMs(lo)}–${fmtMs(hi)}`;
    };
    pairs.push(
      `| ${name} | ${label(c.sizes)} | ${fmtMs(p0)} / ${fmtMs(p1)} | ${(p1 / p0).toFixed(2)} | ${fmtMs(d0)} / ${fmtMs(d1)} | ${(d1 / d0).toFixed(2)} | ${pcpu.toFixed(2)} | ${dcpu.toFixed(2)} | ${range(i)}; ${range(c)} |`,
    );
  }
  if (dr.length > 0)
    ratio.push(`| ${name} | ${fmtRatio(pr)} | ${fmtRatio(dr)} | ${fmtRatio(pc)} | ${fmtRatio(dc)} |`);
}
const load = `Load average (1 min): ${loadBefore.toFixed(1)} at the start, ${(loadavg()[0] as number).toFixed(1)} at the end.`;
const text = `${lines.join('\n')}\n${pairs.join('\n')}\n${ratio.join('\n')}\n\n${load}\n`;
process.stdout.write(`\n${text}\n${((performance.now() - started) / 1000).toFixed(0)} s\n`);
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'evals.md'),
  `# GradBench evals by reverse mode, both backends\n\nCommand: \`npm run bench:evals${quick ? ' -- --quick' : ''}\`. Each workload and backend in ${processes} processes, the backends alternated; in each, medians of at least 3 runs and ${quick ? '0.2' : '1'} s per function, after one untimed call, by wall-clock time (medians) and by the process's CPU time (all its threads, the mean over the runs); below, the median over the processes; peak memory is the largest of the processes' maximum resident sets.\n\n${text}`,
);
writeFileSync(join(out, 'evals.json'), `${JSON.stringify(runs, null, 2)}\n`);
process.stdout.write(`wrote ${join(out, 'evals.md')} and evals.json\n`);
