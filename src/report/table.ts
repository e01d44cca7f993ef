/**
 * Small text helpers shared by the swell and accuracy sections: Markdown table rows, RFC 4180 CSV fields and
 * number formats. No `node:` imports: the report sections run in a browser too.
 */

/** One Markdown table cell: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** One Markdown table row. */
export function mdRow(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** A cell that reads as a number: digits with an exponent, unit or ratio sign, or a dash or ∞ for none. */
const NUMBER_CELL = /^([−-]?[\d.,]+(e[+−-]?\d+)?(k|M)?\s*(%|×|µs|ms|ns|s|min|GiB|MB|KiB)?|[—–-]|[−-]?∞|NaN)$/;

/** Whether a column holds numbers (and so is right-aligned): every non-empty cell in it reads as one. */
export function numericColumn(rows: readonly (readonly string[])[], column: number): boolean {
  const cells = rows.map((r) => (r[column] ?? '').trim()).filter((c) => c !== '');
  return cells.length > 0 && cells.every((c) => NUMBER_CELL.test(c));
}

/**
 * A Markdown table: header, alignment row, rows. Columns of numbers are right-aligned and text columns
 * left-aligned, unless `right` says which are right-aligned.
 */
export function mdTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: (column: number) => boolean = (i) => numericColumn(rows, i),
): string[] {
  return [mdRow(header), mdRow(header.map((_, i) => (right(i) ? '---:' : '---'))), ...rows.map(mdRow)];
}

/** One CSV field, quoted per RFC 4180 when it holds a comma, a quote or a line break; '' for missing values. */
export function csvField(v: string | number | undefined | null): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text: a header row, then the rows; CRLF line ends (RFC 4180). */
export function csvText(
  header: readonly string[],
  rows: readonly (readonly (string | number | null | undefined)[])[],
): string {
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) lines.push(r.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** An error or small quantity for people: '0', or 2 significant digits in exponent form (3.1e-11). */
export function formatError(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return v.toExponential(1);
}

/** A step h for people: 1e-8, 3.2e-6. */
export function formatStep(h: number): string {
  const s = h.toExponential(1);
  return s.replace(/\.0e/, 'e');
}
