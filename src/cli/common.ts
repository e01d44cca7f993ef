/**
 * What the commands share: reading expressions and points, printing numbers and tables, and errors.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { textTable } from '../display/text.js';
import { DifflabError } from '../ir/errors.js';
import { parse } from '../ir/mathjs.js';
import type { Program } from '../ir/program.js';
import { UsageError } from './errors.js';
import { type FunctionArgs, LECTURE_EXAMPLE } from './options.js';

export { UsageError } from './errors.js';

/** True when the expression argument is `-` (yargs hands a bare `-` positional over as ''). */
function readsStandardInput(expr: string | undefined): boolean {
  return expr === '-' || (expr === '' && process.argv.slice(2).includes('-'));
}

/** The numbers JSON cannot write, spelled as strings in files and in --json output. */
const SPELLED: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

/**
 * Parses `name=value,name=value`, or `@file.json` (an object of names and numbers, with NaN and ±∞ spelled as
 * strings, as --json writes them), into a record.
 */
export function parseAssignments(text: string, option: string): Record<string, number> {
  if (text.startsWith('@')) return readAssignments(text.slice(1), option);
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$/.exec(part);
    const value = m ? Number(m[2]) : Number.NaN;
    if (!m || (Number.isNaN(value) && m[2] !== 'NaN')) {
      throw new UsageError(`${option}: expected name=number, got '${part.trim()}'`);
    }
    if (Object.hasOwn(out, m[1] as string)) throw new UsageError(`${option}: '${m[1]}' is given twice`);
    out[m[1] as string] = value;
  }
  return out;
}

/** The record in a JSON file named by `--at @file`. */
function readAssignments(file: string, option: string): Record<string, number> {
  let json: unknown;
  try {
    json = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof SyntaxError) throw new UsageError(`${option}: ${file} is not JSON: ${e.message}`);
    throw e;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new UsageError(`${option}: ${file} must hold one JSON object of names and numbers`);
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(json)) {
    const x = typeof value === 'number' ? value : typeof value === 'string' ? SPELLED[value] : undefined;
    if (x === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new UsageError(
        `${option}: ${file}: expected a name and a number, got ${JSON.stringify(name)}: ${JSON.stringify(value)}`,
      );
    out[name] = x;
  }
  return out;
}

/** Writes one JSON document to standard output. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonValue, 2)}\n`);
}

/** JSON for what JSON.stringify cannot write: typed arrays as arrays, NaN and ±∞ as strings (not null). */
function jsonValue(_key: string, v: unknown): unknown {
  if (v instanceof Float64Array) return Array.from(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

/** Values keyed by name, in the names' order: the shape of every gradient in --json output. */
export function record(names: readonly string[], values: ArrayLike<number>): Record<string, number> {
  return Object.fromEntries(names.map((n, i) => [n, values[i] as number]));
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

/** The most bytes read from a file or standard input: a string must fit in V8 (2^29 characters at most). */
export const MAX_INPUT_BYTES = 2 ** 28;

/**
 * A file's text (or standard input's, for fd 0), read in pieces up to MAX_INPUT_BYTES: a file without end
 * (/dev/zero, `yes | difflab grad -`) is refused with a coded error rather than read until memory runs out.
 * An error names the file (Node's does not, for a folder).
 */
export function readText(path: string | number): string {
  const name = typeof path === 'number' ? 'standard input' : path;
  let fd: number | undefined;
  try {
    fd = typeof path === 'number' ? path : openSync(path, 'r');
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(2 ** 20);
      const n = readChunk(fd, chunk);
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT_BYTES)
        throw new DifflabError('invalid-argument', `cannot read ${name}: it is over the limit of 256 MiB`);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!(e instanceof DifflabError) && err.path === undefined) err.path = name;
    throw err;
  } finally {
    if (typeof path === 'string' && fd !== undefined) closeSync(fd);
  }
}

/** One read; standard input opened non-blocking answers EAGAIN until data comes, so that waits a moment. */
function readChunk(fd: number, chunk: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') return 0;
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** The expression source: the argument, a file (`-f`) or standard input (`-`), or the lecture's example. */
function readSource(args: FunctionArgs): string {
  if (args.file !== undefined) return readText(args.file).trim();
  if (readsStandardInput(args.expr)) return readText(0).trim();
  return args.expr ?? LECTURE_EXAMPLE.expression;
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
  const source = readSource(args);
  const usingDefault = args.expr === undefined && args.file === undefined;
  const { f, at } = readProgram(source, { ...args, at: args.at ?? (usingDefault ? LECTURE_EXAMPLE.at : '') });
  return { f: f as Program<number>, at, source };
}

/** Several expressions, one output each: the arguments, or the lines of a file (`-f`). */
export function readFunctions(args: {
  exprs?: string[];
  file?: string;
  at?: string;
  constants?: string;
  wrt?: string;
}): {
  f: Program;
  at: Record<string, number>;
  sources: string[];
} {
  const exprs = args.exprs ?? [];
  if (args.file !== undefined && exprs.length > 0)
    throw new UsageError('give the expressions or -f, not both');
  const sources =
    args.file !== undefined
      ? readText(args.file)
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '')
      : exprs;
  if (sources.length === 0) throw new UsageError('give at least one expression (or -f with one per line)');
  const { f, at } = readProgram(sources, args);
  return { f, at, sources };
}

/** Parses the source(s) with the --constants, --wrt and --at of the command line, and checks the point. */
function readProgram(
  source: string | string[],
  args: { at?: string; constants?: string; wrt?: string },
): { f: Program; at: Record<string, number> } {
  const at = parseAssignments(args.at ?? '', '--at');
  const constants = parseAssignments(args.constants ?? '', '--constants');
  const wrt = args.wrt
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const fixed = new Set<string>();
  if (wrt !== undefined) {
    const all = typeof source === 'string' ? parse(source, { constants }) : parse(source, { constants });
    for (const name of all.variables) {
      if (!wrt.includes(name)) {
        const value = at[name];
        if (value === undefined) throw new UsageError(`--wrt leaves out '${name}': give its value with --at`);
        constants[name] = value;
        fixed.add(name);
        // A constant now, not a variable: the point given to the library names variables only.
        delete at[name];
      }
    }
  }
  const options = { constants, ...(wrt ? { variables: wrt } : {}) };
  const f: Program = typeof source === 'string' ? parse(source, options) : parse(source, options);
  const missing = f.variables.filter((v) => !(v in at));
  if (missing.length > 0)
    throw new UsageError(`--at gives no value for ${missing.map((m) => `'${m}'`).join(', ')}`);
  // A name the function does not have is most often a typo: say so rather than ignore it.
  const extra = Object.keys(at).filter((name) => !f.variables.includes(name) && !fixed.has(name));
  if (extra.length > 0) {
    const list = extra.map((m) => `'${m}'`).join(', ');
    throw new UsageError(
      `--at names ${list}, not ${extra.length === 1 ? 'a variable' : 'variables'} of the expression (its variables: ${f.variables.join(', ') || 'none'})`,
    );
  }
  return { f, at };
}

/** The most entries of a dense matrix a command computes and prints (80 MB of doubles, far more as text). */
export const MAX_DENSE_ENTRIES = 1e7;

/**
 * Refuses a dense Jacobian or Hessian past MAX_DENSE_ENTRIES before any work: 20,000 variables ask for 4·10⁸
 * entries, which ran for minutes and would end out of memory. `--sparse` computes large ones compressed.
 */
export function refuseDense(what: string, rows: number, cols: number): void {
  const entries = rows * cols;
  if (entries > MAX_DENSE_ENTRIES)
    throw new DifflabError(
      'budget',
      `the dense ${what} would have ${rows} × ${cols} = ${entries} entries, over the limit of ${MAX_DENSE_ENTRIES} ` +
        'the command line computes and prints; --sparse computes a sparse one compressed',
    );
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
