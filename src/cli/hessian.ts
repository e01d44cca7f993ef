/**
 * `difflab hessian`: second derivatives of one expression, by forward over reverse.
 */
import { evaluate } from '../ir/evaluate.js';
import { hessian } from '../transforms.js';
import { formatValue, header, matrixTable, printJson, readFunction, record } from './common.js';
import type { FunctionArgs } from './options.js';

export type HessianArgs = FunctionArgs;

export function handler(args: HessianArgs): void {
  const { f, at, source } = readFunction(args);
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
