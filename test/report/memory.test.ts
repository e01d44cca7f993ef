/**
 * The memory section, quick run end to end: bytes against depth from the tape's byte formula, checkpointing's
 * carries and forward runs from theory (√n, revolve), every strategy's gradient equal to store-all's, and the
 * section's Markdown, CSV, charts and findings. No wall times are asserted.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { renderSvg } from '../../src/report/chart.js';
import { type MemoryResult, memorySection } from '../../src/report/sections/memory/index.js';
import { logisticMap } from '../../src/workloads/logistic-map.js';
import { parseCsv } from '../support/csv.js';

let r: MemoryResult;
const progress: [number, number][] = [];

beforeAll(async () => {
  const result = await memorySection.run({
    quick: true,
    onProgress: (done, total) => progress.push([done, total]),
  });
  if (result === undefined) throw new Error('the memory section measured nothing');
  r = result;
});

/** β(s, t) = C(s + t, s), exactly. */
function beta(s: number, t: number): number {
  if (t < 0) return 0;
  let b = 1n;
  for (let k = 1; k <= s; k++) b = (b * BigInt(t + k)) / BigInt(k);
  return Number(b);
}

/** Griewank's fewest forward steps for l steps and c states held (the first among them). */
function revolve(c: number, l: number): number {
  if (l <= 1) return 0;
  let t = 0;
  while (beta(c, t) < l) t++;
  return t * l - beta(c + 1, t - 1);
}

describe('memory against depth', () => {
  test("the flat deep mlp's bytes are its tape's, 16·(2w + 3) + 16·(w² + 4w)·L at width w = 4", () => {
    const rows = r.depth.filter((d) => d.workload === 'deep-mlp');
    expect(rows.map((d) => d.depth)).toEqual([4, 8, 16, 32, 64]);
    for (const d of rows) {
      expect(d.bytes).toBe(16 * 11 + 16 * 32 * d.depth);
      expect(d.tapeBytes).toBe(d.bytes);
    }
  });

  test("the logistic map keeps n carries and n bodies' values (store-all), n = K − 1", () => {
    const rows = r.depth.filter((d) => d.workload === 'logistic-map');
    expect(rows.length).toBe(5);
    for (const d of rows) {
      const body = (logisticMap.build(d.depth).calls[0] as { loop: { body: { size: number } } }).loop.body
        .size;
      expect(d.keptBytes).toBe(8 * (d.depth - 1) * (1 + body));
      expect(d.loopTapeBytes).toBe(16 * body);
    }
  });

  test('every workload grows as depth^p with p within 0.1 of 1, and the finding says so', () => {
    expect(r.fits.map((f) => f.workload)).toEqual(['deep-mlp', 'deep-mlp-scan', 'logistic-map', 'lstm']);
    for (const f of r.fits) expect(Math.abs(f.slope - 1)).toBeLessThanOrEqual(0.1);
    // The flat mlp's bytes per layer: 16 bytes for each of its w² + 4w = 32 nodes a layer.
    expect(r.fits[0]?.bytesPerDepth).toBe(512);
    expect(memorySection.findings(r)[0]).toMatchObject({ verdict: 'holds' });
  });
});

describe('checkpointing against theory', () => {
  test('each scan measures store-all, √n and binomial with several snapshot counts', () => {
    for (const name of ['lstm', 'logistic-map', 'deep-mlp-scan']) {
      const rows = r.checkpoint.filter((c) => c.workload === name);
      expect(rows.map((c) => c.checkpoint).slice(0, 3)).toEqual(['all', 'sqrt', 'binomial']);
      expect(rows.filter((c) => c.checkpoint === 'binomial').length).toBeGreaterThanOrEqual(4);
    }
  });

  test('carries held and body forward runs are the closed forms, and gradients equal store-all to the bit', () => {
    for (const c of r.checkpoint) {
      const { n } = c;
      const k = Math.ceil(Math.sqrt(n));
      expect(c.sameAsStoreAll).toBe(true);
      if (c.checkpoint === 'all') {
        expect([c.checkpointCarries, c.workingCarries, c.bodyForwards]).toEqual([n, 0, n]);
      } else if (c.checkpoint === 'sqrt') {
        expect([c.checkpointCarries, c.workingCarries]).toEqual([Math.ceil(n / k), k]);
        expect(c.bodyForwards).toBe(3 * n - Math.ceil(n / k));
        expect(c.keptBytes).toBe(8 * c.carry * (Math.ceil(n / k) + k));
      } else {
        const s = c.snapshots as number;
        expect([c.checkpointCarries, c.workingCarries]).toEqual([s + 1, 1]);
        expect(c.keptBytes).toBe(8 * c.carry * (s + 2));
        expect(c.bodyForwards).toBe(2 * n + revolve(s + 1, n));
      }
      expect(c.theoryForwards).toBe(c.bodyForwards);
    }
  });

  test("revolve's curve: s + 2 carries against 2 + revolve(s + 1, n)/n runs per iteration, falling with s", () => {
    const curve = r.revolve.filter((p) => p.workload === 'lstm');
    expect(curve.length).toBeGreaterThan(10);
    const n = (r.checkpoint.find((c) => c.workload === 'lstm') as { n: number }).n;
    for (const p of curve) expect(p.forwardsPerIteration).toBe((2 * n + revolve(p.snapshots + 1, n)) / n);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]?.forwardsPerIteration).toBeLessThanOrEqual(
        curve[i - 1]?.forwardsPerIteration as number,
      );
    }
  });
});

describe('views', () => {
  test('Markdown, CSV (one row per measurement), three charts that render, findings with verdicts', async () => {
    const md = memorySection.markdown(r);
    expect(md).toContain('### Memory against depth');
    expect(md).toContain('### Checkpointing: memory against recomputation');
    const rows = parseCsv(memorySection.csv(r));
    expect(rows.length).toBe(1 + r.depth.length + r.checkpoint.length);
    expect(rows[0]).toContain('body_forwards');
    const charts = memorySection.charts(r);
    expect(charts.map((c) => c.name)).toEqual([
      'memory-depth',
      'memory-checkpoint',
      'memory-checkpoint-time',
    ]);
    for (const c of charts) expect(await renderSvg(c.spec)).toMatch(/^<svg/);
    const verdicts = memorySection.findings(r).flatMap((f) => (f.verdict === undefined ? [] : [f.verdict]));
    expect(verdicts).toEqual(['holds', 'holds', 'holds']);
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
  });

  test('an aborted run measures nothing and says it stopped', async () => {
    const controller = new AbortController();
    controller.abort();
    const s = await memorySection.run({ quick: true, signal: controller.signal });
    expect(s?.stopped).toBe(true);
    expect(s?.depth.length).toBe(0);
    expect(s?.checkpoint.length).toBe(0);
  });
});
