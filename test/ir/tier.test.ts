/**
 * Tiering (src/sweeps/compiled/tier.ts): the compiled backend runs the interpreter until its generated code is
 * faster. The policy is checked on a simulated clock (each call's time given); the wiring on real programs,
 * where whichever code runs must give the same bits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Expr, evaluate, methods, type Program, program, scan, variable } from '../../src/index.js';
import {
  DECIDE_AFTER,
  FIRST_TRIAL_MS,
  setTiering,
  TIER_MIN_NODES,
  TIME_EVERY,
  Tier,
  TRIAL_SHARE,
  tiered,
  tierOf,
} from '../../src/sweeps/compiled/tier.js';

/**
 * Runs `calls` calls through a tier, the interpreter taking `interpreted` ms a call (or `interpreted(c)` at call
 * c) and trial k `trial(k)`.
 * `sampled`: the interpreted calls as the sweeps make them, timed only when the tier asks (`untimed`); else
 * every one is recorded.
 */
function simulate(
  tier: Tier,
  calls: number,
  interpreted: number | ((call: number) => number),
  trial: (k: number) => number,
  sampled = false,
) {
  let trials = 0;
  let trialMs = 0;
  let interpreterCalls = 0;
  let timedCalls = 0;
  let settledAt = -1;
  let firstTrialAt = -1;
  let interpretedMs = 0;
  for (let c = 0; c < calls; c++) {
    if (tier.settled) {
      if (settledAt < 0) settledAt = c;
      continue;
    }
    if (tier.compiled()) {
      if (firstTrialAt < 0) firstTrialAt = interpretedMs;
      const ms = trial(trials++);
      trialMs += ms;
      tier.record(true, ms);
      continue;
    }
    interpreterCalls++;
    const ms = typeof interpreted === 'number' ? interpreted : interpreted(c);
    interpretedMs += ms;
    if (sampled && tier.untimed()) continue;
    timedCalls++;
    tier.record(false, ms);
  }
  return {
    trials,
    trialMs,
    interpretedMs,
    timedCalls,
    interpreterCalls,
    settledAt,
    /** The interpreter's time (ms) before the first trial, or -1. */
    firstTrialAt,
  };
}

describe('the tiering policy', () => {
  it('times one interpreted call in TIME_EVERY once it knows the interpreter, and still keeps to the share', () => {
    const build = 50;
    const r = simulate(new Tier(build), 100_000, 0.04, (k) => (k === 0 ? build : 1.2), true);
    expect(r.settledAt).toBe(-1);
    expect(r.trials).toBeGreaterThan(1);
    expect(r.timedCalls).toBeLessThanOrEqual(Math.ceil(r.interpreterCalls / TIME_EVERY) + 20);
    expect(r.timedCalls).toBeGreaterThanOrEqual(Math.floor(r.interpreterCalls / TIME_EVERY));
    expect(r.trialMs).toBeLessThanOrEqual(TRIAL_SHARE * r.interpretedMs + 1.2);
    expect(TRIAL_SHARE * r.interpretedMs).toBeGreaterThanOrEqual(build);
  });

  it('hands over as before when the interpreted calls are sampled', () => {
    const r = simulate(new Tier(1), 1_000_000, 0.03, (k) => (k < 20 ? 0.5 : 0.01), true);
    expect(r.settledAt).toBeGreaterThan(0);
    expect(r.trials).toBe(20 + DECIDE_AFTER);
  });

  it('keeps the trials within their share of the interpreter time, build included, while they lose', () => {
    // Generated code 30× slower than the interpreter (V8 still interpreting it), its build 50 ms.
    const build = 50;
    const r = simulate(new Tier(build), 100_000, 0.04, (k) => (k === 0 ? build : 1.2));
    expect(r.settledAt).toBe(-1);
    expect(r.trials).toBeGreaterThan(1);
    // At most one trial past the share (the check comes before a trial).
    expect(r.trialMs).toBeLessThanOrEqual(TRIAL_SHARE * r.interpretedMs + 1.2);
    // The first trial waited until the expected build cost was within the share.
    expect(TRIAL_SHARE * r.interpretedMs).toBeGreaterThanOrEqual(build);
  });

  it('hands over to the generated code once it wins DECIDE_AFTER trials in a row', () => {
    // Slow for its first 20 trials (V8 optimising it), then 3× faster than the interpreter.
    const r = simulate(new Tier(1), 1_000_000, 0.03, (k) => (k < 20 ? 0.5 : 0.01));
    expect(r.settledAt).toBeGreaterThan(0);
    expect(r.trials).toBe(20 + DECIDE_AFTER);
  });

  it('tries nothing before the interpreter has run FIRST_TRIAL_MS, then spends the share accrued', () => {
    // No build cost; the generated code 15× slower than the interpreter for its first 1,000 trials (V8
    // warming it: 600 ms, more than TRIAL_SHARE of FIRST_TRIAL_MS), then 3× faster.
    const trial = (k: number) => (k < 1000 ? 0.6 : 0.013);
    const late = simulate(new Tier(0), 1_000_000, 0.04, trial, true);
    const early = simulate(new Tier(0, 0), 1_000_000, 0.04, trial, true);
    expect(early.firstTrialAt).toBeLessThan(1);
    expect(late.firstTrialAt).toBeGreaterThanOrEqual(FIRST_TRIAL_MS);
    expect(late.firstTrialAt).toBeLessThan(FIRST_TRIAL_MS + 1);
    // The hand-over comes about when trials from the start would have brought it (the share bounds both).
    expect(early.settledAt).toBeGreaterThan(0);
    expect(Math.abs(late.settledAt - early.settledAt)).toBeLessThan(0.02 * early.settledAt);
    expect(late.trialMs).toBeLessThanOrEqual(TRIAL_SHARE * late.interpretedMs + 0.6);
  });

  it('follows the interpreter as its speed changes, its median computed again as its window turns over', () => {
    // The interpreter 4× slower from call 50,000 on (the machine loaded): the trials, 2× slower than it before,
    // are 2× faster after, and win once the sampled median has moved.
    const r = simulate(
      new Tier(0, 0),
      100_000,
      (c) => (c < 50_000 ? 0.01 : 0.04),
      () => 0.02,
      true,
    );
    expect(r.settledAt).toBeGreaterThan(50_000);
    expect(r.settledAt).toBeLessThan(50_000 + 4 * 15 * TIME_EVERY);
  });

  it('does not hand over on a win that is not repeated', () => {
    // Every other trial faster: noise, not a faster code.
    const r = simulate(new Tier(1), 200_000, 0.03, (k) => (k % 2 === 0 ? 0.01 : 0.05));
    expect(r.settledAt).toBe(-1);
  });
});

/**
 * An irregular DAG of about 2n operation nodes (each step combines the last node with a pseudo-randomly chosen
 * earlier one by a pseudo-randomly chosen operation): one straight run, which no loop can reroll.
 */
function straightProgram(n: number): Program<number> {
  const x = [0, 1, 2, 3].map((i) => variable(`x${i}`));
  const nodes: Expr[] = [...x];
  let seed = 12345;
  const next = (m: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % m;
  };
  for (let i = 0; i < n; i++) {
    const a = nodes[nodes.length - 1] as Expr;
    const b = nodes[next(nodes.length)] as Expr;
    const k = next(4);
    const c = k === 0 ? a.add(b) : k === 1 ? a.mul(b) : k === 2 ? a.sub(b).sin() : a.mul(0.5).cos().mul(b);
    nodes.push(c);
  }
  return program(nodes[nodes.length - 1] as Expr, { variables: x });
}

describe('tiering on real programs', () => {
  let was = true;
  beforeAll(() => {
    // No build cost and no wait assumed: the trials start at once, so that both codes run within the test.
    was = setTiering(true, 0, 0);
  });
  afterAll(() => {
    setTiering(was);
  });

  it('tiers a large straight program, not a small one nor one whose runs are loops', () => {
    expect(tierOf(straightProgram(TIER_MIN_NODES), 'gradient')).toBeDefined();
    expect(tierOf(straightProgram(10), 'gradient')).toBeUndefined();
    const x = variable('x');
    const looped = program(scan(x, 5000, (c) => c.mul(c).sin()).carry, { variables: [x] });
    expect(tierOf(looped, 'gradient')).toBeUndefined();
  });

  it('waits less before the first trial of a call that runs its sweep many times', () => {
    const f = straightProgram(TIER_MIN_NODES);
    // Tiers made with the default wait (this block's own setting has none).
    setTiering(true, 0, FIRST_TRIAL_MS);
    try {
      expect(tierOf(f, 'gradient')?.firstTrialAfter).toBe(FIRST_TRIAL_MS);
      expect(tierOf(f, 'reverse', 1)?.firstTrialAfter).toBe(FIRST_TRIAL_MS);
      expect(tierOf(f, 'reverse', 200)?.firstTrialAfter).toBe(FIRST_TRIAL_MS / 200);
    } finally {
      setTiering(true, 0, 0);
    }
  });

  it('runs each call once on the backend its tier picks, and records the timed ones', () => {
    const f = straightProgram(300);
    const asked: string[] = [];
    const run = (backend: 'interpret' | 'compile') => {
      asked.push(backend);
      return asked.length;
    };
    for (let c = 1; c <= 2000; c++) expect(tiered(f, 'primal', 0, 'compile', run)).toBe(c);
    // The first trial comes at once (no build cost assumed); the next ones only once the interpreter's timed
    // calls have filled its window, so more than one trial means the calls were recorded.
    const tier = tierOf(f, 'primal') as NonNullable<ReturnType<typeof tierOf>>;
    const compiledRuns = asked.filter((b) => b === 'compile').length;
    expect(tier.trialCount).toBeGreaterThan(1);
    // Every trial ran the generated code (and, once it won, every call after).
    expect(compiledRuns).toBeGreaterThanOrEqual(tier.trialCount);
    expect(asked.filter((b) => b === 'interpret').length).toBeGreaterThan(0);
    // The interpreter asked for runs the interpreter, whatever the tier.
    asked.length = 0;
    tiered(f, 'primal', 0, 'interpret', run);
    expect(asked).toEqual(['interpret']);
  });

  it('gives the interpreter’s bits whichever code runs, call after call', () => {
    const f = straightProgram(400);
    const at = [0.3, -0.7, 1.1, 0.2];
    const value = evaluate(f, at);
    const grad = methods.reverse.gradient(f, at).value;
    const jac = methods.forward.gradient(f, at).value;
    // Until the generated code has had a few trials of each kind (it is slower at first, so the trials wait for
    // their share of the interpreter's time), checking every call's bits.
    const trials = (kind: 'primal' | 'gradient') => tierOf(f, kind)?.trialCount ?? 0;
    for (let c = 0; c < 200_000 && (trials('primal') < 3 || trials('gradient') < 3); c++) {
      expect(evaluate(f, at, { backend: 'compile' })).toBe(value);
      expect(methods.reverse.gradient(f, at, { backend: 'compile' }).value).toEqual(grad);
      if (c % 10 === 0) expect(methods.forward.gradient(f, at, { backend: 'compile' }).value).toEqual(jac);
    }
    expect(trials('primal')).toBeGreaterThanOrEqual(3);
    expect(trials('gradient')).toBeGreaterThanOrEqual(3);
  });
});
