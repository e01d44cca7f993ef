/**
 * ht's functions call by call, in one process: `node build/bench/ht-calls.js <evals/ht/data> [hand] [backend]
 * [calls] [function]` after `npx tsc -p tsconfig.bench.json` (defaults: hand 11, compile, 20 calls, jacobian).
 * Reads GradBench's hand as `bench:native` does (complicated variant, big model), runs the function 3 times, then
 * times `calls` calls and prints one JSON line: the CPU time per call (all the process's threads, the garbage
 * collector's included) and the wall-clock time, median, fastest and slowest. One process's numbers move with its
 * garbage collections and with what V8 optimised when: compare builds in several processes, alternated.
 */
import { derivativeEngine } from '../src/gradbench/engine.js';
import type { Backend } from '../src/index.js';
import { median } from '../src/report/harness.js';
import { htWorkload } from '../src/report/sections/native/binaries.js';
import { GRADBENCH_EVALS } from '../src/workloads/gradbench/index.js';

const [dataDir, handText, backendText, callsText, fnText] = process.argv.slice(2);
if (dataDir === undefined) {
  throw new Error('usage: node build/bench/ht-calls.js <evals/ht/data> [hand] [backend] [calls] [function]');
}
const hand = Number(handText ?? 11);
const backend = (backendText ?? 'compile') as Backend;
const calls = Number(callsText ?? 20);
const fn = fnText ?? 'jacobian';
const ev = GRADBENCH_EVALS.ht;
if (ev === undefined) throw new Error('no ht eval');
const workload = ev.prepare(ev.read(htWorkload(dataDir, hand).input));
const engine = derivativeEngine({ method: 'reverse', backend });
for (let i = 0; i < 3; i++) ev.run(fn, workload, engine);
const cpu: number[] = [];
const wall: number[] = [];
for (let i = 0; i < calls; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  ev.run(fn, workload, engine);
  wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
const stats = (xs: number[]) => ({
  median: Number(median(xs).toFixed(1)),
  min: Number(Math.min(...xs).toFixed(1)),
  max: Number(Math.max(...xs).toFixed(1)),
});
process.stdout.write(
  `${JSON.stringify({ hand, backend, fn, calls, cpuMs: stats(cpu), wallMs: stats(wall) })}\n`,
);
