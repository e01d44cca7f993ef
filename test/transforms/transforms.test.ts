/**
 * The function transforms (grad, valueAndGrad, jacfwd, jacrev, hessian, jvp, vjp) on the worked examples
 * against the numbers the notes give and closed forms, and against the program-level calls on the same
 * functions built with variable() and program().
 */
import { describe, expect, it } from 'vitest';
import {
  dot,
  type Expr,
  evaluate,
  grad,
  gradient,
  hessian,
  jacfwd,
  jacobian,
  jacrev,
  jvp,
  mapReduce,
  parse,
  program,
  scan,
  sub,
  valueAndGrad,
  variable,
  vjp,
  withGraph,
} from '../../src/index.js';

const close = (actual: number, expected: number, digits = 12) => expect(actual).toBeCloseTo(expected, digits);
const closeAll = (actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 12) => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i] as number, expected[i] as number, digits);
};

describe('the example of the issue: grad((x, y) => x.mul(y).sin())(1, 2)', () => {
  const f = (x: Expr, y: Expr) => x.mul(y).sin();

  it('differentiates the first argument by default (argnums 0, as JAX)', () => {
    // ∂/∂x sin(xy) = y·cos(xy)
    close(grad((x, y) => x.mul(y).sin())(1, 2), 2 * Math.cos(2), 15);
  });

  it('argnums picks positions; a list gives a tuple', () => {
    close(grad(f, { argnums: 1 })(1, 2), Math.cos(2), 15);
    const [gx, gy] = grad(f, { argnums: [0, 1] })(1, 2);
    close(gx, 2 * Math.cos(2), 15);
    close(gy, Math.cos(2), 15);
  });

  it('agrees with the program-level gradient of the same function', () => {
    const p = withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      return program(f(x, y), { variables: [x, y] });
    });
    for (const method of ['reverse', 'forward', 'numeric', 'symbolic'] as const) {
      const g = grad(f, { argnums: [0, 1], method })(1, 2);
      expect(g).toEqual(Array.from(gradient(p, [1, 2], { method })));
    }
  });
});

describe('worked example 1: L(w) = (wᵀx − y)² + λ·wᵀw, x = [1, 2], y = 0, λ = 5', () => {
  const L = (w: Expr[]) => dot(w, [1, 2]).sub(0).pow(2).add(dot(w, w).mul(5));

  it('grad at w = [3, 4] is [52, 84]; valueAndGrad adds L = 246', () => {
    expect(grad(L)([3, 4])).toEqual([52, 84]);
    expect(grad(L)(new Float64Array([3, 4]))).toEqual([52, 84]);
    expect(valueAndGrad(L)([3, 4])).toEqual([246, [52, 84]]);
  });

  it('the Hessian is 2·xxᵀ + 2λI = [[12, 4], [4, 18]], the same as the program-level one on parse', () => {
    const H = hessian(L)([3, 4]);
    expect(H).toEqual([
      [12, 4],
      [4, 18],
    ]);
    const f = parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');
    expect(hessian(f, [3, 4]).map((r) => Array.from(r))).toEqual(H);
  });

  it('jacfwd and jacrev of a scalar function are its gradient', () => {
    expect(jacfwd(L)([3, 4])).toEqual([52, 84]);
    expect(jacrev(L)([3, 4])).toEqual([52, 84]);
  });
});

describe('worked example 6: the PyTorch notebook values', () => {
  it('z = mean(3·y·y), y = x + 2: ∇ₓz = 2(x + 2)', () => {
    const z = (x: Expr[]) => {
      const y = x.map((xi) => xi.add(2));
      return dot(y, y).mul(3 / 3);
    };
    const x = [0.21713, 1.01658, -0.62985];
    closeAll(grad(z)(x), [4.43426, 6.03316, 2.7403], 12);
  });

  it('y = 2048·x (eleven doublings): vjp with v = [0.1, 1, 0.0001] gives [204.8, 2048, 0.2048]', () => {
    const double11 = (x: Expr[]) => {
      let y = x.map((xi) => xi.mul(2));
      for (let k = 0; k < 10; k++) y = y.map((yi) => yi.mul(2));
      return y;
    };
    const [y, pullback] = vjp(double11, [[1, 2, 3]]);
    expect(y).toEqual([2048, 4096, 6144]);
    const [dx] = pullback([0.1, 1, 0.0001]);
    closeAll(dx as number[], [204.8, 2048, 0.2048], 12);
  });

  it('linear regression by gradient descent, the loss a mapReduce over the rows: 980, [−130, −1700], then w → [2, 1]', () => {
    const X = [
      [1, 40],
      [2, 30],
      [3, 20],
      [4, 10],
    ];
    const rows = X.map(([a, b]): [number, number, number] => [
      a as number,
      b as number,
      2 * (a as number) + (b as number),
    ]);
    let traces = 0;
    const loss = (w: Expr[]) => {
      traces++;
      const [w1, w2] = w as [Expr, Expr];
      return mapReduce(rows, ([a, b, y]) => w1.mul(a).add(w2.mul(b)).sub(y).pow(2)).div(rows.length);
    };
    const step = valueAndGrad(loss);
    const [l0, g0] = step([0, 0]);
    expect(l0).toBe(980);
    expect(g0).toEqual([-130, -1700]);
    let w = [0, 0];
    for (let k = 0; k < 1001; k++) {
      const g = grad(loss)(w);
      w = w.map((wi, i) => wi - 0.0013 * (g[i] as number));
      if (k === 0) closeAll(w, [0.169, 2.21], 12);
    }
    closeAll(w, [1.99996, 1.0], 4);
    // Traced once for its one shape, whatever the number of calls and transforms.
    expect(traces).toBe(1);
  });
});

describe('worked example 3: logistic regression, ∂Q/∂w = Xᵀ(σ(Xw + b) − y), ∂Q/∂b = Σ(σ(Xw + b) − y)', () => {
  const X = [
    [0.5, -1.2],
    [1.5, 0.3],
    [-0.7, 2.0],
    [0.1, 0.1],
  ];
  const y = [1, 0, 1, 0];
  const Q = (w: Expr[], b: Expr) =>
    mapReduce(
      X.map((row, i): [number, number, number] => [row[0] as number, row[1] as number, y[i] as number]),
      ([x1, x2, yi]) => {
        const p = (w[0] as Expr)
          .mul(x1)
          .add((w[1] as Expr).mul(x2))
          .add(b)
          .sigmoid();
        return yi
          .mul(p.log())
          .add(sub(1, yi).mul(sub(1, p).log()))
          .neg();
      },
    );
  const sigma = (t: number) => 1 / (1 + Math.exp(-t));

  it('grad over (w, b) against the closed form', () => {
    const w = [0.3, -0.4];
    const b = 0.2;
    const r = X.map(
      (row, i) => sigma((row[0] as number) * 0.3 + (row[1] as number) * -0.4 + b) - (y[i] as number),
    );
    const gw = [0, 1].map((k) => X.reduce((s, row, i) => s + (row[k] as number) * (r[i] as number), 0));
    const gb = r.reduce((s, v) => s + v, 0);
    const [dw, db] = grad(Q, { argnums: [0, 1] })(w, b);
    closeAll(dw, gw, 14);
    close(db, gb, 14);
    // jacfwd agrees with it through the loop (forward mode).
    const [fw, fb] = jacfwd(Q, { argnums: [0, 1] })(w, b);
    closeAll(fw, gw, 14);
    close(fb, gb, 14);
  });
});

describe('loops inside traced functions', () => {
  it('scan: the logistic map x ← r·x·(1 − x), against the program-level calls on the same program', () => {
    const logistic = (r: Expr, x0: Expr) => scan(x0, 20, (x) => r.mul(x).mul(sub(1, x))).carry;
    const p = withGraph(() => {
      const [r, x0] = [variable('r'), variable('x0')];
      return program(logistic(r, x0), { variables: [r, x0] });
    });
    const at = [3.2, 0.4];
    expect(grad(logistic, { argnums: [0, 1] })(3.2, 0.4)).toEqual(Array.from(gradient(p, at)));
    expect(valueAndGrad(logistic)(3.2, 0.4)[0]).toBe(evaluate(p, at));
    expect(hessian(logistic, { argnums: [0, 1] })(3.2, 0.4)).toEqual(
      hessian(p, at).map((r) => Array.from(r)),
    );
    const [value, tangent] = jvp(logistic, [3.2, 0.4], [1, -2]);
    expect(value).toBe(evaluate(p, at));
    close(tangent, (gradient(p, at)[0] as number) - 2 * (gradient(p, at)[1] as number), 10);
  });
});

describe('loops over the arguments themselves (rows of expressions)', () => {
  it('mapReduce over an array argument: ∇ Σ xᵢ³ = 3xᵢ²', () => {
    const cubes = (xs: Expr[]) =>
      mapReduce(
        xs.map((x): [Expr] => [x]),
        ([x]) => x.pow(3),
      );
    expect(grad(cubes)([1, 2, 3])).toEqual([3, 12, 27]);
    expect(hessian(cubes)([1, 2])).toEqual([
      [6, 0],
      [0, 12],
    ]);
  });

  it('scan over an array argument: the running product ∏ xᵢ, its gradient ∏ⱼ≠ᵢ xⱼ', () => {
    const product = (xs: Expr[]) =>
      scan(
        1,
        xs.map((x): [Expr] => [x]),
        (p, [x]) => p.mul(x),
      ).carry;
    expect(grad(product)([2, 3, 5])).toEqual([15, 10, 6]);
    expect(jacfwd(product)([2, 3, 5])).toEqual([15, 10, 6]);
  });
});

describe('trees: arrays and plain objects in and out', () => {
  it('an object argument gives an object gradient (keys in any order)', () => {
    const f = ({ a, b }: { a: Expr; b: Expr }) => a.mul(b).add(a.exp());
    expect(grad(f)({ b: 2, a: 0 })).toEqual({ a: 2 + 1, b: 0 });
  });

  it('jacobians: the result’s shape, then the argument’s', () => {
    const f = ([a, b]: [Expr, Expr]) => ({ p: a.mul(b), s: [a.sin(), b] });
    const at = [0.5, 2];
    const expected = {
      p: [2, 0.5],
      s: [
        [Math.cos(0.5), 0],
        [0, 1],
      ],
    };
    for (const J of [jacfwd(f)(at), jacrev(f)(at)]) {
      closeAll(J.p, expected.p, 15);
      expect(J.s.length).toBe(2);
      J.s.forEach((row, i) => closeAll(row, expected.s[i] as number[], 15));
    }
  });

  it('hessian over two arguments is a tuple of tuples', () => {
    // f = x²·y: H = [[2y, 2x], [2x, 0]]
    const H = hessian((x: Expr, y: Expr) => x.mul(x).mul(y), { argnums: [0, 1] })(3, 2);
    expect(H).toEqual([
      [4, 6],
      [6, 0],
    ]);
    expect(hessian((x: Expr, y: Expr) => x.mul(x).mul(y))(3, 2)).toBe(4);
  });

  it('jvp and vjp: value and tangent, value and pullback, in the shapes of the result and the arguments', () => {
    const f = (x: Expr, [v0, v1]: [Expr, Expr]) => [x.mul(v0), x.add(v1).exp()];
    const [value, tangent] = jvp(f, [1, [2, 0]], [1, [0, 1]]);
    closeAll(value, [2, Math.E], 15);
    // tangent along (dx, dv) = (1, (0, 1)): [v₀·1 + x·0, e^(x+v₁)·(1 + 1)]
    closeAll(tangent, [2, 2 * Math.E], 14);
    const [value2, pullback] = vjp(f, [1, [2, 0]]);
    expect(value2).toEqual(value);
    const [dx, dv] = pullback([1, 1]);
    close(dx as number, 2 + Math.E, 14);
    closeAll(dv as number[], [1, Math.E], 14);
  });

  it('a function returning a constant has a zero gradient', () => {
    expect(grad((_x: Expr) => 3)(1)).toBe(0);
  });

  it('traces once per shape: a new shape traces again', () => {
    let traces = 0;
    const f = (x: Expr[]) => {
      traces++;
      return dot(x, x);
    };
    const g = grad(f);
    expect(g([1, 2])).toEqual([2, 4]);
    expect(g([3, 4])).toEqual([6, 8]);
    expect(jacrev(f)([5, 6])).toEqual([10, 12]);
    expect(traces).toBe(1);
    expect(g([1, 2, 3])).toEqual([2, 4, 6]);
    expect(traces).toBe(2);
  });
});

describe('the program-level forms of hessian, jvp and vjp are kept', () => {
  const f = parse(['x*y', 'sin(x)'], { variables: ['x', 'y'] });
  it('jvp(f, at, v) and vjp(f, at, u) return J·v and uᵀJ', () => {
    closeAll(jvp(f, [1, 2], [1, 0]), [2, Math.cos(1)], 15);
    closeAll(vjp(f, [1, 2], [1, 1]), [2 + Math.cos(1), 1], 15);
    closeAll(jacobian(f, [1, 2])[0] as Float64Array, [2, 1], 15);
  });
});
