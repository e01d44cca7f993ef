/**
 * `difflab check`: a gradient check like PyTorch's gradcheck: every exact method against central differences.
 */
import type { Argv } from 'yargs';
import { DifflabError, gradient } from '../index.js';
import {
  type FunctionArgs,
  formatSmall,
  formatValue,
  functionOptions,
  printJson,
  readFunction,
  table,
} from './common.js';

interface CheckArgs extends FunctionArgs {
  rtol: number;
  atol: number;
  json: boolean;
  digits?: number;
}

/** The exact methods a check compares with finite differences. */
const EXACT = [
  { label: 'reverse', options: { method: 'reverse' } },
  { label: 'forward', options: { method: 'forward' } },
  { label: 'symbolic (graph)', options: { method: 'symbolic', engine: 'graph' } },
  { label: 'symbolic (mathjs)', options: { method: 'symbolic', engine: 'mathjs' } },
] as const;

export const command = 'check [expr]';
export const describe = 'Check every exact method against central differences (like gradcheck)';

export function builder(y: Argv): Argv<CheckArgs> {
  return functionOptions(y)
    .option('rtol', { type: 'number', default: 1e-6, describe: 'Relative tolerance' })
    .option('atol', { type: 'number', default: 1e-9, describe: 'Absolute tolerance' })
    .epilog(
      'An entry agrees when |exact − numeric| ≤ atol + rtol·|numeric|. Central differences with ' +
        'h = ε^(1/3)·max(1, |x|) are accurate to about 1e-10 relative on smooth functions, so the defaults ' +
        'leave room for curvature; at a kink (abs, relu, max) finite differences cannot agree.',
    )
    .example(
      "$0 check 'x^2 * sin(y)' --at x=1,y=2",
      'exit status 0 if every method agrees',
    ) as unknown as Argv<CheckArgs>;
}

export function handler(args: CheckArgs): void {
  const { f, at } = readFunction(args);
  const numeric = gradient(f, at, { method: 'numeric' });
  const results = EXACT.map(({ label, options }) => {
    try {
      const g = gradient(f, at, options);
      const bad = f.variables.flatMap((name, i) => {
        const e = g[i] as number;
        const n = numeric[i] as number;
        const ok =
          Math.abs(e - n) <= args.atol + args.rtol * Math.abs(n) || (Number.isNaN(e) && Number.isNaN(n));
        return ok ? [] : [{ variable: name, exact: e, numeric: n }];
      });
      return { method: label, gradient: g, agrees: bad.length === 0, disagreements: bad };
    } catch (e) {
      if (!(e instanceof DifflabError)) throw e;
      // A method that cannot run here (a symbolic budget, say) is reported, not counted as a disagreement.
      return { method: label, skipped: `${e.message} [${e.code}]` };
    }
  });
  const failed = results.filter((r) => r.agrees === false);
  if (args.json) {
    printJson({ rtol: args.rtol, atol: args.atol, numeric, results, ok: failed.length === 0 });
  } else {
    const d = args.digits;
    const rows = [
      ['method', ...f.variables.map((v) => `∂f/∂${v}`), 'max |Δ|', 'result'],
      ['numeric (central)', ...Array.from(numeric, (x) => formatValue(x, d)), '', 'reference'],
      ...results.map((r) =>
        r.gradient
          ? [
              r.method,
              ...Array.from(r.gradient, (x) => formatValue(x, d)),
              formatSmall(
                Math.max(...Array.from(r.gradient, (x, i) => Math.abs(x - (numeric[i] as number)))),
              ),
              r.agrees ? 'ok' : 'FAIL',
            ]
          : [r.method, `skipped: ${r.skipped}`],
      ),
    ];
    const lines = [table(rows), ''];
    for (const r of failed) {
      for (const b of r.disagreements ?? []) {
        lines.push(`${r.method}: ∂f/∂${b.variable} = ${b.exact}, but central differences give ${b.numeric}`);
      }
    }
    lines.push(
      failed.length === 0
        ? `all methods agree (rtol ${args.rtol}, atol ${args.atol})`
        : `${failed.length} method(s) disagree`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (failed.length > 0) process.exitCode = 1;
}
