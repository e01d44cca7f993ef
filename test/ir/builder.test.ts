/**
 * The builder: one functional builder and one fluent method per op-table entry, numbers as operands, node
 * accessors; and the errors for what cannot be an expression (operands from different graphs, wrong arities,
 * arguments of the wrong kind), each with its code.
 */
import { describe, expect, it } from 'vitest';
import * as ir from '../../src/ir/index.js';
import {
  add,
  applyOp,
  BINARY_OPS,
  constant,
  dot,
  type Expr,
  logsumexp,
  parse,
  program,
  UNARY_OPS,
  variable,
  withGraph,
} from '../../src/ir/index.js';
import { evaluate } from '../../src/sweeps/index.js';
import { expectDifflabError } from './support/errors.js';

/** The functional builder for an op: its own name, except logb, which is log with a base. */
const builderName = (name: string) => (name === 'logb' ? 'log' : name);

describe('builder', () => {
  it('every op has a functional builder and every fixed op a fluent method, giving the same node', () => {
    withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      const exports = ir as unknown as Record<string, (...args: unknown[]) => Expr>;
      for (const name of UNARY_OPS) {
        const fn = exports[builderName(name)];
        expect(fn, `no builder function '${name}'`).toBeTypeOf('function');
        const fluent = (x as unknown as Record<string, () => Expr>)[name];
        expect(fluent, `no fluent method '${name}'`).toBeTypeOf('function');
        const node = applyOp(name, x);
        expect((fn as (x: Expr) => Expr)(x).id, name).toBe(node.id);
        expect(fluent?.call(x).id, name).toBe(node.id);
        expect(node.op).toBe(name);
        expect(node.args.map((a) => a.id)).toEqual([x.id]);
      }
      for (const name of BINARY_OPS) {
        const fn = exports[builderName(name)];
        expect(fn, `no builder function '${name}'`).toBeTypeOf('function');
        const fluent = (x as unknown as Record<string, (o: Expr) => Expr>)[name];
        expect(fluent, `no fluent method '${name}'`).toBeTypeOf('function');
        const node = applyOp(name, x, y);
        expect((fn as (x: Expr, y: Expr) => Expr)(x, y).id, name).toBe(node.id);
        expect(fluent?.call(x, y).id, name).toBe(node.id);
        expect(node.args.map((a) => a.id)).toEqual([x.id, y.id]);
      }
      for (const name of ir.NARY_OPS)
        expect(exports[name], `no builder function '${name}'`).toBeTypeOf('function');
    });
  });

  it('plain numbers are constants, on either side', () => {
    const f = withGraph(() => {
      const x = variable('x');
      return program([x.mul(2).add(1), ir.sub(10, x), ir.pow(2, x), ir.sum([x, 1, 2]), dot([x, 2], [3, x])]);
    });
    expect(Array.from(evaluate(f, [3]))).toEqual([7, 7, 8, 6, 15]);
  });

  it('node accessors: op, args, value, name', () => {
    withGraph(() => {
      const x = variable('x');
      const c = constant(2.5);
      const e = x.mul(c).sin();
      expect([x.op, c.op, e.op]).toEqual(['var', 'const', 'sin']);
      expect(x.name).toBe('x');
      expect(c.value).toBe(2.5);
      expect(e.value).toBeUndefined();
      expect(e.name).toBeUndefined();
      const [m] = e.args;
      expect(m?.op).toBe('mul');
      expect(m?.args.map((a) => a.id)).toEqual([x.id, c.id]);
      expect(ir.sum([x, c, e]).args.map((a) => a.id)).toEqual([x.id, c.id, e.id]);
    });
  });

  it('sum and dot of short lists, and log with a base', () => {
    const f = withGraph(() => {
      const x = variable('x');
      return program([ir.sum([]), ir.sum([x]), ir.sum([4]), dot([], []), ir.log(x, 2), ir.log(x)]);
    });
    const v = evaluate(f, [8]);
    expect(Array.from(v.subarray(0, 5))).toEqual([0, 8, 4, 0, 3]);
    expect(v[5]).toBe(Math.log(8));
  });
});

describe('builder errors', () => {
  it('combining an expression from withGraph with one from the default graph: graph-mismatch', () => {
    const inner = withGraph(() => variable('x').mul(2));
    const outer = variable('y');
    const error = expectDifflabError(() => add(inner, outer), 'graph-mismatch');
    expect(error.message).toMatch(/different graphs/);
    expectDifflabError(() => outer.mul(inner), 'graph-mismatch');
    expectDifflabError(() => dot([inner], [outer]), 'graph-mismatch');
    expectDifflabError(() => program([inner, outer]), 'graph-mismatch');
    expectDifflabError(() => program(inner, { variables: [variable('x')] }), 'graph-mismatch');
  });

  it('expressions from one withGraph call work together, and with plain numbers', () => {
    const f = withGraph(() => {
      const x = variable('x');
      return program(add(x.mul(2), 1));
    });
    expect(f.variables).toEqual(['x']);
  });

  it('wrong arity through applyOp: arity, naming the op', () => {
    const x = variable('x');
    let error = expectDifflabError(() => applyOp('sin', x, x), 'arity');
    expect(error.message).toBe('sin takes 1 argument, got 2');
    error = expectDifflabError(() => applyOp('pow', x), 'arity');
    expect(error.message).toBe('pow takes 2 arguments, got 1');
  });

  it('arguments of the wrong kind: invalid-argument', () => {
    const x = variable('x');
    expectDifflabError(() => variable(''), 'invalid-argument');
    expectDifflabError(() => constant('1' as unknown as number), 'invalid-argument');
    expectDifflabError(() => x.mul('2' as unknown as number), 'invalid-argument');
    expectDifflabError(() => x.add([1] as unknown as Expr), 'invalid-argument');
    expectDifflabError(() => dot([x], [x, x]), 'invalid-argument');
    expectDifflabError(() => logsumexp([]), 'invalid-argument');
    expectDifflabError(() => program([]), 'invalid-argument');
    expectDifflabError(() => program({} as unknown as Expr), 'invalid-argument');
    expectDifflabError(() => parse([]), 'invalid-argument');
    expectDifflabError(() => parse(5 as unknown as string), 'invalid-argument');
    expectDifflabError(
      () => parse('a * x', { constants: { a: '2' as unknown as number } }),
      'invalid-argument',
    );
  });
});
