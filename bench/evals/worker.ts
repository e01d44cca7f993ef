/**
 * One workload of the eval benchmark, in a process of its own so that its peak memory is its own:
 * `node build/bench/evals/worker.js <eval> <sizes as JSON> <backend> <min-runs> <min-ms> [method]` (method: reverse
 * unless given, as the eval benchmark runs it; `forward` for forward mode). Prints one JSON line:
 * the build time, the median time of each function (each run until both min-runs and min-ms are met, as
 * GradBench does), the mean CPU time of the process over the same runs, and the peak resident memory.
 *
 * The CPU time (all the process's threads, the garbage collector's included) is what a run costs whatever else
 * the machine runs: on a shared machine the wall-clock time of a run stretches with the load (ba's Jacobian at
 * its largest took 34 s of wall-clock time for 7.4 s of CPU time with the load average at 7 on 2 cores). A mean
 * over all the runs, since the kernel counts CPU time in ticks too coarse for one run of a few microseconds.
 */
import { derivativeEngine } from '../../src/gradbench/engine.js';
import { generateInput } from '../../src/gradbench/generate.js';
import type { Backend, Method } from '../../src/index.js';
import { median } from '../../src/report/harness.js';
import { GRADBENCH_EVALS } from '../../src/workloads/gradbench/index.js';

const [evalName, sizesJson, backend, minRunsText, minMsText, methodText] = process.argv.slice(2);
const ev = GRADBENCH_EVALS[evalName as string];
if (ev === undefined) throw new Error(`unknown eval ${evalName}`);
const minRuns = Number(minRunsText ?? 3);
const minMs = Number(minMsText ?? 1000);
const input = ev.read(generateInput({ eval: ev.name, sizes: JSON.parse(sizesJson as string) }));
let t0 = performance.now();
const workload = ev.prepare(input);
const buildMs = performance.now() - t0;
const method = (methodText ?? 'reverse') as Method;
const engine = derivativeEngine({ method, backend: backend as Backend });
const times: Record<string, number> = {};
const cpuTimes: Record<string, number> = {};
const firstCall: Record<string, number> = {};
for (const fn of ev.functions) {
  // The first call generates code (compiled backend) and warms the engine; it is reported, not counted.
  t0 = performance.now();
  ev.run(fn, workload, engine);
  firstCall[fn] = performance.now() - t0;
  const runs: number[] = [];
  const start = performance.now();
  const c0 = process.cpuUsage();
  while (runs.length < minRuns || performance.now() - start < minMs) {
    t0 = performance.now();
    ev.run(fn, workload, engine);
    runs.push(performance.now() - t0);
    if (runs.length >= 1_000_000) break;
  }
  times[fn] = median(runs);
  const c = process.cpuUsage(c0);
  cpuTimes[fn] = (c.user + c.system) / 1000 / runs.length;
}
process.stdout.write(
  `${JSON.stringify({
    eval: ev.name,
    sizes: JSON.parse(sizesJson as string),
    backend,
    method,
    primal: ev.primal,
    derivatives: ev.derivatives,
    buildMs,
    firstCall,
    times,
    cpuTimes,
    cost: ev.cost(workload),
    peakBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
