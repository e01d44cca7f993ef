/**
 * Rich display in notebooks, checked in Node: every result a user looks at (a comparison, the two traces, the
 * scaling, swell and accuracy sections, results read back from JSON) carries a
 * `[Symbol.for('Jupyter.display')]()` method whose MIME bundle holds Markdown and HTML tables, and where there
 * is a chart an SVG and a Vega-Lite spec that compiles; `toString()` is plain text. The numbers in the tables
 * are read back and checked against the worked example; the fields, the JSON and equality of the results are
 * what they were before the display was attached.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  compare,
  type Displayable,
  JUPYTER_DISPLAY,
  type MimeBundle,
  parse,
  parseResults,
  RESULTS_VERSION,
  traceForward,
  traceReverse,
  VEGA_LITE_MIME,
} from '../../src/index.js';
import { runAccuracy, runScaling, runSwell, swellMarkdown } from '../../src/report/index.js';
import { difflab } from '../cli/support.js';
import { markdownRows } from '../support/markdown.js';

const LECTURE = '(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)';
const f = parse(LECTURE);

/** The bundle, after checking the parts every bundle has. */
async function bundleOf(x: Displayable): Promise<MimeBundle> {
  expect(typeof x[JUPYTER_DISPLAY]).toBe('function');
  expect(JUPYTER_DISPLAY).toBe(Symbol.for('Jupyter.display'));
  const b = await x[JUPYTER_DISPLAY]();
  expect(b['text/plain']).toBe(String(x));
  expect(b['text/markdown']).toMatch(/\| --- \|/);
  expect(b['text/html']).toMatch(/<table>[\s\S]*<\/table>/);
  return b;
}

/** Checks a bundle's chart: an SVG (inline in the HTML too) and a Vega-Lite spec that compiles. */
function expectChart(b: MimeBundle): TopLevelSpec {
  expect(b['image/svg+xml']).toMatch(/^<svg[\s\S]*<\/svg>$/);
  expect(b['text/html']).toContain(b['image/svg+xml']);
  const spec = b[VEGA_LITE_MIME] as TopLevelSpec;
  expect(spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
  expect(() => compile(spec)).not.toThrow();
  return spec;
}

describe('compare(f, at)', () => {
  const rows = compare(f, { w1: 3, w2: 4 });

  test('is still an array of plain rows: keys, JSON and equality unchanged', () => {
    expect(Array.isArray(rows)).toBe(true);
    expect(Object.keys(rows)).toEqual(['0', '1', '2', '3']);
    expect(JSON.stringify(rows)).toBe(JSON.stringify([...rows]));
    expect(rows).toEqual([...rows]);
    expect(Object.keys(rows[0] ?? {})).toEqual(['method', 'gradient', 'error', 'ops', 'time', 'stats']);
  });

  test('displays a table whose numbers are the worked example, and a chart of the costs', async () => {
    const b = await bundleOf(rows);
    expect(b['text/markdown']).toContain('f(w1 = 3, w2 = 4) = 246');
    const [head, , ...body] = markdownRows(b['text/markdown'] as string);
    expect(head).toEqual(['method', '∂f/∂w1', '∂f/∂w2', 'error vs reverse', 'ops', 'time (ms)']);
    expect(body.map((r) => r[0])).toEqual(['numeric', 'symbolic', 'forward', 'reverse']);
    for (const r of body) {
      const g = [Number(r[1]), Number(r[2])];
      if (r[0] === 'numeric') {
        expect(Math.abs((g[0] as number) - 52)).toBeLessThan(1e-7);
        expect(Math.abs((g[1] as number) - 84)).toBeLessThan(1e-7);
      } else {
        expect(g).toEqual([52, 84]);
        expect(r[3]).toBe('0');
      }
    }
    expect(body.map((r) => Number(r[4]))).toEqual(rows.map((r) => r.ops));
    const spec = expectChart(b) as { data: { values: { method: string; ops: number }[] } };
    expect(spec.data.values.map((v) => [v.method, v.ops])).toEqual(rows.map((r) => [r.method, r.ops]));
    // Two panels (operations, time) of four bars each.
    expect((b['image/svg+xml'] as string).match(/<path[^>]*aria-roledescription="bar"/g)).toHaveLength(8);
  });

  test('a failed method is a row that says why', async () => {
    const r = compare(parse('x^2'), { x: 1 }, { symbolic: { budget: 1 } });
    const text = String(r);
    expect(text).toMatch(/symbolic\s+failed: .*\[budget\]/);
    expect((await r[JUPYTER_DISPLAY]())['text/markdown']).toMatch(/\| symbolic \| failed: /);
  });

  test('wide gradients show the first entries and a count of the rest', () => {
    const names = Array.from({ length: 12 }, (_, i) => `x${i + 1}`);
    const text = String(
      compare(
        parse(names.join(' * ')),
        names.map(() => 1),
      ),
    );
    expect(text).toContain('… 6 more');
    expect(text).not.toContain('∂f/∂x7');
  });
});

describe('traces', () => {
  test('a reverse trace prints what `difflab trace` prints, and its tables read like the slide', async () => {
    const t = traceReverse(f, { w1: 3, w2: 4 });
    expect(Object.keys(t)).toEqual(['variables', 'inputs', 'steps', 'value', 'gradient']);
    expect(String(t)).toBe(difflab(['trace']).stdout);
    const b = await bundleOf(t);
    const rows = markdownRows(b['text/markdown'] as string);
    // The worked example: b = wᵀx − y = 11, c = b² = 121, d = wᵀw = 25, e = λd = 125, L = 246 ...
    const values = rows.filter((r) => r.length === 3 && /^[a-z]$/.test(r[0] as string));
    expect(values.map((r) => Number(r[2]))).toEqual([3, 8, 11, 11, 121, 9, 16, 25, 125, 246]);
    // ... and the adjoints ∂L/∂c = 1, ∂L/∂e = 1, ∂L/∂b = 22, ∂L/∂d = 5, ∇L = [52, 84].
    const adjoint = Object.fromEntries(rows.filter((r) => r.length === 2).map((r) => [r[0], r[1]]));
    expect([adjoint['∂j/∂e'], adjoint['∂j/∂i'], adjoint['∂j/∂d'], adjoint['∂j/∂h']]).toEqual([
      '1',
      '1',
      '22',
      '5',
    ]);
    expect([adjoint['∂j/∂w1'], adjoint['∂j/∂w2']]).toEqual(['52', '84']);
    expect(b['text/markdown']).toContain('gradient (w1, w2) = [52, 84]');
    expect(b['image/svg+xml']).toBeUndefined();
  });

  test('a forward trace prints what `difflab trace --mode forward` prints, tangents along the seed', async () => {
    const t = traceForward(f, { w1: 3, w2: 4 }, [0, 1]);
    expect(String(t)).toBe(difflab(['trace', '--mode', 'forward', '--seed', 'w2']).stdout);
    const b = await bundleOf(t);
    expect(b['text/markdown']).toContain('∂f/∂w2 = 84');
    const last = markdownRows(b['text/markdown'] as string).at(-1);
    expect(last?.slice(2).map(Number)).toEqual([246, 84]);
    const along = String(traceForward(f, [3, 4], [1, 1]));
    expect(along).toContain('∇f · [1, 1] = 136');
  });
});

describe('report sections', () => {
  let swell: Awaited<ReturnType<typeof runSwell>>;
  beforeAll(async () => {
    swell = await runSwell({ workloads: ['logistic-map'], sizes: { 'logistic-map': [1, 2, 3, 4] } });
  });

  test('a swell table displays its sizes and chart; toString is its Markdown; JSON is unchanged', async () => {
    expect(String(swell)).toBe(swellMarkdown(swell));
    expect(JSON.parse(JSON.stringify(swell))).toEqual(JSON.parse(JSON.stringify({ ...swell })));
    const b = await bundleOf(swell);
    // mathjs's derivative trees of the logistic map at n = 1…4 (the documented example of runSwell).
    const rows = markdownRows(b['text/markdown'] as string).filter((r) => /^\d+$/.test(r[0] as string));
    expect(rows.map((r) => Number(r[3]))).toEqual([1, 15, 55, 159]);
    const spec = expectChart(b) as { title: string };
    expect(spec.title).toMatch(/logistic-map/);
  });

  test('an accuracy sweep displays its tables and the V-curves stacked in one chart', async () => {
    const s = await runAccuracy({ quick: true });
    const b = await bundleOf(s);
    const spec = expectChart(b) as { vconcat: unknown[] };
    expect(spec.vconcat).toHaveLength(5); // four step sweeps and the per-method chart
    expect(b['text/markdown']).toContain('| exp(x) / sqrt(sin(x)^3 + cos(x)^3) at 1.5 | central |');
  }, 60_000);

  test('a scaling run displays its tables and its time and ops charts', async () => {
    const s = await runScaling({
      workloads: ['ridge'],
      methods: ['forward', 'reverse'],
      sizes: [8, 16, 32, 64],
      benchTimeMs: 2,
      budgetMs: 2000,
    });
    const b = await bundleOf(s);
    const spec = expectChart(b) as { vconcat: { title: string }[] };
    expect(spec.vconcat.map((c) => c.title)).toEqual([
      expect.stringMatching(/^ridge: time/),
      expect.stringMatching(/^ridge: operations/),
    ]);
    const rows = markdownRows(b['text/markdown'] as string).filter((r) => /^\d+$/.test(r[0] as string));
    expect(rows.map((r) => Number(r[0]))).toEqual([8, 16, 32, 64]);
  }, 60_000);

  test('results read back from JSON display themselves, and so do their sections', async () => {
    const json = JSON.stringify({
      version: RESULTS_VERSION,
      createdAt: '2026-01-01T00:00:00.000Z',
      machine: { cpu: 'test', cores: 1, memoryGiB: 1, node: '20', platform: 'test' },
      settings: {},
      interrupted: false,
      swell,
    });
    const r = parseResults(json);
    const b = await bundleOf(r);
    expect(b['text/markdown']).toMatch(/^# difflab benchmark report/);
    expectChart(b);
    expect(String(r.swell)).toBe(swellMarkdown(swell));
  });
});
