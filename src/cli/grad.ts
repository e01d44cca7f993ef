/**
 * `difflab grad`: the value and gradient of an expression at a point, by one method or all four.
 */
import type { Argv } from 'yargs';
import { compare, evaluate, gradient, METHODS, type Method, type MethodOptions } from '../index.js';
import { type FunctionArgs, formatSmall, formatValue, LECTURE_EXAMPLE, readFunction, table } from './common.js';

interface GradArgs extends FunctionArgs {
  method: Method | 'all';
  json: boolean;
  digits?: number;
}

export const command = 'grad [expr]';
export const describe = 'Value and gradient of an expression at a point';

export function builder(y: Argv): Argv<GradArgs> {
  return y
    .positional('expr', {
      type: 'string',
      describe: `Expression in mathjs syntax, or - to read standard input (default: the lecture's example ${LECTURE_EXAMPLE.expression})`,
    })
    .option('file', { alias: 'f', type: 'string', describe: 'Read the expression from a file' })
    .option('at', { type: 'string', describe: `The point, as name=value,... (default for the example: ${LECTURE_EXAMPLE.at})` })
    .option('method', {
      alias: 'm',
      choices: [...METHODS, 'all'] as const,
      default: 'reverse' as const,
      describe: 'How to differentiate; all runs the four methods side by side',
    })
    .option('constants', { type: 'string', describe: 'Names bound to numbers, as name=value,...' })
    .option('wrt', { type: 'string', describe: 'Differentiate with respect to these variables, in this order' })
    .option('digits', { type: 'number', describe: 'Significant digits to print (default: enough to round-trip)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document' })
    .example('$0 grad', "the lecture's example L(w) = (wᵀx − y)² + λ·wᵀw at w = (3, 4)")
    .example("$0 grad 'x^2 * sin(y)' --at x=1,y=2 --method all", 'all four methods side by side') as unknown as Argv<GradArgs>;
}

export function handler(args: GradArgs): void {
  const { f, at, source } = readFunction(args);
  const value = evaluate(f, at);
  const d = args.digits;
  if (args.method !== 'all') {
    const g = gradient(f, at, { method: args.method } as MethodOptions);
    if (args.json) {
      const out = { expression: source, at, method: args.method, value, gradient: record(f.variables, g) };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    const lines = [
      `f(${f.variables.map((v) => `${v} = ${formatValue(at[v] as number, d)}`).join(', ')}) = ${formatValue(value, d)}`,
      `gradient by ${args.method === 'numeric' || args.method === 'symbolic' ? `${args.method} differentiation` : `${args.method} mode`}:`,
      table(f.variables.map((v, i) => [`  ∂f/∂${v}`, formatValue(g[i] as number, d)])),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const rows = compare(f, at);
  if (args.json) {
    const out = {
      expression: source,
      at,
      value,
      methods: rows.map((r) => ({
        method: r.method,
        ...(r.gradient ? { gradient: record(f.variables, r.gradient) } : {}),
        ...(r.failure ? { failure: r.failure } : { error: r.error, ops: r.ops, time: r.time }),
      })),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const header = ['method', ...f.variables.map((v) => `∂f/∂${v}`), 'error vs reverse', 'ops', 'time (ms)'];
  const body = rows.map((r) =>
    r.gradient
      ? [
          r.method,
          ...Array.from(r.gradient, (x) => formatValue(x, d)),
          formatSmall(r.error as number),
          String(r.ops),
          formatSmall(r.time as number),
        ]
      : [r.method, `failed: ${r.failure?.message ?? ''}`],
  );
  const head = `f(${f.variables.map((v) => `${v} = ${formatValue(at[v] as number, d)}`).join(', ')}) = ${formatValue(value, d)}`;
  process.stdout.write(`${head}\n\n${table([header, ...body])}\n`);
}

function record(names: readonly string[], values: Float64Array): Record<string, number> {
  return Object.fromEntries(names.map((n, i) => [n, values[i] as number]));
}
