/**
 * `difflab hessian`: second derivatives of one expression, by forward over reverse.
 */

import type { Program } from '../ir/program.js';
import { sparseHessian } from '../sparse/compressed.js';
import { sparseJson, sparseText } from '../sparse/summary.js';
import { evaluate, toPoint } from '../sweeps/index.js';
import { hessian } from '../transforms.js';
import { formatValue, header, matrixTable, printJson, readFunction, record, refuseDense } from './common.js';
import { UsageError } from './errors.js';
import type { FunctionArgs, SparseFlags } from './options.js';
import { workloadAt } from './sparse.js';

export type HessianArgs = FunctionArgs & SparseFlags;

export function handler(args: HessianArgs): void {
  if (args.sparse === true) {
    sparse(args);
    return;
  }
  if (args.workload !== undefined || args.ordering !== undefined)
    throw new UsageError('--workload and --ordering go with --sparse');
  const { f, at, source } = readFunction(args);
  refuseDense('Hessian', f.variables.length, f.variables.length);
  const H = hessian(f, at, { allowNonFinite: true });
  const value = evaluate(f, at);
  if (args.json) {
    // Row by row, each keyed by name: hessian.x.y is ∂²f/∂x∂y.
    const named = Object.fromEntries(
      f.variables.map((v, i) => [v, record(f.variables, H[i] as Float64Array)]),
    );
    printJson({ expression: source, variables: f.variables, at, value, hessian: named });
    return;
  }
  const labels = f.variables.map((v) => `∂${v}`);
  process.stdout.write(
    `${header(f, at, formatValue(value, args.digits), args.digits)}\n\nHessian (∂²f/∂row∂column):\n${matrixTable(H, labels, labels, args.digits)}\n`,
  );
}

/** `--sparse`: the Hessian of the expression or of a workload by star colouring, one H·v per colour. */
function sparse(args: HessianArgs): void {
  let f: Program<number>;
  let x: Float64Array;
  let head: string;
  if (args.workload !== undefined) {
    if (args.expr !== undefined || args.file !== undefined)
      throw new UsageError('give an expression or --workload, not both');
    const w = workloadAt(args.workload, 'hessian', args.size);
    f = w.f as Program<number>;
    x = w.x;
    head = `${args.workload} at K = ${w.K}`;
  } else {
    const read = readFunction(args);
    f = read.f;
    x = toPoint(f, read.at);
    head = read.source;
  }
  const r = sparseHessian(f, x, { ordering: args.ordering });
  if (args.json) {
    printJson({
      ...(args.workload === undefined ? { expression: head } : { workload: args.workload, size: args.size }),
      variables: f.variables.length <= 1000 ? f.variables : f.variables.length,
      hessian: sparseJson(r),
    });
    return;
  }
  const labels = { rows: f.variables, cols: f.variables };
  process.stdout.write(`${head}\n\n${sparseText(r, labels, (v) => formatValue(v, args.digits))}`);
}
