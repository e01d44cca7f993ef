/**
 * The eval benchmark: `npm run bench:evals -- [--quick] [--evals ode,gmm] [--out dir]`. Runs GradBench's
 * workloads by reverse mode on both backends, each workload and backend in a process of its own, and reports
 * per eval the median time of the primal and of the derivative, their ratio, the build time and the peak
 * memory, with the compiled backend's time over the interpreter's, by wall-clock time and by the process's CPU
 * time (which the machine's other load stretches less), workload by workload and per eval. Writes `evals.md` and
 * `evals.json` to the output folder (default `difflab-report/evals`).
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

type Sizes = Record<string, number>;

// GradBench's default workloads (a spread of each eval's grid, its largest included) and small ones: the same
// as the native comparison's (src/gradbench/native.ts).
const DEFAULT_SIZES = NATIVE_DEFAULT_SIZES;
const QUICK_SIZES = NATIVE_QUICK_SIZES;

interface Row {
  eval: string;
  sizes: Sizes;
  backend: string;
  primal: string | undefined;
  derivatives: string[];
  buildMs: number;
  times: Record<string, number>;
  cpuTimes: Record<string, number>;
  peakBytes: number;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const sizes = quick ? QUICK_SIZES : DEFAULT_SIZES;
const evals = option('evals')?.split(',') ?? Object.keys(sizes);
const out = option('out') ?? 'difflab-report/evals';
const worker = join(dirname(fileURLToPath(import.meta.url)), 'worker.js');
const rows: Row[] = [];
const started = performance.now();
const loadBefore = loadavg()[0] as number;
for (const name of evals) {
  for (const s of sizes[name] ?? []) {
    for (const backend of ['interpret', 'compile']) {
      const args = [worker, name, JSON.stringify(s), backend, quick ? '3' : '3', quick ? '200' : '1000'];
      process.stderr.write(`  ${name} ${JSON.stringify(s)} ${backend} … `);
      try {
        const text = execFileSync(process.execPath, ['--max-old-space-size=8192', ...args], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 1_800_000,
        });
        const row = JSON.parse(text.trim().split('\n').pop() as string) as Row;
        rows.push(row);
        process.stderr.write(`${fmtMs(row.times[row.derivatives[0] as string] ?? Number.NaN)} ms\n`);
      } catch (e) {
        process.stderr.write(`failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
      }
    }
  }
}

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
// Compiled over interpreted, workload by workload: wall-clock time, then CPU time.
const pairs = [
  '',
  '| eval | workload | primal, interpreted / compiled (ms) | ÷ | derivative, interpreted / compiled (ms) | ÷ | CPU ÷, primal | CPU ÷, derivative |',
  '|---|---|---|---|---|---|---|---|',
];
// Compiled over interpreted, per eval: the median over its workloads of the ratio of medians.
const ratio = [
  '',
  '| eval | compiled ÷ interpreted, primal | compiled ÷ interpreted, derivative | by CPU time, primal | by CPU time, derivative |',
  '|---|---|---|---|---|',
];
const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
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
    pairs.push(
      `| ${name} | ${label(c.sizes)} | ${fmtMs(p0)} / ${fmtMs(p1)} | ${(p1 / p0).toFixed(2)} | ${fmtMs(d0)} / ${fmtMs(d1)} | ${(d1 / d0).toFixed(2)} | ${pcpu.toFixed(2)} | ${dcpu.toFixed(2)} |`,
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
  `# GradBench evals by reverse mode, both backends\n\nCommand: \`npm run bench:evals${quick ? ' -- --quick' : ''}\`. Medians of at least 3 runs and ${quick ? '0.2' : '1'} s per function, after one untimed call, by wall-clock time (medians) and by the process's CPU time (all its threads, the mean over the runs); peak memory is the process's maximum resident set.\n\n${text}`,
);
writeFileSync(join(out, 'evals.json'), `${JSON.stringify(rows, null, 2)}\n`);
process.stdout.write(`wrote ${join(out, 'evals.md')} and evals.json\n`);
