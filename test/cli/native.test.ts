/**
 * `difflab report` with GradBench's C++ reference: a folder without binaries is one line on standard error and
 * no section; a folder with one (a stand-in script here) gives the native section; with
 * `DIFFLAB_GRADBENCH_NATIVE` naming built binaries, the quick workloads all agree with difflab.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { difflab } from './support.js';

const scratch = mkdtempSync(join(tmpdir(), 'difflab-native-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const TITLE = '## GradBench against native code: difflab beside GradBench’s C++ reference';

/** `difflab report --quick --sections native` with the binaries in `binaries`, into `out`. */
const reportNative = (binaries: string, out: string, format: string) =>
  difflab([
    'report',
    '--quick',
    '--sections',
    'native',
    '--native',
    binaries,
    '--out',
    out,
    '--format',
    format,
  ]);

describe('difflab report --native', () => {
  test('a folder without binaries: one line, no section', () => {
    const out = join(scratch, 'empty-report');
    const r = reportNative(scratch, out, 'md');
    expect(r.status).toBe(0);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.includes('C++ reference')),
    ).toEqual([
      `GradBench's C++ reference: no binaries in ${scratch} (llsq, lse, det, ode, kmeans, gmm, lstm, ba); skipped`,
    ]);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).not.toContain(TITLE);
  });

  test('a folder with a binary: its eval side by side, its wrong outputs marked', () => {
    // A stand-in lse that answers 1.5 to everything in 1 µs: right shape for the primal, wrong for the gradient.
    const dir = mkdtempSync(join(scratch, 'bin-'));
    writeFileSync(join(dir, 'lse'), `#!/bin/sh\necho 1.5\necho '{"name":"evaluate","nanoseconds":1000}'\n`);
    chmodSync(join(dir, 'lse'), 0o755);
    const out = join(scratch, 'stub-report');
    const r = reportNative(dir, out, 'md,json');
    expect(r.status).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(TITLE);
    expect(md).toMatch(/^\| lse \| n=10000 \| 1\.00 µs \| 1\.00 µs \| 1\.00 \|.*\| no \|$/m);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.native.settings.evals).toEqual(['lse']);
    expect(results.native.measurements.map((m: { function: string }) => m.function)).toEqual([
      'primal',
      'gradient',
    ]);
  });
});

const nativeDir = process.env.DIFFLAB_GRADBENCH_NATIVE;
describe.skipIf(nativeDir === undefined || nativeDir === '')(
  'with the C++ reference (DIFFLAB_GRADBENCH_NATIVE)',
  () => {
    test('the quick workloads: every output agrees with difflab on both backends', {
      timeout: 300_000,
    }, () => {
      const out = join(scratch, 'real-report');
      const r = difflab(['report', '--quick', '--sections', 'native', '--out', out, '--format', 'json']);
      expect(r.status).toBe(0);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      expect(results.native.measurements.length).toBe(16);
      for (const m of results.native.measurements) {
        expect(m.native.error).toBeUndefined();
        expect([m.eval, m.function, m.difflab.interpret.agree, m.difflab.compile.agree]).toEqual([
          m.eval,
          m.function,
          true,
          true,
        ]);
      }
    });
  },
);
