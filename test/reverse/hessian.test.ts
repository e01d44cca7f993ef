/**
 * Hessians and Hessian–vector products by forward over reverse, against closed forms and against the other
 * methods (finite differences of the reverse-mode gradient, and forward mode on the gradient's own program).
 */
import { describe, expect, test } from 'vitest';
import { generateInput } from '../../src/gradbench/generate.js';
import { gradient, graphDerivative, hessian, hvp, methods, parse } from '../../src/index.js';
import { gradientAndHvp, hvp as hvpResult } from '../../src/reverse/index.js';
import { GRADBENCH_EVALS } from '../../src/workloads/gradbench/index.js';
import type { KmeansWorkload } from '../../src/workloads/gradbench/kmeans.js';
import type { GradbenchEval } from '../../src/workloads/gradbench/types.js';

describe('hessian and hvp', () => {
  test('the lecture example has the constant Hessian 2xxᵀ + 2λI = [[12, 4], [4, 18]]', () => {
    const f = parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');
    expect(hessian(f, [3, 4]).map((r) => Array.from(r))).toEqual([
      [12, 4],
      [4, 18],
    ]);
    expect(Array.from(hvp(f, [3, 4], [1, -1]))).toEqual([8, -14]);
  });

  test('a smooth function of three variables matches its closed-form Hessian', () => {
    const f = parse('x^2 * y + sin(x * z) + exp(y) / z');
    const [x, y, z] = [0.7, -0.4, 1.3];
    const s = Math.sin(x * z);
    const c = Math.cos(x * z);
    const e = Math.exp(y);
    const closed = [
      [2 * y - z * z * s, 2 * x, c - x * z * s],
      [2 * x, e / z, -e / (z * z)],
      [c - x * z * s, -e / (z * z), -x * x * s + (2 * e) / z ** 3],
    ];
    const H = hessian(f, [x, y, z]);
    closed.forEach((row, i) => row.forEach((h, j) => expect(H[i]?.[j]).toBeCloseTo(h, 13)));
  });

  test('hvp equals central differences of the reverse-mode gradient along v', () => {
    const f = parse('log(1 + x^2 + y^4) * tanh(z - x) + sigmoid(x * y * z)');
    const at = [0.3, -1.1, 0.8];
    const v = [0.5, 0.25, -1];
    const Hv = hvp(f, at, v);
    const h = 1e-5;
    const plus = gradient(
      f,
      at.map((a, i) => a + h * (v[i] as number)),
    );
    const minus = gradient(
      f,
      at.map((a, i) => a - h * (v[i] as number)),
    );
    // Central differences of an exact gradient: error O(h²) ≈ 1e-10 plus rounding ε/h ≈ 1e-11.
    Hv.forEach((hv, i) => expect(hv).toBeCloseTo(((plus[i] as number) - (minus[i] as number)) / (2 * h), 8));
  });

  test('the Hessian equals the Jacobian of the symbolic gradient program, differentiated by forward mode', () => {
    const f = parse('x^3 * y - 2 * x * y^2 + cos(x + y)');
    const at = [1.2, -0.7];
    const H = hessian(f, at);
    // Row i of H is the gradient of ∂f/∂xᵢ: compare with forward mode on the closed-form partials.
    const dfdx = parse('3 * x^2 * y - 2 * y^2 - sin(x + y)');
    const dfdy = parse('x^3 - 4 * x * y - sin(x + y)');
    const rows = [methods.forward.gradient(dfdx, at).value, methods.forward.gradient(dfdy, at).value];
    rows.forEach((row, i) => row.forEach((h, j) => expect(H[i]?.[j]).toBeCloseTo(h, 13)));
  });
});

describe('gradientAndHvp', () => {
  test('gives reverse mode’s gradient and hvp’s H·v to the bit, through a map (GradBench kmeans)', () => {
    const ev = GRADBENCH_EVALS.kmeans as GradbenchEval<unknown, KmeansWorkload>;
    const w = ev.prepare(ev.read(generateInput({ eval: 'kmeans', sizes: { n: 50, k: 7, d: 3 } })));
    const ones = new Float64Array(w.x.length).fill(1);
    const both = gradientAndHvp(w.f, w.x, ones);
    expect(both.gradient).toEqual(methods.reverse.gradient(w.f, w.x).value);
    expect(both.hvp).toEqual(hvpResult(w.f, w.x, ones).value);
    // kmeans' Hessian is diagonal with entries 2·(points nearest the centroid): H·1 counts them.
    const counts = new Float64Array(w.k);
    for (let j = 0; j < w.k; j++) counts[j] = (both.hvp[j * w.d] as number) / 2;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(50);
  });

  test('agrees with reverse mode on a flat program at a kink and a pole', () => {
    const f = parse('abs(x) * y + log(y) / x + max(x, y)^2');
    // An independent H·v: the graph engine's gradient program, then forward mode's jvp of it (the same op
    // table's partials, differentiated by another route than forward over reverse).
    const grad = graphDerivative(f, { kind: 'jacobian' }).program;
    for (const at of [
      [0, 1],
      [1, 0],
      [2, 2],
      [0.5, -1.5],
    ]) {
      const both = gradientAndHvp(f, at, [1, -1]);
      expect(both.gradient).toEqual(methods.reverse.gradient(f, at).value);
      expect(both.hvp).toEqual(hvpResult(f, at, [1, -1]).value);
      expect(both.hvp, String(at)).toEqual(methods.forward.jvp(grad, at, [1, -1]).value);
    }
  });
});
