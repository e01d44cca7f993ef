/**
 * Limits: node budgets and nesting depth give clear errors (never a crash or a hang), and the graph engine,
 * which does not recurse, differentiates chains of 100,000 and 1,000,000 operations.
 */
import { describe, expect, test } from 'vitest';
import { sin } from '../../src/ir/builders.js';
import { DifflabError } from '../../src/ir/errors.js';
import { type Expr, variable, withGraph } from '../../src/ir/graph.js';
import { type Program, program } from '../../src/ir/program.js';
import { MATHJS_MAX_DEPTH, symbolic } from '../../src/symbolic/index.js';
import { product } from '../../src/workloads/index.js';

function logisticMap(n: number): Program<number> {
  return withGraph(() => {
    let l: Expr = variable('x');
    for (let k = 0; k < n; k++) l = l.mul(4).mul(l.neg().add(1));
    return program(l);
  });
}

/** sin(sin(…sin(x))), n deep. */
function sinChain(n: number): Program<number> {
  return withGraph(() => {
    let e: Expr = variable('x');
    for (let k = 0; k < n; k++) e = sin(e);
    return program(e);
  });
}

/** The error `run` throws (fails the test if it does not throw a DifflabError). */
function errorOf(run: () => unknown): DifflabError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(DifflabError);
    return e as DifflabError;
  }
  throw new Error('expected a DifflabError');
}

describe('budget', () => {
  test('mathjs: derivative trees past the budget stop with the size reached and how to go on', () => {
    // The 40-factor product's derivative trees have 3160 nodes.
    const e = errorOf(() =>
      symbolic.gradient(product.build(40), new Array(40).fill(1), { engine: 'mathjs', budget: 1000 }),
    );
    expect(e.code).toBe('budget');
    expect(e.message).toMatch(/mathjs derivative trees reached \d+ nodes, over the budget of 1000/);
    expect(e.message).toMatch(/\{ budget \}/);
  });

  test('mathjs: a function whose tree is already past the budget is refused before mathjs runs', () => {
    // 40 steps of the logistic map: a DAG of ~200 nodes whose tree has about 7·2^40 nodes.
    const e = errorOf(() => symbolic.gradient(logisticMap(40), [0.3], { engine: 'mathjs' }));
    expect(e.code).toBe('budget');
    expect(e.message).toMatch(
      /function's expression tree .* has \d\.\d+e\+12 nodes, over the budget of 1000000/,
    );
    expect(e.message).toMatch(/engine: 'graph'/);
  });

  test('mathjs simplify: a tree past simplifyBudget stops before simplify runs (it took 137 s at depth 8)', () => {
    // Logistic map depth 8 (the issue's case): each derivative tree has thousands of nodes, over the
    // default simplifyBudget of 1,000, and is refused at once.
    const e = errorOf(() => symbolic.gradient(logisticMap(8), [0.3], { engine: 'mathjs', simplify: true }));
    expect(e.code).toBe('budget');
    expect(e.message).toMatch(/simplify has \d+ nodes, over the simplifyBudget of 1000/);
    expect(e.message).toMatch(/\{ simplifyBudget \}/);
    // Depth 5's derivative tree (1,183 nodes) is refused under a budget of 200; depth 3's is simplified.
    const small = errorOf(() =>
      symbolic.gradient(logisticMap(5), [0.3], { engine: 'mathjs', simplify: true, simplifyBudget: 200 }),
    );
    expect(small.message).toMatch(/simplify has 1183 nodes, over the simplifyBudget of 200/);
    const plain = symbolic.gradient(logisticMap(3), [0.3], { engine: 'graph' });
    const simplified = symbolic.gradient(logisticMap(3), [0.3], { engine: 'mathjs', simplify: true });
    expect(simplified.stats.details?.simplify).toBe(1);
    expect(simplified.value[0]).toBeCloseTo(plain.value[0] as number, 12);
  });

  test('graph: more new DAG nodes than the budget stop the build', () => {
    const e = errorOf(() =>
      symbolic.gradient(product.build(40), new Array(40).fill(1), { engine: 'graph', budget: 20 }),
    );
    expect(e.code).toBe('budget');
    expect(e.message).toMatch(/derivative DAG .* reached 2\d nodes, over the budget of 20/);
  });

  test('a cached derivative larger than a later, smaller budget is refused too', () => {
    const f = product.build(10);
    const x = new Array(10).fill(1);
    expect(symbolic.gradient(f, x, { engine: 'mathjs' }).value).toHaveLength(10);
    expect(errorOf(() => symbolic.gradient(f, x, { engine: 'mathjs', budget: 50 })).code).toBe('budget');
  });

  test('the graph engine differentiates the 40-step logistic map, which mathjs cannot', () => {
    let l = 0.3;
    let dl = 1;
    for (let k = 0; k < 40; k++) {
      dl = 4 * (1 - 2 * l) * dl;
      l = 4 * l * (1 - l);
    }
    const r = symbolic.gradient(logisticMap(40), [0.3], { engine: 'graph' });
    expect(Math.abs((r.value[0] as number) - dl)).toBeLessThan(1e-9 * Math.abs(dl));
  });
});

describe('depth', () => {
  test('mathjs: a chain of 1,000,000 operations is refused as too deep, naming the way out', () => {
    const e = errorOf(() => symbolic.gradient(sinChain(1_000_000), [0.5], { engine: 'mathjs' }));
    expect(e.code).toBe('too-deep');
    expect(e.message).toMatch(/1000000 operations deep, too deep for mathjs's recursive derivative\(\)/);
    expect(e.message).toMatch(/engine: 'graph'/);
  });

  test("mathjs: below the pre-check, mathjs's own stack overflow becomes too-deep", () => {
    const depth = MATHJS_MAX_DEPTH - 1000;
    const e = errorOf(() => symbolic.gradient(sinChain(depth), [0.5], { engine: 'mathjs' }));
    expect(e.code).toBe('too-deep');
    expect(e.cause).toBeInstanceOf(RangeError);
  });

  test.each([100_000, 1_000_000])('graph: a sin chain %i deep differentiates: Π cos(sₖ)', (n) => {
    let s = 0.5;
    let d = 1;
    for (let k = 0; k < n; k++) {
      d *= Math.cos(s);
      s = Math.sin(s);
    }
    const r = symbolic.gradient(sinChain(n), [0.5], { engine: 'graph' });
    expect(Math.abs((r.value[0] as number) - d)).toBeLessThan(1e-12 * d);
    // x, sin₁..sin_{n−1}, one cos per link, and n − 1 products (the outermost adjoint is cos itself).
    expect(r.stats.details.dagSize).toBe(3 * n - 1);
  });
});
