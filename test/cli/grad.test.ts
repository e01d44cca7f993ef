/**
 * `difflab grad`, run as a user runs it: the built command in a subprocess.
 */
import { describe, expect, test } from 'vitest';
import { gradient, parse } from '../../src/index.js';
import { difflab } from './support.js';

describe('difflab grad', () => {
  test("with no arguments it differentiates the lecture's example at w = (3, 4)", () => {
    const r = difflab(['grad']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('f(w1 = 3, w2 = 4) = 246');
    expect(r.stdout).toMatch(/∂f\/∂w1\s+52\n/);
    expect(r.stdout).toMatch(/∂f\/∂w2\s+84\n/);
  });

  test('--json prints one JSON document whose numbers equal the library', () => {
    const r = difflab(['grad', 'x^2 * sin(y)', '--at', 'x=1.5,y=-0.5', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    const g = gradient(parse('x^2 * sin(y)'), { x: 1.5, y: -0.5 });
    expect(out.gradient).toEqual({ x: g[0], y: g[1] });
    expect(out.value).toBe(1.5 ** 2 * Math.sin(-0.5));
    expect(out.method).toBe('reverse');
  });

  test('--backend compile gives the same gradient, to the last digit, and a wrong backend is a usage error', () => {
    const args = ['grad', 'x^2 * sin(y) + exp(x*y)', '--at', 'x=1.5,y=-0.5', '--json'];
    const interpreted = JSON.parse(difflab(args).stdout);
    const r = difflab([...args, '--backend', 'compile']);
    expect(r.status).toBe(0);
    const compiled = JSON.parse(r.stdout);
    expect(compiled.gradient).toEqual(interpreted.gradient);
    const x = 1.5;
    const y = -0.5;
    expect(compiled.gradient.x).toBeCloseTo(2 * x * Math.sin(y) + y * Math.exp(x * y), 14);
    const bad = difflab(['grad', '--backend', 'jit']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('backend');
  });

  test('--method all gives one row per method with its error against reverse mode', () => {
    const r = difflab(['grad', '--method', 'all', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.methods.map((m: { method: string }) => m.method)).toEqual([
      'numeric',
      'symbolic',
      'forward',
      'reverse',
    ]);
    for (const m of out.methods) {
      expect(m.gradient.w1).toBeCloseTo(52, 6);
      expect(m.gradient.w2).toBeCloseTo(84, 6);
      expect(m.error).toBeLessThan(1e-8);
      expect(m.ops).toBeGreaterThan(0);
    }
    const table = difflab(['grad', '--method', 'all']);
    expect(table.stdout).toMatch(/^method\s+∂f\/∂w1\s+∂f\/∂w2\s+error vs reverse\s+ops\s+time \(ms\)$/m);
  });

  test('--wrt picks and orders the variables; the others take their --at values as constants', () => {
    const r = difflab(['grad', 'x*y + z', '--at', 'x=2,y=3,z=4', '--wrt', 'z,x', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).gradient).toEqual({ z: 1, x: 3 });
  });

  test('expressions from a file (-f) and from standard input (-)', () => {
    const r = difflab(['grad', '-', '--at', 'x=2', '--json'], 'x^3\n');
    expect(JSON.parse(r.stdout).gradient).toEqual({ x: 12 });
  });

  test('a syntax error: one line naming the problem, the expression with a caret, exit 1', () => {
    const r = difflab(['grad', 'x + * 2', '--at', 'x=1']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^difflab: syntax error: .*\[syntax\]$/);
    expect(lines[1]).toBe('x + * 2');
    expect(lines[2]).toBe('    ^');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  test('usage errors exit 2: a missing --at value, an unknown option, an unknown method', () => {
    const missing = difflab(['grad', 'x*y', '--at', 'x=1']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--at gives no value for 'y'/);
    expect(difflab(['grad', '--frobnicate']).status).toBe(2);
    expect(difflab(['grad', '--method', 'magic']).status).toBe(2);
    expect(difflab([]).status).toBe(2);
  });

  test('other errors exit 1 with one line: an unknown function, a missing file', () => {
    const r = difflab(['grad', 'foo(x)', '--at', 'x=1']);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe("difflab: unknown function 'foo' [unknown-function]");
    const f = difflab(['grad', '-f', 'no-such-file.txt']);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/^difflab: cannot read no-such-file.txt/);
  });

  test('--debug adds the stack trace', () => {
    const r = difflab(['grad', 'foo(x)', '--at', 'x=1', '--debug']);
    expect(r.stderr).toMatch(/at .*\.js:\d+/);
  });
});

describe('every error class, through the command line', () => {
  test.each([
    ['[1, 2] * x', 'unsupported', /matrices and vectors are not supported/],
    ['x < 2', 'unsupported', /comparison '<' is not supported/],
    ['sin(x, y)', 'arity', /sin takes 1 argument/],
    [`${'('.repeat(50_000)}x${')'.repeat(50_000)}`, 'too-deep', /too deeply nested/],
  ])('%#: %s → [%s], exit 1, one line', (expr, code, message) => {
    const r = difflab(['grad', expr, '--at', 'x=1,y=2']);
    expect(r.status).toBe(1);
    const first = r.stderr.split('\n')[0] as string;
    expect(first).toMatch(message);
    expect(first).toMatch(new RegExp(`\\[${code}\\]$`));
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  test('a value that is not a number in --at is a usage error (exit 2)', () => {
    const r = difflab(['grad', 'x^2', '--at', 'x=abc']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("difflab: --at: expected name=number, got 'x=abc'\n");
  });
});
