/**
 * What the compiled backend's tier costs a call while it runs the interpreter (src/sweeps/compiled/tier.ts):
 * `node build/bench/tier.js [rounds]` after `npx tsc -p tsconfig.bench.json`. Times `tiered` around a sweep that
 * does nothing, on GradBench det's program at ℓ = 9 with trials kept off, against that sweep called bare, and
 * prints the difference per call (ns), median over the rounds (default 7) of 2,000,000 calls each. The tier's
 * lookups, counters and the one timed call in TIME_EVERY; det's interpreted primal at ℓ = 9 takes about 13.7 µs.
 */
import type { Backend } from '../src/index.js';
import { median } from '../src/report/harness.js';
import { setTiering, tiered } from '../src/sweeps/compiled/tier.js';
import { GRADBENCH_EVALS } from '../src/workloads/gradbench/index.js';
import type { ScalarWorkload } from '../src/workloads/gradbench/scalar.js';

const rounds = Number(process.argv[2] ?? 7);
const calls = 2_000_000;
const det = GRADBENCH_EVALS.det;
if (det === undefined) throw new Error('no det eval');
const input = det.read({ A: Array.from({ length: 81 }, (_, k) => (k % 7) / 7), ell: 9 });
const { f } = det.prepare(input) as ScalarWorkload<unknown>;
// No trial ever: the tier runs the interpreter and keeps its books, as in a run shorter than its first trial.
setTiering(true, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
let sink = 0;
const sweep = (backend: Backend) => {
  sink += backend === 'compile' ? 2 : 1;
  return sink;
};
const overheads: number[] = [];
for (let r = 0; r < rounds; r++) {
  let t0 = performance.now();
  for (let i = 0; i < calls; i++) sweep('interpret');
  const bare = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < calls; i++) tiered(f, 'primal', 0, 'compile', sweep);
  overheads.push(((performance.now() - t0 - bare) / calls) * 1e6);
}
process.stdout.write(
  `${JSON.stringify({ nsPerCall: median(overheads), rounds: overheads.map((x) => Math.round(x)), sink })}\n`,
);
