/**
 * A new operation is one op-table entry plus its complex rule: `registerOp` adds cube(x) = x³ at run time, and
 * with no other change the builders and the fluent form, parsing, the mathjs engine, the sweeps of every method
 * and the compiled backend all handle it (the same checks as every built-in op, test/methods/every-op.test.ts).
 * Vitest runs each test file in its own module graph, so the op does not leak into other files.
 */
import { describe, expect, test } from 'vitest';
import { gradient, hessian } from '../../src/api.js';
import { interval } from '../../src/ir/domain.js';
import { DifflabError } from '../../src/ir/errors.js';
import { builderOf, type Expr, sum, variable, withGraph } from '../../src/ir/graph.js';
import { parse } from '../../src/ir/mathjs.js';
import { type FixedOpDef, OP_NAMES, OPS, type OpName, registerOp } from '../../src/ir/ops.js';
import { program } from '../../src/ir/program.js';
import { cmul, Z } from '../../src/numeric/complex.js';
import { evaluate } from '../../src/sweeps/interpret/primal.js';
import { checkOp } from '../support/op-check.js';

/** cube(x) = x³, d cube = 3x² dx; mathjs has no cube, so the mathjs engine differentiates x·(x·x). */
const CUBE: FixedOpDef = {
  arity: 1,
  mathjs: null,
  value: (x) => x * x * x,
  partials: [(A, x) => A.mul(A.num(3), A.mul(x, x))],
  analytic: true,
  trustMathjs: false,
  expand: (A, x) => A.mul(x, A.mul(x, x)),
  domain: interval(-3, 3),
  // (a + ib)³ as (a + ib)·(a + ib)², through the complex register.
  complex: (a, b) => {
    cmul(a, b, a, b);
    cmul(a, b, Z[0] as number, Z[1] as number);
  },
};

const code = registerOp('cube', CUBE);
const cube = builderOf('cube');

describe('an operation registered at run time', () => {
  test('takes the next op code and is in the table', () => {
    expect(OP_NAMES[code]).toBe('cube');
    expect(OPS['cube' as OpName]).toBe(CUBE);
  });

  test('builds with its builder, the fluent form and parse, and evaluates by both backends', () => {
    const f = withGraph(() => {
      const x = variable('x');
      const y = variable('y');
      const fluent = (x as Expr & { cube(): Expr }).cube();
      return program(cube(y).add(fluent), { variables: [x, y] });
    });
    const g = parse('cube(y) + cube(x)');
    for (const backend of ['interpret', 'compile'] as const) {
      expect(evaluate(f, [2, -1.5], { backend })).toBe(8 + -3.375);
      expect(evaluate(g, { x: 2, y: -1.5 }, { backend })).toBe(8 + -3.375);
    }
  });

  test('passes every check a built-in op passes: value, partials, every method × both backends', () => {
    checkOp('cube' as OpName, 0xc0be);
  });

  test('runs through the compiled backend in a long program (rerolled loops) and in second derivatives', () => {
    const K = 200;
    const x = Float64Array.from({ length: K }, (_, i) => -2 + (4 * i) / K);
    const f = withGraph(() => {
      const xs = Array.from({ length: K }, (_, i) => variable(`x${i}`));
      return program(sum(xs.map((v) => cube(v).mul(v.sin()))), { variables: xs });
    });
    // d/dxᵢ [xᵢ³ sin xᵢ] = 3xᵢ² sin xᵢ + xᵢ³ cos xᵢ
    const expected = Array.from(x, (v) => 3 * v * v * Math.sin(v) + v ** 3 * Math.cos(v));
    for (const backend of ['interpret', 'compile'] as const) {
      for (const method of ['forward', 'reverse'] as const) {
        const g = gradient(f, x, { method, backend });
        g.forEach((gi, i) => {
          expect(Math.abs(gi - (expected[i] as number))).toBeLessThanOrEqual(
            1e-12 * Math.abs(expected[i] as number) + 1e-15,
          );
        });
      }
    }
    // d²/dx² x³ = 6x, by forward over reverse.
    const h = hessian(parse('cube(x)'), [1.25]);
    expect(h[0]?.[0]).toBeCloseTo(7.5, 12);
  });

  test('a name that is taken, or an analytic op without its complex rule, is refused', () => {
    expect(() => registerOp('sin', CUBE)).toThrow(DifflabError);
    const { complex: _complex, ...noComplex } = CUBE;
    expect(() => registerOp('cube2', noComplex)).toThrow(/complex rule/);
    expect(() => registerOp('Cube', CUBE)).toThrow(/lower-case/);
  });
});
