/**
 * `difflab jacobian`: the Jacobian of several expressions (one output each) at a point.
 */
import { jacobian, type MethodOptions } from '../api.js';
import type { Method } from '../ir/differentiator.js';
import { matrixTable, printJson, readFunctions, record } from './common.js';
import { type MethodFlags, optionsFor } from './options.js';

export interface JacobianArgs extends MethodFlags {
  exprs?: string[];
  file?: string;
  at?: string;
  constants?: string;
  wrt?: string;
  method: Method;
  digits?: number;
  json: boolean;
}

export function handler(args: JacobianArgs): void {
  const { f, at, sources } = readFunctions(args);
  const J = jacobian(f, at, optionsFor(args.method, args, true) as MethodOptions);
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
