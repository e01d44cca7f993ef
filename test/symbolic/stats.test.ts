/**
 * What a call reports and how it handles its inputs: the stats, the per-program cache, `check`, and bad
 * arguments.
 */
import { describe, expect, test } from 'vitest';
import { parse } from '../../src/ir/mathjs.js';
import { DEFAULT_ENGINE, symbolic } from '../../src/symbolic/index.js';

const lecture = () => parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');

describe('stats', () => {
  test.each(['mathjs', 'graph'] as const)(
    '%s: the first call builds, later calls reuse the build',
    (engine) => {
      const f = lecture();
      const first = symbolic.gradient(f, [3, 4], { engine }).stats;
      const second = symbolic.gradient(f, [1, 2], { engine }).stats;
      expect(first.details.engine).toBe(engine);
      expect([first.details.cached, second.details.cached]).toEqual([0, 1]);
      expect(first.evaluations).toBe(1);
      expect(second.evaluations).toBe(1);
      // ops: the nodes evaluated, plus the nodes built on the first call only.
      expect(second.ops).toBe(second.details.evalOps);
      expect(first.ops).toBe((first.details.evalOps as number) + (first.details.built as number));
      expect(first.bytes).toBeGreaterThan(0);
      expect(second.bytes).toBe(first.bytes);
      expect(first.details.dagSize).toBeGreaterThan(0);
      expect(first.details.treeSize).toBeGreaterThanOrEqual(first.details.dagSize as number);
      expect(first.details.buildTime).toBeGreaterThanOrEqual(0);
      expect(second.details.buildTime).toBeUndefined();
    },
  );

  test('ops count the same on a repeated call (deterministic)', () => {
    const f = lecture();
    symbolic.gradient(f, [3, 4]);
    expect(symbolic.gradient(f, [3, 4]).stats.ops).toBe(symbolic.gradient(f, [5, 6]).stats.ops);
  });

  test('cache: false builds on every call', () => {
    const f = lecture();
    const a = symbolic.gradient(f, [3, 4], { engine: 'graph', cache: false }).stats;
    const b = symbolic.gradient(f, [3, 4], { engine: 'graph', cache: false }).stats;
    expect([a.details.cached, b.details.cached]).toEqual([0, 0]);
    expect(a.ops).toBe(b.ops);
  });

  test('mathjs sizes: the tree counts repeated subtrees, the DAG counts them once', () => {
    const s = symbolic.gradient(lecture(), [3, 4], { engine: 'mathjs' }).stats.details;
    expect(s.treeSize).toBeGreaterThan(s.dagSize as number);
    expect(s.objects).toBeGreaterThan(0);
  });

  test(`the default engine is ${DEFAULT_ENGINE}`, () => {
    expect(symbolic.gradient(lecture(), [3, 4]).stats.details.engine).toBe(DEFAULT_ENGINE);
  });
});

describe('IEEE semantics and check', () => {
  test.each(['mathjs', 'graph'] as const)(
    '%s: NaN propagates without check, and check names it',
    (engine) => {
      const f = parse('log(x) + y');
      const g = symbolic.gradient(f, [-1, 2], { engine }).value;
      expect(g[0]).toBe(-1); // 1/x is fine at −1
      expect(symbolic.gradient(parse('sqrt(x)'), [-1], { engine }).value[0]).toBeNaN();
      expect(() => symbolic.gradient(f, [-1, 2], { engine, check: true })).toThrow(
        expect.objectContaining({ code: 'non-finite' }),
      );
      expect(() => symbolic.gradient(parse('sqrt(x)'), [0], { engine, check: true })).toThrow(
        expect.objectContaining({ code: 'non-finite', message: expect.stringMatching(/∂f\/∂x/) }),
      );
    },
  );
});

describe('degenerate functions', () => {
  test.each(['mathjs', 'graph'] as const)(
    '%s: constants, unused variables and constant outputs',
    (engine) => {
      expect(symbolic.gradient(parse('3'), [], { engine }).value).toHaveLength(0);
      expect(Array.from(symbolic.gradient(parse('x*0 + 2'), [1], { engine }).value)).toEqual([0]);
      const J = symbolic.jacobian(parse(['x', '2']), [1], { engine }).value;
      expect(J.map((row) => Array.from(row))).toEqual([[1], [0]]);
      expect(
        Array.from(symbolic.gradient(parse('x'), [1], { engine, budget: Number.POSITIVE_INFINITY }).value),
      ).toEqual([1]);
    },
  );
});

describe('bad arguments', () => {
  test('an unknown engine', () => {
    expect(() => symbolic.gradient(lecture(), [3, 4], { engine: 'maple' as never })).toThrow(
      expect.objectContaining({ code: 'invalid-argument' }),
    );
  });

  test('a budget that is not a positive number', () => {
    expect(() => symbolic.gradient(lecture(), [3, 4], { budget: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid-argument' }),
    );
  });

  test('points and vectors of the wrong length', () => {
    const F = parse(['x*y', 'x+y']);
    expect(() => symbolic.gradient(lecture(), [3])).toThrow(expect.objectContaining({ code: 'bad-point' }));
    expect(() => symbolic.jvp(F, [1, 2], [1])).toThrow(expect.objectContaining({ code: 'bad-point' }));
    expect(() => symbolic.vjp(F, [1, 2], [1, 2, 3], { engine: 'graph' })).toThrow(
      expect.objectContaining({ code: 'bad-point' }),
    );
  });
});
