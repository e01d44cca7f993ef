/**
 * `difflab grad`: the value and gradient of an expression at a point, by one method or all four.
 */
import type { Argv } from 'yargs';
import {
  type Backend,
  compare,
  evaluate,
  gradient,
  METHODS,
  type Method,
  type MethodOptions,
} from '../index.js';
import {
  backendOption,
  type FunctionArgs,
  formatSmall,
  formatValue,
  functionOptions,
  header,
  printJson,
  readFunction,
  table,
} from './common.js';

interface GradArgs extends FunctionArgs {
  method: Method | 'all';
  backend: Backend;
  json: boolean;
  digits?: number;
}

export const command = 'grad [expr]';
export const describe = 'Value and gradient of an expression at a point';

export function builder(y: Argv): Argv<GradArgs> {
  return backendOption(functionOptions(y))
    .option('method', {
      alias: 'm',
      choices: [...METHODS, 'all'] as const,
      default: 'reverse' as const,
      describe: 'How to differentiate; all runs the four methods side by side',
    })
    .example('$0 grad', "the lecture's example L(w) = (wᵀx − y)² + λ·wᵀw at w = (3, 4)")
    .example("$0 grad 'x^2 * sin(y)' --at x=1,y=2 --method all", 'all four methods side by side')
    .example(
      "$0 grad 'x^2 * sin(y)' --at x=1,y=2 --backend compile",
      'by generated JavaScript',
    ) as unknown as Argv<GradArgs>;
}

export function handler(args: GradArgs): void {
  const { f, at, source } = readFunction(args);
  const value = evaluate(f, at);
  const d = args.digits;
  if (args.method !== 'all') {
    const g = gradient(f, at, { method: args.method, backend: args.backend } as MethodOptions);
    if (args.json) {
      printJson({ expression: source, at, method: args.method, value, gradient: record(f.variables, g) });
      return;
    }
    const lines = [
      header(f, at, formatValue(value, d), d),
      `gradient by ${args.method === 'numeric' || args.method === 'symbolic' ? `${args.method} differentiation` : `${args.method} mode`}:`,
      table(f.variables.map((v, i) => [`  ∂f/∂${v}`, formatValue(g[i] as number, d)])),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const each = { backend: args.backend };
  const rows = compare(f, at, { numeric: each, symbolic: each, forward: each, reverse: each });
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
    printJson(out);
    return;
  }
  const head = ['method', ...f.variables.map((v) => `∂f/∂${v}`), 'error vs reverse', 'ops', 'time (ms)'];
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
  process.stdout.write(`${header(f, at, formatValue(value, d), d)}\n\n${table([head, ...body])}\n`);
}

function record(names: readonly string[], values: Float64Array): Record<string, number> {
  return Object.fromEntries(names.map((n, i) => [n, values[i] as number]));
}
