/**
 * The measuring harness every section times, stops and reports with. Time is a fake clock that the tasks and
 * steps advance by known amounts, so every expectation is a count or a quotient fixed by the test, never a
 * wall-clock reading.
 */
import { describe, expect, test } from 'vitest';
import { Budget, growSizes, Progress, timeCall, timeTasks } from '../../src/report/harness.js';

/** A clock that moves only when told. */
function fakeClock() {
  let t = 0;
  const advance = (ms: number): void => {
    t += ms;
  };
  return { clock: () => t, advance };
}

describe('timeTasks', () => {
  test('per-call times are the ones the tasks took, with the requested number of samples', async () => {
    const { clock, advance } = fakeClock();
    let calls = 0;
    const t = await timeCall(
      () => {
        calls++;
        advance(3);
      },
      { samples: 7, clock },
    );
    expect(t).toMatchObject({ p50: 3, mean: 3, p99: 3, samples: 7, calls: 1 });
    expect(calls).toBe(8); // the warm-up call, then the 7 samples
  });

  test('a call shorter than the shortest sample is repeated within each sample', async () => {
    const { clock, advance } = fakeClock();
    let calls = 0;
    const t = await timeCall(
      () => {
        calls++;
        advance(0.25);
      },
      { samples: 3, minSampleMs: 1, clock },
    );
    // ⌈1 / 0.25⌉ = 4 calls per sample; the time is per call.
    expect(t.calls).toBe(4);
    expect(t.p50).toBe(0.25);
    // 1 warm-up call, 4 windows of 8 calls each to find the batch, 3 samples of 4.
    expect(calls).toBe(1 + 4 * 8 + 3 * 4);
  });

  test('firstMs stands for the warm-up call, which is then not made', async () => {
    const { clock, advance } = fakeClock();
    let calls = 0;
    await timeCall(
      () => {
        calls++;
        advance(5);
      },
      { samples: 3, minSampleMs: 1, firstMs: 5, clock },
    );
    expect(calls).toBe(3);
  });

  test('a time box counts whole batches: each sample of 4 calls spends 1 ms of it', async () => {
    const { clock, advance } = fakeClock();
    const t = await timeCall(() => advance(0.25), { samples: 1, minSampleMs: 1, timeMs: 10, clock });
    expect(t).toMatchObject({ calls: 4, samples: 10, p50: 0.25 });
  });

  test('several tasks are timed in three rounds, the order alternating, each round taking its share of the box', async () => {
    const { clock, advance } = fakeClock();
    const order: string[] = [];
    const t = await timeTasks(
      {
        a: () => {
          order.push('a');
          advance(1);
        },
        b: () => {
          order.push('b');
          advance(3);
        },
      },
      { samples: 2, timeMs: 10, clock },
    );
    // Each task runs at least 10 / 3 ms a round: a 4 calls of 1 ms, b 2 of 3 ms; all rounds' samples count.
    expect(t.a.samples).toBe(12);
    expect(t.b.samples).toBe(6);
    expect([t.a.p50, t.b.p50]).toEqual([1, 3]);
    // Warm-up a, b; then the rounds: a first, b first, a first.
    expect(order.join('')).toBe(['ab', 'aaaabb', 'bbaaaa', 'aaaabb'].join(''));
  });

  test("a task's statistics are over the samples of all its rounds", async () => {
    const { clock, advance } = fakeClock();
    const aMs = [5, 1, 2, 6]; // the warm-up call, then one sample in each of the three rounds
    let a = 0;
    const t = await timeTasks(
      { a: () => advance(aMs[a++] as number), b: () => advance(1) },
      { samples: 3, clock },
    );
    expect(a).toBe(4);
    // Over 1, 2, 6: mean 3, median 2, p99 97 % of the way from 2 to 6.
    expect(t.a).toMatchObject({ samples: 3, mean: 3, p50: 2 });
    expect(t.a.p99).toBeCloseTo(2 + 0.98 * 4, 12);
  });

  test('statistics: the median of an even count, p99 interpolated, the t-based margin of error; none of one sample', async () => {
    const { clock, advance } = fakeClock();
    const ms = [4, 1, 3, 2];
    let k = 0;
    const s = await timeCall(() => advance(ms[k++] as number), { samples: 4, firstMs: 1, clock });
    expect(s.p50).toBe(2.5);
    expect(s.mean).toBe(2.5);
    expect(s.p99).toBeCloseTo(3 + 0.97, 12); // between the two largest, 97 % of the way
    // sd = √(5/3), sem = sd / 2, the two-sided 95 % quantile of Student's t with 3 degrees of freedom.
    const t3 = 3.182446305284263;
    expect(s.rme).toBeCloseTo(((t3 * Math.sqrt(5 / 3)) / 2 / 2.5) * 100, 8);
    const one = await timeCall(() => advance(7), { samples: 1, firstMs: 7, clock });
    expect(one.samples).toBe(1);
    expect(one.rme).toBeNaN();
  });

  test('an aborted signal stops the sampling with its reason', async () => {
    const c = new AbortController();
    let calls = 0;
    const run = timeCall(
      () => {
        if (++calls === 3) c.abort();
      },
      { samples: 10, timeMs: 60_000, signal: c.signal },
    );
    const thrown = await run.catch((e: unknown) => e);
    expect(c.signal.aborted).toBe(true);
    expect(thrown).toBe(c.signal.reason);
    expect(calls).toBe(3);
  });

  test('a long run yields to the event loop, so an abort from outside (Ctrl-C) stops it midway', async () => {
    const { clock, advance } = fakeClock();
    const c = new AbortController();
    setTimeout(() => c.abort(), 5);
    let calls = 0;
    const run = timeCall(
      () => {
        calls++;
        advance(1);
      },
      { timeMs: 1e5, signal: c.signal, clock },
    );
    const thrown = await run.catch((e: unknown) => e);
    expect(c.signal.aborted).toBe(true);
    expect(thrown).toBe(c.signal.reason);
    expect(calls).toBeLessThan(1e5);
  });

  test('a task that throws fails the timing with its error', async () => {
    const failure = new Error('call failed');
    let calls = 0;
    const run = timeCall(() => {
      if (++calls === 2) throw failure;
    });
    await expect(run).rejects.toBe(failure);
  });

  test('an already aborted signal times nothing but the warm-up', async () => {
    const c = new AbortController();
    c.abort();
    let calls = 0;
    await expect(timeCall(() => calls++, { signal: c.signal })).rejects.toBe(c.signal.reason);
    expect(calls).toBe(1);
  });
});

describe('growSizes', () => {
  test('stops once the time spent passes the budget, keeping the size that passed it', async () => {
    const { clock, advance } = fakeClock();
    const seen: number[] = [];
    const grown = await growSizes(
      [1, 2, 4, 8, 16, 32],
      (K) => {
        seen.push(K);
        advance(K);
      },
      { budgetMs: 10, clock },
    );
    // Spent 1, 3, 7, then 15 > 10 after K = 8: 16 and 32 are dropped.
    expect(seen).toEqual([1, 2, 4, 8]);
    expect(grown).toEqual({
      measured: [1, 2, 4, 8],
      aborted: false,
      budgetStop: { size: 8, spentMs: 15, dropped: 2 },
    });
  });

  test('without a budget, or with the last size passing it, every size is measured and nothing stops', async () => {
    const { clock, advance } = fakeClock();
    const all = await growSizes([5, 6], (K) => advance(K * 1000), { clock });
    expect(all).toEqual({ measured: [5, 6], aborted: false });
    const last = await growSizes([1, 100], (K) => advance(K), { budgetMs: 50, clock });
    expect(last).toEqual({ measured: [1, 100], aborted: false });
  });

  test('a step returning false ends the loop without a budget stop', async () => {
    const grown = await growSizes([1, 2, 3], (K) => K < 2);
    expect(grown).toEqual({ measured: [1], aborted: false });
  });

  test('aborting inside a step keeps the sizes measured before it', async () => {
    const c = new AbortController();
    const grown = await growSizes(
      [1, 2, 3, 4],
      (K) => {
        if (K === 3) {
          c.abort();
          c.signal.throwIfAborted();
        }
      },
      { signal: c.signal },
    );
    expect(grown).toEqual({ measured: [1, 2], aborted: true });
  });

  test('aborting between steps keeps the size just measured and measures no more', async () => {
    const c = new AbortController();
    const seen: number[] = [];
    const grown = await growSizes(
      [1, 2, 3, 4],
      (K) => {
        seen.push(K);
        if (K === 2) c.abort();
      },
      { signal: c.signal },
    );
    expect(seen).toEqual([1, 2]);
    expect(grown).toEqual({ measured: [1, 2], aborted: true });
  });

  test('an error that is not the abort is thrown', async () => {
    const failure = new Error('step failed');
    await expect(
      growSizes([1], () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });
});

describe('Budget and Progress', () => {
  test('a budget is passed only when strictly exceeded, and never without a limit', () => {
    const b = new Budget(10);
    expect(b.spend(10)).toBe(false);
    expect(b.spend(0.5)).toBe(true);
    expect(b.spentMs).toBe(10.5);
    expect(new Budget(undefined).spend(1e12)).toBe(false);
  });

  test('progress counts steps up to a total that shrinks with the steps dropped', () => {
    const told: [number, number, string][] = [];
    const p = new Progress(6, (d, t, l) => told.push([d, t, l]));
    p.step('a');
    p.step('b and c', 2);
    p.drop(2);
    p.step('d');
    expect(told).toEqual([
      [1, 6, 'a'],
      [3, 6, 'b and c'],
      [4, 4, 'd'],
    ]);
  });

  test('a drop that leaves no step to come tells the completed progress at once', () => {
    const told: [number, number, string][] = [];
    const p = new Progress(5, (d, t, l) => told.push([d, t, l]));
    p.step('K=1');
    p.drop(1);
    p.step('K=2');
    p.drop(2);
    expect(told).toEqual([
      [1, 5, 'K=1'],
      [2, 4, 'K=2'],
      [2, 2, 'K=2'],
    ]);
  });
});
