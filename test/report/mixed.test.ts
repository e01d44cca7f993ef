/**
 * The mixed-mode section: per encoder–decoder the cut is the bottleneck (p nodes), the inner part goes by p
 * adjoint sweeps and the outer by tangent sweeps, the Jacobian equals reverse mode's to 1e-12, and the views
 * (Markdown, CSV, chart) carry every row.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultChunk, encoderDecoder, programCost } from '../../src/index.js';
import { splitAtCut } from '../../src/mixed/index.js';
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

const shapeOf = (row: { n: number; p: number; m: number }) => `${row.n}→${row.p}→${row.m}`;

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

  test('findings: the sweeps and the Jacobian claims hold; the bound is judged where the once-paid costs fit', () => {
    const [ops, account, sweeps, exact] = section.findings(r);
    expect(exact?.verdict).toBe('holds');
    expect(sweeps?.verdict).toBe('holds');
    expect(account?.verdict).toBe('holds');
    // The once-paid excess from the parts' sizes, worked out here: the inner part by reverse mode pays its primal
    // and partials once (stored), the outer part by forward mode once per chunk, the outer point one primal of
    // the inner part, the product m·p·n; less the target's share of the pure mode's own (target − p·E).
    const premised = r.rows.filter((row) => {
      const w = encoderDecoder(row.n, row.p, row.m, row.depth);
      const { inner, outer } = splitAtCut(w.f);
      if (inner === undefined || outer === undefined) throw new Error('expected a split');
      const [I, O, C] = [programCost(inner), programCost(outer), programCost(w.f)];
      const once =
        2 * I.nodes +
        I.edges +
        Math.ceil(row.p / defaultChunk(row.p)) * (O.nodes + O.edges) +
        row.m * row.p * row.n;
      // The section's account of the count agrees with the methods' counters.
      expect(row.modelOps, shapeOf(row)).toBe(row.mixed.ops);
      expect(row.modelOps, shapeOf(row)).toBe(row.sweepOps + once);
      const excess = once - (row.target - row.p * C.edges);
      expect(Math.abs(row.onceExcess - excess), shapeOf(row)).toBeLessThan(1e-9 * row.target);
      return excess <= EPSILON * row.target;
    });
    // The quick shapes include one whose sweeps dominate (32 → 16 → 128, depth 2), and the three at p = 4 do not:
    // the shapes chosen for the claim are those the cost model, worked out here, puts under ε.
    expect(premised.map(shapeOf)).toEqual(['32→16→128']);
    expect(r.rows.filter((row) => row.claim === true).map(shapeOf)).toEqual(['32→16→128']);
    // The bound is judged on them, by the measured counts.
    const within = premised.every((row) => row.mixed.ops <= (1 + EPSILON) * row.target);
    expect(ops?.verdict).toBe(within ? 'holds' : 'fails');
    expect(within).toBe(true);
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
