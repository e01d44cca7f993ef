/**
 * The report's charts as a reader sees them: every series' points get their own shape (series that coincide,
 * like forward and numeric operation counts, stay told apart), legend labels are drawn in full (Vega cuts them
 * at 160 px by default), a caption is the chart's title in words, and drawing a chart leaves the section's data
 * as it was. Checked on the SVG Vega draws.
 */
import { describe, expect, test } from 'vitest';
import {
  type ChartSpec,
  chartCaption,
  finishChart,
  renderSvg,
  VEGA_LITE_SCHEMA,
} from '../../src/report/chart.js';

const LONG = 'graph derivative as tree, unrolled over every step of the map';

/** Two series on the same points: the second lies on the first. */
function coinciding(): ChartSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: 'Sizes against n', subtitle: 'log scale' },
    width: 200,
    height: 100,
    data: { values: [0, 1, 2].flatMap((x) => ['forward', LONG].map((s) => ({ x, y: 1, s }))) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative' },
      y: { field: 'y', type: 'quantitative' },
      color: { field: 's', type: 'nominal', legend: { title: 'series' } },
    },
  } as ChartSpec;
}

/** The `d` of every point symbol of the chart's marks (not the legend's). */
function pointShapes(svg: string): Set<string> {
  const start = svg.indexOf('class="mark-symbol role-mark');
  const group = svg.slice(start, svg.indexOf('</g>', start));
  return new Set([...group.matchAll(/ d="([^"]*)"/g)].map((m) => m[1] as string));
}

describe('finishChart', () => {
  test('as Vega draws a spec by default, coinciding series share one marker and a long label is cut', async () => {
    const svg = await renderSvg(coinciding());
    expect(pointShapes(svg).size).toBe(1);
    expect(svg).toContain('…');
  });

  test('finished, each series has its own marker shape and the legend shows every label whole', async () => {
    const svg = await renderSvg(finishChart(coinciding()));
    expect(pointShapes(svg).size).toBe(2);
    expect(svg).not.toContain('…');
    expect(svg).toContain(LONG);
    // One legend for colour and shape (same field, same title), so each label appears once.
    expect(svg.split(`>${LONG}</text>`).length - 1).toBe(1);
  });

  test('leaves the spec it is given, and Vega leaves the data it draws, unchanged', async () => {
    const spec = coinciding();
    const before = JSON.stringify(spec);
    const values = (spec as { data: { values: object[] } }).data.values;
    await renderSvg(finishChart(spec));
    await renderSvg(spec);
    expect(JSON.stringify(spec)).toBe(before);
    for (const v of values) expect(Object.getOwnPropertySymbols(v)).toEqual([]);
  });
});

test('a caption is the title in words, with its subtitle', () => {
  expect(chartCaption(coinciding())).toBe('Sizes against n (log scale)');
  expect(chartCaption({ ...coinciding(), title: 'Plain' } as ChartSpec)).toBe('Plain');
});
