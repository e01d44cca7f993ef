/**
 * `difflab jacobian`: the Jacobian of several expressions (one output each) at a point.
 */
import type { Argv } from 'yargs';
import { type Backend, jacobian, METHODS, type Method, type MethodOptions, parse } from '../index.js';
import { backendOption, matrixTable, parseAssignments, printJson, UsageError } from './common.js';

interface JacobianArgs {
  exprs: string[];
  at?: string;
  constants?: string;
  wrt?: string;
  method: Method;
  backend: Backend;
  digits?: number;
  json: boolean;
}

export const command = 'jacobian <exprs..>';
export const describe = 'Jacobian of several expressions at a point';

export function builder(y: Argv): Argv<JacobianArgs> {
  return backendOption(y)
    .positional('exprs', { type: 'string', array: true, describe: 'One expression per output' })
    .option('at', { type: 'string', describe: 'The point, as name=value,...' })
    .option('constants', { type: 'string', describe: 'Names bound to numbers, as name=value,...' })
    .option('wrt', { type: 'string', describe: 'The variables (columns), in this order' })
    .option('method', {
      alias: 'm',
      choices: METHODS,
      default: 'reverse' as Method,
      describe: 'How to differentiate',
    })
    .option('digits', { type: 'number', describe: 'Significant digits to print' })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document' })
    .example(
      "$0 jacobian 'x*y' 'sin(x) + y^2' --at x=1,y=2",
      'a 2 × 2 Jacobian',
    ) as unknown as Argv<JacobianArgs>;
}

export function handler(args: JacobianArgs): void {
  const at = parseAssignments(args.at ?? '', '--at');
  const constants = parseAssignments(args.constants ?? '', '--constants');
  const wrt = args.wrt
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const f = parse(args.exprs, { constants, ...(wrt ? { variables: wrt } : {}) });
  const missing = f.variables.filter((v) => !(v in at));
  if (missing.length > 0)
    throw new UsageError(`--at gives no value for ${missing.map((m) => `'${m}'`).join(', ')}`);
  const J = jacobian(f, at, { method: args.method, backend: args.backend } as MethodOptions);
  if (args.json) {
    printJson({
      expressions: args.exprs,
      at,
      variables: f.variables,
      method: args.method,
      jacobian: J,
    });
    return;
  }
  const rows = args.exprs.map((_, i) => `f${i + 1}`);
  const columns = f.variables.map((v) => `∂/∂${v}`);
  const names = args.exprs.map((e, i) => `f${i + 1} = ${e}`).join('\n');
  process.stdout.write(`${names}\n\n${matrixTable(J, rows, columns, args.digits)}\n`);
}
