/**
 * `difflab trace`: the reverse-mode computation as the lecture draws it (the forward sweep's values, then the
 * adjoints in reverse order, then the gradient), or with --mode forward the tangent sweep.
 */
import { traceForward } from '../forward/index.js';
import { traceReverse } from '../reverse/index.js';
import { formatValue, header, printJson, readFunction, table, UsageError } from './common.js';
import type { FunctionArgs } from './options.js';

export interface TraceArgs extends FunctionArgs {
  mode: 'reverse' | 'forward';
  seed?: string;
}

export function handler(args: TraceArgs): void {
  const { f, at } = readFunction(args);
  const d = args.digits;
  if (args.mode === 'forward') {
    const k = args.seed === undefined ? 0 : f.variables.indexOf(args.seed);
    if (k < 0) throw new UsageError(`--seed names '${args.seed}', which is not a variable of the expression`);
    const seed = f.variables.map((_, i) => (i === k ? 1 : 0));
    const t = traceForward(f, at, seed);
    if (args.json) {
      printJson({ mode: 'forward', along: f.variables[k], ...t });
      return;
    }
    const dot = `d/d${f.variables[k]}`;
    const rows = [
      ['step', 'operation', 'value', dot],
      ...t.inputs.map((i) => [i.name, 'input', formatValue(i.value, d), formatValue(i.tangent, d)]),
      ...t.steps.map((s) => [s.name, s.expression, formatValue(s.value, d), formatValue(s.tangent, d)]),
    ];
    process.stdout.write(
      `${header(f, at, formatValue(t.value, d), d)}\n\nforward sweep with tangents along ${f.variables[k]}:\n${table(rows)}\n\n∂f/∂${f.variables[k]} = ${formatValue(t.tangent, d)}\n`,
    );
    return;
  }
  const t = traceReverse(f, at);
  if (args.json) {
    printJson({ mode: 'reverse', ...t });
    return;
  }
  const last = t.steps[t.steps.length - 1]?.name ?? 'f';
  const forwardRows = [
    ['step', 'operation', 'value'],
    ...t.steps.map((s) => [s.name, s.expression, formatValue(s.value, d)]),
  ];
  const backwardRows = [
    ['adjoint', 'value'],
    ...[...t.steps].reverse().map((s) => [`∂${last}/∂${s.name}`, formatValue(s.adjoint, d)]),
    ...t.inputs.map((i) => [`∂${last}/∂${i.name}`, formatValue(i.adjoint, d)]),
  ];
  const gradient = t.inputs.map((i) => `${formatValue(i.adjoint, d)}`).join(', ');
  process.stdout.write(
    `${header(f, at, formatValue(t.value, d), d)}\n\nforward sweep:\n${table(forwardRows)}\n\nbackward sweep:\n${table(backwardRows)}\n\ngradient (${f.variables.join(', ')}) = [${gradient}]\n`,
  );
}
