/**
 * The GradBench report section: every workload measured by reverse mode with a ratio, the coverage and the
 * published ratios in the Markdown, one CSV line per row, and a chart that renders.
 */
import { describe, expect, it } from 'vitest';
import { renderSvg } from '../../src/report/chart.js';
import {
  gradbenchCharts,
  gradbenchCsv,
  gradbenchMarkdown,
  gradbenchSizes,
  PUBLISHED_RATIOS,
  runGradbench,
} from '../../src/report/sections/gradbench/gradbench.js';

describe('GradBench report section', () => {
  it('measures every quick workload by reverse mode and reports it', async () => {
    const s = await runGradbench({ quick: true, methods: ['reverse'] });
    const sizes = gradbenchSizes(true);
    expect(new Set(s.rows.map((r) => `${r.eval} ${r.sizes}`)).size).toBe(sizes.length);
    for (const r of s.rows) {
      expect(r.error, `${r.eval} ${r.sizes}`).toBeUndefined();
      expect(r.ratio).toBeGreaterThan(0);
    }
    const md = gradbenchMarkdown(s);
    expect(md).toContain('Which method covers which eval');
    for (const p of PUBLISHED_RATIOS) expect(md).toContain(p.source);
    const csv = gradbenchCsv(s).trimEnd().split('\r\n');
    expect(csv.length).toBe(s.rows.length + 1);
    const svg = await renderSvg(gradbenchCharts(s)['gradbench-ratios'] as never);
    expect(svg.startsWith('<svg')).toBe(true);
  }, 60_000);
});
