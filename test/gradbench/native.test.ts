/**
 * GradBench's C++ reference beside difflab: the comparison rule (the C++ output as golden), the parsing of a
 * binary's timing lines, the one-line skip without binaries, driving a binary (a stand-in shell script here),
 * and difflab's side judged against closed forms. With `DIFFLAB_GRADBENCH_NATIVE` naming a folder of built
 * binaries, one workload also runs the real lse binary.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { generateInput } from '../../src/gradbench/generate.js';
import { agreesWithNative, NATIVE_ENV, parseTimings, timeDifflab } from '../../src/gradbench/native.js';
import {
  findNative,
  measureWorkload,
  runNative,
  runNativeComparison,
} from '../../src/report/sections/native/binaries.js';
import { lse } from '../../src/workloads/gradbench/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'difflab-native-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An executable shell script in its own folder, named as a module. */
function stub(module: string, body: string): string {
  const dir = mkdtempSync(join(scratch, 'bin-'));
  const path = join(dir, module);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return dir;
}

describe('the comparison rule', () => {
  test('numbers pass when |x − y| / max(1, |x| + |y|) ≤ 1e−4, the C++ output as golden', () => {
    // 3 vs 3.0006: 0.0006 / 6.0006 ≈ 1.0e−4 (just under); 3 vs 3.0007: ≈ 1.17e−4 (over).
    expect(agreesWithNative('lse', [3, 0.5], [3.0006, 0.5]).pass).toBe(true);
    const v = agreesWithNative('lse', [3, 0.5], [3.0007, 0.5]);
    expect(v.pass).toBe(false);
    expect(v.worst).toBeCloseTo(0.0007 / 6.0007, 12);
    // Below 1 in magnitude the scale is 1: an absolute 1e−4.
    expect(agreesWithNative('llsq', 1e-3, 1e-3 + 0.99e-4).pass).toBe(true);
    expect(agreesWithNative('llsq', 1e-3, 1e-3 + 1.01e-4).pass).toBe(false);
  });

  test('structures must match: keys, lengths, and integers exactly', () => {
    expect(agreesWithNative('gmm', [1, 2], [1, 2, 3]).pass).toBe(false);
    expect(agreesWithNative('ba', { rows: [1], cols: [2] }, { rows: [1], vals: [2] }).pass).toBe(false);
    // Integers (ba's row indices) are equal or wrong, even where the metric would allow them.
    expect(agreesWithNative('ba', { rows: [100000] }, { rows: [100001] }).pass).toBe(false);
    expect(agreesWithNative('ba', { rows: [100000] }, { rows: [100000] }).pass).toBe(true);
  });

  test('hello uses closeness (relative 1e−5), not the metric', () => {
    // Closeness allows |x − y| ≤ 1e−8 + 1e−5·100 ≈ 1e−3: 0.0009 passes.
    expect(agreesWithNative('hello', 100, 100.0009).pass).toBe(true);
    // 100 vs 100.0011: closeness fails (1.1e−3 > 1e−3 + 1e−8) where the metric (5.5e−6) would pass.
    expect(agreesWithNative('hello', 100, 100.0011).pass).toBe(false);
    expect(agreesWithNative('lse', 100, 100.0011).pass).toBe(true);
  });
});

describe('timing lines', () => {
  test('evaluate lines are timed, prepare and blank lines are not', () => {
    const r = parseTimings(['{"name":"prepare","nanoseconds":9}', '', '{"name":"evaluate","nanoseconds":7}']);
    expect(r).toEqual({ timesNs: [7] });
  });

  test('a line that is not JSON is an error', () => {
    expect(parseTimings(['{"name":"evaluate","nanoseconds":7}', 'Segmentation fault']).error).toContain(
      'Segmentation fault',
    );
  });
});

describe('finding the binaries', () => {
  test('no folder: one line naming the option and the environment variable', () => {
    const r = findNative(undefined, ['lse']);
    expect(r).toEqual({ skip: expect.stringContaining(NATIVE_ENV) });
    if ('skip' in r) expect(r.skip).not.toContain('\n');
  });

  test('a folder without the binaries: one line naming the folder', () => {
    const r = findNative(scratch, ['lse', 'gmm']);
    expect('skip' in r && r.skip).toContain(scratch);
  });

  test('a folder with some binaries: those modules', () => {
    const dir = stub('lse', 'exit 0');
    expect(findNative(dir, ['llsq', 'lse'])).toEqual({ dir, modules: ['lse'] });
  });
});

describe('running a binary', () => {
  test('the input goes in a file, the function is the second argument, the times are the evaluate lines', async () => {
    // The stand-in prints its input file as the output, then one timing line per character of the function.
    const dir = stub(
      'lse',
      'cat "$1"; echo; echo \'{"name":"prepare","nanoseconds":1}\'; for c in $(echo "$2" | fold -w1); do echo \'{"name":"evaluate","nanoseconds":5}\'; done',
    );
    const r = await runNative(dir, 'lse', 'abc', { x: [1, 2] });
    expect(r.error).toBeUndefined();
    expect(JSON.parse(r.output as string)).toEqual({ x: [1, 2] });
    expect(r.timesNs).toEqual([5, 5, 5]);
  });

  test('a failing binary is an error with its exit status and standard error', async () => {
    const dir = stub('lse', 'echo broken >&2; exit 3');
    const r = await runNative(dir, 'lse', 'primal', {});
    expect(r.error).toMatch(/exit 3: broken/);
  });

  // The stand-in's `sleep` outlives the killed shell and holds its output open: the run must not wait for it
  // (the test's own 10 s limit catches a run that waits the full 60 s).
  test('a binary past its timeout is killed', { timeout: 10_000 }, async () => {
    const dir = stub('lse', 'sleep 60');
    const r = await runNative(dir, 'lse', 'primal', {}, 200);
    expect(r.error).toContain('timed out');
  });
});

describe("difflab's side", () => {
  const input = generateInput({ eval: 'lse', sizes: { n: 6 } }) as { x: number[] };
  const x = input.x;
  // lse(x) = log Σ exp(xᵢ); its gradient is softmax(x).
  const value = Math.log(x.reduce((s, v) => s + Math.exp(v), 0));
  const softmax = x.map((v) => Math.exp(v - value));
  const workload = lse.prepare(lse.read(input));
  const counts = { minRuns: 2, minSeconds: 0 };

  for (const backend of ['interpret', 'compile'] as const) {
    test(`${backend}: agrees with the closed form, disagrees with it off by 1%`, () => {
      const good = timeDifflab(lse, workload, 'gradient', backend, counts, { output: softmax });
      expect(good.agree).toBe(true);
      expect(good.runs).toBeGreaterThanOrEqual(2);
      expect(good.medianNs).toBeGreaterThan(0);
      const bad = timeDifflab(lse, workload, 'gradient', backend, counts, {
        output: softmax.map((v) => v * 1.01),
      });
      expect(bad.agree).toBe(false);
      expect(bad.note).toContain('output[');
    });
  }

  test('without a C++ output there is no verdict, only why', () => {
    const side = timeDifflab(lse, workload, 'primal', 'interpret', counts, { unchecked: 'not compared: x' });
    expect(side.agree).toBeUndefined();
    expect(side.note).toBe('not compared: x');
  });
});

const nativeDir = process.env[NATIVE_ENV];
describe.skipIf(nativeDir === undefined || nativeDir === '')(
  'the C++ reference (DIFFLAB_GRADBENCH_NATIVE)',
  () => {
    test('lse: the C++ outputs agree with difflab on both backends and its times are parsed', async () => {
      const ms = await measureWorkload(
        nativeDir as string,
        { eval: 'lse', sizes: { n: 1000 } },
        {
          minRuns: 2,
          minSeconds: 0,
          timeoutMs: 60_000,
        },
      );
      expect(ms.map((m) => [m.function, m.role])).toEqual([
        ['primal', 'primal'],
        ['gradient', 'derivative'],
      ]);
      for (const m of ms) {
        expect(m.native.error).toBeUndefined();
        expect(m.native.runs).toBeGreaterThanOrEqual(2);
        expect(m.native.medianNs).toBeGreaterThan(0);
        expect(m.difflab.interpret?.agree).toBe(true);
        expect(m.difflab.compile?.agree).toBe(true);
      }
    });

    test('lse: the C++ primal is log Σ exp(xᵢ)', async () => {
      const input = generateInput({ eval: 'lse', sizes: { n: 50 } }) as { x: number[] };
      const r = await runNative(nativeDir as string, 'lse', 'primal', {
        ...input,
        min_runs: 1,
        min_seconds: 0,
      });
      const expected = Math.log(input.x.reduce((s, v) => s + Math.exp(v), 0));
      expect(Math.abs(JSON.parse(r.output as string) - expected)).toBeLessThan(1e-12 * expected);
    });
  },
);

describe('choosing the evals', () => {
  test('an eval without native workloads is an invalid-argument error naming it', async () => {
    const dir = stub('lse', 'exit 0');
    await expect(runNativeComparison({ dir, quick: true, evals: ['lse', 'particle'] })).rejects.toMatchObject(
      {
        code: 'invalid-argument',
        message: expect.stringContaining('particle'),
      },
    );
  });
});
