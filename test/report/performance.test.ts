/**
 * The performance section: every gradient it times is checked against the workload's closed form, its ratios
 * are the quotients of its own medians, the scale row's memory figures are the program's, and its views
 * (Markdown, CSV, chart) say what was measured. No time is asserted.
 */
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import {
  CHEAP_BOUND,
  performanceCharts,
  performanceCsv,
  performanceMarkdown,
  runPerformance,
} from '../../src/report/sections/performance/performance.js';
import { ridge } from '../../src/workloads/index.js';
import { parseCsv } from '../support/csv.js';

describe('runPerformance', async () => {
  const s = await runPerformance({
    workloads: ['ridge', 'product'],
    sizes: [10, 40],
    forwardSizes: [12],
    scaleK: 64,
    benchTimeMs: 5,
  });

  it('times every workload, size and backend, with gradients equal to the closed form', () => {
    expect(s.cheap.map((r) => `${r.workload} ${r.K} ${r.backend}`)).toEqual([
      'ridge 10 interpret',
      'ridge 10 compile',
      'ridge 40 interpret',
      'ridge 40 compile',
      'product 10 interpret',
      'product 10 compile',
      'product 40 interpret',
      'product 40 compile',
    ]);
    for (const r of [...s.cheap, ...s.forward, ...s.scale]) expect(r.error).toBeLessThan(1e-13);
    for (const r of s.cheap) {
      expect(r.f).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.gradient / r.f, 12);
      expect(r.nodes).toBe(r.workload === 'ridge' ? ridge.build(r.K).size : 2 * r.K - 1);
    }
  });

  it('runs forward mode unchunked and with the default chunk, per direction in evaluations of f', () => {
    expect(s.forward.map((r) => `${r.workload} ${r.backend} ${r.chunk}`)).toEqual([
      'ridge interpret 1',
      'ridge interpret 12',
      'ridge compile 1',
      'ridge compile 12',
      'product interpret 1',
      'product interpret 12',
      'product compile 1',
      'product compile 12',
    ]);
    for (const r of s.forward) expect(r.perDirection).toBeCloseTo(r.gradient / (r.K * r.f), 12);
  });

  it("reports the scale run's program and tape memory", () => {
    const f = ridge.build(64);
    for (const r of s.scale) {
      expect(r.nodes).toBe(f.size);
      expect(r.programBytes).toBe(f.bytes);
      expect(r.bytesPerNode).toBeCloseTo(f.bytes / f.size, 12);
      // The tape: one value and one adjoint per node.
      expect(r.tapeBytes).toBe(16 * f.size);
    }
  });

  it('says what it measured: tables, one CSV row per measurement, a chart with the bound', () => {
    const md = performanceMarkdown(s);
    expect(md).toContain(`The bound is ${CHEAP_BOUND}×`);
    expect(md).toContain('| ridge | 40 |');
    expect(md).toContain('**Scale.** ridge at K = 64');
    const rows = parseCsv(performanceCsv(s));
    expect(rows.length).toBe(1 + s.cheap.length + s.forward.length + s.scale.length);
    const charts = performanceCharts(s);
    const spec = charts['performance-cheap-gradient'];
    expect(spec).toBeDefined();
    expect(() => compile(spec as never)).not.toThrow();
    expect(JSON.stringify(spec)).toContain(`"bound":${CHEAP_BOUND}`);
  });

  it('displays itself in a notebook: Markdown, the chart as SVG and its Vega-Lite spec; text for the REPL', async () => {
    expect(String(s)).toBe(performanceMarkdown(s));
    const display = (s as unknown as Record<symbol, () => Promise<Record<string, unknown>>>)[
      Symbol.for('Jupyter.display')
    ] as () => Promise<Record<string, unknown>>;
    const bundle = await display();
    expect(bundle['text/markdown']).toBe(performanceMarkdown(s));
    expect(String(bundle['image/svg+xml'])).toContain('<svg');
    expect(JSON.stringify(bundle['application/vnd.vegalite.v5+json'])).toContain(`"bound":${CHEAP_BOUND}`);
    // The display is not a field: the JSON of the section is unchanged.
    expect(Object.keys(JSON.parse(JSON.stringify(s))).sort()).toEqual([
      'cheap',
      'forward',
      'scale',
      'settings',
    ]);
  });
});
