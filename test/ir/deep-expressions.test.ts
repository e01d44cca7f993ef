/**
 * Depth: nothing in the IR recurses on expression depth. A chain of 1,000,000 builder operations becomes a
 * program and evaluates; a source too deeply nested for mathjs's recursive parser is refused with 'too-deep'
 * rather than crashing; a deep one that mathjs can parse evaluates correctly.
 */
import { describe, expect, it } from 'vitest';
import {
  DifflabError,
  type Expr,
  formatNode,
  metrics,
  parse,
  program,
  variable,
  withGraph,
} from '../../src/ir/index.js';
import { evaluate } from '../../src/sweeps/index.js';
import { predictable } from './support/mathjs.js';

/** Step i of a chain: sin, scale, shift in turn (the builder form and the plain-JS form). */
const stepExpr = (x: Expr, i: number) => (i % 3 === 0 ? x.sin() : i % 3 === 1 ? x.mul(1.5) : x.add(0.25));
const stepNumber = (x: number, i: number) => (i % 3 === 0 ? Math.sin(x) : i % 3 === 1 ? x * 1.5 : x + 0.25);

function expectTooDeep(source: string): void {
  let error: unknown;
  try {
    parse(source);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DifflabError);
  expect((error as DifflabError).code).toBe('too-deep');
  expect((error as DifflabError).message).toMatch(/too deeply nested/);
}

describe('deep expressions', () => {
  it('a chain of 1,000,000 builder operations becomes a program and evaluates, as the plain loop does', () => {
    const N = 1_000_000;
    const f = withGraph(() => {
      let x: Expr = variable('x');
      for (let i = 0; i < N; i++) x = stepExpr(x, i);
      return program(x);
    });
    expect(f.size).toBe(N + 3); // x, the constants 1.5 and 0.25, and one node per step
    let expected = 0.7;
    for (let i = 0; i < N; i++) expected = stepNumber(expected, i);
    expect(evaluate(f, [0.7])).toBe(expected);
    expect(metrics(f).depth).toBe(N);
    // Printing is iterative too (and capped in length).
    const text = formatNode(f, f.outputs[0] as number);
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text).toContain('…');
  });

  it.each([
    ['100,000 nested parentheses', `${'('.repeat(100_000)}x${')'.repeat(100_000)}`],
    ['100,000 nested sin calls', `${'sin('.repeat(100_000)}x${')'.repeat(100_000)}`],
    ['100,000 unary minus signs', `${'-'.repeat(100_000)}x`],
  ])('%s: DifflabError too-deep, not a crash', (_, source) => {
    expectTooDeep(source);
  });

  it('200 nested parenthesized steps (within mathjs parser limits) evaluate as mathjs does', () => {
    let source = 'x';
    for (let i = 0; i < 200; i++) source = i % 2 === 0 ? `sin(${source})` : `(${source} * 1.5 + 0.25)`;
    const f = parse(source);
    expect(metrics(f).depth).toBe(300);
    let expected = 0.7;
    for (let i = 0; i < 200; i++) expected = i % 2 === 0 ? Math.sin(expected) : expected * 1.5 + 0.25;
    expect(evaluate(f, [0.7])).toBe(expected);
    expect(evaluate(f, [0.7])).toBe(predictable.evaluate(source, { x: 0.7 }));
  });

  it('a 2,000-level left-nested chain, which mathjs parses but cannot evaluate, evaluates as the plain loop', () => {
    // + and − at one precedence level nest on the left: ((x − 0.25) + 0.5) − 0.25 …
    const chain = (n: number) =>
      `x${Array.from({ length: n }, (_, i) => (i % 2 === 0 ? ' - 0.25' : ' + 0.5')).join('')}`;
    const loop = (n: number, x: number) => {
      for (let i = 0; i < n; i++) x = i % 2 === 0 ? x - 0.25 : x + 0.5;
      return x;
    };
    const source = chain(2000);
    expect(() => predictable.parse(source)).not.toThrow();
    expect(() => predictable.evaluate(source, { x: 3 })).toThrow(RangeError);
    const f = parse(source);
    expect(metrics(f).depth).toBe(2000);
    expect(evaluate(f, [3.1])).toBe(loop(2000, 3.1));
    // At 1,000 levels mathjs evaluates it too.
    expect(evaluate(parse(chain(1000)), [3.1])).toBe(predictable.evaluate(chain(1000), { x: 3.1 }));
  });

  it('a 100,000-term sum parses (mathjs reads + iteratively) and evaluates', () => {
    const source = `x${' + 0.1'.repeat(100_000)}`;
    const f = parse(source);
    expect(metrics(f).depth).toBe(100_000);
    let expected = 1;
    for (let i = 0; i < 100_000; i++) expected += 0.1;
    expect(evaluate(f, [1])).toBe(expected);
  });
});
