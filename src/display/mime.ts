/**
 * Rich display in notebooks. Jupyter's Deno kernel shows an object through its
 * `[Symbol.for('Jupyter.display')]()` method, which returns a MIME bundle: the frontend picks the richest
 * representation it can show (HTML tables with the charts inline, Markdown, SVG, an interactive Vega-Lite
 * chart, plain text). `displayable` attaches that method, and a plain `toString()` for the Node REPL, to a
 * result object as non-enumerable properties, so its fields, its JSON and its equality are unchanged.
 *
 * No `node:` imports: this runs in a browser. Vega is loaded only when a chart is drawn and marked only when a
 * bundle is asked for, so the results that use this module (every gradient comparison, every trace) load
 * neither.
 */
import type { ChartSpec } from '../report/chart.js';

/** The key Jupyter's Deno kernel looks up: `Symbol.for('Jupyter.display')`. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/** The MIME type of a Vega-Lite 5 spec in notebooks (JupyterLab and VS Code draw it interactively). */
export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

/** What a result shows in a notebook: text always, tables as Markdown and HTML, charts as SVG and Vega-Lite. */
export interface MimeBundle {
  'text/plain': string;
  'text/markdown'?: string;
  'text/html'?: string;
  'image/svg+xml'?: string;
  'application/vnd.vegalite.v5+json'?: ChartSpec;
}

/** A result that displays itself in Jupyter (Deno's kernel) and prints as plain text. */
export interface Displayable {
  /** The MIME bundle the Deno kernel shows for this object. */
  [JUPYTER_DISPLAY](): Promise<MimeBundle>;
  /** The result as plain text: aligned tables, as the command line prints them. */
  toString(): string;
}

/** How a result looks: plain text, Markdown (tables), and the charts, if it has any. */
export interface DisplayView {
  text(): string;
  markdown(): string;
  charts?(): readonly ChartSpec[];
}

/**
 * Attaches `[Symbol.for('Jupyter.display')]()` and `toString()` to `target` as non-enumerable properties
 * (JSON, spreads, `Object.keys` and deep equality do not see them) and returns it.
 */
export function displayable<T extends object>(target: T, view: DisplayView): T & Displayable {
  const hidden = (value: unknown) => ({ value, enumerable: false, configurable: true, writable: true });
  Object.defineProperty(
    target,
    JUPYTER_DISPLAY,
    hidden(() => mimeBundle(view)),
  );
  Object.defineProperty(
    target,
    'toString',
    hidden(() => view.text()),
  );
  return target as T & Displayable;
}

/**
 * Attaches a benchmark section's display: its Markdown as text and as Markdown, and its charts. One call per
 * section kind, so every section displays alike.
 */
export function displaySection<T extends object>(
  section: T,
  markdown: (s: T) => string,
  charts: (s: T) => Record<string, ChartSpec>,
): T & Displayable {
  return displayable(section, {
    text: () => markdown(section),
    markdown: () => markdown(section),
    charts: () => Object.values(charts(section)),
  });
}

/**
 * The MIME bundle of a view: text/plain, text/markdown, text/html (the Markdown rendered, then the charts
 * inline as SVG), and where there are charts image/svg+xml and the Vega-Lite spec (several charts are stacked
 * into one spec with `vconcat`).
 */
export async function mimeBundle(view: DisplayView): Promise<MimeBundle> {
  const markdown = view.markdown();
  const bundle: MimeBundle = { 'text/plain': view.text(), 'text/markdown': markdown };
  const chart = combineCharts(view.charts?.() ?? []);
  const { marked } = await import('marked');
  const parts = [marked.parse(markdown, { async: false }) as string];
  if (chart !== undefined) {
    const { renderSvg } = await import('../report/chart.js');
    const svg = await renderSvg(chart);
    bundle['image/svg+xml'] = svg;
    bundle[VEGA_LITE_MIME] = chart;
    parts.push(`<figure class="difflab-chart" style="margin: 0.5em 0">${svg}</figure>`);
  }
  bundle['text/html'] = `<div class="difflab">\n${parts.join('\n')}\n</div>`;
  return bundle;
}

/**
 * One Vega-Lite spec from several: the spec itself when there is one, else a `vconcat` of them with their own
 * colour and shape scales (and so their own legends). Undefined when there are none.
 */
export function combineCharts(specs: readonly ChartSpec[]): ChartSpec | undefined {
  if (specs.length <= 1) return specs[0];
  const inner = specs.map((s) => {
    const { $schema: _schema, config: _config, ...rest } = s as ChartSpec & { config?: unknown };
    return rest;
  });
  return {
    $schema: specs[0]?.$schema,
    vconcat: inner,
    spacing: 32,
    resolve: { scale: { color: 'independent', shape: 'independent', strokeDash: 'independent' } },
  } as ChartSpec;
}
