/**
 * The accuracy section: the V of finite-difference error against the step h, the default steps, every
 * method on the workloads, and the section's Markdown, CSV and charts.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { renderSvg } from '../../src/report/chart.js';
import {
  type AccuracyPoint,
  type AccuracySection,
  accuracyCharts,
  accuracyCsv,
  accuracyMarkdown,
  bestStep,
  ERROR_FLOOR,
  runAccuracy,
  TEST_FUNCTIONS,
} from '../../src/report/sections/accuracy/accuracy.js';
import { workloads } from '../../src/workloads/index.js';
import { parseCsv } from '../support/csv.js';

const EPS = Number.EPSILON;
let s: AccuracySection;
let quick: AccuracySection;

beforeAll(async () => {
  s = await runAccuracy();
  quick = await runAccuracy({ quick: true });
});

const points = (fn: string, scheme: AccuracyPoint['scheme']) =>
  s.sweep.filter((p) => p.fn === fn && p.scheme === scheme);

describe('accuracy: the V of truncation against rounding error', () => {
  test('the sweep covers every function and scheme from h = 1e-1 down (to 1e-20 for the complex step)', () => {
    expect(TEST_FUNCTIONS.length).toBeGreaterThanOrEqual(3);
    for (const t of TEST_FUNCTIONS) {
      for (const scheme of ['forward', 'central', 'complex'] as const) {
        const hs = points(t.id, scheme).map((p) => p.h);
        expect(Math.max(...hs)).toBe(0.1);
        expect(Math.min(...hs)).toBeLessThanOrEqual(scheme === 'complex' ? 1e-20 : 1e-15);
      }
    }
  });

  test('central differences reach below 1e-9 and forward ones below 1e-7 at their best h', () => {
    for (const t of TEST_FUNCTIONS) {
      expect(bestStep(s.sweep, t.id, 'central')?.error).toBeLessThan(1e-9);
      expect(bestStep(s.sweep, t.id, 'forward')?.error).toBeLessThan(1e-7);
    }
  });

  test('both arms of the V: h = 1e-1 is truncation-dominated, the smallest steps rounding-dominated', () => {
    for (const t of TEST_FUNCTIONS) {
      for (const scheme of ['forward', 'central'] as const) {
        const ps = points(t.id, scheme);
        const best = bestStep(s.sweep, t.id, scheme) as AccuracyPoint;
        const big = ps.find((p) => p.h === 0.1) as AccuracyPoint;
        const smallest = ps.reduce((a, b) => (b.h < a.h ? b : a));
        expect(big.error).toBeGreaterThan(1e3 * best.error);
        expect(smallest.error).toBeGreaterThan(1e3 * best.error);
        expect(best.h).toBeLessThan(0.1);
        expect(best.h).toBeGreaterThan(smallest.h);
      }
      // truncation: a tenfold smaller h cuts the error tenfold (forward) or a hundredfold (central)
      const at = (scheme: AccuracyPoint['scheme'], h: number) =>
        points(t.id, scheme).find((p) => p.h === h)?.error as number;
      expect(at('forward', 1e-2) / at('forward', 1e-3)).toBeCloseTo(10, -0.5);
      expect(at('central', 1e-2) / at('central', 1e-3)).toBeCloseTo(100, -1.5);
    }
  });

  test('the complex step is within 1e-14 for every h ≤ 1e-8, and truncation-dominated at 1e-1', () => {
    for (const t of TEST_FUNCTIONS) {
      const ps = points(t.id, 'complex');
      for (const p of ps.filter((q) => q.h <= 1e-8)) expect(p.error).toBeLessThanOrEqual(1e-14);
      const big = ps.find((p) => p.h === 0.1) as AccuracyPoint;
      expect(big.error).toBeGreaterThan(1e-5);
    }
  });

  test('the default steps follow the documented rules and land near the bottom of the V', () => {
    for (const t of TEST_FUNCTIONS) {
      const d = (scheme: string) => s.defaults.find((x) => x.fn === t.id && x.scheme === scheme);
      const scale = Math.max(1, Math.abs(t.x));
      expect(d('forward')?.h).toBe(Math.sqrt(EPS) * scale);
      expect(d('central')?.h).toBe(Math.cbrt(EPS) * scale);
      expect(d('complex')?.h).toBe(1e-20);
      expect(d('richardson')?.h).toBeCloseTo(0.1 * scale, 15);
      expect(d('forward')?.error).toBeLessThan(1e-6);
      expect(d('central')?.error).toBeLessThan(1e-9);
      expect(d('complex')?.error).toBeLessThanOrEqual(4 * EPS);
      expect(d('richardson')?.error).toBeLessThan(1e-12);
    }
  });

  test('the closed-form references are right: central differences and the complex step agree with them', () => {
    // (an independent check of the hand-written derivatives, Squire–Trapp's in particular)
    for (const t of TEST_FUNCTIONS) {
      expect(points(t.id, 'central').find((p) => p.h === 1e-5)?.error).toBeLessThan(1e-8);
      expect(points(t.id, 'complex').find((p) => p.h === 1e-7)?.error).toBeLessThan(1e-13);
    }
  });
});

describe('accuracy: every method on every workload', () => {
  test('one row per registered workload and method, at K = 32 (8 in quick mode)', () => {
    const names = Object.keys(workloads);
    for (const section of [s, quick]) {
      expect([...new Set(section.methods.map((m) => m.workload))]).toEqual(names);
      const methods = new Set(section.methods.map((m) => m.method));
      for (const m of ['numeric (central)', 'symbolic (mathjs)', 'symbolic (graph)', 'forward', 'reverse']) {
        expect(methods.has(m)).toBe(true);
      }
    }
    expect(new Set(s.methods.map((m) => m.K))).toEqual(new Set([32]));
    expect(new Set(quick.methods.map((m) => m.K))).toEqual(new Set([8]));
  });

  test('the exact methods agree with the closed forms to rounding; refusals carry their reason', () => {
    for (const m of s.methods) {
      if (m.error === null) {
        expect(m.note).toMatch(/^[a-z-]+: /);
        continue;
      }
      if (['symbolic (mathjs)', 'symbolic (graph)', 'forward', 'reverse'].includes(m.method)) {
        expect(m.error).toBeLessThan(1e-13);
      }
    }
    // mathjs refuses the logistic map at K = 32: its tree has 6·2^31 − 5 nodes
    const refused = s.methods.find((m) => m.workload === 'logistic-map' && m.method === 'symbolic (mathjs)');
    expect(refused?.error).toBeNull();
    expect(refused?.note).toMatch(/^budget: /);
  });

  test('central differences are good to about 1e-9 on the smooth size workloads', () => {
    for (const m of s.methods.filter((x) => x.method === 'numeric (central)')) {
      if (workloads[m.workload]?.kind !== 'size') continue;
      expect(m.error).toBeLessThan(1e-8);
    }
  });
});

describe('accuracy: views', () => {
  test('the Markdown has the tables, and their numbers read back', () => {
    const md = accuracyMarkdown(s);
    const line = md.split('\n').find((l) => l.startsWith('| sin(x) at 1 | central |')) as string;
    const cells = line.split('|').map((c) => c.trim());
    const d = s.defaults.find((x) => x.fn === 'sin' && x.scheme === 'central');
    expect(Number(cells[5])).toBeCloseTo(d?.h as number, 7);
    expect(Number(cells[6]) / (d?.error as number)).toBeCloseTo(1, 1);
    const best = bestStep(s.sweep, 'sin', 'central');
    expect(Number(cells[4]) / (best?.error as number)).toBeCloseTo(1, 1);

    const header = md.split('\n').find((l) => l.startsWith('| workload |')) as string;
    const cols = header.split('|').map((c) => c.trim());
    const row = md.split('\n').find((l) => l.startsWith('| rosenbrock |')) as string;
    const rcells = row.split('|').map((c) => c.trim());
    const m = s.methods.find((x) => x.workload === 'rosenbrock' && x.method === 'numeric (central)');
    expect(Number(rcells[cols.indexOf('numeric (central)')]) / (m?.error as number)).toBeCloseTo(1, 1);
    expect(md).toContain('- logistic-map / symbolic (mathjs): budget:');
  });

  test('the CSV parses back to the sweep, defaults and methods', () => {
    const [header, ...body] = parseCsv(accuracyCsv(s));
    expect(header).toEqual(['part', 'fn_or_workload', 'scheme_or_method', 'K', 'h', 'error', 'note']);
    expect(body.length).toBe(s.sweep.length + s.defaults.length + s.methods.length);
    const sweep = body.filter((r) => r[0] === 'sweep');
    sweep.forEach((r, i) => {
      const p = s.sweep[i] as AccuracyPoint;
      expect([r[1], r[2], Number(r[4]), Number(r[5])]).toEqual([p.fn, p.scheme, p.h, p.error]);
    });
    const methods = body.filter((r) => r[0] === 'method');
    methods.forEach((r, i) => {
      const m = s.methods[i];
      expect(r[1]).toBe(m?.workload);
      expect(r[5]).toBe(m?.error === null ? '' : String(m?.error));
      expect(r[6]).toBe(m?.note ?? '');
    });
  });

  test('every chart renders to SVG, with exact zeros clamped to the floor for the log scale', async () => {
    const charts = accuracyCharts(s);
    expect(Object.keys(charts)).toEqual([
      ...TEST_FUNCTIONS.map((t) => `accuracy-${t.id}`),
      'accuracy-methods',
    ]);
    expect(s.sweep.some((p) => p.error === 0)).toBe(true); // the complex step is often exact
    for (const [name, spec] of Object.entries(charts)) {
      const json = JSON.stringify(spec);
      for (const m of json.matchAll(/"shown":([^,}]+)/g))
        expect(Number(m[1])).toBeGreaterThanOrEqual(ERROR_FLOOR);
      if (name !== 'accuracy-methods') expect(json).toContain('"rule"');
      expect(await renderSvg(spec)).toMatch(/^<svg/);
    }
  });

  test('an aborted signal stops the run, marked as stopped', async () => {
    const controller = new AbortController();
    controller.abort();
    const stopped = await runAccuracy({ signal: controller.signal });
    expect(stopped.aborted).toBe(true);
    expect(accuracyMarkdown(stopped)).toContain('Stopped early');
  });
});
