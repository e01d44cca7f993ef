/**
 * Text helpers for displays: aligned plain-text tables (as the command line prints them), number formats, and
 * the `f(x = 1, y = 2) = 3` header line. No `node:` imports: this runs in a browser.
 */
import { formatNumber } from '../ir/format.js';

/** A value: the shortest text that reads back as the same double. */
export const formatValue = formatNumber;

/** An error or a time: '0', 3 significant digits (5.82e-12, 0.174, 15.2), or a whole number from 100 up. */
export function formatSmall(x: number | undefined): string {
  if (x === undefined) return '—';
  if (x === 0 || !Number.isFinite(x)) return formatNumber(x);
  const a = Math.abs(x);
  if (a >= 100) return String(Math.round(x));
  return a < 1e-3 ? x.toExponential(2) : x.toPrecision(3);
}

/** Aligns rows of cells into columns (the first row is the header); cells that are numbers align right. */
export function textTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
  }
  const numeric = (s: string) => /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$|^NaN$|^-?Infinity$/i.test(s);
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

/** `f(w1 = 3, w2 = 4) = 246`. */
export function pointHeader(
  variables: readonly string[],
  x: ArrayLike<number>,
  value: number | undefined,
): string {
  const at = variables.map((v, i) => `${v} = ${formatValue(x[i] as number)}`).join(', ');
  return `f(${at})${value === undefined ? '' : ` = ${formatValue(value)}`}`;
}

/** Inline code in Markdown, with backticks inside doubled up as the delimiter needs. */
export function mdCode(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
}
