/**
 * `difflab jacobian`: the Jacobian of several expressions (one output each) at a point.
 */
import { type JacobianOptions, jacobian } from '../api.js';
import type { Method } from '../ir/differentiator.js';
import { matrixTable, printJson, readFunctions, record } from './common.js';
import { UsageError } from './errors.js';
import { flagsNotFor, type MethodFlags, optionsFor } from './options.js';

export interface JacobianArgs extends MethodFlags {
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
  const { f, at, sources } = readFunctions(args);
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

/** The library options for the flags; mixed mode takes forward mode's --chunk and no other method's flags. */
function jacobianOptions(args: JacobianArgs): JacobianOptions {
  if (args.method !== 'mixed') return optionsFor(args.method, args, true) as JacobianOptions;
  const stray = flagsNotFor('forward', args);
  if (stray.length > 0) throw new UsageError(`--method mixed does not take ${stray.join(', ')}`);
  return { ...optionsFor('forward', args, true), method: 'mixed' } as JacobianOptions;
}
