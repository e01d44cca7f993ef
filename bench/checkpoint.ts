/**
 * Checkpointing, measured: `npm run bench:checkpoint -- [--quick] [--out dir]`. The gradient of GradBench's ode
 * and lstm (scans over their steps) by reverse mode with each of the scan's checkpointing strategies: store
 * every carry, every ⌈√n⌉-th, or binomial (revolve) with a few snapshots. Reports per strategy the median
 * time, the bytes kept for the backward sweep beyond the tapes (the carries, and store-all's body values:
 * what checkpointing trades), the
 * body's forward runs (recomputation) and checks that every strategy's gradient equals store-all's to the bit.
 * Writes `checkpoint.md`, `checkpoint.json` and `checkpoint.svg` (kept bytes against time) to the output
 * folder (default `difflab-report/checkpoint`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateInput } from '../src/gradbench/generate.js';
import { type Backend, methods, type Program } from '../src/index.js';
import { renderSvg, VEGA_LITE_SCHEMA } from '../src/report/chart.js';
import { type Checkpoint, loopUsage } from '../src/reverse/loop.js';
import { lstm } from '../src/workloads/gradbench/lstm.js';
import { ode } from '../src/workloads/gradbench/ode.js';

interface Case {
  readonly name: string;
  readonly f: Program;
  readonly x: Float64Array;
  /** The cotangent (ode's gradient is that of its last output). */
  readonly u: Float64Array;
  /** Iterations of the scan. */
  readonly n: number;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const out = option('out') ?? 'difflab-report/checkpoint';

function cases(): Case[] {
  const odeSizes = quick ? { n: 1000, s: 100 } : { n: 10000, s: 1000 };
  const o = ode.prepare(ode.read(generateInput({ eval: 'ode', sizes: odeSizes })));
  const lstmSizes = quick ? { l: 2, c: 512 } : { l: 4, c: 8192 };
  const l = lstm.prepare(lstm.read(generateInput({ eval: 'lstm', sizes: lstmSizes })));
  return [
    { name: `ode (n = ${odeSizes.n}, s = ${odeSizes.s})`, f: o.primal, x: o.x, u: o.last, n: odeSizes.s },
    {
      name: `lstm (l = ${lstmSizes.l}, c = ${lstmSizes.c})`,
      f: l.f,
      x: l.x,
      u: Float64Array.of(1),
      n: lstmSizes.c - 1,
    },
  ];
}

const STRATEGIES: { label: string; checkpoint: Checkpoint; snapshots?: number }[] = [
  { label: 'store all', checkpoint: 'all' },
  { label: '√n', checkpoint: 'sqrt' },
  { label: 'binomial, ⌈log₂ n⌉ snapshots', checkpoint: 'binomial' },
  { label: 'binomial, 4 snapshots', checkpoint: 'binomial', snapshots: 4 },
  { label: 'binomial, 1 snapshot', checkpoint: 'binomial', snapshots: 1 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Row {
  workload: string;
  backend: Backend;
  strategy: string;
  ms: number;
  keptBytes: number;
  bodyForwards: number;
  iterations: number;
  sameAsStoreAll: boolean;
}

const rows: Row[] = [];
for (const c of cases()) {
  for (const backend of ['interpret', 'compile'] as const) {
    let reference: Float64Array | undefined;
    for (const s of STRATEGIES) {
      // Quick runs leave out one snapshot: it recomputes O(n²) iterations.
      if (s.snapshots === 1 && !quick && c.n > 2000) continue;
      const options = {
        backend,
        checkpoint: s.checkpoint,
        ...(s.snapshots === undefined ? {} : { snapshots: s.snapshots }),
      };
      const first = methods.reverse.vjp(c.f, c.x, c.u, options);
      const usage = loopUsage();
      const times: number[] = [];
      const start = performance.now();
      while (times.length < 3 || performance.now() - start < (quick ? 200 : 1000)) {
        const t0 = performance.now();
        methods.reverse.vjp(c.f, c.x, c.u, options);
        times.push(performance.now() - t0);
      }
      reference ??= first.value;
      const same = first.value.every((g, k) => Object.is(g, reference?.[k]));
      rows.push({
        workload: c.name,
        backend,
        strategy: s.label,
        ms: median(times),
        keptBytes: usage.residualBytes,
        bodyForwards: usage.bodyPrimals,
        iterations: c.n,
        sameAsStoreAll: same,
      });
      process.stderr.write(`  ${c.name} ${backend} ${s.label}: ${median(times).toFixed(1)} ms\n`);
    }
  }
}

const kb = (b: number) => (b / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 });
const lines = [
  '| workload | backend | strategy | gradient (ms) | kept for the backward sweep (KiB) | body forward runs ÷ iterations | equals store-all to the bit |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.workload} | ${r.backend} | ${r.strategy} | ${r.ms.toFixed(1)} | ${kb(r.keptBytes)} | ${(r.bodyForwards / r.iterations).toFixed(2)} | ${r.sameAsStoreAll ? 'yes' : 'NO'} |`,
  ),
];
const text = lines.join('\n');
process.stdout.write(`\n${text}\n`);
const spec = {
  $schema: VEGA_LITE_SCHEMA,
  title: 'Checkpointing a scan: memory kept against gradient time',
  data: { values: rows.filter((r) => r.backend === 'compile') },
  facet: { row: { field: 'workload', type: 'nominal', title: null } },
  spec: {
    width: 420,
    height: 180,
    mark: { type: 'point', filled: true, size: 90 },
    encoding: {
      x: {
        field: 'keptBytes',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'bytes kept for the backward sweep (log)',
      },
      y: { field: 'ms', type: 'quantitative', title: 'gradient, compiled (ms)' },
      color: {
        field: 'strategy',
        type: 'nominal',
        legend: { orient: 'bottom', columns: 2, labelLimit: 260 },
      },
      shape: { field: 'strategy', type: 'nominal' },
    },
  },
  resolve: { scale: { x: 'independent', y: 'independent' } },
};
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'checkpoint.md'),
  `# Checkpointing a scan\n\nCommand: \`npm run bench:checkpoint${quick ? ' -- --quick' : ''}\`. Gradient of ode's last output and of lstm's loss by reverse mode; medians of at least 3 runs and ${quick ? '0.2' : '1'} s. "Kept" counts what the recording keeps for the backward sweep beyond the tape of one body: carries, and for store-all with a small body every iteration's body values; "body forward runs" counts every run of the body's primal sweep (1 per iteration for the recording, 1 more in the backward sweep, the rest recomputation).\n\n${text}\n\n![memory against time](checkpoint.svg)\n`,
);
writeFileSync(join(out, 'checkpoint.json'), `${JSON.stringify(rows, null, 2)}\n`);
writeFileSync(join(out, 'checkpoint.svg'), await renderSvg(spec as never));
process.stdout.write(`wrote ${join(out, 'checkpoint.md')}, checkpoint.json and checkpoint.svg\n`);
