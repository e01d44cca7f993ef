/**
 * What the commands share: reading expressions and points, printing numbers and tables, and errors.
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { textTable } from '../display/text.js';
import { type Backend, DifflabError, type Program, parse } from '../index.js';

/** The lecture's worked example, the default function of the commands. */
export const LECTURE_EXAMPLE = {
  expression: '(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)',
  at: 'w1=3,w2=4',
};

/** True when the expression argument is `-` (yargs hands a bare `-` positional over as ''). */
function readsStandardInput(expr: string | undefined): boolean {
  return expr === '-' || (expr === '' && process.argv.slice(2).includes('-'));
}

/** A usage error: exit status 2. */
export class UsageError extends Error {}

/** Parses `name=value,name=value` into a record. */
export function parseAssignments(text: string, option: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$/.exec(part);
    const value = m ? Number(m[2]) : Number.NaN;
    if (!m || (Number.isNaN(value) && m[2] !== 'NaN')) {
      throw new UsageError(`${option}: expected name=number, got '${part.trim()}'`);
    }
    out[m[1] as string] = value;
  }
  return out;
}

/** The options every command that reads one function shares. */
export function functionOptions<T>(y: Argv<T>): Argv<T & FunctionArgs & { digits?: number; json: boolean }> {
  return y
    .positional('expr', {
      type: 'string',
      describe: `Expression in mathjs syntax, or - to read standard input (default: the lecture's example ${LECTURE_EXAMPLE.expression})`,
    })
    .option('file', { alias: 'f', type: 'string', describe: 'Read the expression from a file' })
    .option('at', {
      type: 'string',
      describe: `The point, as name=value,... (default for the example: ${LECTURE_EXAMPLE.at})`,
    })
    .option('constants', { type: 'string', describe: 'Names bound to numbers, as name=value,...' })
    .option('wrt', {
      type: 'string',
      describe: 'Differentiate with respect to these variables, in this order',
    })
    .option('digits', {
      type: 'number',
      describe: 'Significant digits to print (default: enough to round-trip)',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print one JSON document',
    }) as unknown as Argv<T & FunctionArgs & { digits?: number; json: boolean }>;
}

/** The `--backend` option of the commands that differentiate. */
export function backendOption<T>(y: Argv<T>): Argv<T & { backend: Backend }> {
  return y.option('backend', {
    choices: ['interpret', 'compile'] as const,
    default: 'interpret' as const,
    describe: 'Run the sweeps by the interpreter or by JavaScript generated for the function (same numbers)',
  }) as unknown as Argv<T & { backend: Backend }>;
}

/** Writes one JSON document to standard output. */
export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v), 2)}\n`,
  );
}

/** The point's values as `f(x = 1, y = 2) = value`. */
export function header(f: Program, at: Record<string, number>, value: string, digits?: number): string {
  return `f(${f.variables.map((v) => `${v} = ${formatValue(at[v] as number, digits)}`).join(', ')}) = ${value}`;
}

/** A matrix as an aligned table with row and column labels. */
export function matrixTable(
  rows: readonly ArrayLike<number>[],
  rowLabels: readonly string[],
  colLabels: readonly string[],
  digits?: number,
): string {
  return table([
    ['', ...colLabels],
    ...rows.map((r, i) => [rowLabels[i] ?? '', ...Array.from(r, (x) => formatValue(x, digits))]),
  ]);
}

export interface FunctionArgs {
  expr?: string;
  file?: string;
  at?: string;
  constants?: string;
  wrt?: string;
}

/**
 * The function and point the command works on: the expression from the argument, a file (`-f`) or standard
 * input (`-`); `--constants` and the `--at` values of variables left out of `--wrt` become constants.
 */
export function readFunction(args: FunctionArgs): {
  f: Program<number>;
  at: Record<string, number>;
  source: string;
} {
  let source: string;
  if (args.file !== undefined) source = readFileSync(args.file, 'utf8').trim();
  else if (readsStandardInput(args.expr)) source = readFileSync(0, 'utf8').trim();
  else source = args.expr ?? LECTURE_EXAMPLE.expression;
  const usingDefault = args.expr === undefined && args.file === undefined;
  const at = parseAssignments(args.at ?? (usingDefault ? LECTURE_EXAMPLE.at : ''), '--at');
  const constants = parseAssignments(args.constants ?? '', '--constants');
  const wrt = args.wrt
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (wrt !== undefined) {
    const all = parse(source, { constants });
    for (const name of all.variables) {
      if (!wrt.includes(name)) {
        const value = at[name];
        if (value === undefined) throw new UsageError(`--wrt leaves out '${name}': give its value with --at`);
        constants[name] = value;
        // A constant now, not a variable: the point given to the library names variables only.
        delete at[name];
      }
    }
  }
  const f = parse(source, { constants, ...(wrt ? { variables: wrt } : {}) });
  const missing = f.variables.filter((v) => !(v in at));
  if (missing.length > 0)
    throw new UsageError(`--at gives no value for ${missing.map((m) => `'${m}'`).join(', ')}`);
  return { f, at, source };
}

/** Prints a number: the shortest text that reads back as the same double, or `digits` significant digits. */
export function formatValue(x: number, digits?: number): string {
  if (digits === undefined || !Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(digits)).toString();
}

/** Prints a small figure (an error, a time) with 3 significant digits. */
export function formatSmall(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  return x.toPrecision(3);
}

/** Aligns rows of cells into columns (the first row is the header). Numbers align right. */
export const table = textTable;

/** The one line (plus a caret line for parse errors) printed for an error. */
export function describeError(e: unknown): { message: string; usage: boolean } {
  if (e instanceof UsageError) return { message: e.message, usage: true };
  if (e instanceof DifflabError) {
    const caret = e.caret();
    return { message: `${e.message} [${e.code}]${caret ? `\n${caret}` : ''}`, usage: false };
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT')
    return { message: `cannot read ${err.path ?? 'file'}: no such file`, usage: false };
  return { message: err instanceof Error ? err.message : String(e), usage: false };
}
