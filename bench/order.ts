/**
 * One eval's workload timed after other evals ran in the same process, in bench:native's order:
 * `node build/bench/order.js <evals before, comma-separated, or -> <eval> <sizes as JSON> [seconds] [native dir]`.
 * The evals before run each of their default native workloads (`NATIVE_DEFAULT_SIZES`), each function on both
 * backends for a second (with the C++ binaries first when their folder is given, as bench:native runs them);
 * then each function of the eval's workload on each backend, with the C++ run first when given. Prints one JSON
 * line: per function and backend, the wall-clock median and per call the means of difflab's thread's CPU time and
 * its wait for a CPU (Linux; see `threadTimes`) and of the collector's pauses, and the heap's size at the end.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { derivativeEngine } from '../src/gradbench/engine.js';
import { generateInput } from '../src/gradbench/generate.js';
import { NATIVE_DEFAULT_SIZES } from '../src/gradbench/native.js';
import type { Backend } from '../src/index.js';
import { median } from '../src/report/harness.js';
import { measureWorkload, runNative, threadTimes } from '../src/report/sections/native/binaries.js';
import { GRADBENCH_EVALS, type GradbenchEval } from '../src/workloads/gradbench/index.js';

const [beforeText, evalName, sizesJson, secondsText, nativeDir] = process.argv.slice(2);
const seconds = Number(secondsText ?? 1);
const before = beforeText === '-' || beforeText === undefined ? [] : beforeText.split(',');

// The collector's pauses: Node reports them as performance entries, delivered after the synchronous runs.
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

const ms = (x: number) => Number(x.toFixed(3));

async function timeRuns(ev: GradbenchEval, workload: unknown, fn: string, backend: Backend) {
  const engine = derivativeEngine({ method: 'reverse', backend });
  ev.run(fn, workload, engine);
  const runs: number[] = [];
  const t0 = threadTimes();
  const g0 = gcMs;
  const start = performance.now();
  while (runs.length < 3 || performance.now() - start < seconds * 1000) {
    const s = performance.now();
    ev.run(fn, workload, engine);
    runs.push(performance.now() - s);
  }
  const t1 = threadTimes();
  await new Promise((resolve) => setTimeout(resolve, 10));
  const n = runs.length;
  const times =
    t0 && t1 ? { cpu: ms((t1.runNs - t0.runNs) / 1e6 / n), wait: ms((t1.waitNs - t0.waitNs) / 1e6 / n) } : {};
  return { wall: ms(median(runs)), ...times, gc: ms((gcMs - g0) / n), runs: n };
}

async function workload(name: string, sizes: Record<string, number>, timed: boolean) {
  const ev = GRADBENCH_EVALS[name];
  if (ev === undefined) throw new Error(`unknown eval ${name}`);
  const base = generateInput({ eval: name, sizes });
  const out: Record<string, unknown> = {};
  if (nativeDir !== undefined && !timed) {
    await measureWorkload(nativeDir, { eval: name, sizes }, { minRuns: 3, minSeconds: 1 }, base);
    return out;
  }
  const w = ev.prepare(ev.read(base));
  for (const fn of ev.functions) {
    if (nativeDir !== undefined) {
      await runNative(nativeDir, name, fn, { ...(base as object), min_runs: 3, min_seconds: seconds });
    }
    for (const b of ['interpret', 'compile'] as const) out[`${fn} ${b}`] = await timeRuns(ev, w, fn, b);
  }
  return out;
}

for (const name of before) {
  for (const sizes of NATIVE_DEFAULT_SIZES[name] ?? []) await workload(name, sizes, false);
}
const r = await workload(evalName as string, JSON.parse(sizesJson as string), true);
const heapMB = Math.round(process.memoryUsage().heapTotal / 1e6);
process.stdout.write(`${JSON.stringify({ before: before.join(','), eval: evalName, heapMB, ...r })}\n`);
