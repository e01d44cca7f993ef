/**
 * The native section's tables from given timings: each derivative paired with its workload's primal, the
 * ratios difflab ÷ C++ and each side's J/F worked out by hand, the per-eval medians, and the Markdown.
 */
import { describe, expect, test } from 'vitest';
import type { NativeComparison, NativeMeasurement } from '../../src/gradbench/native.js';
import {
  fmtRatio,
  nativeCsv,
  nativeMarkdown,
  nativeRows,
  nativeSummary,
  nativeWaits,
} from '../../src/report/sections/native/native.js';

const BACKENDS = ['interpret', 'compile'] as const;

/** A primal and a derivative measurement of one workload, times in ns: [C++, interpret, compile]. */
function workload(
  ev: string,
  n: number,
  primal: [number, number, number],
  derivative: [number, number, number],
  agree = true,
): NativeMeasurement[] {
  const side = (ns: number) => ({ medianNs: ns, runs: 3, agree });
  const m = (fn: string, role: 'primal' | 'derivative', [c, i, k]: [number, number, number]) => ({
    eval: ev,
    sizes: { n },
    function: fn,
    role,
    native: { medianNs: c, runs: 3 },
    difflab: { interpret: side(i), compile: side(k) },
  });
  return [m('primal', 'primal', primal), m('gradient', 'derivative', derivative)];
}

const measurements: NativeMeasurement[] = [
  // C++ J/F 3; interpret: primal 10×, derivative 20×, J/F 6; compile: 2×, 2×, J/F 3.
  ...workload('lse', 10, [100, 1000, 200], [300, 6000, 600]),
  // C++ J/F 2; interpret: 4×, 8×, J/F 4; compile: 1×, 3×, J/F 6.
  ...workload('lse', 20, [1000, 4000, 1000], [2000, 16000, 6000]),
  // C++ J/F 1; interpret: 1×, 5×, J/F 5; compile: 0.5×, 1×, J/F 2.
  ...workload('lse', 30, [50, 50, 25], [50, 250, 50]),
  ...workload('llsq', 5, [10, 20, 10], [20, 80, 40], false),
];

describe('rows', () => {
  const rows = nativeRows(measurements, BACKENDS);

  test('one row per derivative, paired with the primal of its workload', () => {
    expect(rows.map((r) => [r.eval, r.workload, r.function])).toEqual([
      ['lse', 'n=10', 'gradient'],
      ['lse', 'n=20', 'gradient'],
      ['lse', 'n=30', 'gradient'],
      ['llsq', 'n=5', 'gradient'],
    ]);
  });

  test('difflab ÷ C++ and each side’s J/F', () => {
    const r = rows[0];
    expect(r?.nativePrimalNs).toBe(100);
    expect(r?.nativeDerivativeNs).toBe(300);
    expect(r?.nativeJf).toBe(3);
    expect(r?.backends.interpret).toMatchObject({ primalRatio: 10, derivativeRatio: 20, jf: 6, agree: true });
    expect(r?.backends.compile).toMatchObject({ primalRatio: 2, derivativeRatio: 2, jf: 3, agree: true });
    expect(rows[3]?.backends.interpret?.agree).toBe(false);
  });

  test('a missing C++ time leaves its ratios out', () => {
    const broken = workload('lse', 1, [100, 200, 300], [100, 200, 300]);
    const d = broken[1] as NativeMeasurement;
    d.native = { runs: 0, error: 'exit 1: oops' };
    const [r] = nativeRows(broken, BACKENDS);
    expect(r?.nativeError).toBe('exit 1: oops');
    expect(r?.nativeJf).toBeUndefined();
    expect(r?.backends.interpret?.derivativeRatio).toBeUndefined();
    expect(r?.backends.interpret?.primalRatio).toBe(2);
  });
});

describe('per-eval medians', () => {
  const summary = nativeSummary(nativeRows(measurements, BACKENDS), BACKENDS);

  test('the median over the workloads of each ratio', () => {
    const lse = summary.find((s) => s.eval === 'lse');
    expect(lse?.workloads).toBe(3);
    // interpret: primal 10, 4, 1 → 4; derivative 20, 8, 5 → 8; J/F 6, 4, 5 → 5.
    expect(lse?.backends.interpret).toEqual({ primalRatio: 4, derivativeRatio: 8, jf: 5 });
    // compile: primal 2, 1, 0.5 → 1; derivative 2, 3, 1 → 2; J/F 3, 6, 2 → 3.
    expect(lse?.backends.compile).toEqual({ primalRatio: 1, derivativeRatio: 2, jf: 3 });
    // C++ J/F 3, 2, 1 → 2.
    expect(lse?.nativeJf).toBe(2);
  });
});

describe('Markdown and CSV', () => {
  const section: NativeComparison = {
    settings: {
      quick: true,
      minRuns: 3,
      minSeconds: 0.2,
      backends: [...BACKENDS],
      evals: ['lse', 'llsq'],
      loadAverage: [1, 2, 3],
    },
    measurements,
  };

  test('the summary and every workload, with times, ratios and agreement', () => {
    const md = nativeMarkdown(section);
    expect(md).toContain('| lse | 3 | 4.00 | 8.00 | 1.00 | 2.00 | 2.00 | 5.00 | 3.00 |');
    // 100 ns is 0.1 µs; 6000 ns at 20× the C++ derivative; ratios from 10 up as whole numbers.
    expect(md).toContain(
      '| lse | n=10 | 0.100 µs | 0.300 µs | 3.00 | 1.00 µs (10×) | 6.00 µs (20×) | 6.00 |',
    );
    expect(md).toContain('| 4.00 µs (4.00×) |');
    expect(md).toMatch(/\| llsq \| n=5 \|.*\| no \|$/m);
    expect(md).toContain('Load average at the start: 1, 2, 3.');
  });

  test('the functions whose runs waited for a CPU over a tenth of their time, with their CPU time', () => {
    expect(nativeMarkdown(section)).not.toContain('waited');
    const waited = structuredClone(measurements);
    const d = waited[1] as NativeMeasurement;
    // compile: 6,000 ns of CPU and 4,000 waiting a call, 40%; interpret: 900 and 100, 10%, not listed.
    d.difflab.compile = { ...d.difflab.compile, runs: 3, cpuNs: 6000, waitNs: 4000 };
    d.difflab.interpret = { ...d.difflab.interpret, runs: 3, cpuNs: 900, waitNs: 100 };
    expect(nativeWaits(waited, BACKENDS)).toEqual([
      'lse n=10 gradient compile: waited 40% of its time; CPU 6.00 µs a call',
    ]);
    expect(nativeMarkdown({ ...section, measurements: waited })).toContain(
      '- lse n=10 gradient compile: waited 40% of its time; CPU 6.00 µs a call',
    );
  });

  test('CSV: one line per row', () => {
    const lines = nativeCsv(section).trim().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe('lse,n=10,gradient,100,300,3,1000,6000,10,20,6,true,200,600,2,2,3,true');
  });
});

test('ratios: two significant digits below 1, two decimals below 10, whole numbers above', () => {
  expect([0.00081, 0.5, 3, 1234.4].map(fmtRatio)).toEqual(['0.00081', '0.50', '3.00', '1,234']);
});
