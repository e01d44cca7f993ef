/**
 * The README's measured numbers: `npm run readme:results` runs the scaling, performance and GradBench report
 * sections at fixed settings (a few minutes on two cores), writes what they measured to
 * `docs/results/readme.json`, and rewrites the README's generated blocks from it. `-- --render` only rewrites
 * the blocks from the committed file (after editing the prose around them).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGradbench } from '../../src/report/sections/gradbench/gradbench.js';
import { runPerformance } from '../../src/report/sections/performance/performance.js';
import { runScaling } from '../../src/report/sections/scaling/scaling.js';
import {
  HEADLINE_K,
  HEADLINE_WORKLOADS,
  PERFORMANCE_COLUMNS,
  type ReadmeResults,
  readmeBlocks,
  writeBlocks,
} from './render.js';

/** The package root: this file runs as build/bench/readme/main.js. */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RESULTS = join(ROOT, 'docs', 'results', 'readme.json');
const README = join(ROOT, 'README.md');

/** K from 2³ to 2¹⁸: the per-method budget, not the list, stops the costly methods. */
const SCALING_SIZES = Array.from({ length: 16 }, (_, i) => 2 ** (i + 3));
/** Ridge's K for the bytes-per-node and large-K row. */
const SCALE_K = 10_000_000;

const log = (line: string) => process.stderr.write(`${line}\n`);
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

async function measure(): Promise<ReadmeResults> {
  const loadBefore = load();
  log(`load average ${loadBefore.join(', ')}`);
  log('scaling (about a minute)');
  const scaling = await runScaling({
    workloads: HEADLINE_WORKLOADS,
    sizes: SCALING_SIZES.includes(HEADLINE_K)
      ? SCALING_SIZES
      : [...SCALING_SIZES, HEADLINE_K].sort((a, b) => a - b),
  });
  log('performance (about two minutes)');
  const performance = await runPerformance({
    sizes: [...PERFORMANCE_COLUMNS],
    scaleK: SCALE_K,
    onProgress: (_done, _total, label) => log(label),
  });
  log('gradbench, reverse mode');
  const gradbench = await runGradbench({ methods: ['reverse'] });
  return {
    version: 1,
    command: 'npm run readme:results',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadBefore,
      loadAfter: load(),
    },
    // Through JSON: the sections carry notebook views (functions) that the file does not keep.
    scaling: JSON.parse(JSON.stringify(scaling)),
    performance: JSON.parse(JSON.stringify(performance)),
    gradbench: JSON.parse(JSON.stringify(gradbench)),
  };
}

async function main(): Promise<void> {
  let results: ReadmeResults;
  if (process.argv.includes('--render')) {
    results = JSON.parse(readFileSync(RESULTS, 'utf8')) as ReadmeResults;
  } else {
    results = await measure();
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
    log(`wrote ${RESULTS}`);
  }
  writeFileSync(README, writeBlocks(readFileSync(README, 'utf8'), readmeBlocks(results)));
  log(`rewrote the generated blocks of ${README}`);
}

await main();
