/**
 * toMathjs trees share node objects where the DAG shares nodes; mathjs's derivative() tells a product's factors
 * apart by identity, so toMathjs must never hand it the same object twice as arguments of one node.
 */
import { derivative } from 'mathjs';
import { describe, expect, test } from 'vitest';
import { gradient, parse, toMathjs } from '../../src/index.js';

describe('mathjs derivative() of toMathjs trees with shared subterms', () => {
  test.each([
    ['x*x', 3],
    ['(x + 1)*(x + 1)', 0.5],
    ['sin(x)*sin(x)*sin(x)', 0.7],
    ['(x*x)*(x*x) + (x*x)/(x*x)', 1.3],
  ])('d/dx %s equals reverse mode', (source, x) => {
    const f = parse(source);
    const d = derivative(toMathjs(f), 'x').evaluate({ x }) as number;
    expect(d).toBeCloseTo(gradient(f, [x])[0] as number, 12);
  });
});
