/**
 * The worked examples of the lecture notes (WORKED-EXAMPLES.md), by reverse and forward mode, against the
 * numbers the notes give or closed forms.
 */
import { describe, expect, test } from 'vitest';
import {
  compare,
  constant,
  dot,
  type Expr,
  evaluate,
  gradient,
  jacobian,
  logsumexp,
  methods,
  parse,
  program,
  relu,
  sigmoid,
  sum,
  traceReverse,
  variable,
  vjp,
} from '../../src/index.js';

const EXACT = ['forward', 'reverse'] as const;
const LECTURE = '(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)';

describe('example 1: the computational graph L(w) = (wᵀx − y)² + λ·wᵀw', () => {
  const f = parse(LECTURE);

  test.each(EXACT)('%s mode gives ∇L = [52, 84] at w = [3, 4]', (method) => {
    expect(evaluate(f, { w1: 3, w2: 4 })).toBe(246);
    expect(Array.from(gradient(f, { w1: 3, w2: 4 }, { method }))).toEqual([52, 84]);
  });

  test('the builder form gives the same function and gradient', () => {
    const w = [variable('w1'), variable('w2')];
    const x = [constant(1), constant(2)];
    const g = program(dot(w, x).sub(0).pow(2).add(dot(w, w).mul(5)));
    expect(g.variables).toEqual(['w1', 'w2']);
    expect(evaluate(g, [3, 4])).toBe(246);
    expect(Array.from(gradient(g, [3, 4]))).toEqual([52, 84]);
  });

  test('the trace reads like the slide: values a = 11, b = 11, c = 121, d = 25, e = 125 and adjoints 1, 1, 22, 5, 22', () => {
    const t = traceReverse(f, { w1: 3, w2: 4 });
    const step = (op: string, value: number) => {
      const s = t.steps.find((s) => f.opName(s.node) === op && s.value === value);
      expect(s, `${op} = ${value}`).toBeDefined();
      return s as (typeof t.steps)[number];
    };
    const a = step('add', 11); // a = wᵀx
    const b = step('sub', 11); // b = a − y
    const c = step('pow', 121); // c = b²
    const d = step('add', 25); // d = wᵀw
    const e = step('mul', 125); // e = λd
    const L = step('add', 246);
    expect([L.adjoint, c.adjoint, e.adjoint]).toEqual([1, 1, 1]); // ∂L/∂L, ∂L/∂c, ∂L/∂e
    expect(b.adjoint).toBe(22); // 2b
    expect(d.adjoint).toBe(5); // λ
    expect(a.adjoint).toBe(22);
    expect(t.value).toBe(246);
    expect(Array.from(t.gradient)).toEqual([52, 84]);
    expect(t.inputs.map((i) => [i.name, i.value, i.adjoint])).toEqual([
      ['w1', 3, 52],
      ['w2', 4, 84],
    ]);
    // Steps are named a, b, c, ... in forward order and refer to earlier steps by name.
    expect(t.steps[0]?.name).toBe('a');
    expect(b.expression).toBe(`${a.name} - 0`);
    expect(c.expression).toBe(`${b.name}^2`);
  });
});

describe('example 6: the PyTorch notebook values', () => {
  const x0 = [0.21713, 1.01658, -0.62985];
  const expected = x0.map((x) => 2 * (x + 2)); // ∇ z = 2(x + 2) = [4.43426, 6.03316, 2.74030]

  test.each(EXACT)('%s mode: z = mean(3·y·y), y = x + 2 gives ∇z = 2(x + 2)', (method) => {
    const xs = ['x1', 'x2', 'x3'].map((n) => variable(n));
    const ys = xs.map((x) => x.add(2));
    const z = program(sum(ys.map((y) => y.mul(3).mul(y))).div(3));
    const g = gradient(z, x0, { method });
    expected.forEach((e, i) => expect(g[i]).toBeCloseTo(e, 12));
    expect(Array.from(g, (v) => Number(v.toFixed(5)))).toEqual([4.43426, 6.03316, 2.7403]);
  });

  test.each(EXACT)(
    '%s mode: y = 2x doubled ten times, vjp with v = [0.1, 1, 0.0001] gives [204.8, 2048, 0.2048]',
    (method) => {
      let ys: Expr[] = ['x1', 'x2', 'x3'].map((n) => variable(n).mul(2));
      for (let k = 0; k < 10; k++) ys = ys.map((y) => y.mul(2));
      const f = program(ys);
      const u = [0.1, 1.0, 0.0001];
      const g = vjp(f, x0, u, { method });
      // y = 2048x, so uᵀJ = 2048u exactly (powers of two scale without rounding).
      expect(Array.from(g)).toEqual(u.map((v) => 2048 * v));
      expect(g[0]).toBeCloseTo(204.8, 12);
      expect(g[2]).toBeCloseTo(0.2048, 14);
    },
  );

  test('linear regression by gradient descent: loss 980 and gradient [−130, −1700] at the start, w = [0.169, 2.21] after one step, ≈ [2, 1] after 1001', () => {
    const X = [
      [1, 40],
      [2, 30],
      [3, 20],
      [4, 10],
    ];
    const Y = X.map(([a, b]) => 2 * (a as number) + (b as number)); // [42, 34, 26, 18]
    expect(Y).toEqual([42, 34, 26, 18]);
    const w = [variable('w1'), variable('w2')];
    const residuals = X.map((row, i) => dot(w, row).sub(Y[i] as number));
    const loss = program(sum(residuals.map((r) => r.pow(2))).div(X.length));
    let at = new Float64Array([0, 0]);
    expect(evaluate(loss, at)).toBe(980);
    expect(Array.from(gradient(loss, at))).toEqual([-130, -1700]);
    const lr = 0.0013;
    const step = () => {
      const g = gradient(loss, at);
      at = at.map((v, i) => v - lr * (g[i] as number));
    };
    step();
    expect(at[0]).toBeCloseTo(0.169, 12);
    expect(at[1]).toBeCloseTo(2.21, 12);
    for (let k = 1; k < 1001; k++) step();
    expect(at[0]).toBeCloseTo(1.99996, 5);
    expect(at[1]).toBeCloseTo(1.0, 5);
  });
});

/** A deterministic pseudo-random sequence (so data is the same on every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

describe('example 3: logistic regression, ∂Q/∂w = Xᵀ(σ(Xw + b) − y), ∂Q/∂b = Σ(σ(Xw + b) − y)', () => {
  const rand = lcg(3);
  const N = 7;
  const K = 4;
  const X = Array.from({ length: N }, () => Array.from({ length: K }, () => 2 * rand()));
  const y = Array.from({ length: N }, (_, i) => i % 2);
  const w = Array.from({ length: K }, (_, j) => variable(`w${j}`));
  const b = variable('b');
  const yhat = X.map((row) => sigmoid(dot(w, row).add(b)));
  const Q = program(sum(yhat.map((p, i) => (y[i] === 1 ? p.log() : constant(1).sub(p).log()))).neg(), {
    variables: [...w, b],
  });
  const at = [0.3, -0.2, 0.5, 0.1, -0.4];
  const s = X.map((row) => {
    const z = row.reduce((acc, xij, j) => acc + xij * (at[j] as number), at[K] as number);
    return 1 / (1 + Math.exp(-z));
  });
  const closed = [
    ...Array.from({ length: K }, (_, j) =>
      X.reduce((acc, row, i) => acc + (row[j] as number) * ((s[i] as number) - (y[i] as number)), 0),
    ),
    s.reduce((acc, si, i) => acc + si - (y[i] as number), 0),
  ];

  test.each(EXACT)('%s mode matches the closed form', (method) => {
    const g = gradient(Q, at, { method });
    closed.forEach((c, i) => expect(g[i]).toBeCloseTo(c, 13));
  });
});

describe('example 4: layers of a fully connected network', () => {
  const rand = lcg(4);
  const n = 3; // objects
  const d = 4; // inputs
  const h = 2; // outputs
  const matrix = (r: number, c: number) =>
    Array.from({ length: r }, () => Array.from({ length: c }, () => rand()));
  const Xv = matrix(n, d);
  const Wv = matrix(d, h);
  const bv = [0.3, -0.1];
  const G = matrix(n, h); // ∂Q/∂T, fixed
  const X = Xv.map((row, i) => row.map((_, j) => variable(`X${i}_${j}`)));
  const W = Wv.map((row, i) => row.map((_, j) => variable(`W${i}_${j}`)));
  const b = bv.map((_, j) => variable(`b${j}`));
  const col = (M: Expr[][], j: number) => M.map((row) => row[j] as Expr);
  const T = X.map((row) => b.map((bj, j) => dot(row, col(W, j)).add(bj))); // T = XW + 1bᵀ
  const flat = <T>(M: T[][]) => M.flat();

  test('linear layer with upstream gradient G: ∂Q/∂W = XᵀG, ∂Q/∂b = 1ᵀG, ∂Q/∂X = GWᵀ', () => {
    // Q = Σ G ⊙ T has ∂Q/∂T = G exactly.
    const Q = program(sum(flat(T).map((t, k) => t.mul(flat(G)[k] as number))), {
      variables: [...flat(X), ...flat(W), ...b],
    });
    const point = [...flat(Xv), ...flat(Wv), ...bv];
    for (const method of EXACT) {
      const g = gradient(Q, point, { method });
      const at = (name: string) => g[Q.variables.indexOf(name)] as number;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < h; j++) {
          const XtG = Xv.reduce(
            (acc, row, r) => acc + (row[i] as number) * ((G[r] as number[])[j] as number),
            0,
          );
          expect(at(`W${i}_${j}`)).toBeCloseTo(XtG, 14);
        }
      }
      for (let j = 0; j < h; j++)
        expect(at(`b${j}`)).toBeCloseTo(
          G.reduce((acc, row) => acc + (row[j] as number), 0),
          14,
        );
      for (let r = 0; r < n; r++) {
        for (let i = 0; i < d; i++) {
          const GWt = (G[r] as number[]).reduce(
            (acc, gj, j) => acc + gj * ((Wv[i] as number[])[j] as number),
            0,
          );
          expect(at(`X${r}_${i}`)).toBeCloseTo(GWt, 14);
        }
      }
    }
  });

  test('ReLU: ∂Q/∂T = ∂Q/∂Z ⊙ [T > 0], with relu′(0) = 0', () => {
    const t = [-1.5, 0, 2, 0.5, -0.25, 0];
    const up = [0.7, 0.9, -1.1, 2, 3, -4];
    const ts = t.map((_, k) => variable(`t${k}`));
    const Q = program(sum(ts.map((v, k) => relu(v).mul(up[k] as number))));
    for (const method of EXACT) {
      expect(Array.from(gradient(Q, t, { method }))).toEqual(
        t.map((v, k) => (v > 0 ? (up[k] as number) : 0)),
      );
    }
  });

  test('cross-entropy on log-probabilities: ∂Q/∂Z = −Y; log-softmax then cross-entropy: ∂Q/∂T = softmax(T) − Y', () => {
    const Tv = matrix(n, 3);
    const Y = [
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ];
    const Tx = Tv.map((row, i) => row.map((_, j) => variable(`T${i}_${j}`)));
    const ce = program(sum(flat(Tx).map((z, k) => z.mul(flat(Y)[k] as number))).neg());
    for (const method of EXACT) {
      expect(Array.from(gradient(ce, flat(Tv), { method }))).toEqual(flat(Y).map((v) => (v === 0 ? 0 : -v)));
    }
    // Q = −Σᵢⱼ yᵢⱼ (tᵢⱼ − logsumexp(tᵢ))
    const logsm = Tx.map((row) => {
      const lse = logsumexp(row);
      return row.map((t) => t.sub(lse));
    });
    const Q = program(sum(flat(logsm).map((z, k) => z.mul(flat(Y)[k] as number))).neg());
    const softmax = Tv.map((row) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    const closed = flat(softmax).map((p, k) => p - (flat(Y)[k] as number));
    for (const method of EXACT) {
      const g = gradient(Q, flat(Tv), { method });
      closed.forEach((c, k) => expect(g[k]).toBeCloseTo(c, 14));
    }
  });
});

describe('example 5: two-layer network ŷ = σ(σ(XW₁)W₂)', () => {
  test('reverse and forward mode equal the hand-written backward pass of the lecture', () => {
    const rand = lcg(5);
    const n = 4;
    const d = 3;
    const h = 5;
    const Xv = Array.from({ length: n }, () => Array.from({ length: d }, () => rand()));
    const yv = [1, 0, 1, 1];
    const W1v = Array.from({ length: d }, () => Array.from({ length: h }, () => rand()));
    const W2v = Array.from({ length: h }, () => rand());
    const W1 = W1v.map((row, i) => row.map((_, j) => variable(`W1_${i}_${j}`)));
    const W2 = W2v.map((_, j) => variable(`W2_${j}`));
    const H = Xv.map(
      (row) =>
        W1[0]?.map((_, j) =>
          sigmoid(
            dot(
              W1.map((r) => r[j] as Expr),
              row,
            ),
          ),
        ) as Expr[],
    );
    const yhat = H.map((hrow) => sigmoid(dot(hrow, W2)));
    const loss = program(sum(yhat.map((p, i) => p.sub(yv[i] as number).pow(2))).div(2), {
      variables: [...W1.flat(), ...W2],
    });
    const point = [...W1v.flat(), ...W2v];

    // The lecture's backward pass: keep XW₁, σ(XW₁), its product with W₂ and ŷ; multiply by σ′ at each σ and
    // by the weights' transposes at each product.
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    const A1 = Xv.map((row) =>
      Array.from({ length: h }, (_, j) =>
        row.reduce((acc, x, i) => acc + x * ((W1v[i] as number[])[j] as number), 0),
      ),
    );
    const H1 = A1.map((row) => row.map(sig));
    const A2 = H1.map((row) => row.reduce((acc, v, j) => acc + v * (W2v[j] as number), 0));
    const Yh = A2.map(sig);
    const dA2 = Yh.map((p, i) => (p - (yv[i] as number)) * p * (1 - p));
    const dW2 = W2v.map((_, j) =>
      H1.reduce((acc, row, i) => acc + (row[j] as number) * (dA2[i] as number), 0),
    );
    const dA1 = H1.map((row, i) => row.map((v, j) => (dA2[i] as number) * (W2v[j] as number) * v * (1 - v)));
    const dW1 = W1v.map((row, a) =>
      row.map((_, j) =>
        Xv.reduce((acc, xrow, i) => acc + (xrow[a] as number) * ((dA1[i] as number[])[j] as number), 0),
      ),
    );
    const closed = [...dW1.flat(), ...dW2];
    for (const method of EXACT) {
      const g = gradient(loss, point, { method });
      closed.forEach((c, k) => expect(g[k]).toBeCloseTo(c, 14));
    }
  });
});

describe('example 7: gates', () => {
  test('a multiply gate stores x and y and returns [y·dz, x·dz]', () => {
    const f = parse('x * y');
    const t = traceReverse(f, { x: 3, y: -4 });
    expect(t.inputs.map((i) => i.adjoint)).toEqual([-4, 3]);
    const dz = 2.5;
    expect(Array.from(vjp(parse(['x * y']), [3, -4], [dz]))).toEqual([-4 * dz, 3 * dz]);
  });
});

describe('multi-output jacobians', () => {
  test('jacobian of [x·y, sin(x) + y²] by forward and reverse mode equals the closed form', () => {
    const f = parse(['x * y', 'sin(x) + y^2']);
    const [x, y] = [0.7, -1.3];
    const closed = [
      [y, x],
      [Math.cos(x), 2 * y],
    ];
    for (const method of EXACT)
      expect(jacobian(f, [x, y], { method }).map((r) => Array.from(r))).toEqual(closed);
  });

  test('compare() runs all four methods and reports each error against reverse mode', () => {
    const rows = compare(parse(LECTURE), { w1: 3, w2: 4 });
    expect(rows.map((r) => r.method)).toEqual(Object.keys(methods));
    for (const r of rows) {
      expect(r.failure).toBeUndefined();
      expect(r.gradient?.[0]).toBeCloseTo(52, 6);
      expect(r.gradient?.[1]).toBeCloseTo(84, 6);
      expect(r.ops).toBeGreaterThan(0);
    }
    expect(rows.find((r) => r.method === 'forward')?.error).toBe(0);
  });
});
