/**
 * What the commands share: reading expressions and points, printing numbers and tables, and errors.
 */
import { readFileSync } from 'node:fs';
import { DifflabError, type Program, parse } from '../index.js';

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
export function readFunction(args: FunctionArgs): { f: Program<number>; at: Record<string, number>; source: string } {
  let source: string;
  if (args.file !== undefined) source = readFileSync(args.file, 'utf8').trim();
  else if (readsStandardInput(args.expr)) source = readFileSync(0, 'utf8').trim();
  else source = args.expr ?? LECTURE_EXAMPLE.expression;
  const usingDefault = args.expr === undefined && args.file === undefined;
  const at = parseAssignments(args.at ?? (usingDefault ? LECTURE_EXAMPLE.at : ''), '--at');
  const constants = parseAssignments(args.constants ?? '', '--constants');
  const wrt = args.wrt?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (wrt !== undefined) {
    const all = parse(source, { constants });
    for (const name of all.variables) {
      if (!wrt.includes(name)) {
        const value = at[name];
        if (value === undefined) throw new UsageError(`--wrt leaves out '${name}': give its value with --at`);
        constants[name] = value;
      }
    }
  }
  const f = parse(source, { constants, ...(wrt ? { variables: wrt } : {}) });
  const missing = f.variables.filter((v) => !(v in at));
  if (missing.length > 0) throw new UsageError(`--at gives no value for ${missing.map((m) => `'${m}'`).join(', ')}`);
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
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  const numeric = (s: string) => /^[-+0-9.eE]+$|^NaN$|^-?Infinity$/.test(s);
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = (widths[i] as number) - [...cell].length;
          return numeric(cell) ? ' '.repeat(pad) + cell : cell + ' '.repeat(pad);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The one line (plus a caret line for parse errors) printed for an error. */
export function describeError(e: unknown): { message: string; usage: boolean } {
  if (e instanceof UsageError) return { message: e.message, usage: true };
  if (e instanceof DifflabError) {
    const caret = e.caret();
    return { message: `${e.message} [${e.code}]${caret ? `\n${caret}` : ''}`, usage: false };
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return { message: `cannot read ${err.path ?? 'file'}: no such file`, usage: false };
  return { message: err instanceof Error ? err.message : String(e), usage: false };
}
