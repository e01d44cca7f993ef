/**
 * A first scaling benchmark: the time of a full gradient of the ridge loss by each method at growing K,
 * beside the time of f itself, with tinybench. Run with `npm run bench`.
 */
import { Bench } from 'tinybench';
import { DifflabError, evaluate, METHODS, type Method, methods } from '../src/index.js';
import { ridge } from '../src/workloads/index.js';

const sizes = (process.argv[2] ?? '16,64,256,1024').split(',').map(Number);
const only = (process.argv[3]?.split(',') as Method[] | undefined) ?? METHODS;

const rows: string[][] = [
  [
    'K',
    'f (ms)',
    ...only.map((m) => `${m} (ms)`),
    ...only.map((m) => `${m} / f`),
    ...only.map((m) => `${m} ops`),
  ],
];
for (const K of sizes) {
  const f = ridge.build(K);
  const x = ridge.point(K);
  const bench = new Bench({ time: 300, warmupTime: 50 });
  bench.add('f', () => {
    evaluate(f, x);
  });
  const ops: Record<string, number | string> = {};
  for (const m of only) {
    try {
      ops[m] = methods[m].gradient(f, x).stats.ops;
    } catch (e) {
      // A method that refuses (a symbolic budget, say) is reported, not timed.
      ops[m] = e instanceof DifflabError ? e.code : 'error';
      continue;
    }
    bench.add(m, () => {
      methods[m].gradient(f, x);
    });
  }
  await bench.run();
  const median = (name: string) => {
    const r = bench.getTask(name)?.result;
    return r?.state === 'completed' ? r.latency.p50 : Number.NaN;
  };
  const fm = median('f');
  rows.push([
    String(K),
    fm.toPrecision(3),
    ...only.map((m) => median(m).toPrecision(3)),
    ...only.map((m) => (median(m) / fm).toFixed(1)),
    ...only.map((m) => String(ops[m])),
  ]);
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i] ?? 0)).join('  '));
