/**
 * Reading GradBench inputs: checks that say exactly which field is wrong, so a malformed message gets a clear
 * `success: false` answer rather than a crash or a wrong number.
 */
import { DifflabError } from '../../ir/errors.js';

const bad = (what: string, expected: string) =>
  new DifflabError('invalid-argument', `input ${what}: expected ${expected}`);

/** The input as an object with the listed fields. */
export function objectInput(input: unknown, fields: readonly string[]): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new DifflabError('invalid-argument', `input: expected an object with ${fields.join(', ')}`);
  }
  const o = input as Record<string, unknown>;
  const missing = fields.filter((f) => !Object.hasOwn(o, f));
  if (missing.length > 0) throw new DifflabError('invalid-argument', `input: missing ${missing.join(', ')}`);
  return o;
}

/** A finite number. */
export function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(what, 'a finite number');
  return v;
}

/** An integer in [min, max]. */
export function int(v: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(what, `an integer from ${min} to ${max}`);
  }
  return v;
}

/** An array of finite numbers, of length `length` when given. */
export function vector(v: unknown, what: string, length?: number): Float64Array {
  if (!Array.isArray(v)) throw bad(what, 'an array of numbers');
  if (length !== undefined && v.length !== length) throw bad(what, `${length} numbers, got ${v.length}`);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = num(v[i], `${what}[${i}]`);
  return out;
}

/** An array of `rows` rows of `cols` finite numbers (either may be left open), as row arrays. */
export function matrix(v: unknown, what: string, rows?: number, cols?: number): Float64Array[] {
  if (!Array.isArray(v)) throw bad(what, 'an array of rows');
  if (rows !== undefined && v.length !== rows) throw bad(what, `${rows} rows, got ${v.length}`);
  const width = cols ?? (Array.isArray(v[0]) ? v[0].length : undefined);
  return v.map((row, i) => vector(row, `${what}[${i}]`, width));
}

/** A Float64Array or number array as a plain array (for JSON output), refusing NaN and ±Infinity. */
export function jsonArray(v: ArrayLike<number>, what: string): number[] {
  const out = Array.from(v);
  for (const x of out) finite(x, what);
  return out;
}

/** A number for JSON output, refusing NaN and ±Infinity (JSON has neither). */
export function finite(x: number, what: string): number {
  if (!Number.isFinite(x)) {
    throw new DifflabError('non-finite', `${what} is ${x}, which JSON cannot carry`);
  }
  return x;
}

/** Rows of a flat array, `width` entries each, as plain arrays for JSON output. */
export function jsonRows(v: ArrayLike<number>, rows: number, width: number, what: string): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: number[] = [];
    for (let c = 0; c < width; c++) row.push(finite(v[r * width + c] as number, what));
    out.push(row);
  }
  return out;
}
