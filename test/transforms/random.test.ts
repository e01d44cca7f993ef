/**
 * The transforms against the program-level calls on random expressions (fast-check): the same function as a
 * JavaScript function of expressions and as a program over variable()s gives the same numbers, because the
 * transform traces it into that program and calls the program-level function.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Expr,
  evaluate,
  grad,
  gradient,
  hessian,
  jacfwd,
  jacobian,
  jacrev,
  jvp,
  type Program,
  program,
  valueAndGrad,
  variable,
  vjp,
  withGraph,
} from '../../src/index.js';
import { buildSpec, isKinked, pointArbitrary, programOf, specArbitrary } from '../support/expressions.js';

const N = 3;
const RUNS = 60;

type Spec = Parameters<typeof buildSpec>[0];

/** The spec as a function of three scalar arguments. */
const scalarFn = (spec: Spec) => (x: Expr, y: Expr, z: Expr) => buildSpec(spec, [x, y, z]);

/** The spec as a scalar program over x0, x1, x2. */
const scalarProgram = (spec: Spec): Program<number> =>
  withGraph(() => {
    const xs = Array.from({ length: N }, (_, i) => variable(`x${i}`));
    return program(buildSpec(spec, xs), { variables: xs });
  });

describe('transforms = program-level calls on random functions', () => {
  it('grad, valueAndGrad and hessian of a scalar function', () => {
    fc.assert(
      fc.property(specArbitrary(N), pointArbitrary(N), (spec, at) => {
        const f = scalarFn(spec);
        const p = scalarProgram(spec);
        const [x, y, z] = at as [number, number, number];
        expect(grad(f, { argnums: [0, 1, 2] })(x, y, z)).toEqual(Array.from(gradient(p, at)));
        const forward = grad(f, { argnums: [0, 1, 2], method: 'forward' })(x, y, z);
        expect(forward).toEqual(Array.from(gradient(p, at, { method: 'forward' })));
        const [value, g] = valueAndGrad(f, { argnums: 2 })(x, y, z);
        expect(value).toBe(evaluate(p, at));
        expect(g).toBe(gradient(p, at)[2]);
        expect(hessian(f, { argnums: [0, 1, 2] })(x, y, z)).toEqual(hessian(p, at).map((r) => Array.from(r)));
      }),
      { numRuns: RUNS },
    );
  });

  it('jacfwd, jacrev, jvp and vjp of a function with two outputs (one array argument)', () => {
    fc.assert(
      fc.property(
        specArbitrary(N),
        specArbitrary(N),
        pointArbitrary(N),
        pointArbitrary(N),
        pointArbitrary(2),
        (s1, s2, at, v, u) => {
          const f = (x: Expr[]) => [buildSpec(s1, x), buildSpec(s2, x)];
          const p = programOf([s1, s2], N);
          const rows = (J: Float64Array[]) => J.map((r) => Array.from(r));
          expect(jacfwd(f)(at)).toEqual(rows(jacobian(p, at, { method: 'forward' })));
          expect(jacrev(f)(at)).toEqual(rows(jacobian(p, at)));
          const [value, tangent] = jvp(f, [at], [v]);
          expect(value).toEqual(Array.from(evaluate(p, at) as Float64Array));
          expect(tangent).toEqual(Array.from(jvp(p, at, v, { method: 'forward' })));
          const [value2, pullback] = vjp(f, [at]);
          expect(value2).toEqual(value);
          expect(pullback(u)).toEqual([Array.from(vjp(p, at, u))]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('forward and reverse transforms agree with each other (the dot-product test ⟨u, J·v⟩ = ⟨uᵀJ, v⟩)', () => {
    fc.assert(
      fc.property(specArbitrary(N), pointArbitrary(N), pointArbitrary(N), (spec, at, v) => {
        fc.pre(!isKinked(spec));
        const f = (x: Expr[]) => buildSpec(spec, x);
        const [, tangent] = jvp(f, [at], [v]);
        const [, pullback] = vjp(f, [at]);
        const [g] = pullback(1) as [number[]];
        const dot = g.reduce((s, gi, i) => s + gi * (v[i] as number), 0);
        const scale = Math.max(1, Math.abs(dot), ...g.map((gi, i) => Math.abs(gi * (v[i] as number))));
        expect(Math.abs((tangent as number) - dot)).toBeLessThanOrEqual(1e-12 * scale);
      }),
      { numRuns: RUNS },
    );
  });
});
