/**
 * Charts: Vega-Lite specifications, rendered to standalone SVG with Vega in any JavaScript runtime (no browser
 * and no canvas needed).
 */
import type { TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** The Vega-Lite schema URL the specs declare (the notebook MIME type is application/vnd.vegalite.v5+json). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/**
 * Renders a Vega-Lite spec to an SVG document. Vega and Vega-Lite are loaded here, when a chart is drawn: they
 * take a quarter of a second each to load, and most uses of the library (and of the command line) draw nothing.
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const [{ parse: parseVega, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  // Vega marks the data objects it reads (a symbol key on each row): it gets a copy, so a section's results
  // stay as they were measured.
  const view = new View(parseVega(compile(structuredClone(spec)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A chart's title as words: its text, then its subtitle. */
export function chartCaption(spec: ChartSpec): string {
  const title = (spec as { title?: string | { text?: string | string[]; subtitle?: string | string[] } })
    .title;
  if (title === undefined) return '';
  if (typeof title === 'string') return title;
  const words = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join(' ') : (t ?? ''));
  const sub = words(title.subtitle);
  return sub === '' ? words(title.text) : `${words(title.text)} (${sub})`;
}

type Unit = {
  mark?: string | { type?: string; point?: unknown };
  encoding?: Record<string, { field?: string; scale?: unknown; legend?: unknown } | undefined>;
  layer?: Unit[];
};

/**
 * The spec with a point shape per series wherever points are coloured by a field and have no shape yet:
 * series that coincide (forward and numeric operation counts, say) stay told apart by their markers. Labels of
 * legends are not cut (Vega's default limit is 160 px). Returns a new spec; `spec` is not changed.
 */
export function finishChart(spec: ChartSpec): ChartSpec {
  const copy = structuredClone(spec) as ChartSpec & Unit & { config?: Record<string, unknown> };
  const stack: Unit[] = [copy];
  while (stack.length > 0) {
    const u = stack.pop() as Unit;
    if (u.layer) stack.push(...u.layer);
    const type = typeof u.mark === 'string' ? u.mark : u.mark?.type;
    const points = type === 'point' || (type === 'line' && typeof u.mark === 'object' && u.mark.point);
    const color = u.encoding?.color;
    if (points && color?.field !== undefined && u.encoding && u.encoding.shape === undefined) {
      u.encoding.shape = {
        field: color.field,
        type: 'nominal',
        ...(color.scale && typeof color.scale === 'object' && 'domain' in color.scale
          ? { scale: { domain: (color.scale as { domain: unknown }).domain } }
          : {}),
        ...(color.legend !== undefined ? { legend: color.legend } : {}),
      } as never;
    }
  }
  const config = copy.config ?? {};
  copy.config = { ...config, legend: { labelLimit: 0, titleLimit: 0, ...(config.legend as object) } };
  return copy;
}
