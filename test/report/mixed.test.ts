/**
 * The mixed-mode section: per encoder–decoder the cut is the bottleneck (p nodes), the inner part goes by p
 * adjoint sweeps and the outer by tangent sweeps, the Jacobian equals reverse mode's to 1e-12, and the views
 * (Markdown, CSV, chart) carry every row.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultChunk, encoderDecoder, programCost } from '../../src/index.js';
import { renderSvg } from '../../src/report/chart.js';
import {
  EPSILON,
  MIXED_TOLERANCE,
  type MixedResult,
  mixedSection as section,
} from '../../src/report/sections/mixed/index.js';
import { parseCsv } from '../support/csv.js';

let r: MixedResult;

beforeAll(async () => {
  r = (await section.run({ quick: true })) as MixedResult;
});

describe('mixed section: a quick run', () => {
  test('every shape: a cut of p nodes, inner part by p adjoint sweeps, outer by ⌈p/c⌉ tangent sweeps', () => {
    expect(r.rows.length).toBeGreaterThanOrEqual(3);
    for (const row of r.rows) {
      expect(row.cut).toBe(row.p);
      expect([row.inner, row.outer]).toEqual(['reverse', 'forward']);
      expect(row.mixed.reverseSweeps).toBe(row.p);
      expect(row.mixed.forwardSweeps).toBe(Math.ceil(row.p / defaultChunk(row.p)));
      // The pure modes: ⌈n/c⌉ tangent sweeps, m adjoint sweeps.
      expect(row.forward.forwardSweeps).toBe(Math.ceil(row.n / defaultChunk(row.n)));
      expect(row.reverse.reverseSweeps).toBe(row.m);
      expect(row.target).toBe((Math.min(row.forward.ops, row.reverse.ops) * row.p) / Math.min(row.n, row.m));
      expect(row.mixed.ops).toBeLessThan(Math.min(row.forward.ops, row.reverse.ops));
      // The sweeps: p multiply–adds per edge of the program (inner adjoint sweeps, outer directions), within the
      // target; the rest of the count is paid once.
      const E = programCost(encoderDecoder(row.n, row.p, row.m, row.depth).f).edges;
      expect(row.sweepOps).toBe(row.p * E);
      expect(row.sweepOps).toBeLessThanOrEqual(row.target);
      expect(row.error).toBeLessThanOrEqual(MIXED_TOLERANCE);
    }
  });

  test('findings: the sweeps and the Jacobian claims hold; the operations claim’s verdict matches the rows', () => {
    const [ops, sweeps, exact] = section.findings(r);
    expect(exact?.verdict).toBe('holds');
    expect(sweeps?.verdict).toBe('holds');
    const all = r.rows.every((row) => row.mixed.ops <= (1 + EPSILON) * row.target);
    expect(ops?.verdict).toBe(all ? 'holds' : 'fails');
  });

  test('Markdown and CSV: one row per shape; the chart renders a bar per method and shape', async () => {
    const md = section.markdown(r);
    expect(md.split('\n').filter((l) => /^\| \d+→\d+→\d+/.test(l)).length).toBe(r.rows.length);
    const csv = parseCsv(section.csv(r));
    expect(csv.length).toBe(r.rows.length + 1);
    expect(csv.slice(1).map((row) => Number(row[10]))).toEqual(r.rows.map((row) => row.mixed.ops));
    expect(csv.slice(1).map((row) => Number(row[19]))).toEqual(r.rows.map((row) => row.sweepOps));
    const [chart] = section.charts(r);
    expect(chart?.name).toBe('mixed-ops');
    const svg = await renderSvg(chart?.spec as never);
    expect(svg.match(/aria-roledescription="bar"/g)?.length).toBe(3 * r.rows.length);
    expect(svg.match(/aria-roledescription="tick"/g)?.length).toBe(r.rows.length);
  });
});
