/**
 * A fast-check arbitrary over the mathjs syntax difflab parses: + − * / ^, unary minus, functions under their
 * mathjs names, parentheses, implicit multiplication (`2x`, `3(x + 1)`), variables and numeric constants.
 *
 * Two choices keep the comparison with mathjs about difflab rather than about mathjs:
 * - A base that may be negative only gets an integer exponent. For a negative base and a fractional exponent
 *   with odd denominator, mathjs's predictable mode returns a real root where difflab (and Math.pow) give NaN;
 *   DESIGN.md promises negative bases with integer exponents only. Fractional exponents get `abs(…)` or `e`
 *   as base.
 * - sech, csch, coth, asech, acsch and acoth are left out: mathjs computes them with other formulas (e.g.
 *   coth x = (e^2x + 1)/(e^2x − 1), NaN for x > 355), which agree with difflab's to a few ulps only, and a
 *   random expression can amplify a few ulps without bound by cancellation. test/methods/every-op.test.ts checks them.
 */
import fc from 'fast-check';
import { OPS, UNARY_OPS } from '../../../src/ir/index.js';

export const VARIABLES = ['x', 'y', 'z', 'w1'] as const;

const FORMULA_DIFFERS = new Set(['sech', 'csch', 'coth', 'asech', 'acsch', 'acoth']);

/** Unary functions with a mathjs name (mathjs itself must be able to evaluate the string). */
export const UNARY_FUNCTIONS: readonly string[] = UNARY_OPS.flatMap((name) => {
  const fn = OPS[name].mathjs;
  return fn === null || fn === 'unaryMinus' || FORMULA_DIFFERS.has(name) ? [] : [fn];
});

const variableName = fc.constantFrom(...VARIABLES);
const integerLiteral = fc.integer({ min: 0, max: 12 }).map(String);
const implicitFactor = fc.oneof(fc.integer({ min: 1, max: 12 }).map(String), fc.constantFrom('2.5', '0.5'));
const numberLiteral = fc.oneof(
  integerLiteral,
  fc.constantFrom('0.5', '2.25', '1e-3', '1.5e2', '0.1', '3.75'),
  fc.double({ min: 0, max: 50, noNaN: true, noDefaultInfinity: true }).map(String),
);
const namedConstant = fc.constantFrom('pi', 'e', 'tau', 'phi', 'LN2', 'SQRT2', 'LOG10E');
const smallInteger = fc.integer({ min: -4, max: 4 }).map((k) => (k < 0 ? `(${k})` : String(k)));

/** Expression source strings. */
export const expressionSource: fc.Arbitrary<string> = fc.letrec<{ expr: string; leaf: string }>((tie) => ({
  leaf: fc.oneof(
    { weight: 4, arbitrary: variableName },
    { weight: 3, arbitrary: numberLiteral },
    { weight: 1, arbitrary: namedConstant },
    // Implicit multiplication; the factor starts at 1 because `0x…` would read as a hexadecimal literal.
    { weight: 1, arbitrary: fc.tuple(implicitFactor, variableName).map(([k, v]) => `${k}${v}`) },
  ),
  expr: fc.oneof(
    { maxDepth: 5, depthSize: 'small' },
    { weight: 3, arbitrary: tie('leaf') },
    {
      weight: 4,
      arbitrary: fc
        .tuple(tie('expr'), fc.constantFrom(' + ', ' - ', ' * ', ' / ', '+', '-', '*', '/'), tie('expr'))
        .map(([a, op, b]) => `${a}${op}${b}`),
    },
    { weight: 1, arbitrary: tie('expr').map((a) => `-${a}`) },
    { weight: 2, arbitrary: tie('expr').map((a) => `(${a})`) },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...UNARY_FUNCTIONS), tie('expr')).map(([f, a]) => `${f}(${a})`),
    },
    { weight: 1, arbitrary: fc.tuple(tie('expr'), smallInteger).map(([a, k]) => `(${a})^${k}`) },
    { weight: 1, arbitrary: fc.tuple(variableName, smallInteger).map(([a, k]) => `${a}^${k}`) },
    { weight: 1, arbitrary: fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `abs(${a})^(${b})`) },
    { weight: 1, arbitrary: tie('expr').map((a) => `e^(${a})`) },
    { weight: 1, arbitrary: fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `log(${a}, ${b})`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('max', 'min', 'sum'), fc.array(tie('expr'), { minLength: 1, maxLength: 3 }))
        .map(([f, xs]) => `${f}(${xs.join(', ')})`),
    },
    { weight: 1, arbitrary: fc.tuple(implicitFactor, tie('expr')).map(([k, a]) => `${k}(${a})`) },
  ),
})).expr;

/** Values for the variables: small reals of either sign, with 0 and ±1 often. */
export const scopeArbitrary: fc.Arbitrary<Record<string, number>> = fc.record(
  Object.fromEntries(
    VARIABLES.map((v) => [
      v,
      fc.oneof(
        fc.constantFrom(0, 1, -1, 0.5, 2),
        fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }),
      ),
    ]),
  ) as Record<(typeof VARIABLES)[number], fc.Arbitrary<number>>,
);
