/**
 * Each workload's reference gradient agrees with reverse and forward mode (and so the two agree with it), and
 * its value with a plain-JS evaluation of the same formula; the depth workloads' DAG and tree sizes match
 * their closed forms.
 */
import { describe, expect, test } from 'vitest';
import { evaluate, methods, metrics, TREE_SIZE_LIMIT, unroll } from '../../src/index.js';
import {
  LOGREG_OBJECTS,
  logisticMap,
  logreg,
  logregData,
  mlp,
  mlpData,
  mlpLayout,
  mlpParameters,
  nested,
  ridgeData,
  rosenbrock,
  type Workload,
  workloads,
} from '../../src/workloads/index.js';

/** log(1 + eᶻ), written out again here so the reference does not share code with the workload. */
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** The value of each workload by its formula, in plain JS (the data from the workloads' data functions). */
const plainValue: Record<string, (K: number, x: Float64Array) => number> = {
  ridge(K, w) {
    const { x, y, lambda } = ridgeData(K);
    let r = -y;
    let ww = 0;
    for (let i = 0; i < K; i++) {
      r += (w[i] as number) * (x[i] as number);
      ww += (w[i] as number) ** 2;
    }
    return r * r + lambda * ww;
  },
  product: (_K, w) => w.reduce((p, wi) => p * wi, 1),
  rosenbrock(K, x) {
    let f = 0;
    for (let i = 0; i + 1 < K; i++) {
      const xi = x[i] as number;
      f += 100 * ((x[i + 1] as number) - xi ** 2) ** 2 + (1 - xi) ** 2;
    }
    return f;
  },
  logreg(K, at) {
    const { X, y } = logregData(K);
    let Q = 0;
    for (let i = 0; i < LOGREG_OBJECTS; i++) {
      let z = at[K - 1] as number;
      for (let j = 0; j < K - 1; j++) z += (X[i]?.[j] as number) * (at[j] as number);
      // −[y log σ(z) + (1 − y) log(1 − σ(z))] with log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z)
      Q += y[i] === 1 ? softplus(-z) : softplus(z);
    }
    return Q;
  },
  mlp(K, at) {
    const L = mlpLayout(K);
    const theta = mlpParameters(K);
    theta.set(at);
    const { X, labels } = mlpData();
    let loss = 0;
    for (let i = 0; i < L.batch; i++) {
      const H = Array.from({ length: L.hidden }, (_, j) => {
        let t = theta[L.b1 + j] as number;
        for (let k = 0; k < L.inputs; k++)
          t += (X[i]?.[k] as number) * (theta[L.W1 + k * L.hidden + j] as number);
        return 1 / (1 + Math.exp(-t));
      });
      const Z = Array.from({ length: L.classes }, (_, c) =>
        H.reduce((z, h, j) => z + h * (theta[L.W2 + j * L.classes + c] as number), theta[L.b2 + c] as number),
      );
      const m = Math.max(...Z);
      loss += m + Math.log(Z.reduce((s, z) => s + Math.exp(z - m), 0)) - (Z[labels[i] as number] as number);
    }
    return loss;
  },
  'logistic-map'(K, x) {
    let l = x[0] as number;
    for (let n = 1; n < K; n++) l = 4 * l * (1 - l);
    return l;
  },
  nested(K, x) {
    let u = x[0] as number;
    for (let n = 0; n < K; n++) u = Math.sin(u) + u ** 2 / 4;
    return u;
  },
};

/** |a − b| ≤ tol·max(1, |b|) for every entry. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-13): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const err = Math.abs((actual[i] as number) - e);
    if (!(err <= tol * Math.max(1, Math.abs(e)))) {
      expect.fail(`entry ${i}: ${actual[i]} vs ${e} (error ${err})`);
    }
  }
}

const inputs = (w: Workload, K: number) => (w.kind === 'size' ? K : 1);

test('the workloads are registered under their names, in report order', () => {
  expect(Object.keys(workloads)).toEqual([
    'ridge',
    'product',
    'rosenbrock',
    'logreg',
    'mlp',
    'logistic-map',
    'nested',
  ]);
  for (const [name, w] of Object.entries(workloads)) {
    expect(w.name).toBe(name);
    expect(w.description.length).toBeGreaterThan(0);
    expect(plainValue[name], `a plain-JS value for ${name}`).toBeDefined();
  }
});

describe.each(Object.values(workloads))('$name', (w) => {
  const sizes = w.kind === 'size' ? [1, 2, 7, 64] : [1, 2, 5, 20, 64];

  test.each(sizes)('at K = %i the closed-form gradient equals reverse and forward mode', (K) => {
    const f = w.build(K);
    const x = w.point(K);
    expect(f.variables.length).toBe(inputs(w, K));
    expect(x.length).toBe(inputs(w, K));
    expect(Number.isFinite(evaluate(f, x))).toBe(true);
    const closed = w.gradient(K, x);
    expect(closed.every(Number.isFinite)).toBe(true);
    for (const method of ['reverse', 'forward'] as const)
      expectClose(methods[method].gradient(f, x).value, closed);
  });

  test.each(sizes)('at K = %i the value equals a plain-JS evaluation of the formula', (K) => {
    const x = w.point(K);
    const v = evaluate(w.build(K), x);
    const plain = plainValue[w.name]?.(K, x) as number;
    expect(Math.abs(v - plain)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(plain)));
  });

  test('builds the same program twice (deterministic data and point)', () => {
    const K = 9;
    const [f, g] = [w.build(K), w.build(K)];
    expect(f.variables).toEqual(g.variables);
    expect(f.op).toEqual(g.op);
    expect(f.constants).toEqual(g.constants);
    expect(w.point(K)).toEqual(w.point(K));
  });
});

describe.each(Object.values(workloads).filter((w) => w.kind === 'size'))('$name at K = 100,000', (w) => {
  test('builds, and reverse mode equals the closed-form gradient', () => {
    const K = 100_000;
    const f = w.build(K);
    const x = w.point(K);
    expect(f.variables.length).toBe(K);
    expectClose(methods.reverse.gradient(f, x).value, w.gradient(K, x));
  });
});

describe('rosenbrock', () => {
  test('is 0 with a zero gradient at its minimum (1, …, 1)', () => {
    for (const K of [2, 3, 50]) {
      const f = rosenbrock.build(K);
      const ones = new Float64Array(K).fill(1);
      expect(evaluate(f, ones)).toBe(0);
      expect(Array.from(methods.reverse.gradient(f, ones).value)).toEqual(new Array(K).fill(0));
      expect(Array.from(rosenbrock.gradient(K, ones))).toEqual(new Array(K).fill(0));
    }
  });

  test('at K = 2 is the classic 100(y − x²)² + (1 − x)², 24.2 at (−1.2, 1) with gradient (−215.6, −88)', () => {
    const f = rosenbrock.build(2);
    expect(evaluate(f, [-1.2, 1])).toBeCloseTo(24.2, 12);
    expectClose(methods.reverse.gradient(f, [-1.2, 1]).value, [-215.6, -88]);
  });
});

describe('logreg', () => {
  test('at K = 1 (bias only) the loss is Σ softplus(∓b) and its derivative Σ (σ(b) − yᵢ)', () => {
    const { y } = logregData(1);
    const ones = y.reduce((s, yi) => s + yi, 0);
    expect(ones).toBeGreaterThan(0);
    expect(ones).toBeLessThan(LOGREG_OBJECTS);
    const b = 0.1;
    const s = 1 / (1 + Math.exp(-b));
    expectClose(methods.reverse.gradient(logreg.build(1), [b]).value, [LOGREG_OBJECTS * s - ones]);
  });

  test('stays finite far from the data (no overflow in log σ)', () => {
    const K = 5;
    const far = Float64Array.from({ length: K }, (_, j) => (j % 2 === 0 ? 800 : -800));
    const f = logreg.build(K);
    expect(Number.isFinite(evaluate(f, far))).toBe(true);
    expectClose(methods.reverse.gradient(f, far).value, logreg.gradient(K, far));
  });
});

describe('mlp', () => {
  test('every K is a valid size: K inputs, the smallest hidden width holding them, fewer than 10 frozen', () => {
    for (let K = 1; K <= 60; K++) {
      const L = mlpLayout(K);
      expect(L.parameters).toBe(L.hidden * (L.inputs + 1 + L.classes) + L.classes);
      expect(L.parameters).toBeGreaterThanOrEqual(K);
      if (L.hidden > 1) expect(mlpLayout(K).parameters - 10).toBeLessThan(K);
      expect(mlp.build(K).variables.length).toBe(K);
      expect(mlp.point(K).length).toBe(K);
    }
    expect(mlpLayout(100_003)).toMatchObject({ hidden: 10_000, parameters: 100_003 });
  });

  test('the variables are the parameters in the order W₁, b₁, W₂, b₂', () => {
    expect(mlp.build(23).variables).toEqual([
      ...['W1_0_0', 'W1_0_1', 'W1_1_0', 'W1_1_1', 'W1_2_0', 'W1_2_1'],
      ...['W1_3_0', 'W1_3_1', 'W1_4_0', 'W1_4_1', 'W1_5_0', 'W1_5_1'],
      ...['b1_0', 'b1_1', 'W2_0_0', 'W2_0_1', 'W2_0_2', 'W2_1_0', 'W2_1_1', 'W2_1_2'],
      ...['b2_0', 'b2_1', 'b2_2'],
    ]);
  });

  test('∂/∂b₂ sums to 0 over the classes (softmax − one-hot sums to 0 for each object)', () => {
    const K = 103;
    const g = mlp.gradient(K, mlp.point(K));
    const L = mlpLayout(K);
    expect(Math.abs((g[L.b2] as number) + (g[L.b2 + 1] as number) + (g[L.b2 + 2] as number))).toBeLessThan(
      1e-14,
    );
  });
});

describe('logistic-map', () => {
  test('a scan of K − 1 steps: unrolled, DAG size 3K grows linearly, tree size 6·2^(K−1) − 5 exponentially, depth 2(K − 1)', () => {
    expect(metrics(logisticMap.build(1))).toMatchObject({ dagSize: 1, treeSize: 1n, depth: 0 });
    for (const K of [2, 3, 10, 64, 200, 1000]) {
      const f = logisticMap.build(K);
      // The program is the scan and its body: the same few nodes at every K.
      expect(f.calls.length).toBe(1);
      expect(f.size).toBe(logisticMap.build(2).size);
      const m = metrics(f);
      expect(m.unrolledOps).toBe(3 * (K - 1));
      expect(m.treeSize).toBe(6n * 2n ** BigInt(K - 1) - 5n);
      expect(m.depth).toBe(2 * (K - 1));
      if (K <= 200) expect(metrics(unroll(f)).dagSize).toBe(3 * K);
    }
  });

  test('matches Baydin et al.’s l₂ = 4x(1 − x) and l₃ = 16x(1 − x)(1 − 2x)² at K = 2 and 3', () => {
    const x = 0.3;
    expect(evaluate(logisticMap.build(2), [x])).toBeCloseTo(4 * x * (1 - x), 15);
    expect(evaluate(logisticMap.build(3), [x])).toBeCloseTo(16 * x * (1 - x) * (1 - 2 * x) ** 2, 15);
    // d/dx 16(x − x²)(1 − 2x)² = 16(1 − 2x)³ − 64(x − x²)(1 − 2x)
    const d3 = 16 * (1 - 2 * x) ** 3 - 64 * (x - x * x) * (1 - 2 * x);
    expectClose(logisticMap.gradient(3, [x]), [d3]);
  });
});

describe('nested', () => {
  test('DAG size 4K + 2 grows linearly, tree size (7·3^K − 5)/2 exponentially (saturated past 2^1024)', () => {
    for (const K of [1, 2, 10, 100, 600, 1000]) {
      const m = metrics(nested.build(K));
      expect(m.dagSize).toBe(4 * K + 2);
      const exact = (7n * 3n ** BigInt(K) - 5n) / 2n;
      expect(m.treeSize).toBe(exact < TREE_SIZE_LIMIT ? exact : TREE_SIZE_LIMIT);
    }
  });

  test('at depth 1000 the derivative has decayed like 0.7^K, to relative accuracy', () => {
    const K = 1000;
    const x = nested.point(K);
    const d = nested.gradient(K, x)[0] as number;
    expect(d).toBeGreaterThan(1e-170);
    expect(d).toBeLessThan(1e-140);
    const g = methods.reverse.gradient(nested.build(K), x).value[0] as number;
    expect(Math.abs(g - d)).toBeLessThanOrEqual(1e-12 * d);
  });

  test('stays bounded at depth 100,000 (no recursion; the iterates settle at the fixed point)', () => {
    const K = 100_000;
    const f = nested.build(K);
    const x = nested.point(K);
    const v = evaluate(f, x);
    expect(v).toBeGreaterThan(1.7);
    expect(v).toBeLessThan(1.8);
    expect(v).toBe(plainValue.nested?.(K, x));
    expect(methods.reverse.gradient(f, x).value[0]).toBe(0); // 0.7^100000 underflows
  });
});
