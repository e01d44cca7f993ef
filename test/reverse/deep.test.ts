/**
 * Deep programs: a chain of 1,000,000 nested operations differentiates by forward and reverse mode without a
 * stack overflow, to the derivative the plain loop's chain rule gives; the mathjs symbolic engine, whose
 * derivative() recurses, refuses with a clear error instead of crashing.
 */
import { describe, expect, test } from 'vitest';
import { methods, program, variable, withGraph } from '../../src/index.js';

const DEPTH = 1_000_000;

/** x → sin(x) and x → 1.0000001·x alternately, DEPTH times. */
const chain = () =>
  withGraph(() => {
    let e = variable('x');
    for (let i = 0; i < DEPTH; i++) e = i % 2 === 1 ? e.sin() : e.mul(1.0000001);
    return program(e);
  });

/** The same chain by hand: the value and the derivative by the chain rule, in one loop. */
function chainByHand(x0: number): number {
  let x = x0;
  let d = 1;
  for (let i = 0; i < DEPTH; i++) {
    if (i % 2 === 1) {
      d *= Math.cos(x);
      x = Math.sin(x);
    } else {
      d *= 1.0000001;
      x *= 1.0000001;
    }
  }
  return d;
}

describe('a chain of 1,000,000 nested operations', () => {
  const f = chain();
  const expected = chainByHand(0.5);

  test.each(['forward', 'reverse'] as const)('%s mode differentiates it without recursion', (method) => {
    const g = methods[method].gradient(f, [0.5]).value[0] as number;
    // Forward mode multiplies the partials in the hand loop's order (bit for bit); reverse mode in the opposite
    // order, so a million roundings may differ by a few ulps each.
    if (method === 'forward') expect(g).toBe(expected);
    else expect(Math.abs(g - expected)).toBeLessThanOrEqual(1e-9 * Math.abs(expected));
  });

  test('the mathjs symbolic engine refuses it with a too-deep error, not a crash', () => {
    expect(() => methods.symbolic.gradient(f, [0.5], { engine: 'mathjs' })).toThrow(
      expect.objectContaining({ code: 'too-deep' }),
    );
  });
});
