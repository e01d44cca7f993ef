/**
 * How a comparison (`compare(f, at)`) displays itself: the value at the point, then per method the gradient,
 * its error against reverse mode, the operation count and the time, as a table; and a chart of the operation
 * counts and times side by side. No `node:` imports: this runs in a browser.
 */
import type { ComparisonRow } from '../api.js';
import { METHODS } from '../ir/differentiator.js';
import type { Program } from '../ir/program.js';
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../report/chart.js';
import { mdTable } from '../report/table.js';
import { evaluate } from '../sweeps/index.js';
import type { DisplayView } from './mime.js';
import { formatSmall, formatValue, pointHeader, textTable } from './text.js';

/** Gradients with more entries than this show the first {@link SHOWN} and a count of the rest. */
const MAX_COLUMNS = 8;
const SHOWN = 6;

/** The table's header and rows, with every cell as text. */
function cells(variables: readonly string[], rows: readonly ComparisonRow[]): string[][] {
  const n = variables.length;
  const shown = n > MAX_COLUMNS ? SHOWN : n;
  const head = ['method', ...variables.slice(0, shown).map((v) => `∂f/∂${v}`)];
  if (shown < n) head.push(`… ${n - shown} more`);
  head.push('error vs reverse', 'ops', 'time (ms)');
  const body = rows.map((r) => {
    if (r.gradient === undefined) {
      const failed = `failed: ${r.failure?.message ?? ''} [${r.failure?.code ?? ''}]`;
      return [r.method, failed, ...Array.from({ length: head.length - 2 }, () => '')];
    }
    const g = Array.from(r.gradient.subarray(0, shown), formatValue);
    if (shown < n) g.push('…');
    return [r.method, ...g, formatSmall(r.error), String(r.ops ?? '—'), formatSmall(r.time)];
  });
  return [head, ...body];
}

/** Operation counts and times by method, as two bar charts side by side. */
function chart(rows: readonly ComparisonRow[]): ChartSpec {
  const values = rows
    .filter((r) => r.gradient !== undefined)
    .map((r) => ({ method: r.method, ops: r.ops, time: r.time }));
  const bar = (field: 'ops' | 'time', title: string) => ({
    title,
    width: 260,
    height: { step: 26 },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'method', type: 'nominal', sort: null, title: null },
      x: { field, type: 'quantitative', title },
      color: { field: 'method', type: 'nominal', legend: null, scale: { domain: [...METHODS] } },
    },
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: 'The gradient by each method: cost',
    data: { values },
    hconcat: [bar('ops', 'primitive operations'), bar('time', 'time (ms)')],
  } as ChartSpec;
}

/** The view of a comparison of `f` at `x` (in `f.variables` order). */
export function compareView(f: Program, x: Float64Array, rows: readonly ComparisonRow[]): DisplayView {
  const header = () => {
    let value: number | undefined;
    try {
      value = evaluate(f, x) as number;
    } catch {
      value = undefined;
    }
    return pointHeader(f.variables, x, value);
  };
  return {
    text: () => `${header()}\n\n${textTable(cells(f.variables, rows))}\n`,
    markdown: () => {
      const [head, ...body] = cells(f.variables, rows);
      const table = mdTable(head as string[], body, (i) => i > 0);
      return `**${header()}**\n\n${table.join('\n')}\n\nThe error is ‖g − g_reverse‖∞ / ‖g_reverse‖∞; ops count primitive operations (the same on every machine); times vary from run to run.\n`;
    },
    charts: () => (rows.some((r) => r.gradient !== undefined) ? [chart(rows)] : []),
  };
}
