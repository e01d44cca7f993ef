/**
 * The DAG and its size: hash-consing makes equal subterms one node, and the metrics (DAG size, exact tree size,
 * depth, op counts) match closed forms.
 */
import { describe, expect, it } from 'vitest';
import {
  add,
  constant,
  dot,
  type Expr,
  metrics,
  mul,
  parse,
  program,
  sin,
  sum,
  TREE_SIZE_LIMIT,
  variable,
  withGraph,
} from '../../src/ir/index.js';
import { evaluate } from '../../src/sweeps/index.js';
import { graphDerivative } from '../../src/symbolic/graph-engine.js';
import { logisticMap } from '../../src/workloads/index.js';

/**
 * Hash-consing: equal subterms are one node, whether built with the builder or parsed.
 */
describe('hash-consing', () => {
  it('x*y + x*y built twice has one product node', () => {
    withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      const p1 = mul(x, y);
      const p2 = x.mul(y);
      expect(p2.id).toBe(p1.id);
      const f = program(add(mul(x, y), mul(x, y)));
      const m = metrics(f);
      expect(m.opCounts.mul).toBe(1);
      expect(m.opCounts.add).toBe(1);
      expect(m.dagSize).toBe(4); // x, y, x*y, sum
      expect(m.treeSize).toBe(7n); // 1 + 2·(1 + 1 + 1)
      expect(evaluate(f, [3, 5])).toBe(30);
    });
  });

  it('parse shares equal subterms too', () => {
    const f = parse('x*y + x*y');
    const m = metrics(f);
    expect(m.opCounts.mul).toBe(1);
    expect(m.dagSize).toBe(4);
    expect(evaluate(f, { x: 3, y: 5 })).toBe(30);
  });

  it('parse shares across outputs and deeper repeats: sin(x*y)^2 + sin(x*y)', () => {
    const f = parse(['sin(x*y)^2 + sin(x*y)', 'sin(x*y) * 2']);
    const m = metrics(f);
    expect(m.opCounts.mul).toBe(2); // x*y and sin(x*y)*2
    expect(m.opCounts.sin).toBe(1);
    expect(m.opCounts.const).toBe(1); // the constant 2, used twice
    const s = Math.sin(0.5 * 3);
    expect(Array.from(evaluate(f, { x: 0.5, y: 3 }))).toEqual([s ** 2 + s, s * 2]);
  });

  it('equal constants are one node, 0 and −0 two, and NaN one', () => {
    withGraph(() => {
      expect(constant(2).id).toBe(constant(2).id);
      expect(constant(0).id).not.toBe(constant(-0).id);
      expect(constant(Number.NaN).id).toBe(constant(Number.NaN).id);
      // Two different NaN payloads are still one node.
      const other = new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0] as number;
      expect(constant(other).id).toBe(constant(Number.NaN).id);
    });
  });

  it('the same name is the same variable, and argument order matters', () => {
    withGraph(() => {
      expect(variable('x').id).toBe(variable('x').id);
      expect(mul(variable('x'), variable('y')).id).not.toBe(mul(variable('y'), variable('x')).id);
      expect(sin(variable('x')).id).toBe(variable('x').sin().id);
    });
  });

  it('lookups stay correct across the table growing (many distinct nodes, then the same again)', () => {
    withGraph(() => {
      const x = variable('x');
      const first: number[] = [];
      for (let i = 0; i < 20_000; i++) first.push(x.mul(i).id);
      const size = first.length;
      for (let i = 0; i < 20_000; i++) expect(x.mul(i).id).toBe(first[i]);
      expect(new Set(first).size).toBe(size);
    });
  });

  it('many variables (not kept in the hash table) do not disturb lookups of the ops on them', () => {
    withGraph(() => {
      const xs = Array.from({ length: 5_000 }, (_, i) => variable(`x${i}`));
      const squares = xs.map((x) => x.mul(x).id);
      expect(xs.map((x) => x.mul(x).id)).toEqual(squares);
      expect(xs.map((_, i) => variable(`x${i}`).id)).toEqual(xs.map((x) => x.id));
    });
  });
});

/**
 * Size metrics against closed forms: DAG size, exact tree size as a bigint (past 2^53), depth and op counts.
 */
describe('metrics', () => {
  it('a chain product of 1,000 distinct factors: tree 1,999, depth 999', () => {
    const f = withGraph(() => {
      let p: Expr = variable('w0');
      for (let i = 1; i < 1000; i++) p = p.mul(variable(`w${i}`));
      return program(p);
    });
    const m = metrics(f);
    expect(m.treeSize).toBe(1999n);
    expect(m.dagSize).toBe(1999);
    expect(m.depth).toBe(999);
    expect(m.opCounts).toEqual({ var: 1000, mul: 999 });
  });

  it('1,000 repeated squarings: tree 2^1001 − 1 exactly, DAG 1,001, depth 1,000', () => {
    const f = withGraph(() => {
      let p: Expr = variable('x');
      for (let k = 0; k < 1000; k++) p = p.mul(p);
      return program(p);
    });
    const m = metrics(f);
    expect(m.treeSize).toBe(2n ** 1001n - 1n);
    expect(m.treeSize > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(m.dagSize).toBe(1001);
    expect(m.depth).toBe(1000);
    expect(m.opCounts).toEqual({ var: 1, mul: 1000 });
    // x^(2^1000) is 1 at x = ±1, 0 inside and ∞ outside.
    expect(evaluate(f, [-1])).toBe(1);
    expect(evaluate(f, [0.999])).toBe(0);
    expect(evaluate(f, [1.001])).toBe(Number.POSITIVE_INFINITY);
  });

  it('forward-mode product rule for Π wᵢ with sharing: tree n² + n − 1, DAG 4n − 3, depth 2(n − 1)', () => {
    // p₁ = w₁, t₁ = 1 (the tangent along all-ones); p_k = p_{k−1}·w_k, t_k = t_{k−1}·w_k + p_{k−1}.
    // Tree sizes: P(k) = 2k − 1 and T(k) = 1 + (T(k−1) + 2) + P(k−1) = T(k−1) + 2k, so T(n) = n² + n − 1.
    // DAG: the constant, n variables, p₂..p_{n−1} (t_n does not use p_n), and a product and a sum per t_k.
    const n = 300;
    const { f, w } = withGraph(() => {
      const w = Array.from({ length: n }, (_, i) => variable(`w${i + 1}`));
      let p: Expr = w[0] as Expr;
      let t: Expr = constant(1);
      for (let k = 1; k < n; k++) {
        const wk = w[k] as Expr;
        t = t.mul(wk).add(p);
        p = p.mul(wk);
      }
      return { f: program(t), w };
    });
    const m = metrics(f);
    expect(m.treeSize).toBe(BigInt(n * n + n - 1));
    expect(m.dagSize).toBe(1 + n + (n - 2) + 2 * (n - 1));
    expect(m.depth).toBe(2 * (n - 1));
    expect(m.opCounts).toEqual({ const: 1, var: n, mul: n - 2 + (n - 1), add: n - 1 });
    // Its value is Σᵢ Πⱼ≠ᵢ wⱼ; at wⱼ = 1 + j/n² that is Π w · Σ 1/wᵢ.
    expect(w).toHaveLength(n);
    const point = Array.from({ length: n }, (_, j) => 1 + j / (n * n));
    const product = point.reduce((a, b) => a * b, 1);
    const expected = point.reduce((s, x) => s + product / x, 0);
    expect(Math.abs(evaluate(f, point) / expected - 1)).toBeLessThan(1e-12);
  });

  it('an n-ary node counts once in the tree, plus its arguments', () => {
    const f = withGraph(() => {
      const xs = Array.from({ length: 10 }, (_, i) => variable(`x${i}`));
      return program(sum(xs).mul(dot(xs, xs)));
    });
    const m = metrics(f);
    expect(m.treeSize).toBe(1n + (1n + 10n) + (1n + 20n));
    expect(m.dagSize).toBe(10 + 3);
    expect(m.depth).toBe(2);
    expect(m.opCounts).toEqual({ var: 10, sum: 1, dot: 1, mul: 1 });
  });

  it('several outputs: tree sizes add, depth is the deepest, the DAG counts shared nodes once', () => {
    const f = parse(['x*y', 'sin(x*y) + 1']);
    const m = metrics(f);
    expect(m.treeSize).toBe(3n + 6n);
    expect(m.depth).toBe(3);
    expect(m.dagSize).toBe(6); // 1, x, y, x*y, sin, +
  });
});

/**
 * Exact tree sizes of a deep DAG have as many bits as it is deep, which made metrics O(depth²) in time and
 * memory; sizes saturate at TREE_SIZE_LIMIT = 2^1024 instead, so no size holds more than 1,025 bits.
 */
describe('tree sizes saturate at 2^1024', () => {
  const squarings = (k: number) =>
    withGraph(() => {
      let p: Expr = variable('x');
      for (let i = 0; i < k; i++) p = p.mul(p);
      return program(p);
    });

  it('2^1024 − 1 (1,023 squarings) is still exact; 2^1025 − 1 and beyond read as the limit', () => {
    expect(TREE_SIZE_LIMIT).toBe(2n ** 1024n);
    expect(metrics(squarings(1023)).treeSize).toBe(2n ** 1024n - 1n);
    expect(metrics(squarings(1024)).treeSize).toBe(TREE_SIZE_LIMIT);
    expect(metrics(squarings(5000)).treeSize).toBe(TREE_SIZE_LIMIT);
  });

  it('a 50,000-step logistic map: depth exact, tree size at the limit (its exact size has 50,000 bits)', () => {
    const K = 50_000;
    const m = metrics(logisticMap.build(K));
    expect(m.depth).toBe(2 * (K - 1));
    expect(m.treeSize).toBe(TREE_SIZE_LIMIT);
  });

  it("the graph engine's derivative of a 5,000-step logistic map reports the saturated size", () => {
    const d = graphDerivative(logisticMap.build(5000));
    expect(d.treeSize).toBe(TREE_SIZE_LIMIT);
    expect(d.dagSize).toBeLessThan(20 * 5000);
  });
});
