/**
 * Hostile and careless command lines, from an audit of every command against bad input: each case was found
 * answering with an uncoded error, a wrong verdict or a crash, and is held here to a usage error (exit 2) or
 * a coded one (exit 1), one line on standard error and no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { difflab, main } from './support.js';

/** A Node stack frame, as printed in a stack trace. */
const STACK_FRAME = /^\s+at .*(\.js|\.ts|node:)/m;

/** Asserts a usage error: exit status 2, one line on standard error matching `message`, no stack trace. */
function expectUsageError(r: ReturnType<typeof difflab>, message: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(STACK_FRAME);
}

describe('a flag given twice with different values', () => {
  test.each([
    [['grad', 'x*y', '--at', 'x=1,y=2', '--at', 'x=3,y=4'], /^difflab: --at is given twice or more/],
    [
      ['grad', 'x*y', '--at', 'x=1,y=2', '--constants', 'c=1', '--constants', 'c=2'],
      /^difflab: --constants is given twice or more/,
    ],
    [
      ['grad', 'x*y', '--at', 'x=1,y=2', '--wrt', 'x', '--wrt', 'y'],
      /^difflab: --wrt is given twice or more/,
    ],
    [['hessian', '-f', 'a.txt', '-f', 'b.txt', '--at', 'x=1'], /^difflab: --file is given twice or more/],
    [
      ['trace', 'x*y', '--at', 'x=1,y=2', '--mode', 'forward', '--seed', 'x', '--seed', 'y'],
      /^difflab: --seed is given twice or more/,
    ],
    [['report', '--out', 'one', '--out', 'two'], /^difflab: --out is given twice or more/],
  ])('%j is a usage error naming the flag', (args, message) => {
    expectUsageError(difflab(args), message);
  });

  test('the same value twice (a flag repeated by a script) is not an error', () => {
    const r = difflab(['grad', 'x^2', '--at', 'x=3', '--at', 'x=3', '--json', '--json']);
    expect(r.status, r.stderr).toBe(0);
    // d/dx x² at 3 = 6.
    expect(JSON.parse(r.stdout).gradient).toEqual({ x: 6 });
  });
});

describe('a file without end', () => {
  // /dev/zero never ends: read whole, as before, it held the command until it was killed.
  test.each([
    [['grad', '-f', '/dev/zero', '--at', 'x=1']],
    [['grad', 'x', '--at', '@/dev/zero']],
    [['jacobian', 'x', '--at', 'x=1', '--constants', '@/dev/zero']],
    [['gradbench', 'run', '/dev/zero']],
  ])('%j stops at the size limit with one line, exit 1', (args) => {
    const r = difflab(args, undefined, 60_000);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^difflab: cannot read \/dev\/zero: it is over the limit of 256 MiB \[invalid-argument\]\n$/,
    );
  });
});

describe('check: tolerances', () => {
  // A NaN or negative tolerance made every method FAIL (exit 1): a wrong verdict, not a usage error.
  test.each([
    ['--rtol', '-1'],
    ['--rtol', 'NaN'],
    ['--atol', 'abc'],
    ['--atol', '-1e-9'],
    ['--rtol', 'Infinity'],
  ])('%s %s is a usage error', (flag, value) => {
    const r = difflab(['check', 'x^2', '--at', 'x=1', `${flag}=${value}`]);
    expectUsageError(r, new RegExp(`^difflab: ${flag}: expected a number ≥ 0`));
  });

  test('zero tolerances are meant: exact agreement is asked for', () => {
    // x + y with h = 0.5: every method and central differences ((x + h) − (x − h))/2h give exactly 1 and 1.
    const r = difflab(['check', 'x + y', '--at', 'x=1,y=2', '--step', '0.5', '--rtol', '0', '--atol', '0']);
    expect(r.status, r.stdout).toBe(0);
  });
});

describe('gradbench run: repetition overrides', () => {
  // hello's inputs are numbers, which carry no repetition fields: a bad override was ignored in silence.
  test.each([
    ['--min-runs', 'abc'],
    ['--min-runs', '0'],
    ['--min-runs', '1.5'],
    ['--min-seconds', '-1'],
    ['--min-seconds', 'NaN'],
  ])('%s %s is a usage error', (flag, value) => {
    const fixture = new URL('../gradbench/fixtures/hello.json', import.meta.url).pathname;
    expectUsageError(
      difflab(['gradbench', 'run', fixture, `${flag}=${value}`]),
      new RegExp(`^difflab: ${flag}: `),
    );
  });
});

describe('a dense matrix too large to compute and print', () => {
  // 4,000 variables: a 16-million-entry Hessian, 4,000 Hessian-vector products and hundreds of MB of text;
  // 20,000 ran past 90 s and 1.2 GB, 130,000 would need 135 GB.
  const names = Array.from({ length: 4000 }, (_, i) => `v${i}`);
  const dir = mkdtempSync(join(tmpdir(), 'difflab-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const expr = join(dir, 'sum.txt');
  const at = join(dir, 'at.json');
  writeFileSync(expr, names.map((n) => `${n}^2`).join(' + '));
  writeFileSync(at, JSON.stringify(Object.fromEntries(names.map((n) => [n, 1]))));

  test.each([
    [
      'hessian',
      ['hessian', '-f', expr, '--at', `@${at}`],
      /Hessian would have 4000 × 4000 = 16000000 entries/,
    ],
    ['jacobian', ['jacobian', '-f', expr, '--at', `@${at}`], null],
  ])('%s: refused at once with a budget error pointing at --sparse', (command, args, message) => {
    const r = difflab(args as string[], undefined, 60_000);
    if (message === null) {
      // One output: a 1 × 4000 Jacobian is small and computed (d/dv (v²) = 2 at 1).
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/f1 +2 +2 +2/);
      return;
    }
    expect(r.status, `${command}: ${r.stderr}`).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/--sparse.*\[budget\]\n$/);
  });
});

describe('--sparse --size past what fits in memory', () => {
  // 1e20 failed with an uncoded 'Invalid array length'; 1e8 ran for a minute to 3.4 GB and 'Map maximum size
  // exceeded'. A size K past the limit is a flag out of range.
  test.each([
    ['jacobian', 'bratu', '1e20'],
    ['jacobian', 'laplace2d', '100000000'],
    ['hessian', 'rosenbrock', '1e308'],
    ['hessian', 'bundle-lsq', '2000001'],
  ])('%s --workload %s --size %s is a usage error, at once', (command, workload, size) => {
    const r = difflab([command, '--sparse', '--workload', workload, '--size', size], undefined, 30_000);
    expectUsageError(r, /^difflab: --size: expected a positive integer up to 2000000/);
  });
});

describe('report --out empty', () => {
  test('an empty --out is a usage error, not the current folder', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'difflab-audit-out-'));
    try {
      for (const out of [
        ['--out', ''],
        ['--out', ' '],
      ]) {
        const args = [main, 'report', '--quick', '--sections', 'swell', '--format', 'json', ...out];
        const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });
        expectUsageError(
          { status: r.status, stdout: r.stdout, stderr: r.stderr },
          /^difflab: --out: expected a folder/,
        );
        expect(readdirSync(cwd)).toEqual([]);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('--sizes past any workload the suite can build', () => {
  // 1e20 failed with an uncoded 'Invalid array length' after the run had started.
  test.each([
    [['swell', '--quick', '--sizes', '1e20']],
    [['bench', '--quick', '--workloads', 'ridge', '--sizes', '8,1e308']],
    [
      [
        'report',
        '--quick',
        '--sections',
        'swell',
        '--sizes',
        '100000001',
        '--out',
        join(tmpdir(), 'difflab-audit-never'),
      ],
    ],
  ])('%j is a usage error before the run', (args) => {
    expectUsageError(
      difflab(args, undefined, 60_000),
      /^difflab: --sizes: expected positive integers up to 10000000/,
    );
  });
});

describe('report --scale-k', () => {
  // -1, 1.5 and abc were accepted in silence; 1e9 ran until killed, 1e20 failed after the run had started.
  test.each(['-1', '1.5', 'abc', '1e9', '1e20'])('--scale-k %s is a usage error before the run', (k) => {
    const out = join(tmpdir(), 'difflab-audit-scale-k-never');
    const r = difflab(
      ['report', '--quick', '--sections', 'performance', `--scale-k=${k}`, '--out', out],
      undefined,
      60_000,
    );
    expectUsageError(r, /^difflab: --scale-k: expected an integer from 0 to 10000000/);
  });
});
