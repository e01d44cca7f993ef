/**
 * Checkpointing, measured: `npm run bench:checkpoint -- [--quick] [--out dir]`. The gradient of GradBench's ode
 * and lstm (scans over their steps) by reverse mode with each of the scan's checkpointing strategies: store
 * every carry, every ⌈√n⌉-th, or binomial (revolve) with a few snapshots. Reports per strategy the median
 * time, the bytes held for the backward sweep beyond the tapes (the carries, and store-all's body values:
 * what checkpointing trades), the body's forward runs (recomputation) beside theory's count, and checks that
 * every strategy's gradient equals store-all's to the bit. The measuring is the memory section's
 * (`measureCheckpointing`), and so is the chart (`checkpointTimeChart`).
 * Writes `checkpoint.md`, `checkpoint.json` and `checkpoint.svg` (kept bytes against time) to the output
 * folder (default `difflab-report/checkpoint`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateInput } from '../src/gradbench/generate.js';
import { renderSvg } from '../src/report/chart.js';
import {
  type CheckpointRow,
  checkpointTimeChart,
  type MemoryCase,
  measureCheckpointing,
  scanShapeOf,
  strategies,
} from '../src/report/sections/memory/index.js';
import { lstm } from '../src/workloads/gradbench/lstm.js';
import { ode } from '../src/workloads/gradbench/ode.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const out = option('out') ?? 'difflab-report/checkpoint';

function cases(): MemoryCase[] {
  const odeSizes = quick ? { n: 1000, s: 100 } : { n: 10000, s: 1000 };
  const o = ode.prepare(ode.read(generateInput({ eval: 'ode', sizes: odeSizes })));
  const lstmSizes = quick ? { l: 2, c: 512 } : { l: 4, c: 8192 };
  const l = lstm.prepare(lstm.read(generateInput({ eval: 'lstm', sizes: lstmSizes })));
  return [
    // ode's gradient is that of its last output.
    { name: `ode (n = ${odeSizes.n}, s = ${odeSizes.s})`, f: o.primal, x: o.x, u: o.last },
    { name: `lstm (l = ${lstmSizes.l}, c = ${lstmSizes.c})`, f: l.f, x: l.x },
  ];
}

type Row = CheckpointRow & { backend: 'interpret' | 'compile' };

const rows: Row[] = [];
for (const c of cases()) {
  for (const backend of ['interpret', 'compile'] as const) {
    // One snapshot recomputes O(n²) iterations: left out of full runs past 2,000 iterations.
    const list = strategies(quick || scanShapeOf(c.f).n <= 2000 ? [4, 1] : [4]);
    const measured = await measureCheckpointing(c, list, { backend, minMs: quick ? 200 : 1000 });
    for (const r of measured) {
      rows.push({ ...r, backend });
      process.stderr.write(`  ${c.name} ${backend} ${r.strategy}: ${r.ms.toFixed(1)} ms\n`);
    }
  }
}

const kb = (b: number) => (b / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 });
const lines = [
  '| workload | backend | strategy | gradient (ms) | kept for the backward sweep (KiB) | carries held | body forward runs ÷ iterations | theory ÷ iterations | equals store-all to the bit |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.workload} | ${r.backend} | ${r.strategy} | ${r.ms.toFixed(1)} | ${kb(r.keptBytes)} | ${r.checkpointCarries} + ${r.workingCarries} | ${(r.bodyForwards / r.n).toFixed(2)} | ${(r.theoryForwards / r.n).toFixed(2)} | ${r.sameAsStoreAll ? 'yes' : 'NO'} |`,
  ),
];
const text = lines.join('\n');
process.stdout.write(`\n${text}\n`);
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'checkpoint.md'),
  `# Checkpointing a scan\n\nCommand: \`npm run bench:checkpoint${quick ? ' -- --quick' : ''}\`. Gradient of ode's last output and of lstm's loss by reverse mode; medians of at least 3 rounds (each round runs every strategy once) and ${quick ? '0.2' : '1'} s per strategy. "Kept" counts the most bytes held at once for the backward sweep beyond the tape of one body: the carries kept and worked on, and for store-all with a small body every iteration's body values; "carries held" is checkpoints + working carries; "body forward runs" counts every run of the body's primal sweep (1 per iteration for the recording, 1 more in the backward sweep, the rest recomputation), beside theory's count (revolve's minimum for binomial). The same measurement is the report's memory section (src/report/sections/memory).\n\n${text}\n\n![memory against time](checkpoint.svg)\n`,
);
writeFileSync(join(out, 'checkpoint.json'), `${JSON.stringify(rows, null, 2)}\n`);
writeFileSync(
  join(out, 'checkpoint.svg'),
  await renderSvg(checkpointTimeChart(rows.filter((r) => r.backend === 'compile'))),
);
process.stdout.write(`wrote ${join(out, 'checkpoint.md')}, checkpoint.json and checkpoint.svg\n`);
