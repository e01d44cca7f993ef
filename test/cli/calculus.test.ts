/**
 * `difflab trace`, `check`, `jacobian` and `hessian`, run as subprocesses; JSON output checked against the
 * library and the lecture's numbers.
 */
import { describe, expect, test } from 'vitest';
import { hessian, jacobian, parse } from '../../src/index.js';
import { difflab } from './support.js';

describe('difflab trace', () => {
  test("the lecture's example: values 11, 11, 121, 25, 125, 246, then adjoints 1, 1, 5, 22, 22, then [52, 84]", () => {
    const r = difflab(['trace', '--json']);
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout);
    const by = (expression: string) =>
      t.steps.find((s: { expression: string }) => s.expression === expression);
    expect(by('c - 0')).toMatchObject({ value: 11, adjoint: 22 }); // b = a − y, ∂L/∂b = 2b
    expect(by('d^2')).toMatchObject({ value: 121, adjoint: 1 }); // c = b², ∂L/∂c = 1
    expect(by('5 * h')).toMatchObject({ value: 125, adjoint: 1 }); // e = λd, ∂L/∂e = 1
    expect(by('f + g')).toMatchObject({ value: 25, adjoint: 5 }); // d = wᵀw, ∂L/∂d = λ
    expect(by('a + b')).toMatchObject({ value: 11, adjoint: 22 }); // a = wᵀx, ∂L/∂a = 22
    expect(t.value).toBe(246);
    expect(t.gradient).toEqual([52, 84]);
    const table = difflab(['trace']).stdout;
    expect(table).toMatch(/^d\s+c - 0\s+11$/m);
    expect(table).toMatch(/^∂j\/∂d\s+22$/m);
    expect(table).toContain('gradient (w1, w2) = [52, 84]');
  });

  test('--mode forward shows the tangent sweep along one variable', () => {
    const r = difflab([
      'trace',
      'x * sin(y)',
      '--at',
      'x=2,y=0.5',
      '--mode',
      'forward',
      '--seed',
      'y',
      '--json',
    ]);
    const t = JSON.parse(r.stdout);
    expect(t.along).toBe('y');
    expect(t.tangent).toBe(2 * Math.cos(0.5));
    expect(t.steps.map((s: { expression: string }) => s.expression)).toEqual(['sin(y)', 'x * a']);
  });
});

describe('difflab check', () => {
  test('every exact method agrees with central differences: exit 0', () => {
    const r = difflab(['check', 'x^2 * sin(y) + exp(x*y)', '--at', 'x=0.5,y=1.5', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.results.map((m: { method: string }) => m.method)).toEqual([
      'reverse',
      'forward',
      'symbolic (graph)',
      'symbolic (mathjs)',
    ]);
  });

  test('at a kink the exact methods follow their convention and finite differences cannot: exit 1, naming the entries', () => {
    // relu′(0) = 0 by convention; central differences give (h − 0)/2h ≈ 1/2 (h rounded to a representable step).
    const r = difflab(['check', 'relu(x) + y', '--at', 'x=0,y=1']);
    expect(r.status).toBe(1);
    const line = /^reverse: ∂f\/∂x = 0, but central differences give (\S+)$/m.exec(r.stdout);
    expect(Number(line?.[1])).toBeCloseTo(0.5, 9);
    expect(r.stdout).toMatch(/4 method\(s\) disagree/);
  });
});

describe('difflab jacobian and hessian', () => {
  test('jacobian of two expressions equals the library', () => {
    const r = difflab(['jacobian', 'x*y', 'sin(x) + y^2', '--at', 'x=1,y=2', '--json']);
    expect(r.status).toBe(0);
    const J = jacobian(parse(['x*y', 'sin(x) + y^2']), { x: 1, y: 2 });
    // One row per output, keyed by variable name, as every command's --json writes derivatives.
    expect(JSON.parse(r.stdout).jacobian).toEqual(J.map((row) => ({ x: row[0], y: row[1] })));
  });

  test('jacobian --method mixed: three outputs through the one node x·y, the closed form', () => {
    const exprs = ['sin(x*y)', 'cos(x*y)', '3*(x*y)'];
    const r = difflab(['jacobian', ...exprs, '--at', 'x=1,y=2', '--method', 'mixed', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.method).toBe('mixed');
    // ∂/∂x = g′(xy)·y, ∂/∂y = g′(xy)·x at xy = 2.
    const d = [Math.cos(2), -Math.sin(2), 3];
    out.jacobian.forEach((row: { x: number; y: number }, i: number) => {
      expect(row.x).toBeCloseTo((d[i] as number) * 2, 15);
      expect(row.y).toBeCloseTo(d[i] as number, 15);
    });
    const stray = difflab(['jacobian', 'x', '--at', 'x=1', '--method', 'mixed', '--scheme', 'central']);
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/--method mixed does not take --scheme/);
  });

  test('hessian of x²y is [[2y, 2x], [2x, 0]]', () => {
    const r = difflab(['hessian', 'x^2 * y', '--at', 'x=1,y=2', '--json']);
    expect(r.status).toBe(0);
    // Keyed by name, row then column: hessian.x.y is ∂²f/∂x∂y.
    expect(JSON.parse(r.stdout).hessian).toEqual({ x: { x: 4, y: 2 }, y: { x: 2, y: 0 } });
    expect(hessian(parse('x^2 * y'), { x: 1, y: 2 }).map((row) => Array.from(row))).toEqual([
      [4, 2],
      [2, 0],
    ]);
  });
});
