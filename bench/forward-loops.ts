/**
 * Forward mode through loops on both backends: `npm run bench:forward-loops -- [min-runs] [min-ms] [only]`, or
 * `node build/bench/forward-loops.js [min-runs] [min-ms] [only]` (only: the workloads whose name holds it) after
 * `npx tsc -p tsconfig.bench.json`. Prints, per workload and backend, the median time of one call (each run
 * until both min-runs and min-ms are met, after one call that builds and warms the code):
 * - lstm's gradient (l = 2, c = 256: a scan of 255 steps, 266 inputs) and ode's vjp (n = 1000, s = 10: a scan
 *   of 10 steps, which forward mode takes from all 1,000 columns of the Jacobian), by GradBench's generated
 *   inputs and the eval's own code;
 * - ht's objective's forward Jacobian (26 columns of θ), the public fixture's first hand (simple, small model)
 *   with its correspondences repeated to 1,000: one scan per group of correspondences;
 * - a `jvp` and a `jacfwd` through a 10⁴-step scan (a carry of 4, a damped rotation with a tanh).
 */
import { readFileSync } from 'node:fs';
import { derivativeEngine } from '../src/gradbench/engine.js';
import { generateInput } from '../src/gradbench/generate.js';
import { type Backend, type Expr, jacfwd, jvp, methods, program, scan, withGraph } from '../src/index.js';
import { median } from '../src/report/harness.js';
import { GRADBENCH_EVALS } from '../src/workloads/gradbench/index.js';
import { variables } from '../src/workloads/gradbench/scalar.js';

const minRuns = Number(process.argv[2] ?? 5);
const minMs = Number(process.argv[3] ?? 1000);
/** Only the workloads whose name contains this. */
const only = process.argv[4] ?? '';

/** The median ms of `run` after one warm-up call. */
function time(run: () => unknown): number {
  run();
  const runs: number[] = [];
  const start = performance.now();
  while (runs.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    run();
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

type Case = (backend: Backend) => () => unknown;

function evalCase(name: string, sizes: Record<string, number>, fn: string): Case {
  const ev = GRADBENCH_EVALS[name];
  if (ev === undefined) throw new Error(`unknown eval ${name}`);
  const w = ev.prepare(ev.read(generateInput({ eval: name, sizes })));
  return (backend) => {
    const engine = derivativeEngine({ method: 'forward', backend });
    return () => ev.run(fn, w, engine);
  };
}

/** ht's objective with the first hand's correspondences repeated to `count`. */
function htCase(count: number): Case {
  const text = readFileSync(new URL('../../test/gradbench/fixtures/ht.json', import.meta.url), 'utf8');
  const { bones, workloads } = JSON.parse(text) as {
    bones: Record<string, unknown>;
    workloads: Record<string, number[] | number[][]>[];
  };
  const h = workloads[0] as Record<string, number[] | number[][]>;
  const reps = Math.ceil(count / (h.correspondences as number[]).length);
  const input = {
    theta: h.theta,
    us: [],
    data: {
      model: { ...bones, base_positions: h.base_positions, weights: h.weights, triangles: h.triangles },
      correspondences: Array.from({ length: reps }, () => h.correspondences)
        .flat()
        .slice(0, count),
      points: Array.from({ length: reps }, () => h.points)
        .flat()
        .slice(0, count),
    },
  };
  const ev = GRADBENCH_EVALS.ht;
  if (ev === undefined) throw new Error('no ht');
  const w = ev.prepare(ev.read(input)) as { objective: Parameters<typeof methods.forward.jacobian>[0] };
  const theta = Float64Array.from(h.theta as number[]);
  return (backend) => () => methods.forward.jacobian(w.objective, theta, { backend });
}

/** A 10⁴-step scan of a carry of 4 under parameters p (4 inputs). */
function steps(p: Expr[]): Expr[] {
  return scan(p, 10_000, (c) => {
    const [a, b, x, y] = c as [Expr, Expr, Expr, Expr];
    return [a, b, x.mul(0.99).sub(y.mul(a)).tanh(), y.mul(0.99).add(x.mul(b)).tanh()];
  }).carry;
}
const scanPoint = [0.1, 0.2, 0.3, -0.4];
const scanProgram = withGraph(() => {
  const p = variables('p', 4);
  return program(steps(p), { variables: p });
});

const cases: [string, Case][] = [
  ['lstm gradient (l 2, c 256)', evalCase('lstm', { l: 2, c: 256 }, 'jacobian')],
  ['ode vjp (n 1000, s 10)', evalCase('ode', { n: 1000, s: 10 }, 'gradient')],
  ['ht objective Jacobian (1,000 correspondences)', htCase(1000)],
  [
    'jvp, 10⁴-step scan',
    (backend) => () => jvp(scanProgram, scanPoint, [1, 0, 0, 0], { method: 'forward', backend }),
  ],
  [
    'jacfwd, 10⁴-step scan',
    (backend) => {
      const J = jacfwd(steps, { backend });
      return () => J(scanPoint);
    },
  ],
];

console.log('| workload | interpret (ms) | compile (ms) | compile / interpret |');
console.log('|---|---|---|---|');
for (const [name, make] of cases.filter(([name]) => name.includes(only))) {
  const ms = (['interpret', 'compile'] as Backend[]).map((b) => time(make(b)));
  const [i, c] = ms as [number, number];
  console.log(`| ${name} | ${i.toFixed(3)} | ${c.toFixed(3)} | ${(c / i).toFixed(2)} |`);
}
