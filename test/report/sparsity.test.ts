/**
 * The sparsity section: colour counts against theory, directions against the dense methods' counts (n tangent
 * directions, m adjoint sweeps, n Hessian-vector products), and dense operation counts against the methods' own.
 */
import { describe, expect, it } from 'vitest';
import { forward } from '../../src/forward/index.js';
import { denseCost, type SparsityResult, sparsity } from '../../src/report/sections/sparsity/index.js';
import { hessian } from '../../src/reverse/hessian.js';
import { reverse } from '../../src/reverse/sweeps.js';
import { sparseWorkloads } from '../../src/sparse/workloads.js';

describe('sparsity section', () => {
  let result: SparsityResult;

  it('runs in quick mode: every workload at each size, sparse and dense', async () => {
    result = (await sparsity.run({ quick: true, sizes: [50, 400] })) as SparsityResult;
    expect(result.stopped).toBe(false);
    const workloads = Object.keys(sparseWorkloads);
    expect(new Set(result.rows.map((r) => r.workload))).toEqual(new Set(workloads));
    for (const r of result.rows) {
      if (r.method === 'dense forward' || r.method === 'dense hvp') expect(r.directions).toBe(r.n);
      if (r.method === 'dense reverse') expect(r.directions).toBe(r.m);
      if (r.method.startsWith('sparse')) expect(r.directions).toBe(r.colours);
      // Dense mode ran at these sizes (n ≤ the quick limit).
      expect(r.timeMs).toBeDefined();
    }
    const tridiagonal = result.rows.filter(
      (row) => (row.workload === 'bratu' || row.workload === 'rosenbrock') && row.method.startsWith('sparse'),
    );
    expect(tridiagonal.length).toBeGreaterThan(0);
    for (const r of tridiagonal) expect(r.colours).toBe(3);
    // At n = 400 every compressed derivative is cheaper than the cheaper dense mode.
    for (const name of workloads) {
      const at = result.rows.filter(
        (r) =>
          r.workload === name &&
          r.n === Math.max(...result.rows.filter((x) => x.workload === name).map((x) => x.n)),
      );
      const best = (p: string) => Math.min(...at.filter((r) => r.method.startsWith(p)).map((r) => r.ops));
      expect(best('sparse')).toBeLessThan(best('dense'));
    }
  }, 120_000);

  it('its views: a row per measurement in Markdown and CSV, a chart per workload, findings that hold', () => {
    const md = sparsity.markdown(result);
    // The header, the alignment row, then one row per measurement.
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(result.rows.length + 2);
    const csv = sparsity.csv(result).trim().split('\r\n');
    expect(csv.length).toBe(result.rows.length + 1);
    expect(csv[0]).toBe('workload,kind,n,m,nnz,method,colours,directions,ops,time_ms');
    expect(sparsity.charts(result).map((c) => c.name)).toEqual(
      Object.keys(sparseWorkloads).map((w) => `sparsity-${w}`),
    );
    const findings = sparsity.findings(result);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(f.verdict).toBe('holds');
  });

  it("dense operation counts past the dense limit are the methods' own counts", () => {
    const f = sparseWorkloads.bundle.build(200);
    const x = sparseWorkloads.bundle.point(200);
    expect(denseCost(f, 'dense forward').ops).toBe(forward.jacobian(f, x).stats.ops);
    expect(denseCost(f, 'dense reverse').ops).toBe(reverse.jacobian(f, x).stats.ops);
    const g = sparseWorkloads.rosenbrock.build(60);
    expect(denseCost(g, 'dense hvp').ops).toBe(hessian(g, sparseWorkloads.rosenbrock.point(60)).stats.ops);
  });
});
