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
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
