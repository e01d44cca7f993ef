/**
 * The expression-swell section: tree sizes blow up where DAG sizes stay linear, checked against closed forms
 * and growth fits, and the section's Markdown, CSV and charts.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { DifflabError } from '../../src/ir/errors.js';
import { renderSvg } from '../../src/report/chart.js';
import { fitExponential, fitPower } from '../../src/report/fit.js';
import {
  runSwell,
  type SwellRow,
  type SwellSection,
  swellCharts,
  swellCsv,
  swellMarkdown,
} from '../../src/report/sections/swell/swell.js';
import { parseCsv } from '../support/csv.js';

let s: SwellSection;
const progress: [number, number, string][] = [];

beforeAll(async () => {
  s = await runSwell({
    quick: true,
    onProgress: (done, total, label) => progress.push([done, total, label]),
  });
});

const rowsOf = (name: string): SwellRow[] => s.rows.filter((r) => r.workload === name);
const fitOf = (name: string, column: string) =>
  s.fits.find((f) => f.workload === name && f.column === column);

describe('swell: a quick run end to end', () => {
  test('measures every default workload at every quick size, smallest first, and reports progress', () => {
    expect([...new Set(s.rows.map((r) => r.workload))]).toEqual(['product', 'logistic-map', 'nested']);
    for (const name of ['product', 'logistic-map', 'nested']) {
      const ns = rowsOf(name).map((r) => r.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
      expect(ns.length).toBeGreaterThanOrEqual(6);
    }
    expect(progress.length).toBe(s.rows.length);
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
    expect(s.aborted).toBeUndefined();
  });

  test('every row has the tape and the graph engine; the tape is f’s DAG (one slot per node)', () => {
    for (const r of s.rows) {
      expect(r.tape).toBe(r.fDag);
      expect(r.graphDag).not.toBeNull();
      expect(BigInt(r.graphTree as string)).toBeGreaterThanOrEqual(BigInt(r.graphDag as number) - 2n);
      // f's tree is at least its DAG: sharing never adds nodes
      expect(BigInt(r.fTree)).toBeGreaterThanOrEqual(BigInt(r.fDag));
    }
  });

  test('mathjs giving up is a note in the row, not a crash; larger sizes then skip mathjs and say why', () => {
    for (const name of ['logistic-map', 'nested']) {
      const rs = rowsOf(name);
      const first = rs.findIndex((r) => r.mathjsTree === null);
      expect(first).toBeGreaterThan(0); // mathjs worked on the small sizes, then gave up (quick budget 1e5)
      const failed = rs[first] as SwellRow;
      expect(failed.notes.some((n) => /^mathjs: budget — .*over the budget of 100000/.test(n))).toBe(true);
      for (const r of rs.slice(first + 1)) {
        expect(r.mathjsTree).toBeNull();
        expect(r.notes).toContain(`mathjs: not tried (gave up at n = ${failed.n})`);
      }
      // the graph engine goes on past mathjs
      expect(rs.at(-1)?.graphDag).toBeGreaterThan(0);
    }
  });

  test('simplify runs only up to its limit, says so past it, and never makes a tree bigger here', () => {
    for (const r of s.rows) {
      if (r.mathjsTree === null) continue;
      if (r.mathjsTree <= 500) {
        expect(r.mathjsSimplified).not.toBeNull();
        expect(r.mathjsSimplified as number).toBeLessThanOrEqual(r.mathjsTree);
      } else {
        expect(r.mathjsSimplified).toBeNull();
        expect(r.notes.some((n) => n.startsWith('mathjs simplify: skipped'))).toBe(true);
      }
    }
  });
});

describe('swell: product, Θ(K²) trees against Θ(K) DAGs', () => {
  test("mathjs's derivative trees total K(2K − 1) nodes, fitted exponent 2 ± 0.15", () => {
    for (const r of rowsOf('product')) expect(r.mathjsTree).toBe(r.n * (2 * r.n - 1));
    const fit = fitOf('product', 'mathjsTree');
    expect(fit?.model).toBe('power');
    expect(Math.abs((fit?.parameter as number) - 2)).toBeLessThan(0.15);
  });

  test("the graph engine's derivative DAG and the tape grow linearly, fitted exponent 1 ± 0.15", () => {
    for (const column of ['graphDag', 'tape']) {
      const fit = fitOf('product', column);
      expect(fit?.model).toBe('power');
      expect(Math.abs((fit?.parameter as number) - 1)).toBeLessThan(0.15);
    }
    // and independently of the section's choice of sizes: a power fit over all the sizes
    const rs = rowsOf('product');
    const all = fitPower(
      rs.map((r) => r.n),
      rs.map((r) => r.tape),
    );
    expect(Math.abs((all?.parameter as number) - 1)).toBeLessThan(0.15);
  });
});

describe('swell: the logistic map (Baydin et al. 2018, Table 1)', () => {
  test("f's tree has 6·2^(n−1) − 5 nodes (each step copies lₙ into both factors), exact as a bigint", async () => {
    for (const r of rowsOf('logistic-map')) expect(BigInt(r.fTree)).toBe(6n * 2n ** BigInt(r.n - 1) - 5n);
    // past 2^53, where a double could no longer hold it; mathjs refuses such a tree at once
    const far = await runSwell({ workloads: ['logistic-map'], sizes: { 'logistic-map': [40, 64] } });
    for (const r of far.rows) {
      expect(BigInt(r.fTree)).toBe(6n * 2n ** BigInt(r.n - 1) - 5n);
      expect(r.fDag).toBe(3 * r.n);
      expect(r.mathjsTree).toBeNull();
      expect(r.graphDag).toBe(8 * r.n - 8);
    }
    expect(far.rows[0]?.notes.some((n) => n.startsWith('mathjs: budget'))).toBe(true);
  });

  test("mathjs's derivative tree grows by a roughly constant factor per step: exponential fit, base > 2", () => {
    const rs = rowsOf('logistic-map').filter((r) => r.mathjsTree !== null);
    expect(rs.length).toBeGreaterThanOrEqual(8);
    const fit = fitOf('logistic-map', 'mathjsTree');
    expect(fit?.model).toBe('exponential');
    expect(fit?.parameter).toBeGreaterThan(2);
    for (let i = 4; i < rs.length; i++) {
      const ratio = (rs[i]?.mathjsTree as number) / (rs[i - 1]?.mathjsTree as number);
      expect(ratio).toBeGreaterThan(2);
      expect(ratio).toBeLessThan(3);
    }
    // past the first steps, an exponential fits better than any power law
    const late = rs.filter((r) => r.n >= 4);
    const exp = fitExponential(
      late.map((r) => r.n),
      late.map((r) => r.mathjsTree as number),
    );
    const pow = fitPower(
      late.map((r) => r.n),
      late.map((r) => r.mathjsTree as number),
    );
    expect(exp?.r2).toBeGreaterThan(pow?.r2 as number);
  });

  test("the graph engine's derivative DAG and the tape grow by a constant amount per step", () => {
    const rs = rowsOf('logistic-map');
    const diffs = (c: 'graphDag' | 'tape') =>
      rs.slice(1).map((r, i) => ((r[c] as number) - (rs[i]?.[c] as number)) / (r.n - (rs[i] as SwellRow).n));
    // after the first step (n = 1 is the bare input)
    expect(new Set(diffs('graphDag').slice(1))).toEqual(new Set([8]));
    expect(new Set(diffs('tape').slice(1))).toEqual(new Set([3]));
    const fit = fitOf('logistic-map', 'graphDag');
    expect(fit?.model).toBe('power');
    expect(Math.abs((fit?.parameter as number) - 1)).toBeLessThan(0.15);
  });
});

describe('swell: nested, a chain that uses each value three times', () => {
  test("f's tree has (7·3ⁿ − 5)/2 nodes and the DAG 4n + 2", () => {
    for (const r of rowsOf('nested')) {
      expect(BigInt(r.fTree)).toBe((7n * 3n ** BigInt(r.n) - 5n) / 2n);
      expect(r.fDag).toBe(4 * r.n + 2);
    }
    const fit = fitOf('nested', 'fTree');
    expect(fit?.model).toBe('exponential');
    expect(fit?.parameter).toBeCloseTo(3, 1);
  });
});

describe('swell: views', () => {
  test('the Markdown has one table per workload whose numbers read back, the fits and the give-up notes', () => {
    const md = swellMarkdown(s);
    for (const name of ['product', 'logistic-map', 'nested']) expect(md).toContain(`### ${name}`);
    const table = md.slice(md.indexOf('### logistic-map'), md.indexOf('### nested'));
    const header = table.split('\n').find((l) => l.startsWith('| n |')) as string;
    const cols = header.split('|').map((c) => c.trim());
    const line = table.split('\n').find((l) => l.startsWith('| 5 |')) as string;
    const cells = line.split('|').map((c) => c.trim());
    const at = (name: string) => cells[cols.indexOf(name)] as string;
    const r5 = rowsOf('logistic-map').find((r) => r.n === 5) as SwellRow;
    expect(Number(at('mathjs derivative tree'))).toBe(r5.mathjsTree);
    expect(Number(at('f tree'))).toBe(91);
    expect(Number(at('graph derivative DAG'))).toBe(r5.graphDag);
    expect(md).toMatch(/mathjs tree ~ \d\.\d\dⁿ/);
    expect(md).toMatch(/graph DAG ~ K\^1\.\d\d/);
    expect(md).toMatch(/mathjs gave up at n = \d+ \(budget\)/);
  });

  test('the CSV parses back to the rows', () => {
    const rows = parseCsv(swellCsv(s));
    const [header, ...body] = rows;
    expect(header).toEqual([
      'workload',
      'n',
      'f_tree',
      'f_dag',
      'mathjs_tree',
      'mathjs_simplified',
      'graph_dag',
      'graph_tree',
      'tape',
      'notes',
    ]);
    expect(body.length).toBe(s.rows.length);
    body.forEach((cells, i) => {
      const r = s.rows[i] as SwellRow;
      expect(cells.length).toBe(10);
      expect(cells[0]).toBe(r.workload);
      expect(Number(cells[1])).toBe(r.n);
      expect(cells[2]).toBe(r.fTree);
      expect(cells[4]).toBe(r.mathjsTree === null ? '' : String(r.mathjsTree));
      expect(cells[7]).toBe(r.graphTree ?? '');
      expect(cells[9]).toBe(r.notes.join('; '));
    });
  });

  test('every chart renders to SVG', async () => {
    const charts = swellCharts(s);
    expect(Object.keys(charts).sort()).toEqual(['swell-logistic-map', 'swell-nested', 'swell-product']);
    for (const spec of Object.values(charts)) expect(await renderSvg(spec)).toMatch(/^<svg/);
  });
});

describe('swell: options', () => {
  test('an aborted signal stops the run with what was measured, marked as stopped', async () => {
    const controller = new AbortController();
    controller.abort();
    const stopped = await runSwell({ quick: true, signal: controller.signal });
    expect(stopped.aborted).toBe(true);
    expect(stopped.rows).toEqual([]);
    expect(swellMarkdown(stopped)).toContain('Stopped early');
  });

  test('an unknown workload is an invalid-argument error', async () => {
    await expect(runSwell({ workloads: ['nope'] })).rejects.toBeInstanceOf(DifflabError);
  });
});
