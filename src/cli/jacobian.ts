/**
 * `difflab jacobian`: the Jacobian of several expressions (one output each) at a point.
 */
import { type JacobianOptions, jacobian } from '../api.js';
import type { Method } from '../ir/differentiator.js';
import type { Program } from '../ir/program.js';
import { sparseJacobian } from '../sparse/compressed.js';
import { sparseJson, sparseText } from '../sparse/summary.js';
import { toPoint } from '../sweeps/index.js';
import { formatValue, matrixTable, printJson, readFunctions, record, refuseDense } from './common.js';
import { UsageError } from './errors.js';
import { flagsNotFor, type MethodFlags, optionsFor, type SparseFlags } from './options.js';
import { workloadAt } from './sparse.js';

export interface JacobianArgs extends MethodFlags, SparseFlags {
  exprs?: string[];
  file?: string;
  at?: string;
  constants?: string;
  wrt?: string;
  method: Method | 'mixed';
  digits?: number;
  json: boolean;
}

export function handler(args: JacobianArgs): void {
  if (args.sparse === true) {
    sparse(args);
    return;
  }
  if (args.workload !== undefined || args.ordering !== undefined)
    throw new UsageError('--workload and --ordering go with --sparse');
  const { f, at, sources } = readFunctions(args);
  refuseDense('Jacobian', sources.length, f.variables.length);
  const J = jacobian(f, at, jacobianOptions(args));
  if (args.json) {
    // One row per output, each keyed by name: jacobian[i].x is ∂f_i/∂x.
    printJson({
      expressions: sources,
      variables: f.variables,
      at,
      method: args.method,
      jacobian: J.map((row) => record(f.variables, row)),
    });
    return;
  }
  const rows = sources.map((_, i) => `f${i + 1}`);
  const columns = f.variables.map((v) => `∂/∂${v}`);
  const names = sources.map((e, i) => `f${i + 1} = ${e}`).join('\n');
  process.stdout.write(`${names}\n\n${matrixTable(J, rows, columns, args.digits)}\n`);
}

/** `--sparse`: the compressed Jacobian of the expressions or of a workload, by forward or reverse mode. */
function sparse(args: JacobianArgs): void {
  if (args.method !== 'forward' && args.method !== 'reverse')
    throw new UsageError(`--sparse runs forward or reverse mode, not ${args.method}`);
  let f: Program;
  let x: Float64Array;
  let rows: readonly string[] | ((i: number) => string);
  let sources: readonly string[] | undefined;
  if (args.workload !== undefined) {
    if ((args.exprs ?? []).length > 0 || args.file !== undefined)
      throw new UsageError('give expressions or --workload, not both');
    ({ f, x } = workloadAt(args.workload, 'jacobian', args.size));
    rows = (i) => `r${i}`;
  } else {
    const read = readFunctions(args);
    f = read.f;
    x = toPoint(f, read.at);
    sources = read.sources;
    rows = read.sources.map((_, i) => `f${i + 1}`);
  }
  // Another method's flag (reverse mode's --chunk, forward mode's --scheme) is refused, not ignored.
  const { chunk } = optionsFor(args.method, args, true) as { chunk?: number };
  const { backend, ordering, check } = args;
  const r = sparseJacobian(f, x, { mode: args.method, backend, ordering, chunk, check });
  if (args.json) {
    printJson({
      ...(args.workload === undefined
        ? { expressions: sources }
        : { workload: args.workload, size: args.size }),
      variables: f.variables.length <= 1000 ? f.variables : f.variables.length,
      jacobian: sparseJson(r),
    });
    return;
  }
  const head =
    sources === undefined
      ? `${args.workload} at K = ${args.size}`
      : sources.map((e, i) => `f${i + 1} = ${e}`).join('\n');
  process.stdout.write(
    `${head}\n\n${sparseText(r, { rows, cols: f.variables }, (v) => formatValue(v, args.digits))}`,
  );
}

/** The library options for the flags; mixed mode takes forward mode's --chunk and no other method's flags. */
function jacobianOptions(args: JacobianArgs): JacobianOptions {
  if (args.method !== 'mixed') return optionsFor(args.method, args, true) as JacobianOptions;
  const stray = flagsNotFor('forward', args);
  if (stray.length > 0) throw new UsageError(`--method mixed does not take ${stray.join(', ')}`);
  return { ...optionsFor('forward', args, true), method: 'mixed' } as JacobianOptions;
}
