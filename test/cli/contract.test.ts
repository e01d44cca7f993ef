/**
 * The command line's contract across commands: every method option as a flag, `--at @file.json` and `-f`
 * wherever an expression and a point are read, extra names in --at refused, one JSON shape (names and values,
 * NaN and ±∞ spelled out), exit status 2 for usage errors and 1 for the others, and no stack trace for any
 * input without --debug.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { gradient, hessian, jacobian, parse } from '../../src/index.js';
import { difflab, main } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'difflab-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file in the test's folder and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A Node stack frame, as printed in a stack trace. */
const STACK_FRAME = /^\s+at .*(\.js|\.ts|node:)/m;

describe('method options as flags', () => {
  test('--scheme and --step reach finite differences: forward and central quotients of x³ at 2 with h = 0.5', () => {
    // Closed forms: ((2.5)³ − 2³)/0.5 = 15.25 and ((2.5)³ − (1.5)³)/1 = 12.25, exact in binary.
    const forward = difflab([
      'grad',
      'x^3',
      '--at',
      'x=2',
      '-m',
      'numeric',
      '--scheme',
      'forward',
      '--step',
      '0.5',
      '--json',
    ]);
    expect(forward.status).toBe(0);
    expect(JSON.parse(forward.stdout).gradient).toEqual({ x: 15.25 });
    const central = difflab(['jacobian', 'x^3', '--at', 'x=2', '-m', 'numeric', '--step', '0.5', '--json']);
    expect(central.status).toBe(0);
    expect(JSON.parse(central.stdout).jacobian).toEqual([{ x: 12.25 }]);
  });

  test('--chunk reaches forward mode, --engine and --budget the symbolic method', () => {
    const f = 'x*y*z + sin(x)*exp(y)';
    const at = { x: 0.5, y: -1.25, z: 2 };
    const reference = gradient(parse(f), at);
    const expected = { x: reference[0], y: reference[1], z: reference[2] };
    const chunked = difflab([
      'grad',
      f,
      '--at',
      'x=0.5,y=-1.25,z=2',
      '-m',
      'forward',
      '--chunk',
      '1',
      '--json',
    ]);
    expect(JSON.parse(chunked.stdout).gradient).toEqual(expected);
    const graph = difflab([
      'grad',
      f,
      '--at',
      'x=0.5,y=-1.25,z=2',
      '-m',
      'symbolic',
      '--engine',
      'graph',
      '--json',
    ]);
    expect(graph.status).toBe(0);
    const g = JSON.parse(graph.stdout).gradient;
    for (const k of ['x', 'y', 'z'] as const) expect(g[k]).toBeCloseTo(expected[k] as number, 12);
    const small = difflab(['grad', f, '--at', 'x=0.5,y=-1.25,z=2', '-m', 'symbolic', '--budget', '3']);
    expect(small.status).toBe(1);
    expect(small.stderr).toMatch(/\[budget\]$/m);
  });

  test('with --method all each flag goes to the method that takes it', () => {
    const r = difflab([
      'grad',
      'x^3',
      '--at',
      'x=2',
      '-m',
      'all',
      '--scheme',
      'forward',
      '--step',
      '0.5',
      '--json',
    ]);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout).methods as { method: string; gradient: { x: number } }[];
    expect(rows.find((m) => m.method === 'numeric')?.gradient.x).toBe(15.25);
    expect(rows.find((m) => m.method === 'reverse')?.gradient.x).toBe(12);
  });

  test('check takes the finite differences flags for its reference and --engine to keep one symbolic engine', () => {
    const r = difflab([
      'check',
      'x^3',
      '--at',
      'x=2',
      '--scheme',
      'richardson',
      '--engine',
      'graph',
      '--json',
    ]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.numeric.x).toBeCloseTo(12, 9);
    expect(out.results.map((m: { method: string }) => m.method)).toEqual([
      'reverse',
      'forward',
      'symbolic (graph)',
    ]);
  });

  test.each([
    [
      ['grad', 'x^2', '--at', 'x=1', '--scheme', 'forward'],
      /--method reverse does not take --scheme \(numeric\)/,
    ],
    [['grad', 'x^2', '--at', 'x=1', '-m', 'numeric', '--chunk', '2'], /does not take --chunk \(forward\)/],
    [['jacobian', 'x^2', '--at', 'x=1', '-m', 'forward', '--engine', 'graph'], /does not take --engine/],
    [
      ['grad', 'x^2', '--at', 'x=1', '-m', 'forward', '--chunk', '0'],
      /--chunk: expected an integer from 1 to 64, got 0/,
    ],
    [
      ['grad', 'x^2', '--at', 'x=1', '-m', 'numeric', '--step', '-1'],
      /--step: expected a number greater than 0/,
    ],
    [['grad', 'x^2', '--at', 'x=1', '-m', 'numeric', '--scheme', 'backward'], /Invalid values/],
  ])('%j is a usage error (exit 2)', (args, message) => {
    const r = difflab(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('points and expressions from files', () => {
  test('--at @point.json in every command that reads a point, NaN and ±∞ spelled as strings', () => {
    const point = file('point.json', JSON.stringify({ x: 1.5, y: -0.5 }));
    const grad = JSON.parse(difflab(['grad', 'x^2 * sin(y)', '--at', `@${point}`, '--json']).stdout);
    const g = gradient(parse('x^2 * sin(y)'), { x: 1.5, y: -0.5 });
    expect(grad.gradient).toEqual({ x: g[0], y: g[1] });
    const H = hessian(parse('x^2 * sin(y)'), { x: 1.5, y: -0.5 });
    const hess = JSON.parse(difflab(['hessian', 'x^2 * sin(y)', '--at', `@${point}`, '--json']).stdout);
    expect(hess.hessian).toEqual({ x: { x: H[0]?.[0], y: H[0]?.[1] }, y: { x: H[1]?.[0], y: H[1]?.[1] } });
    expect(difflab(['check', 'x^2 * sin(y)', '--at', `@${point}`]).status).toBe(0);
    expect(difflab(['trace', 'x^2 * sin(y)', '--at', `@${point}`, '--json']).status).toBe(0);
    const spelled = file('spelled.json', JSON.stringify({ x: 'NaN', y: '-Infinity' }));
    const r = difflab(['grad', 'x + y', '--at', `@${spelled}`, '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).at).toEqual({ x: 'NaN', y: '-Infinity' });
  });

  test('a point of 10,000 variables from a file (past what an argument list holds comfortably)', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `x${i}`);
    const at = Object.fromEntries(names.map((n, i) => [n, i / 100]));
    const expr = file('big.txt', names.map((n) => `${n}^2`).join(' + '));
    const r = difflab(['grad', '-f', expr, '--at', `@${file('big.json', JSON.stringify(at))}`, '--json']);
    expect(r.status).toBe(0);
    const g = JSON.parse(r.stdout).gradient;
    expect(g.x0).toBe(0);
    expect(g.x9999).toBe(2 * 99.99); // d(x²)/dx = 2x
  });

  test('jacobian -f reads one expression per line', () => {
    const exprs = file('outputs.txt', 'x*y\n\nsin(x) + y^2\n');
    const r = difflab(['jacobian', '-f', exprs, '--at', 'x=1,y=2', '--json']);
    expect(r.status).toBe(0);
    const J = jacobian(parse(['x*y', 'sin(x) + y^2']), { x: 1, y: 2 });
    const out = JSON.parse(r.stdout);
    expect(out.expressions).toEqual(['x*y', 'sin(x) + y^2']);
    expect(out.jacobian).toEqual(J.map((row) => ({ x: row[0], y: row[1] })));
  });

  test.each([
    [
      ['grad', 'x^2', '--at', '@no-such-point.json'],
      1,
      /^difflab: cannot read no-such-point.json: no such file$/m,
    ],
    [['grad', 'x^2', '--at', `@${file('bad.json', '{ x: 1 ')}`], 2, /--at: .*bad\.json is not JSON/],
    [['grad', 'x^2', '--at', `@${file('list.json', '[1, 2]')}`], 2, /must hold one JSON object/],
    [
      ['grad', 'x^2', '--at', `@${file('str.json', '{"x": "one"}')}`],
      2,
      /expected a name and a number, got "x": "one"/,
    ],
    [['grad', '-f', '/'], 1, /^difflab: cannot read \/: it is a folder$/m],
    [['jacobian', '--at', 'x=1'], 2, /give at least one expression/],
  ])('%j exits %i with one line', (args, status, message) => {
    const r = difflab(args);
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('--at names only variables of the expression', () => {
  test.each([
    ['grad', 'x^2'],
    ['check', 'x^2'],
    ['hessian', 'x^2'],
    ['trace', 'x^2'],
    ['jacobian', 'x^2'],
  ])('%s: an extra name is a usage error (exit 2)', (command, expr) => {
    const r = difflab([command, expr, '--at', 'x=1,y=2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("difflab: --at names 'y', not a variable of the expression (its variables: x)\n");
  });

  test('a name --wrt leaves out is a constant, not an extra name', () => {
    const r = difflab(['grad', 'x*y', '--at', 'x=2,y=3', '--wrt', 'x', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).gradient).toEqual({ x: 3 });
  });
});

describe('one JSON shape: names and values, NaN and ±∞ spelled out', () => {
  test('grad: value −∞ of log(x) at 0 and its derivative, NaN of sqrt(x) at −1', () => {
    const log = JSON.parse(difflab(['grad', 'log(x)', '--at', 'x=0', '--json']).stdout);
    expect(log.value).toBe('-Infinity');
    // 1/x at 0: a derivative that is not finite is reported as NaN (the zero-factor rule, README).
    expect(log.gradient).toEqual({ x: 'NaN' });
    const exp = JSON.parse(difflab(['grad', 'exp(x)', '--at', 'x=1000', '--json']).stdout);
    expect(exp.value).toBe('Infinity');
    const sqrt = JSON.parse(difflab(['grad', 'sqrt(x)', '--at', 'x=-1', '--json']).stdout);
    expect(sqrt.value).toBe('NaN');
    expect(sqrt.gradient).toEqual({ x: 'NaN' });
    expect(sqrt.variables).toEqual(['x']);
  });

  test('check: gradients keyed by name, like grad', () => {
    const r = difflab(['check', 'x^2 * y', '--at', 'x=3,y=2', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.variables).toEqual(['x', 'y']);
    expect(out.numeric.x).toBeCloseTo(12, 8);
    expect(out.results[0]).toMatchObject({ method: 'reverse', gradient: { x: 12, y: 9 }, agrees: true });
  });

  test('hessian and jacobian spell non-finite entries too', () => {
    // d²/dx² log(x) = −1/x² and d/dx log(x) = 1/x at 0: not finite, so NaN by forward over reverse as by
    // reverse mode (the zero-factor rule, README).
    expect(JSON.parse(difflab(['hessian', 'log(x)', '--at', 'x=0', '--json']).stdout).hessian).toEqual({
      x: { x: 'NaN' },
    });
    expect(JSON.parse(difflab(['jacobian', 'log(x)', '--at', 'x=0', '--json']).stdout).jacobian).toEqual([
      { x: 'NaN' },
    ]);
  });
});

describe('exit status and messages', () => {
  test.each([
    ['grad', '0'],
    ['grad', '18'],
    ['grad', '2.5'],
    ['hessian', '0'],
    ['jacobian', '-3'],
    ['trace', '0'],
  ])('%s --digits %s is a usage error, not a RangeError', (command, digits) => {
    const r = difflab([command, 'x^2', '--at', 'x=1', '--digits', digits]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`difflab: --digits: expected an integer from 1 to 17, got ${digits}\n`);
  });

  test('--digits 3 rounds to three significant digits', () => {
    const r = difflab(['grad', 'x^3', '--at', 'x=1.23456', '--digits', '3']);
    expect(r.stdout).toMatch(/∂f\/∂x\s+4\.57\n/); // 3·1.23456² = 4.5724...
  });

  test('serve refuses an empty --host (Node would listen on every interface)', () => {
    const r = difflab(['serve', '--host', '', '--port', '0'], undefined, 30_000);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^difflab: --host must name an address/);
  });

  test.runIf(process.platform === 'linux')(
    'a file the system cannot read names the file, the reason and the code',
    () => {
      const r = difflab(['grad', '-f', '/proc/self/mem', '--at', 'x=1']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('difflab: cannot read /proc/self/mem: i/o error [EIO]\n');
    },
  );

  test('an unknown function gets a did-you-mean, as an unknown command does', () => {
    const r = difflab(['grad', 'sinn(x) + 1', '--at', 'x=1']);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      "difflab: unknown function 'sinn' (did you mean 'sin'?) [unknown-function]",
    );
    const far = difflab(['grad', 'frobnicate(x)', '--at', 'x=1']);
    expect(far.stderr.split('\n')[0]).toBe("difflab: unknown function 'frobnicate' [unknown-function]");
    const command = difflab(['grda']);
    expect(command.status).toBe(2);
    expect(command.stderr).toMatch(/Did you mean grad/);
  });

  test.each([
    ['jacobian', 'x*y'],
    ['hessian', 'x*y'],
    ['trace', 'x*y'],
    ['check', 'x*y'],
  ])('%s: a point missing a value is a usage error (exit 2)', (command, expr) => {
    const r = difflab([command, expr, '--at', 'x=1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("difflab: --at gives no value for 'y'\n");
  });

  test('no input gives a stack trace without --debug', () => {
    const cases: string[][] = [
      ['grad', 'x^2', '--at', 'x=1', '--digits', '0'],
      ['grad', 'x +', '--at', 'x=1'],
      ['grad', '-f', dir],
      ['grad', 'x', '--at', '@'],
      ['gradbench', 'run', join(dir, 'no-such-fixture.json')],
      ['gradbench', 'run', file('garbage.json', 'not json')],
      ['serve', '--port', '99999'],
      ['swell', '--sizes', '0'],
      ['report', '--format', 'pdf'],
      ['report', '--sections', 'everything'],
      ['report', '--out', '/proc/x'],
    ];
    for (const args of cases) {
      const r = difflab(args, undefined, 30_000);
      expect([1, 2], args.join(' ')).toContain(r.status);
      expect(r.stderr, args.join(' ')).toMatch(/^difflab: /);
      expect(r.stderr, args.join(' ')).not.toMatch(STACK_FRAME);
    }
  });
});

describe('output into a pipe that closes early', () => {
  test('difflab ... | head ends quietly: no stack trace, exit 0', () => {
    // 20,000 lines of output, far past a pipe's buffer, so writes meet the closed pipe.
    const names = Array.from({ length: 20_000 }, (_, i) => `x${i}`);
    const expr = file('wide.txt', names.join(' + '));
    const at = file('wide.json', JSON.stringify(Object.fromEntries(names.map((n) => [n, 1]))));
    const r = spawnSync(
      'bash',
      [
        '-c',
        `set -o pipefail; "${process.execPath}" "${main}" grad -f "${expr}" --at "@${at}" --json | head -n 2`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stdout.split('\n').slice(0, 1)).toEqual(['{']);
    expect(r.stdout.split('\n')[1]).toMatch(/^ {2}"expression": "x0 \+ x1 \+/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('report --out is checked before the run', () => {
  test('a folder that cannot be made (/proc/x): exit 2 at once, naming the path and the system error', () => {
    // Node's recursive mkdir never returns on /proc/x; the run must not start, let alone hang after it.
    const r = difflab(['report', '--quick', '--sections', 'accuracy', '--out', '/proc/x'], undefined, 30_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('difflab: --out /proc/x: cannot write a report there (ENOENT)\n');
  });

  test('a file where the folder should be: exit 2 before the run', () => {
    const path = file('not-a-folder', '');
    const r = difflab(['report', '--quick', '--sections', 'accuracy', '--out', path], undefined, 30_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`difflab: --out ${path}: cannot write a report there (ENOTDIR)\n`);
    const below = difflab(
      ['report', '--quick', '--sections', 'accuracy', '--out', join(path, 'r')],
      undefined,
      30_000,
    );
    expect(below.status).toBe(2);
    expect(below.stderr).toMatch(/cannot write a report there \((ENOTDIR|EEXIST)\)/);
  });

  test('a missing --peers file is found before the run too', () => {
    const r = difflab([
      'report',
      '--sections',
      'scaling',
      '--out',
      join(dir, 'r'),
      '--peers',
      join(dir, 'none.json'),
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^difflab: --peers: no file/);
    expect(r.stdout).toBe('');
  });
});

describe('--check: anomaly detection on the command line', () => {
  test('names the subexpression whose derivative or value first became NaN or ±∞, by each method, and exits 1', () => {
    // d/dx sqrt(x − x) = (1 − 1)/(2√0) = 0·∞: not a number. Without --check the gradient is NaN and nothing says why.
    const plain = JSON.parse(difflab(['grad', 'sqrt(x - x) + y', '--at', 'x=1,y=2', '--json']).stdout);
    expect(plain.gradient).toEqual({ x: 'NaN', y: 1 });
    const reverse = difflab(['grad', 'sqrt(x - x) + y', '--at', 'x=1,y=2', '--check']);
    expect(reverse.status).toBe(1);
    expect(reverse.stderr).toContain('sqrt(x - x)');
    expect(reverse.stderr).toContain('[non-finite]');
    const forward = difflab(['jacobian', 'sqrt(x - x)', '--at', 'x=1', '--method', 'forward', '--check']);
    expect(forward.status).toBe(1);
    expect(forward.stderr).toContain('the tangent of sqrt(x - x)');
    // A value that is NaN (log of a negative number) is named too.
    const value = difflab(['grad', 'log(y) * x', '--at', 'x=1,y=-2', '--check']);
    expect(value.status).toBe(1);
    expect(value.stderr).toBe('difflab: log(y) evaluates to NaN [non-finite]\n');
    // Where everything is finite, --check changes nothing.
    const fine = JSON.parse(difflab(['grad', 'x^2 * y', '--at', 'x=3,y=2', '--check', '--json']).stdout);
    expect(fine.gradient).toEqual({ x: 12, y: 9 });
  });
});
