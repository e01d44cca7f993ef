/**
 * The Jacobian-shape section: its counts against the theory of sweeps (n tangent sweeps, or ⌈n/c⌉ with chunks;
 * m adjoint sweeps), every method's Jacobian against reverse mode's, the crossover fit, and its Markdown, CSV
 * and charts (rendered).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultChunk, denseLayer, programCost } from '../../src/index.js';
import { renderSvg } from '../../src/report/chart.js';
import {
  type JacobianShapeResult,
  reachedReverseOps,
  jacobianShapeSection as section,
  TOLERANCE,
} from '../../src/report/sections/jacobian-shape/index.js';
import { fitCrossover } from '../../src/report/sections/jacobian-shape/measure.js';
import { parseCsv } from '../support/csv.js';

// Sizes past the default chunk's 16 directions, so forward mode needs more than one sweep.
const SIZES = [2, 8, 20, 40];
let r: JacobianShapeResult;

beforeAll(async () => {
  r = (await section.run({ quick: true, sizes: SIZES })) as JacobianShapeResult;
});

describe('jacobian-shape: counts against the theory of sweeps', () => {
  test('every (n, m) of the grid: ⌈n/c⌉ tangent sweeps with chunks, n without, m adjoint sweeps', () => {
    expect(r.points.map((p) => [p.n, p.m])).toEqual(SIZES.flatMap((n) => SIZES.map((m) => [n, m])));
    for (const p of r.points) {
      expect(p.chunk).toBe(defaultChunk(p.n));
      expect(p.forwardSweeps).toBe(Math.ceil(p.n / p.chunk));
      expect(p.unchunkedSweeps).toBe(p.n);
      expect(p.reverseSweeps).toBe(p.m);
    }
    expect(r.points.find((p) => p.n === 40)?.forwardSweeps).toBe(3);
  });

  test('operations: per sweep or recording the program (primal and partials), per direction or adjoint one pass over its edges', () => {
    for (const p of r.points) {
      const { nodes, edges } = programCost(denseLayer(p.n, p.m).f);
      // The program: 2n-argument dot, add, tanh per output: 2n + 2 nodes and 2n + 3 edges per output.
      expect([p.nodes, p.edges]).toEqual([nodes, edges]);
      expect(nodes).toBe(p.m * (2 * p.n + 2));
      expect(edges).toBe(p.m * (2 * p.n + 3));
      expect(p.forwardOps).toBe(p.forwardSweeps * (nodes + edges) + p.n * edges);
      expect(p.unchunkedOps).toBe(p.n * (nodes + edges) + p.n * edges);
      // Reverse mode: the primal, the partials once (stored) with m ≥ 2 outputs, a multiply–add per edge per
      // output; with one output the sweep evaluates each partial once itself: N + 2E either way.
      expect(p.reverseOps).toBe(nodes + edges + p.m * edges);
      // Each adjoint sweep reaches its own output's row only: 2n + 3 edges.
      expect(p.reverseReachedOps).toBe(nodes + edges + p.m * (2 * p.n + 3));
    }
  });

  test('the claim by operations: forward mode is cheaper wherever m ≥ 2n, reverse mode wherever m ≤ n/2', () => {
    for (const p of r.points) {
      if (p.m >= 2 * p.n) expect(p.forwardOps).toBeLessThan(p.reverseOps);
      if (p.m <= p.n / 2) expect(p.forwardOps).toBeGreaterThan(p.reverseOps);
    }
    expect(section.findings(r)[0]?.verdict).toBe('holds');
  });

  test('every method’s Jacobian equals reverse mode’s within its tolerance', () => {
    expect(new Set(r.checks.map((c) => c.method))).toEqual(
      new Set(['numeric', 'symbolic', 'forward', 'reverse']),
    );
    for (const c of r.checks) {
      expect(c.error, `${c.method} at ${c.n} → ${c.m}`).not.toBeNull();
      expect(c.error as number).toBeLessThanOrEqual(TOLERANCE[c.method]);
    }
  });
});

describe('jacobian-shape: crossover fit', () => {
  const grid = [2, 4, 8, 16].flatMap((n) => [2, 4, 8, 16].map((m) => ({ n, m })));

  test('a ratio n/m crosses 1 on m = n; 3n²/m on m = 3n²', () => {
    const even = fitCrossover(grid.map((p) => ({ ...p, ratio: p.n / p.m })));
    expect(even?.kappa).toBeCloseTo(1, 12);
    expect(even?.beta).toBeCloseTo(1, 12);
    expect(even?.r2).toBeCloseTo(1, 12);
    const skew = fitCrossover(grid.map((p) => ({ ...p, ratio: (3 * p.n * p.n) / p.m })));
    expect(skew?.kappa).toBeCloseTo(3, 12);
    expect(skew?.beta).toBeCloseTo(2, 12);
  });

  test('no crossover without dependence on m, or from too few points', () => {
    expect(fitCrossover(grid.map((p) => ({ ...p, ratio: p.n })))).toBeNull();
    expect(fitCrossover(grid.slice(0, 3).map((p) => ({ ...p, ratio: p.n / p.m })))).toBeNull();
  });

  test('reachedReverseOps of a function whose outputs share everything is reverse mode’s whole count', () => {
    const w = denseLayer(5, 1);
    const { nodes, edges } = programCost(w.f);
    expect(reachedReverseOps(w.f)).toBe(nodes + 2 * edges);
  });
});

describe('jacobian-shape: views', () => {
  test('Markdown: one table row per grid point and one per method check; CSV the same points', () => {
    const md = section.markdown(r);
    expect(md).toMatch(/Crossover by operations, default chunk: m ≈ /);
    const rows = md.split('\n').filter((l) => /^\| \d+ \| \d+ \| \d+ \|/.test(l));
    expect(rows.length).toBe(r.points.length);
    const csv = parseCsv(section.csv(r));
    expect(csv[0]).toContain('reverse_reached_ops');
    expect(csv.length).toBe(r.points.length + 1);
    expect(csv.slice(1).map((row) => Number(row[0]))).toEqual(r.points.map((p) => p.n));
  });

  test('two heatmaps with the m = n line, rendered to SVG', async () => {
    const charts = section.charts(r);
    expect(charts.map((c) => c.name)).toEqual(['jacobian-shape-ops', 'jacobian-shape-time']);
    for (const c of charts) {
      const layers = (c.spec as { layer: { data: { values: Record<string, unknown>[] } }[] }).layer;
      expect(layers[0]?.data.values.length).toBe(r.points.length);
      const theory = layers[1]?.data.values.filter((v) => v.line === 'theory m = n') ?? [];
      expect(theory.length).toBe(2);
      for (const v of theory) expect(v.n).toBe(v.m);
      const svg = await renderSvg(c.spec);
      expect(svg.match(/aria-roledescription="rect mark"/g)?.length).toBe(r.points.length);
    }
  });
});
