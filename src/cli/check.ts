/**
 * `difflab check`: a gradient check like PyTorch's gradcheck: every exact method against central differences.
 */
import { gradient, type MethodOptions } from '../api.js';
import { DifflabError } from '../ir/errors.js';
import { formatSmall, formatValue, printJson, readFunction, record, table } from './common.js';
import { type FunctionArgs, type MethodFlags, optionsFor } from './options.js';

export interface CheckArgs extends FunctionArgs, MethodFlags {
  rtol: number;
  atol: number;
}

/** The exact methods a check compares with finite differences. */
const EXACT = [
  { label: 'reverse', options: { method: 'reverse' } },
  { label: 'forward', options: { method: 'forward' } },
  { label: 'symbolic (graph)', options: { method: 'symbolic', engine: 'graph' } },
  { label: 'symbolic (mathjs)', options: { method: 'symbolic', engine: 'mathjs' } },
] as const;

export function handler(args: CheckArgs): void {
  const { f, at } = readFunction(args);
  const numeric = gradient(f, at, optionsFor('numeric', args, false) as MethodOptions);
  // --engine keeps one symbolic engine; the other flags go to the methods that take them.
  const exact = EXACT.filter(
    (e) => !('engine' in e.options) || args.engine === undefined || e.options.engine === args.engine,
  );
  const results = exact.map(({ label, options }) => {
    try {
      const g = gradient(f, at, { ...optionsFor(options.method, args, false), ...options } as MethodOptions);
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
    // Names and values, as every command's --json writes them.
    const named = (g: Float64Array) => record(f.variables, g);
    printJson({
      variables: f.variables,
      at,
      rtol: args.rtol,
      atol: args.atol,
      numeric: named(numeric),
      results: results.map((r) => (r.gradient ? { ...r, gradient: named(r.gradient) } : r)),
      ok: failed.length === 0,
    });
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
