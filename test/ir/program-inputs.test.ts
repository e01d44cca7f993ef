/**
 * A function's inputs and outputs: parse options and built-in names, the variable order of program(), several
 * outputs, and the flat layout (constants, inputs, operations) the sweeps rely on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONST,
  dot,
  type Expr,
  logsumexp,
  metrics,
  OP_ARITY,
  type Program,
  parse,
  program,
  sum,
  VAR,
  variable,
  withGraph,
} from '../../src/ir/index.js';
import { evaluate } from '../../src/sweeps/index.js';
import { expectDifflabError } from './support/errors.js';
import { expressionSource } from './support/expressions.js';
import { predictable } from './support/mathjs.js';

/**
 * parse options and built-in names: `constants` binds names to numbers (they are not variables), mathjs's
 * numeric constants are built in, and an array of sources gives one output per source.
 */
describe('parse options', () => {
  it('constants: { a: 2 } makes a a constant, not a variable', () => {
    const f = parse('a * x + a', { constants: { a: 2 } });
    expect(f.variables).toEqual(['x']);
    expect(evaluate(f, [3])).toBe(8);
    expect(evaluate(f, { x: 3 })).toBe(8);
    expect(metrics(f).opCounts.var).toBe(1);
    // Without the option, a is a variable.
    expect(parse('a * x + a').variables).toEqual(['a', 'x']);
  });

  it("the caller's constants take precedence over built-in names", () => {
    const f = parse('e * x', { constants: { e: 3 } });
    expect(evaluate(f, [2])).toBe(6);
  });

  it('pi and e are built in, with the rest of mathjs numeric constants', () => {
    const f = parse('pi * x + e');
    expect(f.variables).toEqual(['x']);
    expect(evaluate(f, [2])).toBe(Math.PI * 2 + Math.E);
    for (const name of [
      'pi',
      'PI',
      'e',
      'E',
      'tau',
      'phi',
      'LN2',
      'LN10',
      'LOG2E',
      'LOG10E',
      'SQRT1_2',
      'SQRT2',
    ]) {
      const g = parse(name);
      expect(g.variables, name).toEqual([]);
      expect(evaluate(g, []), name).toBe(predictable.evaluate(name));
    }
    expect(evaluate(parse('Infinity'), [])).toBe(Number.POSITIVE_INFINITY);
    expect(evaluate(parse('NaN'), [])).toBeNaN();
  });

  it("parse(['x*y', 'x+y']) evaluates to a Float64Array of both outputs", () => {
    const f = parse(['x*y', 'x+y']);
    expect(f.variables).toEqual(['x', 'y']);
    expect(f.scalar).toBe(false);
    const v = evaluate(f, { x: 3, y: 4 });
    expect(v).toBeInstanceOf(Float64Array);
    expect(Array.from(v)).toEqual([12, 7]);
  });

  it('variables of several sources come in order of first appearance across them', () => {
    const f = parse(['z', 'x + z', '2', 'y * x']);
    expect(f.variables).toEqual(['z', 'x', 'y']);
    expect(Array.from(evaluate(f, { x: 1, y: 2, z: 3 }))).toEqual([3, 4, 2, 2]);
  });

  it('a one-element array is still a function with one output in a Float64Array', () => {
    const v = evaluate(parse(['x + 1']), [1]);
    expect(v).toBeInstanceOf(Float64Array);
    expect(Array.from(v)).toEqual([2]);
  });
});

/**
 * program(outputs, { variables }) fixes the input order; a listed variable the function does not use has no
 * effect; leaving out one it uses is an error.
 */
const build = <T>(f: (x: Expr, y: Expr) => T): T => withGraph(() => f(variable('x'), variable('y')));

describe('program variables', () => {
  it('without the option, inputs come in order of first appearance', () => {
    const f = build((x, y) => program(y.sub(x)));
    expect(f.variables).toEqual(['y', 'x']);
    expect(evaluate(f, [10, 3])).toBe(7);
  });

  it("variables: ['y', 'x'] fixes the input order, by name or by variable", () => {
    for (const f of [
      build((x, y) => program(x.sub(y), { variables: ['y', 'x'] })),
      build((x, y) => program(x.sub(y), { variables: [y, x] })),
    ]) {
      expect(f.variables).toEqual(['y', 'x']);
      expect(evaluate(f, [10, 3])).toBe(3 - 10);
      expect(evaluate(f, { x: 3, y: 10 })).toBe(-7);
    }
  });

  it('a listed variable the function does not use has zero effect', () => {
    const f = build((x) => program(x.mul(2), { variables: ['x', 'z'] }));
    expect(f.variables).toEqual(['x', 'z']);
    expect(evaluate(f, [3, 100])).toBe(6);
    expect(evaluate(f, [3, -5])).toBe(6);
    expect(evaluate(f, [3, Number.NaN])).toBe(6);
  });

  it('leaving out a variable the function uses is an error naming it', () => {
    const error = expectDifflabError(
      () => build((x, y) => program(x.mul(y), { variables: ['x'] })),
      'invalid-argument',
    );
    expect(error.message).toContain("'y'");
  });

  it('a name listed twice, or a listed expression that is not a variable, is an error', () => {
    expectDifflabError(
      () => build((x, y) => program(x.mul(y), { variables: ['x', 'y', 'x'] })),
      'invalid-argument',
    );
    expectDifflabError(
      () => build((x, y) => program(x.mul(y), { variables: [x, y.sin()] })),
      'invalid-argument',
    );
  });

  it('variables listed as expressions: the same order, unused inputs and errors as by name', () => {
    const byExpr = build((x, y) => program(x.mul(2), { variables: [y, x] }));
    const byName = build((x) => program(x.mul(2), { variables: ['y', 'x'] }));
    expect(byExpr.variables).toEqual(byName.variables);
    expect(evaluate(byExpr, [100, 3])).toBe(6);
    expectDifflabError(
      () => build((x, y) => program(x.mul(y), { variables: [x, y, x] })),
      'invalid-argument',
    );
    const missing = expectDifflabError(
      () => build((x, y) => program(x.mul(y), { variables: [x] })),
      'invalid-argument',
    );
    expect(missing.message).toContain("'y'");
  });

  it('several outputs, including a plain number, give a Float64Array', () => {
    const f = build((x, y) => program([x.mul(y), 3, y], { variables: ['x', 'y'] }));
    expect(f.scalar).toBe(false);
    expect(Array.from(evaluate(f, [2, 5]))).toEqual([10, 3, 5]);
  });

  it("parse takes the same option: parse('x - y', { variables: ['y', 'x'] })", () => {
    const f = parse('x - y', { variables: ['y', 'x'] });
    expect(f.variables).toEqual(['y', 'x']);
    expect(evaluate(f, [10, 3])).toBe(-7);
    expectDifflabError(() => parse('x - y', { variables: ['x'] }), 'invalid-argument');
  });

  it('a plain number is a constant function of no variables', () => {
    const f = program(5);
    expect(f.variables).toEqual([]);
    expect(evaluate(f, [])).toBe(5);
  });
});

/**
 * The program's flat layout, which the sweeps rely on: constants first, then the inputs in variable order,
 * then the operations, each after its arguments; outputs index nodes of the program.
 */
function expectLayout(f: Program): void {
  expect(f.op.length).toBe(f.size);
  for (let i = 0; i < f.inputStart; i++) {
    expect(f.op[i]).toBe(CONST);
    expect(f.a[i]).toBe(i);
  }
  for (let i = f.inputStart; i < f.opStart; i++) {
    expect(f.op[i]).toBe(VAR);
    expect(f.a[i]).toBe(i - f.inputStart);
  }
  expect(f.opStart - f.inputStart).toBe(f.variables.length);
  for (let i = f.opStart; i < f.size; i++) {
    const code = f.op[i] as number;
    expect(code).toBeLessThan(OP_ARITY.length);
    let count = 0;
    f.forEachArg(i, (arg) => {
      expect(arg).toBeGreaterThanOrEqual(0);
      expect(arg).toBeLessThan(i);
      count++;
    });
    expect(count).toBe(OP_ARITY[code] === 0 ? f.b[i] : OP_ARITY[code]);
  }
  for (const o of f.outputs) {
    expect(o).toBeGreaterThanOrEqual(0);
    expect(o).toBeLessThan(f.size);
  }
}

describe('program layout', () => {
  it('holds for parsed programs', () => {
    fc.assert(
      fc.property(fc.array(expressionSource, { minLength: 1, maxLength: 3 }), (sources) => {
        expectLayout(parse(sources));
      }),
      { numRuns: 100 },
    );
  });

  it('holds for builder programs with n-ary nodes and listed variables', () => {
    const f = withGraph(() => {
      const xs = ['a', 'b', 'c'].map((n) => variable(n));
      return program(
        [
          dot(
            xs,
            xs.map((x) => x.sin()),
          ),
          logsumexp(xs).add(sum(xs)),
        ],
        {
          variables: ['c', 'unused', 'a', 'b'],
        },
      );
    });
    expect(f.variables).toEqual(['c', 'unused', 'a', 'b']);
    expectLayout(f);
  });
});
