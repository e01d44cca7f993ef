/**
 * Every public fixture, played in process against the tool: the outputs must match GradBench's golden outputs
 * (its reference implementation's, or the eval's constants) by GradBench's rule and by the strict rule
 * (1e−9 in the same metric). The ode gradient's strict reference is RK4's own derivative by complex step,
 * since the golden is the exact solution's (see references.ts).
 */
import { describe, expect, it } from 'vitest';
import { runFixture } from '../../src/gradbench/index.js';
import type { Method } from '../../src/index.js';
import { EVALS, fixture } from './support.js';

const ONE_RUN = { minRuns: 1, minSeconds: 0 };

function expectAllPass(name: string, method: Method, strict: boolean) {
  const result = runFixture(fixture(name), { method, ...ONE_RUN });
  for (const r of result.rounds) {
    expect(r.error, `${name}.${r.function}`).toBeUndefined();
    expect(r.gradbench?.mismatches, `${name}.${r.function}`).toEqual([]);
    expect(r.gradbench?.pass).toBe(true);
    if (strict) {
      expect(r.strict?.mismatches, `${name}.${r.function} strict`).toEqual([]);
      expect(r.strict?.pass).toBe(true);
    }
    // One evaluate timing per run, whole non-negative nanoseconds.
    const evaluates = r.timings.filter((t) => t.name === 'evaluate');
    expect(evaluates.length).toBe(1);
    for (const t of r.timings) expect(Number.isSafeInteger(t.nanoseconds) && t.nanoseconds >= 0).toBe(true);
  }
  expect(result.rows.length).toBeGreaterThan(0);
  for (const row of result.rows) {
    expect(row.pass).toBe(true);
    if (strict) expect(row.strictPass).toBe(true);
  }
}

describe('reverse mode passes every public fixture by both rules', () => {
  it.each(EVALS.filter((e) => e !== 'particle' && e !== 'saddle'))('%s', (name) => {
    expectAllPass(name, 'reverse', true);
  });
});

describe('nested evals: all four mode combinations give the eval constants', () => {
  it.each(['particle', 'saddle'])('%s (ff, fr, rf, rr)', (name) => {
    expectAllPass(name, 'reverse', true);
  });
});

describe('forward mode passes every eval it can do in reasonable time, by both rules', () => {
  it.each(['hello', 'llsq', 'lse', 'det', 'ode', 'kmeans', 'gmm', 'lstm', 'ba'])('%s', (name) => {
    expectAllPass(name, 'forward', true);
  });
});

describe('the symbolic method (graph engine) on the small fixtures, by both rules', () => {
  it.each(['hello', 'llsq', 'lse', 'det', 'ode', 'kmeans', 'gmm'])('%s', (name) => {
    expectAllPass(name, 'symbolic', true);
  });
});

describe('finite differences pass GradBench rule on the small fixtures (not the strict one)', () => {
  it.each(['llsq', 'lse', 'det', 'gmm', 'kmeans'])('%s', (name) => {
    expectAllPass(name, 'numeric', false);
  });
});
