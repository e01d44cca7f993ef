/**
 * The lecture's worked example and a two-output function, by both engines, against closed forms; the mathjs
 * derivative trees evaluated by mathjs itself as a second reference.
 */
import { describe, expect, test } from 'vitest';
import { parse } from '../../src/ir/mathjs.js';
import { evaluate } from '../../src/sweeps/interpret/primal.js';
import {
  graphDerivative,
  mathjsDerivatives,
  type SymbolicOptions,
  symbolic,
} from '../../src/symbolic/index.js';

const ENGINES: readonly SymbolicOptions[] = [
  { engine: 'mathjs' },
  { engine: 'mathjs', simplify: true },
  { engine: 'graph' },
];
const lecture = () => parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');

/** |a − b| ≤ tol·max(1, |b|) entrywise. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs((a[i] as number) - (b[i] as number)) <= tol * Math.max(1, Math.abs(b[i] as number))))
      return false;
  }
  return true;
}

describe('the lecture example (w1 + 2 w2)² + 5(w1² + w2²) at (3, 4)', () => {
  test.each(ENGINES)('gradient is [52, 84] with %o', (options) => {
    // ∂/∂w1 = 2(w1 + 2w2) + 10 w1 = 22 + 30; ∂/∂w2 = 4(w1 + 2w2) + 10 w2 = 44 + 40.
    expect(Array.from(symbolic.gradient(lecture(), [3, 4], options).value)).toEqual([52, 84]);
  });

  test('the mathjs derivative trees, evaluated by mathjs, give [52, 84]', () => {
    const d = mathjsDerivatives(lecture());
    expect(d.trees[0]?.map((t) => t.evaluate({ w1: 3, w2: 4 }))).toEqual([52, 84]);
  });

  test('the graph derivative program, evaluated, gives [52, 84]', () => {
    expect(Array.from(evaluate(graphDerivative(lecture()).program, [3, 4]))).toEqual([52, 84]);
  });
});

describe('F(x, y) = [x·y + sin x, y·e^(x − y)] at (0.7, −0.4)', () => {
  const F = () => parse(['x*y + sin(x)', 'y*exp(x - y)']);
  const [x, y] = [0.7, -0.4];
  const e = Math.exp(x - y);
  const J = [
    [y + Math.cos(x), x],
    [y * e, e - y * e],
  ];
  const v = [0.3, -1.1];
  const u = [2, 0.5];

  test.each(ENGINES)('jacobian, jvp and vjp match the closed form with %o', (options) => {
    const jac = symbolic.jacobian(F(), [x, y], options).value;
    expect(jac).toHaveLength(2);
    J.forEach((row, i) => {
      expect(close(jac[i] as Float64Array, row, 1e-14)).toBe(true);
    });
    const Jv = J.map((row) => (row[0] as number) * (v[0] as number) + (row[1] as number) * (v[1] as number));
    const uJ = [0, 1].map(
      (j) => (u[0] as number) * (J[0]?.[j] as number) + (u[1] as number) * (J[1]?.[j] as number),
    );
    expect(close(symbolic.jvp(F(), [x, y], v, options).value, Jv, 1e-14)).toBe(true);
    expect(close(symbolic.vjp(F(), [x, y], u, options).value, uJ, 1e-14)).toBe(true);
  });

  test('⟨u, J·v⟩ = ⟨uᵀJ, v⟩ for the graph engine, whose jvp (tangents) and vjp (adjoints) are built separately', () => {
    const f = F();
    const Jv = symbolic.jvp(f, [x, y], v, { engine: 'graph' }).value;
    const uJ = symbolic.vjp(f, [x, y], u, { engine: 'graph' }).value;
    const left = (u[0] as number) * (Jv[0] as number) + (u[1] as number) * (Jv[1] as number);
    const right = (uJ[0] as number) * (v[0] as number) + (uJ[1] as number) * (v[1] as number);
    expect(Math.abs(left - right)).toBeLessThan(1e-14);
  });

  test('gradient refuses a function with two outputs', () => {
    expect(() => symbolic.gradient(F(), [x, y])).toThrow(
      expect.objectContaining({ code: 'invalid-argument' }),
    );
  });
});
