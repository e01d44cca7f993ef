/**
 * GradBench's checking rule as the runner applies it, against hand-worked cases of the rule in GRADBENCH.md §2:
 * same keys, same lengths, integers equal, |x − y| / max(1, |x| + |y|) within the tolerance.
 */
import { describe, expect, it } from 'vitest';
import { compareOutputs, GRADBENCH_TOLERANCE, metric, STRICT_TOLERANCE } from '../../src/gradbench/index.js';
import { odeRk4Gradient } from '../../src/gradbench/references.js';
import { gradient, parse } from '../../src/index.js';

describe('the metric', () => {
  it('is absolute below 1 and relative above', () => {
    expect(metric(0.1, 0.1 + 5e-5)).toBeCloseTo(5e-5, 15);
    expect(metric(1000, 1001)).toBeCloseTo(1 / 2001, 15);
    expect(metric(3, 3)).toBe(0);
  });
});

describe('compareOutputs', () => {
  it('passes within the tolerance and fails beyond it', () => {
    expect(compareOutputs([0.5, 100], [0.5 + 9e-5, 100.01], GRADBENCH_TOLERANCE).pass).toBe(true);
    // |x| + |y| < 1: the error is absolute.
    const v = compareOutputs([0.3, 100], [0.3 + 2e-4, 100], GRADBENCH_TOLERANCE);
    expect(v.pass).toBe(false);
    expect(v.worst).toBeCloseTo(2e-4, 12);
    expect(v.mismatches[0]).toMatch(/output\[0\]/);
    expect(compareOutputs(1.0, 1 + 1e-8, STRICT_TOLERANCE).pass).toBe(false);
  });

  it('the strict rule is relative: small entries are checked to 9 digits of themselves', () => {
    // GradBench's metric is absolute below 1: a 1.4 % error in 7e-8 passes it at 1e-9.
    expect(compareOutputs([7.1e-8, 8.246e-6], [7.0e-8, 8.2455e-6], STRICT_TOLERANCE).pass).toBe(true);
    const v = compareOutputs([7.1e-8, 8.246e-6], [7.0e-8, 8.2455e-6], STRICT_TOLERANCE, 'relative');
    expect(v.pass).toBe(false);
    expect(v.worst).toBeCloseTo(0.1e-8 / 7.1e-8, 12);
    expect(compareOutputs([3e-7, 2], [3e-7 * (1 + 5e-10), 2], STRICT_TOLERANCE, 'relative').pass).toBe(true);
    // An entry a million times below the output's largest is judged at that scale (cancellation noise).
    expect(compareOutputs([1, 1e-17], [1, 3e-17], STRICT_TOLERANCE, 'relative').pass).toBe(true);
    expect(compareOutputs([1, 1e-7], [1, 1.001e-7], STRICT_TOLERANCE, 'relative').pass).toBe(false);
  });

  it('needs the same keys, lengths and types', () => {
    expect(compareOutputs({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, 1e-4).pass).toBe(true);
    expect(compareOutputs({ a: 1 }, { a: 1, extra: 2 }, 1e-4).pass).toBe(false);
    expect(compareOutputs({ a: 1, b: 2 }, { a: 1 }, 1e-4).pass).toBe(false);
    expect(compareOutputs([1, 2], [1, 2, 3], 1e-4).pass).toBe(false);
    expect(compareOutputs([1, 2], { 0: 1, 1: 2 }, 1e-4).pass).toBe(false);
    expect(compareOutputs(1, '1', 1e-4).pass).toBe(false);
  });

  it('holds integers to equality (a metric of 5e−6 would otherwise pass)', () => {
    expect(compareOutputs({ repeated: 100000 }, { repeated: 100001 }, 1e-4).pass).toBe(false);
    expect(compareOutputs({ repeated: 31843 }, { repeated: 31843 }, 1e-4).pass).toBe(true);
  });
});

describe("ode's strict reference", () => {
  it("equals reverse mode's derivative of an RK4 step written as a mathjs expression", () => {
    // One RK4 step (s = 1, h = 2) of y0' = x0, y1' = x1·y0 from 0, written out by hand:
    // k1 = (x0, 0); k2 = (x0, x1·x0); k3 = (x0, x1·x0); k4 = (x0, x1·2x0); y1 = (2/6)(0 + 2x1x0 + 2x1x0 + 2x1x0).
    const f = parse('(2/6) * (0 + 2*(x1*(0 + 1*x0)) + 2*(x1*(0 + 1*x0)) + x1*(0 + 2*x0))');
    const at = [0.7, 1.3];
    const expected = gradient(f, at);
    const got = odeRk4Gradient(at, 1);
    expect(got[0]).toBeCloseTo(expected[0] as number, 14);
    expect(got[1]).toBeCloseTo(expected[1] as number, 14);
  });
});
