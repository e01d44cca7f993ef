/**
 * A compressed result in words and as JSON, for the command line: the colours and sweeps always, the entries
 * when there are few enough to read.
 */
import type { SparseResult } from './compressed.js';

/** Entries printed as text up to this many nonzeros; beyond, a summary. */
export const TEXT_ENTRIES = 200;
/** Entries written in JSON up to this many nonzeros. */
export const JSON_ENTRIES = 100_000;
/** Per-vertex colours listed up to this many vertices. */
const LIST_COLOURS = 50;

/** The labels of a result's rows and columns. */
export interface Labels {
  readonly rows: readonly string[] | ((i: number) => string);
  readonly cols: readonly string[] | ((j: number) => string);
}

const labelOf = (l: Labels['rows'], i: number): string =>
  typeof l === 'function' ? l(i) : (l[i] ?? String(i));

function what(r: SparseResult): { name: string; sweeps: string; coloured: string } {
  if (r.mode === 'forward') {
    const chunk = r.stats.details.chunk;
    return {
      name: 'Jacobian by forward mode',
      sweeps: `tangent sweeps: ${r.sweeps} (${r.colourCount} directions${chunk === undefined ? '' : `, chunk ${chunk}`})`,
      coloured: 'columns',
    };
  }
  if (r.mode === 'reverse')
    return { name: 'Jacobian by reverse mode', sweeps: `adjoint sweeps: ${r.sweeps}`, coloured: 'rows' };
  return { name: 'Hessian', sweeps: `Hessian-vector products: ${r.sweeps}`, coloured: 'star colouring' };
}

/** The result as text: shape, colours, sweeps, cost, and the entries when there are at most {@link TEXT_ENTRIES}. */
export function sparseText(r: SparseResult, labels: Labels, format: (x: number) => string = String): string {
  const nz = r.colIndex.length;
  const w = what(r);
  const density = r.rows * r.cols === 0 ? 0 : (100 * nz) / (r.rows * r.cols);
  const lines = [
    `sparse ${w.name}: ${r.rows} × ${r.cols}, ${nz} nonzeros (${density.toPrecision(3)}%)`,
    `colours: ${r.colourCount} (${w.coloured}), ${w.sweeps}`,
  ];
  if (r.colours.length <= LIST_COLOURS) {
    const names = r.mode === 'reverse' ? labels.rows : labels.cols;
    lines.push(`colour of each: ${Array.from(r.colours, (c, v) => `${labelOf(names, v)}=${c}`).join(', ')}`);
  }
  const d = r.stats.details;
  lines.push(
    `cost: ${r.stats.ops} operations; pattern ${ms(d.patternMs)}, colouring ${ms(d.colouringMs)}, sweeps ${ms(r.stats.time)}`,
  );
  if (nz <= TEXT_ENTRIES) {
    lines.push('', 'entries (row, column, value):');
    for (let i = 0; i < r.rows; i++) {
      for (let k = r.rowPtr[i] as number; k < (r.rowPtr[i + 1] as number); k++) {
        const j = r.colIndex[k] as number;
        lines.push(
          `  ${labelOf(labels.rows, i)}  ${labelOf(labels.cols, j)}  ${format(r.values[k] as number)}`,
        );
      }
    }
  } else {
    lines.push(`(${nz} entries not printed: --json writes them up to ${JSON_ENTRIES})`);
  }
  return `${lines.join('\n')}\n`;
}

const ms = (x: unknown): string => (typeof x === 'number' ? `${x.toFixed(1)} ms` : '—');

/** The result as a JSON object: entries as [row, column, value] triples up to {@link JSON_ENTRIES} nonzeros. */
export function sparseJson(r: SparseResult): Record<string, unknown> {
  const nz = r.colIndex.length;
  const out: Record<string, unknown> = {
    mode: r.mode,
    rows: r.rows,
    cols: r.cols,
    nnz: nz,
    colourCount: r.colourCount,
    sweeps: r.sweeps,
    ops: r.stats.ops,
    timeMs: r.stats.time,
    patternMs: r.stats.details.patternMs,
    colouringMs: r.stats.details.colouringMs,
  };
  if (nz <= JSON_ENTRIES) {
    out.colours = Array.from(r.colours);
    const entries: [number, number, number][] = [];
    for (let i = 0; i < r.rows; i++) {
      for (let k = r.rowPtr[i] as number; k < (r.rowPtr[i + 1] as number); k++) {
        entries.push([i, r.colIndex[k] as number, r.values[k] as number]);
      }
    }
    out.entries = entries;
  }
  return out;
}
