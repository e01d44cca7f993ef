/**
 * GradBench's C++ reference beside difflab: the comparison rule (the C++ output as golden), the parsing of a
 * binary's timing lines, the one-line skip without binaries, driving a binary (a stand-in shell script here),
 * and difflab's side judged against closed forms. With `DIFFLAB_GRADBENCH_NATIVE` naming a folder of built
 * binaries, one workload also runs the real lse binary.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { generateInput } from '../../src/gradbench/generate.js';
import { agreesWithNative, NATIVE_ENV, parseTimings, timeDifflab } from '../../src/gradbench/native.js';
import {
  findNative,
  htWorkload,
  measureWorkload,
  runNative,
  runNativeComparison,
  threadTimes,
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

  test("with a thread clock: its CPU and wait times' means per timed call", () => {
    // A stand-in clock: 1,000 ns of CPU and 300 of waiting more at each reading. It is read once before the
    // timed calls and once after, so the means are 1,000 / runs and 300 / runs.
    let reads = 0;
    const clock = () => {
      reads++;
      return { runNs: 1000 * reads, waitNs: 300 * reads };
    };
    const side = timeDifflab(lse, workload, 'primal', 'interpret', counts, { unchecked: 'x' }, clock);
    expect(reads).toBe(2);
    expect(side.cpuNs).toBe(Math.round(1000 / side.runs));
    expect(side.waitNs).toBe(Math.round(300 / side.runs));
    expect(
      timeDifflab(lse, workload, 'primal', 'interpret', counts, { unchecked: 'x' }).cpuNs,
    ).toBeUndefined();
  });
});

describe.skipIf(process.platform !== 'linux')("the thread's clock (Linux)", () => {
  test('its CPU time grows by a busy loop’s CPU time, as the process counts it', () => {
    const before = threadTimes();
    const c0 = process.cpuUsage();
    let x = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 100) x += Math.sqrt(x + 1);
    const c = process.cpuUsage(c0);
    const after = threadTimes();
    expect(x).toBeGreaterThan(0);
    if (before === undefined || after === undefined) throw new Error('no /proc/thread-self/schedstat');
    // The process's CPU time includes V8's other threads, which do little here; the kernel counts both finely.
    const processNs = (c.user + c.system) * 1000;
    expect(after.runNs - before.runNs).toBeGreaterThan(0.5 * processNs);
    expect(after.runNs - before.runNs).toBeLessThan(1.5 * processNs + 20e6);
    expect(after.waitNs).toBeGreaterThanOrEqual(before.waitNs);
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

describe('ht: its inputs are GradBench’s hand files', () => {
  // A model whose bones are all identity transforms: at θ = 0 every vertex stays where it is (its weights sum
  // to 1), so a correspondence on triangle t at u = (1, 0) is t's first vertex, at (0, 1) its second.
  const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  const bones = Array.from(
    { length: 22 },
    (_, b) => `b${b}:${b - 1}:${[...identity, ...identity].join(':')}`,
  );
  const data = join(scratch, 'ht-data');
  const model = join(data, 'complicated_big', 'model');
  mkdirSync(model, { recursive: true });
  writeFileSync(join(model, 'bones.txt'), bones.join('\n'));
  // x:y:z, five unused fields, then k and k pairs bone:weight
  writeFileSync(
    join(model, 'vertices.txt'),
    ['1:2:3:0:0:0:0:0:2:0:0.25:3:0.75', '4:5:6:0:0:0:0:0:1:21:1', '7:8:9:0:0:0:0:0:1:1:1'].join('\n'),
  );
  writeFileSync(join(model, 'triangles.txt'), '0:1:2\n2:1:0\n');
  // Two correspondences (triangle, point), their us, then the 26 angles (all 0).
  const hand = `2 26\n1 0.1 0.2 0.3\n0 0.4 0.5 0.6\n1 0\n0 1\n${'0\n'.repeat(26)}`;
  writeFileSync(join(data, 'complicated_big', 'hand1_t26_c2.txt'), hand);
  // Residual = data point − model point: (0.1, 0.2, 0.3) − (7, 8, 9) and (0.4, 0.5, 0.6) − (4, 5, 6).
  const residuals = [0.1 - 7, 0.2 - 8, 0.3 - 9, 0.4 - 4, 0.5 - 5, 0.6 - 6];

  test('a hand is read from <data>/complicated_big, named by its number and correspondences', () => {
    const w = htWorkload(data, 1);
    expect(w.size).toEqual({ eval: 'ht', sizes: { hand: 1, c: 2 } });
    expect(() => htWorkload(data, 7)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => htWorkload(scratch, 1)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    // A data folder without its model files.
    const bare = join(scratch, 'ht-bare');
    mkdirSync(join(bare, 'complicated_big'), { recursive: true });
    writeFileSync(join(bare, 'complicated_big', 'hand1_t26_c2.txt'), hand);
    expect(() => htWorkload(bare, 1)).toThrow(
      expect.objectContaining({ code: 'invalid-argument', message: expect.stringContaining('bones.txt') }),
    );
  });

  test('with the data folder both sides run it: difflab’s objective agrees with the closed form', async () => {
    const dir = stub(
      'ht',
      `if [ "$2" = objective ]; then echo '${JSON.stringify(residuals)}'; else echo '[]'; fi; echo '{"name":"evaluate","nanoseconds":1000}'`,
    );
    const c = await runNativeComparison({
      dir,
      quick: true,
      evals: ['ht'],
      htData: data,
      minRuns: 1,
      minSeconds: 0,
    });
    expect(c.settings.skipped).toBeUndefined();
    const objective = c.measurements.find((m) => m.function === 'objective');
    expect(objective?.sizes).toEqual({ hand: 1, c: 2 });
    expect(objective?.native.medianNs).toBe(1000);
    expect(objective?.difflab.interpret?.agree).toBe(true);
    expect(objective?.difflab.compile?.agree).toBe(true);
    expect(c.measurements.map((m) => m.function)).toEqual(['objective', 'jacobian']);
  });

  test('without the data folder ht is skipped with one line naming the option', async () => {
    const dir = stub('ht', 'exit 0');
    const c = await runNativeComparison({ dir, quick: true, evals: ['ht'] });
    expect(c.measurements).toEqual([]);
    expect(c.settings.skipped).toEqual([expect.stringContaining('--ht-data')]);
  });
});
