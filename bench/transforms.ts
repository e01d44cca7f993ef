/**
 * What the layers above the sweeps cost: the program-level `gradient` (its option and point checks) against
 * the differentiator it calls, and the `grad` transform (reading the arguments, the cached trace, the result's
 * shape) against the program-level call, on the ridge loss at growing K. Run with `npm run bench:transforms`.
 */
import { Bench } from 'tinybench';
import { dot, type Expr, grad, gradient, program, variable, withGraph } from '../src/index.js';
import { reverseGradient } from '../src/reverse/index.js';

const sizes = (process.argv[2] ?? '4,64,1024').split(',').map(Number);

/** The ridge loss (wᵀx − 1)² + ½·wᵀw over w of length K, with x = (1, 2, ..., K)/K. */
function ridge(w: Expr[]): Expr {
  const x = w.map((_, i) => (i + 1) / w.length);
  return dot(w, x).sub(1).pow(2).add(dot(w, w).mul(0.5));
}

const rows: string[][] = [
  ['K', 'sweep (µs)', 'gradient (µs)', 'grad (µs)', 'gradient / sweep', 'grad / gradient'],
];
for (const K of sizes) {
  const f = withGraph(() => {
    const w = Array.from({ length: K }, (_, i) => variable(`w${i}`));
    return program(ridge(w), { variables: w });
  });
  const x = Float64Array.from({ length: K }, (_, i) => Math.sin(i));
  const w = Array.from(x);
  const out = new Float64Array(K);
  const g = grad(ridge);
  const bench = new Bench({ time: 300, warmupTime: 50 });
  bench.add('sweep', () => {
    reverseGradient(f, x, { out });
  });
  bench.add('gradient', () => {
    gradient(f, x, { out });
  });
  bench.add('grad', () => {
    g(w);
  });
  await bench.run();
  const median = (name: string) => {
    const r = bench.getTask(name)?.result;
    return r?.state === 'completed' ? r.latency.p50 * 1000 : Number.NaN;
  };
  const [s, p, t] = [median('sweep'), median('gradient'), median('grad')];
  rows.push([
    String(K),
    s.toPrecision(3),
    p.toPrecision(3),
    t.toPrecision(3),
    (p / s).toFixed(2),
    (t / p).toFixed(2),
  ]);
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i] ?? 0)).join('  '));
