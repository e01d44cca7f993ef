/**
 * Property: for generated mathjs-syntax expressions, difflab's parse + evaluate gives the number mathjs's own
 * evaluate gives (predictable instance), and so does mathjs evaluating the tree `toMathjs` returns.
 *
 * Both sides run the same IEEE operations in the same order (mathjs's number functions are Math's where the
 * generator uses them), so they agree exactly: 10⁵ runs showed no difference at all. The relative tolerance of
 * 1e−12 only leaves room for engines where mathjs falls back to its own polyfills (cbrt, expm1, …), which are
 * a few ulps off. NaN must meet NaN and an infinity the same infinity. DIFFLAB_RUNS raises the run count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, toMathjs } from '../../src/ir/index.js';
import { evaluate } from '../../src/sweeps/index.js';
import { close } from './support/close.js';
import { expressionSource, scopeArbitrary } from './support/expressions.js';
import { evaluateTree, predictable } from './support/mathjs.js';

const RTOL = 1e-12;

describe('parse agrees with mathjs', () => {
  it('parse(s) evaluates to mathjs.evaluate(s), and toMathjs(parse(s)) too', () => {
    fc.assert(
      fc.property(expressionSource, scopeArbitrary, (source, scope) => {
        const reference = predictable.evaluate(source, { ...scope }) as unknown;
        expect(typeof reference, `mathjs gave a ${typeof reference} for ${source}`).toBe('number');
        const f = parse(source);
        const value = evaluate(f, scope);
        expect(
          close(value, reference as number, RTOL),
          `${source} at ${JSON.stringify(scope)}: difflab ${value}, mathjs ${reference}`,
        ).toBe(true);
        const viaTree = evaluateTree(toMathjs(f), scope);
        expect(
          close(viaTree, value, RTOL),
          `${source} at ${JSON.stringify(scope)}: toMathjs tree ${viaTree}, difflab ${value}`,
        ).toBe(true);
      }),
      { numRuns: Number(process.env.DIFFLAB_RUNS ?? 400) },
    );
  });
});
