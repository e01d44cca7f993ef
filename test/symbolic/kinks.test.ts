/**
 * The kink conventions hold exactly in both engines, and match the op table's partials at the kinks:
 * abs′(0) = 0, relu′(0) = 0, heaviside′ = 0, sign′ = 0, and max/min give 1/2 to each argument at a tie.
 */
import { describe, expect, test } from 'vitest';
import { parse } from '../../src/ir/mathjs.js';
import { NUMERIC_PARTIALS, OP_CODE } from '../../src/ir/ops.js';
import { type SymbolicOptions, symbolic } from '../../src/symbolic/index.js';

const ENGINES: readonly SymbolicOptions[] = [
  { engine: 'mathjs' },
  { engine: 'mathjs', simplify: true },
  { engine: 'graph' },
];

/** Entrywise ===, so 0 and −0 both count as 0. */
function exactly(actual: Float64Array, expected: readonly number[]): boolean {
  return actual.length === expected.length && expected.every((e, i) => actual[i] === e);
}

const KINKS: readonly { source: string; at: number[]; gradient: number[] }[] = [
  { source: 'abs(x)', at: [0], gradient: [0] },
  { source: 'relu(x)', at: [0], gradient: [0] },
  { source: 'heaviside(x)', at: [0], gradient: [0] },
  { source: 'heaviside(x)', at: [2], gradient: [0] },
  { source: 'sign(x)', at: [0], gradient: [0] },
  { source: 'sign(x)', at: [-3], gradient: [0] },
  { source: 'max(x, y)', at: [1, 1], gradient: [0.5, 0.5] },
  { source: 'min(x, y)', at: [1, 1], gradient: [0.5, 0.5] },
  { source: 'max(x, y)', at: [2, 1], gradient: [1, 0] },
  { source: 'min(x, y)', at: [2, 1], gradient: [0, 1] },
  // Kinks inside compositions: the chain rule multiplies by the convention.
  { source: 'abs(x - y)', at: [2, 2], gradient: [0, 0] },
  { source: 'relu(x - 1) + 3*x', at: [1], gradient: [3] },
  { source: 'max(x^2, y)', at: [2, 4], gradient: [2, 0.5] },
  { source: 'min(3*x, y) * 2', at: [1, 3], gradient: [3, 1] },
  { source: 'abs(sin(x))', at: [0], gradient: [0] },
  { source: 'relu(relu(x))', at: [0], gradient: [0] },
];

describe('kinks', () => {
  for (const options of ENGINES) {
    test.each(KINKS)(`$source at $at with ${JSON.stringify(options)}`, ({ source, at, gradient }) => {
      const g = symbolic.gradient(parse(source), at, options).value;
      expect(exactly(g, gradient), `got [${Array.from(g)}]`).toBe(true);
    });
  }

  test('the expected values are the op table partials at the kinks', () => {
    type Partial = (x: number, y: number, z: number) => number;
    const partial = (op: keyof typeof OP_CODE, k: number, x: number, y = Number.NaN) =>
      ((NUMERIC_PARTIALS[OP_CODE[op]] as readonly Partial[])[k] as Partial)(x, y, Number.NaN);
    expect(partial('abs', 0, 0)).toBe(0);
    expect(partial('relu', 0, 0)).toBe(0);
    expect(partial('heaviside', 0, 0)).toBe(0);
    expect(partial('sign', 0, 0)).toBe(0);
    expect([partial('max', 0, 1, 1), partial('max', 1, 1, 1)]).toEqual([0.5, 0.5]);
    expect([partial('min', 0, 1, 1), partial('min', 1, 1, 1)]).toEqual([0.5, 0.5]);
  });

  test.each(ENGINES)('a kink in a Jacobian row with %o', (options) => {
    const J = symbolic.jacobian(parse(['abs(x) + y', 'max(x, y)']), [0, 0], options).value;
    expect(exactly(J[0] as Float64Array, [0, 1])).toBe(true);
    expect(exactly(J[1] as Float64Array, [0.5, 0.5])).toBe(true);
  });

  test.each([{ engine: 'mathjs' }, { engine: 'graph' }] as const)(
    "a user's own abs(x)/x keeps its value (NaN at 0), with %o",
    (options) => {
      // Variables in order of appearance: (y, x). ∂/∂y of y·(|x|/x) is |x|/x itself: not rewritten into
      // sign(x), so 0/0 stays NaN.
      const f = parse('y * (abs(x) / x)');
      expect(symbolic.gradient(f, [1, 0], options).value[0]).toBeNaN();
      expect(symbolic.gradient(f, [1, -2], options).value[0]).toBe(-1);
    },
  );
});
