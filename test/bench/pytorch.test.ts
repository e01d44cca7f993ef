/**
 * The PyTorch peer: without a Python that has torch it is unavailable (not an error) and the runner leaves it
 * out with one log line; with one (Debian's PyTorch for /usr/bin/python3, or `DIFFLAB_PYTHON`), both of its
 * forms agree with the workloads' reference gradients and are timed through the child process's own clock.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { type Contender, PEER_WORKLOADS, workloadOf } from '../../bench/peers/contender.js';
import { handF } from '../../bench/peers/hand.js';
import { relativeError } from '../../bench/peers/measure.js';
import {
  closePytorch,
  pytorchAvailability,
  pytorchContender,
  pytorchGradient,
  pytorchScalarContender,
} from '../../bench/peers/pytorch.js';
import { runPeers } from '../../bench/peers/run.js';

const QUICK = { timeMs: 2, rounds: 1, warmupMs: 1, minSamples: 1 };

/** float64 sums of at most 32 · 50 terms, as in test/peers/gradients.test.ts. */
const FLOAT64 = 1e-13;

const availability = await pytorchAvailability();
const here = availability.available;
afterAll(closePytorch);

describe('without PyTorch', () => {
  test('an interpreter that cannot run makes the contenders unavailable, with the reason', async () => {
    const saved = process.env.DIFFLAB_PYTHON;
    await closePytorch();
    process.env.DIFFLAB_PYTHON = '/nonexistent/python3';
    try {
      const a = await pytorchAvailability();
      expect(a.available).toBe(false);
      if (!a.available) expect(a.reason).toContain('/nonexistent/python3');
      await expect(pytorchGradient('vectorised', 'ridge', 10)).rejects.toThrow('not available');
    } finally {
      await closePytorch();
      if (saved === undefined) delete process.env.DIFFLAB_PYTHON;
      else process.env.DIFFLAB_PYTHON = saved;
    }
  });

  test('the runner leaves an unavailable contender out, says why once, and closes it', async () => {
    let closed = 0;
    const absent = (id: string): Contender => ({
      ...pytorchContender,
      id,
      availability: async () => ({ available: false, reason: 'no torch here' }),
      close: async () => {
        closed++;
      },
    });
    const lines: string[] = [];
    const r = await runPeers({
      workloads: ['ridge'],
      sizes: [10],
      lineup: [handF, absent('a'), absent('b')],
      timing: QUICK,
      log: (line) => lines.push(line),
    });
    expect(r.contenders.map((c) => c.id)).toEqual(['hand-f']);
    expect(r.measurements.every((m) => m.contender === 'hand-f')).toBe(true);
    expect(lines.filter((l) => l.startsWith('skipping'))).toEqual(['skipping a, b: no torch here']);
    expect(closed).toBe(2);
  });
});

describe.skipIf(!here)('with PyTorch', () => {
  describe.each(PEER_WORKLOADS)('%s', (workload) => {
    test.each([
      ['vectorised', 10],
      ['vectorised', 50],
      ['scalar', 10],
      ['scalar', 50],
    ] as const)('%s gradient at K = %i agrees with the reference', async (mode, K) => {
      const p = await pytorchGradient(mode, workload, K);
      try {
        const { answer, ms } = await (p.remote?.answer() ?? Promise.reject(new Error('no remote')));
        const w = workloadOf(workload);
        expect(relativeError(answer, w.gradient(K, w.point(K)))).toBeLessThan(FLOAT64);
        expect(ms).toBeGreaterThan(0);
        expect(await p.remote?.timed(3)).toBeGreaterThan(0);
        expect(() => p.run()).toThrow('child process');
      } finally {
        p.dispose?.();
      }
    });
  });

  test('the runner checks and times both forms, and records the version', async () => {
    const r = await runPeers({
      sizes: [10],
      lineup: [handF, pytorchContender, pytorchScalarContender],
      timing: QUICK,
    });
    expect(r.contenders.map((c) => c.id)).toEqual(['hand-f', 'pytorch', 'pytorch-scalar']);
    for (const m of r.measurements) {
      expect(m.status, `${m.workload} ${m.contender}: ${m.note ?? ''}`).toBe('timed');
      expect(m.median).toBeGreaterThan(0);
    }
    expect(r.packages.torch).toMatch(/^\d+\.\d+/);
  });
});
