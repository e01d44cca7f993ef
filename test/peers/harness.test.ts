/**
 * The peer benchmark's harness: a contender whose answer is wrong is reported and never timed; every real
 * contender agrees with the reference at K = 10; ratios are to the hand-written f; the command line refuses
 * bad arguments with an `invalid-argument` error; the relative error and the summaries follow their formulas.
 */
import { describe, expect, test } from 'vitest';
import { parseCommandLine } from '../../bench/peers/args.js';
import type { Contender } from '../../bench/peers/contender.js';
import { workloadOf } from '../../bench/peers/contender.js';
import { handF, handGradient } from '../../bench/peers/hand.js';
import { median, relativeError } from '../../bench/peers/measure.js';
import { geometricMean } from '../../bench/peers/report.js';
import { CONTENDERS, runPeers } from '../../bench/peers/run.js';
import { DifflabError } from '../../src/index.js';

/** Short measurements: these tests check what is measured, not how fast. */
const QUICK = { timeMs: 2, rounds: 1, warmupMs: 1, minSamples: 1 };

/** The hand-written gradient with its last entry doubled: a wrong answer of the right shape. */
const wrong: Contender = {
  ...handGradient,
  id: 'wrong',
  label: 'wrong',
  async prepare(workload, K) {
    const p = await handGradient.prepare(workload, K);
    return {
      run() {
        const g = Float64Array.from(p.run() as ArrayLike<number>);
        g[K - 1] = 2 * (g[K - 1] as number);
        return g;
      },
    };
  },
};

/** The hand-written gradient, with `ms` of busy waiting before the calls that `slow` picks (by call number). */
function waiting(id: string, ms: number, slow: (call: number) => boolean): Contender {
  return {
    ...handGradient,
    id,
    label: id,
    async prepare(workload, K) {
      const p = await handGradient.prepare(workload, K);
      let calls = 0;
      return {
        run() {
          if (slow(calls++)) {
            const t0 = performance.now();
            while (performance.now() - t0 < ms) {
              // waiting
            }
          }
          return p.run();
        },
      };
    },
  };
}

describe('runPeers', () => {
  test('a slow first call (one-off work) does not make a fast call slow; a call slow every time is', async () => {
    const timing = { ...QUICK, slowMs: 20, slowTotalMs: 1000 };
    const lineup = [handF, waiting('first', 30, (n) => n === 0), waiting('always', 30, () => true)];
    const r = await runPeers({ workloads: ['ridge'], sizes: [10], lineup, timing });
    const first = r.measurements.find((x) => x.contender === 'first');
    const always = r.measurements.find((x) => x.contender === 'always');
    // Timed by tinybench, many calls per sample (the hand-written gradient at K = 10 takes microseconds).
    expect(first?.batch).toBeGreaterThan(1);
    // Timed call by call: 30 ms or more each, by construction.
    expect(always?.batch).toBe(1);
    expect(always?.median).toBeGreaterThanOrEqual(30);
  });

  test('a wrong gradient is reported as disagreeing and not timed', async () => {
    const r = await runPeers({ workloads: ['ridge'], sizes: [10], lineup: [handF, wrong], timing: QUICK });
    const m = r.measurements.find((x) => x.contender === 'wrong');
    expect(m?.status).toBe('disagrees');
    expect(m?.median).toBeUndefined();
    // The entry doubled is off by |g_K| relative to the largest entry.
    const g = workloadOf('ridge').gradient(10, workloadOf('ridge').point(10));
    const scale = Math.max(...Array.from(g, Math.abs));
    expect(m?.error).toBeCloseTo(Math.abs(g[9] as number) / scale, 12);
  });

  test('every contender agrees with the reference at K = 10, and ratios are to the hand-written f', async () => {
    const r = await runPeers({ sizes: [10], timing: QUICK });
    // Every contender that can run here (PyTorch only where a Python with torch is installed).
    const expected: string[] = [];
    for (const c of CONTENDERS)
      if (c.availability === undefined || (await c.availability()).available) expected.push(c.id);
    expect(r.contenders.map((c) => c.id)).toEqual(expected);
    for (const m of r.measurements) {
      expect(m.status, `${m.workload} ${m.contender}: ${m.note ?? ''}`).toBe('timed');
      expect(m.error).toBeLessThanOrEqual(m.tolerance as number);
      const floor = r.measurements.find((x) => x.workload === m.workload && x.contender === 'hand-f');
      expect(m.ratio).toBeCloseTo((m.median as number) / (floor?.median as number), 12);
    }
  });
});

describe('relativeError', () => {
  test('is ‖got − want‖∞ / ‖want‖∞', () => {
    expect(relativeError([1, 2.5, -4], [1, 2, -4])).toBeCloseTo(0.5 / 4, 15);
    expect(relativeError(3, 2)).toBeCloseTo(0.5, 15);
  });

  test('is infinite for a NaN or a length mismatch', () => {
    expect(relativeError([1, Number.NaN], [1, 2])).toBe(Number.POSITIVE_INFINITY);
    expect(relativeError([1, 2], [1, 2, 3])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('summaries', () => {
  test('geometric mean and median', () => {
    expect(geometricMean([2, 8])).toBeCloseTo(4, 14);
    expect(geometricMean([1, 10, 100])).toBeCloseTo(10, 13);
    expect(geometricMean([])).toBeNaN();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('parseCommandLine', () => {
  test('defaults: all sizes and contenders, the default folder', () => {
    expect(parseCommandLine([])).toEqual({ out: 'difflab-report/peers', options: {} });
  });

  test('reads the folder and the options', () => {
    const { out, options } = parseCommandLine([
      'out/peers',
      '--sizes',
      '10,1000',
      '--headline',
      '1000',
      '--workloads',
      'ridge,logreg',
      '--contenders',
      'tfjs,jax',
      '--budget',
      '500',
    ]);
    expect(out).toBe('out/peers');
    expect(options).toMatchObject({
      sizes: [10, 1000],
      headlineK: 1000,
      workloads: ['ridge', 'logreg'],
      contenders: ['tfjs', 'jax'],
      callBudgetMs: 500,
    });
  });

  test.each([
    [['--sizes', '10,1']],
    [['--sizes', '10,,20']],
    [['--sizes', '2.5']],
    [['--workloads', 'mlp']],
    [['--contenders', 'torch']],
    [['--budget', '-1']],
    [['--headline', '500']],
    [['--frobnicate']],
    [['a', 'b']],
  ])('refuses %j', (args) => {
    expect(() => parseCommandLine(args)).toThrow(DifflabError);
    try {
      parseCommandLine(args);
    } catch (e) {
      expect((e as DifflabError).code).toBe('invalid-argument');
    }
  });
});
