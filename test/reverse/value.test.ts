/**
 * The dynamic, PyTorch-like face of reverse mode: leaves, eager values, .backward() and .grad.
 */
import { describe, expect, test } from 'vitest';
import { backwardValues, leaf, sumValues, type Value } from '../../src/index.js';

describe('Value: record as you compute, then backward()', () => {
  test('y = x² + sin x: y.data is computed eagerly, x.grad = 2x + cos x', () => {
    const x = leaf(3);
    const y = x.mul(x).add(x.sin());
    expect(y.data).toBe(9 + Math.sin(3));
    y.backward();
    expect(x.grad).toBe(6 + Math.cos(3));
  });

  test('the notebook example: z = mean(3·y·y) with y = x + 2 gives x.grad = 2(x + 2)', () => {
    const xs = [0.21713, 1.01658, -0.62985].map((v) => leaf(v));
    const ys = xs.map((x) => x.add(2));
    const z = sumValues(ys.map((y) => y.mul(3).mul(y))).div(3);
    z.backward();
    xs.forEach((x) => expect(x.grad).toBeCloseTo(2 * (x.data + 2), 13));
  });

  test('backward with a cotangent vector is a vector–Jacobian product: y = 2048x, v = [0.1, 1, 0.0001]', () => {
    const xs = [0.21713, 1.01658, -0.62985].map((v) => leaf(v));
    let ys: Value[] = xs.map((x) => x.mul(2));
    for (let k = 0; k < 10; k++) ys = ys.map((y) => y.mul(2));
    backwardValues(ys, [0.1, 1.0, 0.0001]);
    expect(xs.map((x) => x.grad)).toEqual([0.1 * 2048, 2048, 0.0001 * 2048]);
  });

  test('gradients accumulate over backward calls until zeroGrad(), as in PyTorch', () => {
    const x = leaf(2);
    const y = x.mul(x);
    y.backward();
    y.backward();
    expect(x.grad).toBe(8);
    x.zeroGrad();
    y.backward();
    expect(x.grad).toBe(4);
  });

  test('a leaf dropped by the caller still has its value on record', () => {
    const y = leaf(5).mul(3).add(leaf(1).exp());
    const x = leaf(2);
    const z = y.mul(x);
    z.backward();
    expect(x.grad).toBe(15 + Math.E);
  });
});
