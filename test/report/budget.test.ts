/**
 * `--budget` means one thing in every section that grows sizes: once measuring a workload has taken longer in
 * all, its larger sizes are not measured, the section says where it stopped, and its progress still ends at its
 * total. A budget of 10⁻⁹ ms is passed by any measurement, so each workload keeps its first size only. Counts
 * and sizes are asserted, never times.
 */
import { describe, expect, test } from 'vitest';
import type { ReportSection, SectionOptions } from '../../src/report/section.js';
import { jacobianShapeSection } from '../../src/report/sections/jacobian-shape/index.js';
import { memorySection } from '../../src/report/sections/memory/index.js';
import { performanceSection } from '../../src/report/sections/performance/index.js';
import { sparsity } from '../../src/report/sections/sparsity/index.js';
import { swellSection } from '../../src/report/sections/swell/index.js';

const TINY = 1e-9;

/** Runs a section with a budget every measurement passes; returns its result, its skip lines and its progress. */
async function runTight<R>(section: ReportSection<R>, options: SectionOptions) {
  const skips: string[] = [];
  const progress: [number, number][] = [];
  const result = await section.run({
    ...options,
    budgetMs: TINY,
    onSkip: (line) => skips.push(line),
    onProgress: (done, total) => progress.push([done, total]),
  });
  if (result === undefined) throw new Error(`${section.name} measured nothing`);
  return { result, skips, progress };
}

/** The progress ends with every step it counted done. */
function expectComplete(progress: readonly [number, number][]) {
  expect(progress.length).toBeGreaterThan(0);
  const [done, total] = progress.at(-1) as [number, number];
  expect(done).toBe(total);
}

describe('a budget stops every size-growing section after the size that passed it', () => {
  test('memory: a depth workload keeps its first depth', async () => {
    const { result, skips, progress } = await runTight(memorySection, {
      quick: true,
      workloads: ['deep-mlp'],
      sizes: [4, 8, 16],
    });
    expect(result.depth.map((d) => d.depth)).toEqual([4]);
    expect(skips).toEqual(['memory: deep-mlp stopped at depth 4 (budget)']);
    expectComplete(progress);
  });

  test("performance: the cheap-gradient table keeps each workload's first K", async () => {
    const { result, skips, progress } = await runTight(performanceSection, {
      quick: true,
      workloads: ['ridge', 'product'],
      sizes: [10, 20, 40],
    });
    expect(result.cheap.map((r) => `${r.workload} ${r.K}`)).toEqual([
      'ridge 10',
      'ridge 10',
      'product 10',
      'product 10',
    ]);
    expect(skips).toHaveLength(2);
    expect(skips[0]).toMatch(/^performance: ridge stopped at K = 10 /);
    expectComplete(progress);
  });

  test('jacobian-shape: n stops growing, and no point past it is checked', async () => {
    const { result, skips, progress } = await runTight(jacobianShapeSection, {
      quick: true,
      sizes: [2, 4, 8],
    });
    expect(result.points.map((p) => `${p.n}→${p.m}`)).toEqual(['2→2', '2→4', '2→8']);
    expect(result.checks.length).toBeGreaterThan(0);
    expect(result.checks.every((c) => c.n === 2 && c.m === 2)).toBe(true);
    expect(skips).toEqual(['jacobian-shape: n stopped at 2 (budget)']);
    expectComplete(progress);
  });

  test('sparsity: a workload keeps its first K', async () => {
    const { result, skips, progress } = await runTight(sparsity, {
      quick: true,
      workloads: ['bratu'],
      sizes: [10, 20, 40],
    });
    expect(new Set(result.rows.map((r) => r.n)).size).toBe(1);
    expect(skips).toHaveLength(1);
    expect(skips[0]).toMatch(/^sparsity: bratu stopped at K = 10 /);
    expectComplete(progress);
  });

  test('swell: a workload keeps its first size, and its row says why the rest is missing', async () => {
    const { result, progress } = await runTight(swellSection, {
      quick: true,
      workloads: ['product'],
      sizes: [2, 4, 8],
    });
    expect(result.rows.map((r) => r.n)).toEqual([2]);
    expect(result.rows[0]?.notes.some((n) => n.startsWith('larger sizes not measured: measuring took'))).toBe(
      true,
    );
    expectComplete(progress);
  });
});
