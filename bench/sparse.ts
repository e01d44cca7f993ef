/**
 * Sparse derivatives at scale: `npm run bench:sparse -- [--sizes 1000,1000000] [--workloads bratu,rosenbrock]`.
 * Per sparse workload and size K: the time to build the program, to detect the pattern and colour it, and to
 * run the compressed sweeps; the colours, the sweeps, the nonzeros, and the process's peak resident memory.
 * Dense mode is not run (at K = 10⁶ it would take 10⁶ sweeps); the sparsity report section compares the two.
 */
import {
  type Program,
  type SparseResult,
  sparseHessian,
  sparseJacobian,
  sparseWorkload,
  sparseWorkloads,
} from '../src/index.js';
import { timed } from '../src/report/harness.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const sizes = (option('sizes') ?? '1000,10000,100000,1000000').split(',').map(Number);
const names = (option('workloads') ?? Object.keys(sparseWorkloads).join(',')).split(',');

const header = [
  'workload',
  'K',
  'n',
  'mode',
  'nnz',
  'colours',
  'sweeps',
  'build ms',
  'pattern ms',
  'colour ms',
  'sweeps ms',
  'peak RSS MB',
];
console.log(header.join('\t'));
for (const name of names) {
  const w = sparseWorkload(name);
  if (w === undefined) throw new Error(`unknown workload ${name}`);
  for (const K of sizes) {
    const { value: f, ms: build } = timed((): Program => w.build(K));
    const x = w.point(K);
    const results: SparseResult[] =
      w.kind === 'hessian'
        ? [sparseHessian(f, x)]
        : [sparseJacobian(f, x, { mode: 'forward' }), sparseJacobian(f, x, { mode: 'reverse' })];
    for (const r of results) {
      const d = r.stats.details;
      console.log(
        [
          name,
          K,
          r.cols,
          r.mode,
          r.colIndex.length,
          r.colourCount,
          r.sweeps,
          build.toFixed(0),
          Number(d.patternMs).toFixed(0),
          Number(d.colouringMs).toFixed(0),
          r.stats.time.toFixed(0),
          (process.resourceUsage().maxRSS / 1024).toFixed(0),
        ].join('\t'),
      );
    }
  }
}
