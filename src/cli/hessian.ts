/**
 * `difflab hessian`: second derivatives of one expression, by forward over reverse.
 */
import type { Argv } from 'yargs';
import { evaluate, hessian } from '../index.js';
import {
  type FunctionArgs,
  formatValue,
  functionOptions,
  header,
  matrixTable,
  printJson,
  readFunction,
} from './common.js';

interface HessianArgs extends FunctionArgs {
  digits?: number;
  json: boolean;
}

export const command = 'hessian [expr]';
export const describe = 'Hessian of an expression at a point (forward over reverse)';

export function builder(y: Argv): Argv<HessianArgs> {
  return functionOptions(y).example(
    "$0 hessian 'x^2 * y' --at x=1,y=2",
    '[[2y, 2x], [2x, 0]]',
  ) as unknown as Argv<HessianArgs>;
}

export function handler(args: HessianArgs): void {
  const { f, at, source } = readFunction(args);
  const H = hessian(f, at);
  const value = evaluate(f, at);
  if (args.json) {
    printJson({ expression: source, at, variables: f.variables, value, hessian: H });
    return;
  }
  const labels = f.variables.map((v) => `∂${v}`);
  process.stdout.write(
    `${header(f, at, formatValue(value, args.digits), args.digits)}\n\nHessian (∂²f/∂row∂column):\n${matrixTable(H, labels, labels, args.digits)}\n`,
  );
}
