/**
 * The registry: a new section is one object implementing ReportSection. A toy section (the derivative of x³ by
 * reverse mode at each size) is registered here, in the test, by passing a section list, and flows through the
 * run (with the harness's start and end hooks), the results JSON read back, the Markdown report with its
 * summary and contents, the CSV, the charts, the HTML page and the notebook display, with no other change. The
 * registry itself lists the built-in sections once each, in report order.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { gradient, JUPYTER_DISPLAY, parse } from '../../src/index.js';
import { VEGA_LITE_SCHEMA } from '../../src/report/chart.js';
import { machineInfo, writeReport } from '../../src/report/files.js';
import { REPORT_SECTIONS } from '../../src/report/registry.js';
import { parseResults, type Results, reportFindings, reportMarkdown } from '../../src/report/results.js';
import { runReport } from '../../src/report/run.js';
import type { ReportSection } from '../../src/report/section.js';
import { csvText, mdTable } from '../../src/report/table.js';
import { parseCsv } from '../support/csv.js';
import { markdownRows } from '../support/markdown.js';

interface ToyResult {
  rows: { x: number; derivative: number }[];
}

const cube = parse('x^3');

/** The toy section: d/dx x³ by reverse mode at x = each size. */
const toy: ReportSection<ToyResult> = {
  name: 'toy',
  title: 'Toy: the derivative of x³',
  byDefault: true,
  async run(o) {
    const xs = o.sizes ?? [1, 2];
    xs.forEach((x, i) => o.onProgress?.(i + 1, xs.length, `x=${x}`));
    return { rows: xs.map((x) => ({ x, derivative: gradient(cube, [x])[0] as number })) };
  },
  markdown: (r) =>
    mdTable(
      ['x', 'd/dx x³'],
      r.rows.map((row) => [String(row.x), String(row.derivative)]),
    ).join('\n'),
  csv: (r) =>
    csvText(
      ['x', 'derivative'],
      r.rows.map((row) => [row.x, row.derivative]),
    ),
  charts: (r) => [
    {
      name: 'toy-derivative',
      caption: 'The derivative of x³ against x, by reverse mode.',
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        data: { values: r.rows },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'derivative', type: 'quantitative' },
        },
      },
    },
  ],
  findings: (r) => [{ text: `toy: d/dx x³ at x = ${r.rows.at(-1)?.x} is ${r.rows.at(-1)?.derivative}.` }],
};

const XS = [2, 3, 5];
let results: Results;
let dir = '';
const started: string[] = [];
const ended: string[] = [];

beforeAll(async () => {
  results = await runReport({
    sections: [toy],
    sizes: XS,
    machine: machineInfo(),
    onStart: (s, i, n) => started.push(`${s.name} ${i + 1}/${n}`),
    onEnd: (s, _ms, measured) => ended.push(`${s.name} ${measured}`),
  });
  dir = await mkdtemp(join(tmpdir(), 'difflab-toy-'));
  await writeReport(dir, results, undefined, [toy]);
});

describe('a section registered in a test', () => {
  test('runs through the harness with the one options shape; its result sits under its name', () => {
    expect(started).toEqual(['toy 1/1']);
    expect(ended).toEqual(['toy true']);
    // The closed form d/dx x³ = 3x².
    expect((results.toy as ToyResult).rows).toEqual(XS.map((x) => ({ x, derivative: 3 * x * x })));
  });

  test('its findings are the summary, and the Markdown report has its heading, contents entry and table', () => {
    expect(reportFindings(results, [toy])).toEqual([{ text: 'toy: d/dx x³ at x = 5 is 75.' }]);
    const md = reportMarkdown(results, [toy]);
    expect(md).toContain('## Summary\n\n- toy: d/dx x³ at x = 5 is 75.');
    expect(md).toContain('- [Toy: the derivative of x³](#toy-the-derivative-of-x³)');
    expect(md).toContain('## Toy: the derivative of x³');
    const rows = markdownRows(md).slice(2);
    expect(rows.map((r) => r.map(Number))).toEqual(XS.map((x) => [x, 3 * x * x]));
  });

  test('the folder holds its CSV, its chart as SVG, and the HTML page with summary, contents and caption', async () => {
    const files = await readdir(dir);
    expect(files.sort()).toEqual(['charts', 'report.html', 'report.md', 'results.json', 'toy.csv']);
    const csv = parseCsv(await readFile(join(dir, 'toy.csv'), 'utf8'));
    expect(csv[0]).toEqual(['x', 'derivative']);
    expect(csv.slice(1).map((r) => r.map(Number))).toEqual(XS.map((x) => [x, 3 * x * x]));
    expect(await readdir(join(dir, 'charts'))).toEqual(['toy-derivative.svg']);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/<div id="summary">[\s\S]*toy: d\/dx x³ at x = 5 is 75\.[\s\S]*<\/div>/);
    expect(html).toContain('<a href="#toy">Toy: the derivative of x³</a>');
    expect(html).toContain('<section id="toy">');
    expect(html).toMatch(
      /<svg[\s\S]*<figcaption>Figure toy\.1\. The derivative of x³ against x, by reverse mode\.<\/figcaption>/,
    );
  });

  test('results.json reads back through the same section list, and displays itself with the toy section', async () => {
    const back = parseResults(await readFile(join(dir, 'results.json'), 'utf8'), [toy]);
    expect(back.toy).toEqual(results.toy);
    expect(String(back)).toContain('## Toy: the derivative of x³');
    const bundle = await (
      back.toy as unknown as { [JUPYTER_DISPLAY]: () => Promise<Record<string, unknown>> }
    )[JUPYTER_DISPLAY]();
    expect(bundle['image/svg+xml']).toMatch(/^<svg/);
  });
});

describe('the registry', () => {
  test('lists each built-in section once, in report order, each with a title', () => {
    expect(REPORT_SECTIONS.map((s) => s.name)).toEqual([
      'scaling',
      'swell',
      'accuracy',
      'jacobian-shape',
      'mixed',
      'memory',
      'sparsity',
      'gradbench',
      'native',
      'performance',
      'peers',
    ]);
    for (const s of REPORT_SECTIONS) expect(s.title.length).toBeGreaterThan(10);
  });

  test('runReport by section name; an unknown name is an invalid-argument error', async () => {
    const r = await runReport({ sections: ['native'], native: undefined });
    expect(r.native).toBeUndefined();
    await expect(runReport({ sections: ['nope'] })).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
