/**
 * The eval benchmark's combination of its worker processes: per workload and backend, the median over the
 * processes of each function's time, the fastest and slowest derivative, the largest peak memory.
 */
import { describe, expect, it } from 'vitest';
import { combined, med, type Row } from '../../bench/evals/rows.js';

const row = (backend: string, ell: number, primal: number, gradient: number, peak: number): Row => ({
  eval: 'det',
  sizes: { ell },
  backend,
  primal: 'determinant',
  derivatives: ['gradient'],
  buildMs: primal * 10,
  times: { determinant: primal, gradient },
  cpuTimes: { determinant: 2 * primal, gradient: 2 * gradient },
  peakBytes: peak,
});

describe('bench:evals over several processes', () => {
  it('median of an odd and an even count', () => {
    expect(med([5, 1, 3])).toBe(3);
    expect(med([4, 1, 3, 10])).toBe(3.5);
  });

  it('one row per workload and backend, each time the median over its processes', () => {
    // Three processes per backend at ℓ = 9, in the order they ran (backends alternated), one at ℓ = 11.
    const runs = [
      row('interpret', 9, 14, 40, 80),
      row('compile', 9, 24, 41, 90),
      row('compile', 9, 15, 39, 85),
      row('interpret', 9, 20, 60, 70),
      row('interpret', 9, 16, 38, 75),
      row('compile', 9, 15.5, 100, 95),
      row('interpret', 11, 70, 190, 83),
    ];
    const rows = combined(runs);
    expect(rows.map((r) => [r.backend, r.sizes.ell])).toEqual([
      ['interpret', 9],
      ['compile', 9],
      ['interpret', 11],
    ]);
    const [interp, comp, big] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    // Medians, not means: 14, 20, 16 → 16; 40, 60, 38 → 40; compiled 24, 15, 15.5 → 15.5; 41, 39, 100 → 41.
    expect(interp.times).toEqual({ determinant: 16, gradient: 40 });
    expect(interp.cpuTimes).toEqual({ determinant: 32, gradient: 80 });
    expect(comp.times).toEqual({ determinant: 15.5, gradient: 41 });
    expect(interp.buildMs).toBe(160);
    expect(interp.spread).toEqual({ gradient: [38, 60] });
    expect(comp.spread).toEqual({ gradient: [39, 100] });
    expect(comp.peakBytes).toBe(95);
    expect(big.times).toEqual({ determinant: 70, gradient: 190 });
    expect(big.spread).toEqual({ gradient: [190, 190] });
  });
});
