/**
 * The arguments of the program-level calls: unknown and ignored options, unknown point keys and non-finite
 * points are coded errors; programs keep the inputs listed for them, in the order listed.
 */
import { describe, expect, it } from 'vitest';
import {
  compare,
  evaluate,
  gradient,
  hessian,
  hvp,
  jacobian,
  jvp,
  parse,
  program,
  variable,
  vjp,
  withGraph,
} from '../../src/index.js';
import { expectDifflabError } from '../ir/support/errors.js';

// f = y·sin(x): ∂f/∂x = y·cos(x), ∂f/∂y = sin(x).
const f = parse('y*sin(x)', { variables: ['x', 'y'] });
const at = [1, 2];
const closedForm = [2 * Math.cos(1), Math.sin(1)];

describe('inputs follow the variables given', () => {
  it('parse: a point array follows `variables`, not the order of first appearance', () => {
    expect(parse('y*sin(x)').variables).toEqual(['y', 'x']);
    expect(f.variables).toEqual(['x', 'y']);
    const g = gradient(f, at);
    expect(g[0]).toBeCloseTo(closedForm[0] as number, 14);
    expect(g[1]).toBeCloseTo(closedForm[1] as number, 14);
  });

  it('program: an input the function does not use is kept, with a zero gradient', () => {
    const p = withGraph(() => program(variable('x').mul(variable('x')), { variables: ['w', 'x'] }));
    expect(p.variables).toEqual(['w', 'x']);
    expect(Array.from(gradient(p, [5, 3]))).toEqual([0, 6]);
    expect(Array.from(jacobian(parse('x^2', { variables: ['x', 'unused'] }), [3, 1])[0] ?? [])).toEqual([
      6, 0,
    ]);
  });
});

describe('options', () => {
  const calls: [string, (o: object) => unknown][] = [
    ['gradient', (o) => gradient(f, at, o)],
    ['jacobian', (o) => jacobian(f, at, o)],
    ['jvp', (o) => jvp(f, at, [1, 0], o)],
    ['vjp', (o) => vjp(f, at, [1], o)],
    ['hessian', (o) => hessian(f, at, o)],
    ['hvp', (o) => hvp(f, at, [1, 0], o)],
  ];

  it.each(calls)('%s: a misspelled option is an error', (_name, call) => {
    const e = expectDifflabError(() => call({ metod: 'forward' }), 'invalid-argument');
    expect(e.message).toContain("'metod'");
  });

  it.each(calls)("%s: method 'constructor' (an Object.prototype name) is a DifflabError", (_name, call) => {
    expectDifflabError(() => call({ method: 'constructor' }), 'invalid-argument');
  });

  it('an option set to undefined counts as not given', () => {
    const g = gradient(f, at, { method: 'reverse', chunk: undefined } as object);
    expect(g[1]).toBeCloseTo(closedForm[1] as number, 14);
  });

  it('a misspelled option gets the nearest name', () => {
    const e = expectDifflabError(() => gradient(f, at, { metod: 'forward' } as object), 'invalid-argument');
    expect(e.message).toContain("did you mean 'method'?");
    const far = expectDifflabError(() => gradient(f, at, { colour: 1 } as object), 'invalid-argument');
    expect(far.message).not.toContain('did you mean');
  });

  it('an option of another method is named as such', () => {
    const e = expectDifflabError(
      () => gradient(f, at, { method: 'reverse', chunk: 2 } as object),
      'invalid-argument',
    );
    expect(e.message).toContain("method 'forward'");
    expectDifflabError(
      () => jacobian(f, at, { method: 'forward', scheme: 'central' } as object),
      'invalid-argument',
    );
  });

  it('hessian and hvp reject a method (they are forward over reverse) and every option but allowNonFinite', () => {
    for (const o of [{ method: 'numeric' }, { method: 'reverse' }, { check: true }, { backend: 'compile' }]) {
      expectDifflabError(() => hessian(f, at, o as object), 'invalid-argument');
      expectDifflabError(() => hvp(f, at, [1, 0], o as object), 'invalid-argument');
    }
  });

  it('options a method would ignore are errors', () => {
    // forward jvp pushes one direction: no chunk to choose.
    expectDifflabError(() => jvp(f, at, [1, 0], { method: 'forward', chunk: 2 }), 'invalid-argument');
    // only gradient writes into out.
    expectDifflabError(() => jacobian(f, at, { out: new Float64Array(2) } as object), 'invalid-argument');
    // simplify is a mathjs-engine option.
    expectDifflabError(
      () => gradient(f, at, { method: 'symbolic', engine: 'graph', simplify: true }),
      'invalid-argument',
    );
    // snapshots count binomial checkpoints only.
    expectDifflabError(() => gradient(f, at, { checkpoint: 'all', snapshots: 3 }), 'invalid-argument');
    expectDifflabError(() => vjp(f, at, [1], { snapshots: 3 }), 'invalid-argument');
    // the complex step has no compiled sweep.
    expectDifflabError(
      () => gradient(f, at, { method: 'numeric', scheme: 'complex', backend: 'compile' }),
      'invalid-argument',
    );
  });

  it('out that is not a Float64Array is a DifflabError, not a TypeError', () => {
    for (const method of ['reverse', 'forward'] as const) {
      expectDifflabError(() => gradient(f, at, { method, out: [0, 0] } as object), 'invalid-argument');
    }
  });

  it('the options each method does read still work', () => {
    const expectClose = (g: ArrayLike<number>) => {
      expect(g[0]).toBeCloseTo(closedForm[0] as number, 6);
      expect(g[1]).toBeCloseTo(closedForm[1] as number, 6);
    };
    expectClose(gradient(f, at, { method: 'numeric', scheme: 'complex', step: 1e-20 }));
    expectClose(gradient(f, at, { method: 'forward', chunk: 1, check: true, backend: 'compile' }));
    expectClose(gradient(f, at, { method: 'symbolic', engine: 'mathjs', simplify: true, budget: 1e4 }));
    expectClose(gradient(f, at, { method: 'reverse', checkpoint: 'all', out: new Float64Array(2) }));
    expectClose(vjp(f, at, [1], { method: 'forward', chunk: 2 }));
  });

  it('compare checks each method’s options and its own', () => {
    expectDifflabError(() => compare(f, at, { metods: ['forward'] } as object), 'invalid-argument');
    expectDifflabError(() => compare(f, at, { methods: ['constructor'] } as never), 'invalid-argument');
    expectDifflabError(() => compare(f, at, { forward: { scheme: 'central' } } as never), 'invalid-argument');
    const rows = compare(f, at, { methods: ['forward'], forward: { chunk: 1 } });
    expect(rows[0]?.gradient?.[1]).toBeCloseTo(closedForm[1] as number, 14);
  });

  it('a JavaScript function given to a program-level call is a DifflabError that points to the transforms', () => {
    const e = expectDifflabError(() => gradient(((x: number) => x * x) as never, [3]), 'invalid-argument');
    expect(e.message).toContain('grad(fn)');
  });
});

describe('points', () => {
  it('a point that names a variable the function lacks is an error in every differentiation call', () => {
    const point = { x: 1, y: 2, z: 3 };
    const e = expectDifflabError(() => gradient(f, point), 'bad-point');
    expect(e.message).toContain("'z'");
    expectDifflabError(() => jacobian(f, point), 'bad-point');
    expectDifflabError(() => jvp(f, point, [1, 0]), 'bad-point');
    expectDifflabError(() => vjp(f, point, [1]), 'bad-point');
    expectDifflabError(() => hessian(f, point), 'bad-point');
    expectDifflabError(() => hvp(f, point, [1, 0]), 'bad-point');
    expectDifflabError(() => compare(f, point), 'bad-point');
    // evaluate takes a scope, as mathjs does: y·sin(x) at x = 1, y = 2.
    expect(evaluate(f, point)).toBe(2 * Math.sin(1));
  });

  it('non-finite points are errors unless allowNonFinite', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const e = expectDifflabError(() => gradient(f, [bad, 2]), 'bad-point');
      expect(e.message).toContain("'x'");
      expectDifflabError(() => gradient(f, new Float64Array([1, bad])), 'bad-point');
      expectDifflabError(() => jacobian(f, { x: 1, y: bad }), 'bad-point');
      expectDifflabError(() => jvp(f, [bad, 2], [1, 0]), 'bad-point');
      expectDifflabError(() => vjp(f, [bad, 2], [1]), 'bad-point');
      expectDifflabError(() => hessian(f, [bad, 2]), 'bad-point');
      expectDifflabError(() => hvp(f, [bad, 2], [1, 0]), 'bad-point');
      expectDifflabError(() => compare(f, [bad, 2]), 'bad-point');
    }
    // Opted out: NaN propagates (∂f/∂y = sin(NaN) = NaN).
    const g = gradient(f, [Number.NaN, 2], { allowNonFinite: true });
    expect(Number.isNaN(g[1])).toBe(true);
    expect(Number.isNaN(hessian(f, [Number.NaN, 2], { allowNonFinite: true })[0]?.[0])).toBe(true);
    expectDifflabError(() => gradient(f, at, { allowNonFinite: 'yes' } as object), 'invalid-argument');
  });
});
