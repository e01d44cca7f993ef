/**
 * Every misuse of a transform is a coded DifflabError: options (checked when the transform is made), argnums,
 * arguments that are not trees of finite numbers, results that are not trees of expressions, shapes of
 * tangents and cotangents, expressions from outside the trace.
 */
import { describe, expect, it } from 'vitest';
import {
  constant,
  type Expr,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  valueAndGrad,
  variable,
  vjp,
} from '../../src/index.js';
import { expectDifflabError } from '../ir/support/errors.js';

const mul = (x: Expr, y: Expr) => x.mul(y);

describe('options', () => {
  it('an unknown or ignored option is an error when the transform is made, before any call', () => {
    expectDifflabError(() => grad(mul, { metod: 'forward' } as object), 'invalid-argument');
    expectDifflabError(() => grad(mul, { method: 'constructor' } as never), 'invalid-argument');
    expectDifflabError(() => grad(mul, { method: 'reverse', chunk: 4 } as object), 'invalid-argument');
    expectDifflabError(() => valueAndGrad(mul, { scheme: 'central' } as object), 'invalid-argument');
    expectDifflabError(() => hessian(mul, { method: 'numeric' } as object), 'invalid-argument');
    expectDifflabError(() => hessian(mul, { check: true } as object), 'invalid-argument');
    expectDifflabError(() => grad(mul, { out: new Float64Array(2) } as object), 'invalid-argument');
    expectDifflabError(() => grad(mul, { argnums: [0, 0] }), 'invalid-argument');
  });

  it('jacfwd is forward mode and jacrev reverse mode: no method option, and no option of the other mode', () => {
    expectDifflabError(() => jacfwd(mul, { method: 'forward' } as object), 'invalid-argument');
    expectDifflabError(() => jacrev(mul, { method: 'numeric' } as object), 'invalid-argument');
    expectDifflabError(() => jacrev(mul, { chunk: 2 } as object), 'invalid-argument');
    expectDifflabError(() => jacfwd(mul, { checkpoint: 'all' } as object), 'invalid-argument');
    expect(jacfwd(mul, { chunk: 1 })(3, 4)).toBe(4);
  });

  it('argnums: a position of an argument, each once; jvp and vjp take none', () => {
    expectDifflabError(() => grad(mul, { argnums: 2 })(1, 2), 'invalid-argument');
    expectDifflabError(() => grad(mul, { argnums: -1 })(1, 2), 'invalid-argument');
    expectDifflabError(() => grad(mul, { argnums: 0.5 })(1, 2), 'invalid-argument');
    expectDifflabError(() => grad(mul, { argnums: [0, 0] })(1, 2), 'invalid-argument');
    expectDifflabError(() => jvp(mul, [1, 2], [1, 0], { argnums: 0 } as object), 'invalid-argument');
    expectDifflabError(() => vjp(mul, [1, 2], { argnums: 0 } as object), 'invalid-argument');
  });

  it('a transform needs a function; a program-level call needs a program', () => {
    expectDifflabError(() => grad(3 as never), 'invalid-argument');
    expectDifflabError(() => hessian({} as never, [1]), 'invalid-argument');
    expectDifflabError(() => jvp(null as never, [1], [1]), 'invalid-argument');
    // hessian(fn) returns a function: a point given to it is a mistake, not an option.
    expectDifflabError(() => hessian(mul as never, [1, 2] as never), 'invalid-argument');
    expectDifflabError(() => hessian(mul as never, {}, [1, 2] as never), 'invalid-argument');
  });
});

describe('arguments', () => {
  it('leaves must be numbers', () => {
    const e = expectDifflabError(() => grad(mul)(1, '2' as never), 'bad-point');
    expect(e.message).toContain('args[1]');
    expectDifflabError(() => grad((w: Expr[]) => w[0] as Expr)([1, null] as never), 'bad-point');
    expectDifflabError(() => grad(mul)(1, variable('y') as never), 'bad-point');
    expectDifflabError(() => grad(mul)(1, new Date() as never), 'bad-point');
  });

  it('non-finite numbers are errors unless allowNonFinite', () => {
    const e = expectDifflabError(() => grad((w: Expr[]) => w[0] as Expr)([1, Number.NaN]), 'bad-point');
    expect(e.message).toContain('args[0][1]');
    expectDifflabError(() => jvp(mul, [Number.POSITIVE_INFINITY, 1], [1, 0]), 'bad-point');
    expectDifflabError(() => vjp(mul, [1, Number.NaN]), 'bad-point');
    expect(grad(mul, { argnums: 1, allowNonFinite: true })(Number.NaN, 2)).toBeNaN();
  });

  it('jvp and vjp take the arguments as an array, tangents and cotangents in the matching shape', () => {
    expectDifflabError(() => jvp(mul, 1 as never, [1] as never), 'invalid-argument');
    expectDifflabError(() => jvp(mul, [1, 2], [1] as never), 'bad-point');
    expectDifflabError(() => jvp((w: Expr[]) => w[0] as Expr, [[1, 2]], [[1, 2, 3]]), 'bad-point');
    const [, pullback] = vjp((x: Expr) => [x, x.mul(2)], [1]);
    expectDifflabError(() => pullback(1 as never), 'bad-point');
    expectDifflabError(() => pullback([1, 2, 3] as never), 'bad-point');
    expect(pullback([1, 1])).toEqual([3]);
  });
});

describe('results', () => {
  it('grad, valueAndGrad and hessian need one number; jacobians take any tree', () => {
    const two = (x: Expr) => [x, x.mul(2)];
    expectDifflabError(() => grad(two as never)(1), 'invalid-argument');
    expectDifflabError(() => valueAndGrad(two as never)(1), 'invalid-argument');
    expectDifflabError(() => hessian(two as never)(1), 'invalid-argument');
    expect(jacrev(two)(1)).toEqual([1, 2]);
  });

  it('leaves of the result must be expressions or numbers, and there must be one', () => {
    expectDifflabError(() => jacrev((x: Expr) => [x, 'y'] as never)(1), 'invalid-argument');
    expectDifflabError(() => jacrev((_x: Expr) => [] as never)(1), 'invalid-argument');
    expectDifflabError(() => grad((_x: Expr) => undefined as never)(1), 'invalid-argument');
  });

  it('an expression built outside the function cannot enter its trace', () => {
    const c = constant(2);
    const e = expectDifflabError(() => grad((x: Expr) => x.mul(c))(1), 'graph-mismatch');
    expect(e.message).toContain('built outside');
    // A numeric constant is fine.
    expect(grad((x: Expr) => x.mul(2))(1)).toBe(2);
  });

  it('transforms do not nest: a transformed function takes numbers, not expressions', () => {
    const inner = grad((y: Expr) => y.mul(y));
    const e = expectDifflabError(() => grad((x: Expr) => inner(x as never) as never)(1), 'bad-point');
    expect(e.message).toContain('takes numbers');
  });

  it('a variable the function reads but is not given is an error, not a silent constant', () => {
    expectDifflabError(() => grad((x: Expr) => x.mul(variable('free')))(1), 'invalid-argument');
  });
});
