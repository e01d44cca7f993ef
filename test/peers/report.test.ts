/**
 * The peer benchmark's views on a results object made up for the purpose: the headline cell falls back to the
 * largest K timed when the budget stopped a contender, a disagreement is shown as such, geometric means say
 * how many workloads they cover, the CSV has one row per measurement, and both charts render.
 */
import { describe, expect, test } from 'vitest';
import type { PeerWorkload } from '../../bench/peers/contender.js';
import { DEFAULT_TIMING } from '../../bench/peers/measure.js';
import {
  fasterPeers,
  formatRatio,
  headlineCell,
  headlineMean,
  headlineTable,
  PEERS_CSV_COLUMNS,
  peersCharts,
  peersCsv,
  peersMarkdown,
} from '../../bench/peers/report.js';
import type { PeerMeasurement, PeerResults } from '../../bench/peers/run.js';
import { type ChartSpec, renderSvg } from '../../src/report/chart.js';
import { parseCsv } from '../support/csv.js';

const WORKLOADS: PeerWorkload[] = ['ridge', 'rosenbrock', 'product', 'logreg'];

/** hand-f at 1 ms (K = 1000) and 100 ms (K = 100000); `fast` at 2× f; `slow` stopped after K = 1000. */
function results(): PeerResults {
  const measurements: PeerMeasurement[] = [];
  for (const workload of WORKLOADS) {
    for (const K of [1000, 100_000]) {
      const f = K / 1000;
      measurements.push({ workload, K, contender: 'hand-f', status: 'timed', median: f, ratio: 1, error: 0 });
      if (workload === 'product' && K === 100_000) {
        measurements.push({
          workload,
          K,
          contender: 'fast',
          status: 'disagrees',
          error: 0.5,
          tolerance: 1e-3,
        });
      } else {
        const ratio = workload === 'logreg' ? 8 : 2;
        measurements.push({
          workload,
          K,
          contender: 'fast',
          status: 'timed',
          median: ratio * f,
          ratio,
          error: 0,
        });
      }
      measurements.push(
        K === 1000
          ? { workload, K, contender: 'slow', status: 'timed', median: 5000 * f, ratio: 5000, error: 0 }
          : { workload, K, contender: 'slow', status: 'skipped', note: 'projected past the budget' },
      );
    }
  }
  return {
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    machine: { cpu: 'test', cores: 2, memoryGiB: 4, node: '20', platform: 'linux-x64' },
    packages: { mathjs: '15' },
    settings: {
      workloads: WORKLOADS,
      sizes: [1000, 100_000],
      headlineK: 100_000,
      callBudgetMs: 2000,
      timing: DEFAULT_TIMING,
    },
    contenders: [
      { id: 'hand-f', label: 'hand-written f', computes: 'f', precision: 'float64' },
      { id: 'fast', label: 'fast', computes: 'gradient', precision: 'float32' },
      { id: 'slow', label: 'slow', computes: 'gradient', precision: 'float64' },
    ],
    measurements,
    seconds: 1,
  };
}

describe('headline', () => {
  test('a contender skipped at the headline K shows its largest timed K', () => {
    const c = headlineCell(results(), 'ridge', 'slow');
    expect(c.fallback).toBe(true);
    expect(c.m?.K).toBe(1000);
  });

  test('a disagreement at the headline K is shown, not replaced by a smaller K', () => {
    const c = headlineCell(results(), 'product', 'fast');
    expect(c.fallback).toBe(false);
    expect(c.m?.status).toBe('disagrees');
  });

  test('geometric means cover the workloads timed at the headline K', () => {
    const r = results();
    const fast = headlineMean(r, 'fast');
    expect(fast.count).toBe(3);
    expect(fast.mean).toBeCloseTo((2 * 2 * 8) ** (1 / 3), 12);
    expect(headlineMean(r, 'slow').count).toBe(0);
    const table = headlineTable(r).join('\n');
    expect(table).toContain(`| geometric mean | ${formatRatio(fast.mean)} (3 of 4) | — |`);
    expect(table).toContain('| ridge | 2.00 | 5,000 (K = 1,000) |');
    expect(table).toContain('✗ error 5.0e-1');
  });

  test("names each peer faster than difflab's compiled reverse mode, and by how much", () => {
    const r = results();
    // difflab's compiled reverse mode at 3× f: `fast` (2×) beats it on ridge and rosenbrock, not on logreg (8×)
    // nor on product (where it disagrees); `slow` was not timed at the headline K.
    r.contenders.push({
      id: 'difflab-reverse-compile',
      label: 'difflab',
      computes: 'gradient',
      precision: 'float64',
    });
    for (const workload of WORKLOADS) {
      r.measurements.push({
        workload,
        K: 100_000,
        contender: 'difflab-reverse-compile',
        status: 'timed',
        median: 300,
        ratio: 3,
        error: 0,
      });
    }
    const lines = fasterPeers(r);
    expect(lines.filter((l) => l.startsWith('- '))).toEqual([
      "- ridge: fast at 2.00 against difflab's 3.00, 1.50× faster.",
      "- rosenbrock: fast at 2.00 against difflab's 3.00, 1.50× faster.",
    ]);
    expect(peersMarkdown(r)).toContain("## Where a peer is faster than difflab's compiled reverse mode");
    // Without difflab's compiled reverse mode in the run, the section is left out.
    expect(fasterPeers(results())).toEqual([]);
  });

  test('ratios are written with 3 significant digits and thousands separators', () => {
    expect(formatRatio(2.2345)).toBe('2.23');
    expect(formatRatio(94_012)).toBe('94,000');
    expect(formatRatio(undefined)).toBe('—');
  });
});

describe('files', () => {
  test('the CSV has one row per measurement', () => {
    const r = results();
    const rows = parseCsv(peersCsv(r));
    expect(rows[0]).toEqual([...PEERS_CSV_COLUMNS]);
    expect(rows).toHaveLength(r.measurements.length + 1);
  });

  test('the Markdown names every workload and what was not run', () => {
    const md = peersMarkdown(results());
    for (const w of WORKLOADS) expect(md).toContain(`### ${w}`);
    expect(md).toContain('## Not run');
    expect(md).toContain('product / fast at K = 100,000: disagrees');
  });

  test('both charts render to SVG', async () => {
    const charts = peersCharts(results());
    expect(Object.keys(charts)).toEqual(['peers-ratio', 'peers-time']);
    const ratio = await renderSvg(charts['peers-ratio'] as ChartSpec);
    // Dots at the headline K only: product's disagreement has none.
    for (const w of ['ridge', 'rosenbrock', 'logreg']) expect(ratio).toContain(`workload: ${w}; ratio`);
    expect(ratio).not.toContain('workload: product; ratio');
    const time = await renderSvg(charts['peers-time'] as ChartSpec);
    for (const w of WORKLOADS) expect(time).toContain(`Title text '${w}'`);
  });
});
