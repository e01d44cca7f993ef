/**
 * The scaling section: a quick run measures every method at every size (or records why it stopped), the
 * deterministic operation counts give the exponents the methods' costs predict, and the Markdown, CSV and chart
 * views carry the numbers. No assertion reads a wall-clock time.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { METHODS } from '../../src/index.js';
import { renderSvg } from '../../src/report/chart.js';
import {
  runScaling,
  SCALING_CSV_COLUMNS,
  type ScalingSection,
  scalingCharts,
  scalingCsv,
  scalingFits,
  scalingMarkdown,
} from '../../src/report/sections/scaling/scaling.js';
import { workloads } from '../../src/workloads/index.js';

const SIZES = [8, 16, 32, 64, 128];
const SIZE_WORKLOADS = ['ridge', 'rosenbrock'].filter((n) => n in workloads);

describe('a quick scaling run', () => {
  let s: ScalingSection;
  const progress: [number, number, string][] = [];

  beforeAll(async () => {
    s = await runScaling({
      quick: true,
      workloads: SIZE_WORKLOADS,
      sizes: SIZES,
      // Generous enough that numeric, forward and reverse reach K = 128 on a slow machine; symbolic may stop.
      budgetMs: 2000,
      onProgress: (d, t, l) => progress.push([d, t, l]),
    });
  }, 120_000);

  test('every method has a point at every size, or a stop at or before it', () => {
    for (const workload of SIZE_WORKLOADS) {
      for (const K of SIZES) {
        expect(s.points.some((p) => p.workload === workload && p.method === 'f' && p.K === K)).toBe(true);
      }
      for (const method of METHODS) {
        const stop = s.stops.find((st) => st.workload === workload && st.method === method);
        for (const K of SIZES) {
          const has = s.points.some((p) => p.workload === workload && p.method === method && p.K === K);
          expect(has || (stop !== undefined && stop.K <= K), `${workload} ${method} K=${K}`).toBe(true);
        }
      }
    }
  });

  test('numeric, forward and reverse run to the end on ridge, and agree with the closed-form gradient', () => {
    for (const method of ['numeric', 'forward', 'reverse'] as const) {
      const ps = s.points.filter((p) => p.workload === 'ridge' && p.method === method);
      expect(ps.map((p) => p.K)).toEqual(SIZES);
      for (const p of ps) {
        expect(p.inputs).toBe(p.K);
        expect(p.ops).toBeGreaterThan(0);
        expect(p.time.samples).toBeGreaterThanOrEqual(1);
        expect(p.error).toBeLessThan(method === 'numeric' ? 1e-5 : 1e-12);
      }
    }
  });

  test('the ops exponents: reverse ≈ 1, numeric and forward ≈ 2, with verdicts set', () => {
    for (const workload of SIZE_WORKLOADS) {
      const ops = (method: string) =>
        s.fits.find((f) => f.workload === workload && f.method === method && f.quantity === 'ops');
      expect(ops('reverse')?.exponent).toBeGreaterThanOrEqual(0.9);
      expect(ops('reverse')?.exponent).toBeLessThanOrEqual(1.1);
      for (const method of ['numeric', 'forward']) {
        expect(ops(method)?.exponent).toBeGreaterThanOrEqual(1.9);
        expect(ops(method)?.exponent).toBeLessThanOrEqual(2.1);
      }
      for (const method of ['numeric', 'forward', 'reverse']) {
        const fit = ops(method);
        expect(fit?.expected).toBe(method === 'reverse' ? 1 : 2);
        expect(fit?.agrees).toBe(true);
        const time = s.fits.find(
          (f) => f.workload === workload && f.method === method && f.quantity === 'time',
        );
        expect(typeof time?.agrees).toBe('boolean');
      }
    }
  });

  test('fits use K ≥ 64 when there are four such sizes, else the largest four, and say so', () => {
    const fit = s.fits.find((f) => f.workload === 'ridge' && f.method === 'reverse' && f.quantity === 'ops');
    expect(fit?.points).toBe(4);
    expect(fit?.kMin).toBe(16);
    expect(fit?.kMax).toBe(128);
    expect(fit?.note).toMatch(/largest 4/);
    // With six sizes from 64 up, only those count.
    const measured = s.points.filter((p) => p.workload === 'ridge' && p.method === 'reverse');
    const last = measured.at(-1) as (typeof measured)[number];
    const wide = [
      ...measured,
      ...[256, 512, 1024, 2048].map((K) => ({ ...last, K, ops: last.ops * (K / 128) })),
    ];
    const refit = scalingFits(wide).find((f) => f.quantity === 'ops');
    expect(refit?.kMin).toBe(64);
    expect(refit?.points).toBe(6);
    expect(refit?.note).toBeUndefined();
  });

  test('progress counts up to a total that ends equal to it', () => {
    expect(progress.length).toBeGreaterThan(0);
    const last = progress.at(-1);
    expect(last?.[0]).toBe(last?.[1]);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]?.[0]).toBe((progress[i - 1]?.[0] ?? 0) + 1);
    }
  });

  test('the Markdown holds the exponent table, and its ridge/reverse row reads back the fitted exponent', () => {
    const md = scalingMarkdown(s);
    const lines = md.split('\n');
    const head = lines.findIndex((l) => l.startsWith('| workload | method | ops exponent'));
    expect(head).toBeGreaterThanOrEqual(0);
    const columns = (l: string) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim());
    const header = columns(lines[head] as string);
    const rowOf = lines.slice(head + 2).find((l) => {
      const c = columns(l);
      return c[0] === 'ridge' && c[1] === 'reverse';
    });
    expect(rowOf).toBeDefined();
    const c = columns(rowOf as string);
    const opsCell = c[header.indexOf('ops exponent (R²)')] as string;
    const read = Number(/^-?\d+\.\d+/.exec(opsCell)?.[0]);
    const fit = s.fits.find((f) => f.workload === 'ridge' && f.method === 'reverse' && f.quantity === 'ops');
    expect(read).toBeCloseTo(fit?.exponent as number, 2);
    expect(c[header.indexOf('expected')]).toBe('1');
    expect(c[header.indexOf('verdict')]).toMatch(/^[✓✗]/);
    // A table per workload, the fit range stated, and a stop list when something stopped.
    for (const w of SIZE_WORKLOADS) expect(md).toContain(`### ${w}`);
    expect(md).toMatch(/K ≥ 64/);
    if (s.stops.length > 0) expect(md).toContain('stopped at K =');
  });

  test('the CSV parses back: a header, one row per point, numbers that round-trip', () => {
    const csv = scalingCsv(s);
    const lines = csv.split('\r\n').filter((l) => l !== '');
    expect(lines[0]?.split(',')).toEqual([...SCALING_CSV_COLUMNS]);
    expect(lines.length - 1).toBe(s.points.length);
    const col = (name: string) => SCALING_CSV_COLUMNS.indexOf(name as (typeof SCALING_CSV_COLUMNS)[number]);
    s.points.forEach((p, i) => {
      const fields = (lines[i + 1] as string).split(',');
      expect(fields.length).toBe(SCALING_CSV_COLUMNS.length);
      expect(fields[col('workload')]).toBe(p.workload);
      expect(fields[col('method')]).toBe(p.method);
      expect(Number(fields[col('K')])).toBe(p.K);
      expect(Number(fields[col('ops')])).toBe(p.ops);
      expect(Number(fields[col('time_p50_ms')])).toBe(p.time.p50);
      expect(Number(fields[col('bytes')])).toBe(p.bytes);
      if (p.error !== undefined && Number.isFinite(p.error))
        expect(Number(fields[col('error')])).toBe(p.error);
    });
  });

  test('every chart renders to SVG', async () => {
    const charts = scalingCharts(s);
    for (const w of SIZE_WORKLOADS) {
      expect(Object.keys(charts)).toContain(`scaling-time-${w}`);
      expect(Object.keys(charts)).toContain(`scaling-ops-${w}`);
    }
    for (const [name, spec] of Object.entries(charts)) {
      expect((spec as { $schema?: string }).$schema, name).toMatch(/vega-lite/);
      const svg = await renderSvg(spec);
      expect(svg, name).toContain('<svg');
    }
  });

  test('the views survive a JSON round trip (NaN becomes null)', () => {
    const back = JSON.parse(JSON.stringify(s)) as ScalingSection;
    expect(scalingMarkdown(back)).toContain('| workload | method |');
    expect(scalingCsv(back).split('\r\n').filter(Boolean).length).toBe(s.points.length + 1);
  });
});

describe('stops and aborts', () => {
  test('an already aborted signal returns an empty section without throwing', async () => {
    const c = new AbortController();
    c.abort();
    const s = await runScaling({ quick: true, workloads: ['ridge'], signal: c.signal });
    expect(s.points.length).toBe(0);
    expect(s.aborted).toBe(true);
    expect(scalingMarkdown(s)).toContain('Stopped early');
    expect(scalingCsv(s).split('\r\n').filter(Boolean).length).toBe(1);
  });

  test('aborting during a run returns what was measured so far', async () => {
    const c = new AbortController();
    const s = await runScaling({
      quick: true,
      workloads: ['ridge'],
      methods: ['reverse'],
      sizes: [8, 16, 32, 64],
      signal: c.signal,
      onProgress: (done) => {
        if (done === 2) c.abort();
      },
    });
    expect(s.aborted).toBe(true);
    expect(s.points.length).toBeGreaterThanOrEqual(2);
    expect(s.points.length).toBeLessThan(8);
  });

  test('a symbolic node budget is a stop, not a crash', async () => {
    // The mathjs engine's derivative trees of ridge outgrow its default budget of 1e6 nodes by K = 1024.
    const s = await runScaling({
      quick: true,
      workloads: ['ridge'],
      methods: ['symbolic'],
      sizes: [1024],
      budgetMs: 60_000,
    });
    const stop = s.stops.find((st) => st.method === 'symbolic');
    expect(stop?.K).toBe(1024);
    expect(stop?.reason).toMatch(/^budget: /);
    expect(s.points.filter((p) => p.method === 'symbolic')).toEqual([]);
    expect(scalingMarkdown(s)).toContain('symbolic stopped at K = 1024');
  }, 120_000);

  test('a method whose first call passes the budget is recorded once and stops', async () => {
    const s = await runScaling({
      workloads: ['ridge'],
      methods: ['forward'],
      sizes: [256, 512],
      budgetMs: 1e-6,
      benchTimeMs: 1,
    });
    expect(s.points.filter((p) => p.method === 'forward').map((p) => [p.K, p.time.samples])).toEqual([
      [256, 1],
    ]);
    expect(s.stops).toEqual([
      expect.objectContaining({
        workload: 'ridge',
        method: 'forward',
        K: 256,
        reason: expect.stringMatching(/^budget: one gradient/),
      }),
    ]);
    // The build also passed the budget, so f is not timed at 512 either.
    expect(s.points.some((p) => p.K === 512)).toBe(false);
  });

  test('unknown workloads and methods are usage errors', async () => {
    await expect(runScaling({ workloads: ['nope'] })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(runScaling({ methods: ['nope' as never] })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
  });
});
