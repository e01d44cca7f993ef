/**
 * Perturbation confusion: nested derivatives in every combination of forward and reverse mode must keep the
 * inner and outer perturbations apart. References are closed forms.
 */
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/index.js';
import {
  type Mode,
  NUM,
  type Num,
  nestedFunction,
  nestedGradient,
  nestedJvp,
  primal,
} from '../../src/nested/index.js';

const MODES: readonly Mode[] = ['forward', 'reverse'];
const COMBOS = MODES.flatMap((outer) => MODES.map((inner) => [outer, inner] as const));

const d = (f: (x: Num) => Num, x: Num, mode: Mode): Num =>
  nestedGradient(([y]) => f(y as Num), [x], mode).gradient[0] as Num;

describe.each(COMBOS)('outer %s over inner %s', (outer, inner) => {
  it('d/dx [x · d/dy (x + y)] = 1 at any x (not 2)', () => {
    for (const x0 of [-2, 0, 0.5, 3]) {
      const value = d(
        (x) =>
          NUM.mul(
            x,
            d((y) => NUM.add(x, y), 1, inner),
          ),
        x0,
        outer,
      );
      expect(value).toBe(1);
    }
  });

  it('d/dx [x · d/dy (x · y)] = 2x (the inner derivative is x, not confused with 1)', () => {
    for (const x0 of [-1.5, 2, 7]) {
      const value = d(
        (x) =>
          NUM.mul(
            x,
            d((y) => NUM.mul(x, y), 4, inner),
          ),
        x0,
        outer,
      );
      expect(value).toBe(2 * x0);
    }
  });

  it('d/dx d/dy (x · y) at the same point is 1, through a shared variable', () => {
    const value = d((x) => d((y) => NUM.mul(x, y), x, inner), 3, outer);
    expect(value).toBe(1);
  });

  it('second derivatives: d²/dx² (x³ + sin x) = 6x − sin x', () => {
    const f = (x: Num) => NUM.add(NUM.mul(x, NUM.mul(x, x)), NUM.sin(x));
    for (const x0 of [0.3, -1.2]) {
      const value = primal(d((x) => d(f, x, inner), x0, outer));
      expect(value).toBeCloseTo(6 * x0 - Math.sin(x0), 14);
    }
  });

  it('a Hessian of a program built with the builder matches its closed form', () => {
    const f = nestedFunction(parse('x^2 * y + exp(x * y)'));
    const [x, y] = [0.7, -0.4];
    const e = Math.exp(x * y);
    const closed = [
      [2 * y + y * y * e, 2 * x + e + x * y * e],
      [2 * x + e + x * y * e, x * x * e],
    ];
    for (let i = 0; i < 2; i++) {
      const row = nestedGradient(
        (p) => nestedGradient(f, p, inner).gradient[i] as Num,
        [x, y],
        outer,
      ).gradient.map(primal);
      for (let j = 0; j < 2; j++) expect(row[j]).toBeCloseTo(closed[i]?.[j] as number, 13);
    }
  });
});

describe('three levels', () => {
  it('d³/dx³ x⁴ = 24x in every mode combination', () => {
    const f = (x: Num) => NUM.mul(NUM.mul(x, x), NUM.mul(x, x));
    for (const m1 of MODES)
      for (const m2 of MODES)
        for (const m3 of MODES) {
          const value = d((a) => d((b) => d(f, b, m3), a, m2), 1.5, m1);
          expect(primal(value)).toBe(36);
        }
  });
});

describe('escaped perturbations', () => {
  it('a value leaking out of a finished derivative is refused, not silently confused', () => {
    let leaked: Num = 0;
    nestedGradient(
      ([x]) => {
        leaked = x as Num;
        return NUM.mul(x as Num, x as Num);
      },
      [2],
      'reverse',
    );
    expect(() => NUM.add(leaked, 1)).toThrow(/escaped perturbation/);
  });

  it('jvp along a direction equals the gradient dotted with it', () => {
    const f = nestedFunction(parse('sin(x) * y + y^3'));
    const { tangent } = nestedJvp(f, [0.4, 1.1], [2, -1]);
    const g = [Math.cos(0.4) * 1.1, Math.sin(0.4) + 3 * 1.1 * 1.1];
    expect(primal(tangent)).toBeCloseTo(2 * (g[0] as number) - (g[1] as number), 14);
  });
});
