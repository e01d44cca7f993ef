/**
 * `difflab grad`: the value and gradient of an expression at a point, by one method or all four.
 */
import { compare, gradient, type MethodOptions } from '../api.js';
import type { Method } from '../ir/differentiator.js';
import { evaluate } from '../sweeps/index.js';
import { formatSmall, formatValue, header, printJson, readFunction, record, table } from './common.js';
import { type FunctionArgs, type MethodFlags, optionsFor } from './options.js';

export interface GradArgs extends FunctionArgs, MethodFlags {
  method: Method | 'all';
}

export function handler(args: GradArgs): void {
  const { f, at, source } = readFunction(args);
  const value = evaluate(f, at);
  const d = args.digits;
  if (args.method !== 'all') {
    const g = gradient(f, at, optionsFor(args.method, args, true) as MethodOptions);
    if (args.json) {
      printJson({
        expression: source,
        variables: f.variables,
        at,
        method: args.method,
        value,
        gradient: record(f.variables, g),
      });
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
  // Each method gets the flags it takes (so --scheme goes to numeric and --chunk to forward).
  const each = (m: Method) => {
    const { method: _method, ...options } = optionsFor(m, args, false);
    return options;
  };
  const rows = compare(f, at, {
    allowNonFinite: true,
    numeric: each('numeric'),
    symbolic: each('symbolic'),
    forward: each('forward'),
    reverse: each('reverse'),
  });
  if (args.json) {
    const out = {
      expression: source,
      variables: f.variables,
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
