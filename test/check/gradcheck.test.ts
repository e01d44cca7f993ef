/**
 * gradcheck (JAX's check_grads, PyTorch's gradcheck): forward and reverse mode against central differences
 * and against each other (⟨u, J·v⟩ = ⟨uᵀJ, v⟩), with PyTorch's float64 defaults. It passes on the worked
 * examples and fails, naming the entry, on derivatives that are wrong.
 */
import { describe, expect, it } from 'vitest';
import { type GradcheckParts, gradcheckParts } from '../../src/gradcheck.js';
import { DifflabError, gradcheck, jacobian, jvp, parse, vjp } from '../../src/index.js';

describe('worked examples pass', () => {
  it('example 1, (w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2) at (3, 4): the gradient [52, 84]', () => {
    const r = gradcheck(parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)'), { w1: 3, w2: 4 });
    expect(r.ok).toBe(true);
    expect(r.failures).toEqual([]);
    expect(Array.from(r.reverse[0] as Float64Array)).toEqual([52, 84]);
    expect(Array.from(r.numeric[0] as Float64Array)).toEqual([expect.closeTo(52, 4), expect.closeTo(84, 4)]);
    expect({ eps: r.eps, atol: r.atol, rtol: r.rtol }).toEqual({ eps: 1e-6, atol: 1e-5, rtol: 1e-3 });
  });

  it('example 6, z = mean(3(x + 2)²): ∇z = 2(x + 2)', () => {
    const x = [0.21713, 1.01658, -0.62985];
    const r = gradcheck(parse('(3*(x1+2)^2 + 3*(x2+2)^2 + 3*(x3+2)^2) / 3'), x);
    expect(r.ok).toBe(true);
    expect(Array.from(r.forward[0] as Float64Array)).toEqual(x.map((v) => expect.closeTo(2 * (v + 2), 12)));
  });

  it('a function with two outputs: every Jacobian entry and the dot-product test', () => {
    const f = parse(['x * y', 'sin(x) + y^2']);
    const r = gradcheck(f, [0.7, -1.3], { seed: 5 });
    expect(r.ok).toBe(true);
    expect(r.numeric).toHaveLength(2);
    // The dot-product test compares forward mode's ⟨u, Jv⟩ with reverse mode's ⟨uᵀJ, v⟩.
    expect(r.dot.check).toBe('dot');
    expect(r.dot.analytic).toBeCloseTo(r.dot.reference, 14);
    // The references are the library's own jvp and vjp; J itself is [[y, x], [cos x, 2y]].
    expect(Array.from(jacobian(f, [0.7, -1.3])[1] as Float64Array)).toEqual([Math.cos(0.7), -2.6]);
    expect(jvp(f, [0.7, -1.3], [1, 0], { method: 'forward' })[0]).toBe(-1.3);
    expect(vjp(f, [0.7, -1.3], [0, 1])[0]).toBe(Math.cos(0.7));
  });
});

describe('wrong derivatives fail', () => {
  it('relu at its kink: the convention relu′(0) = 0 is not what central differences see (0.5)', () => {
    const r = gradcheck(parse('relu(x) + y'), [0, 1]);
    expect(r.ok).toBe(false);
    expect(r.failures.map((e) => [e.check, e.output, e.input])).toEqual([
      ['forward', 0, 0],
      ['reverse', 0, 0],
    ]);
    expect(r.worst).toMatchObject({ analytic: 0, reference: expect.closeTo(0.5, 8) });
  });

  it('with raise, a failure is a gradcheck DifflabError naming the worst entry', () => {
    let error: unknown;
    try {
      gradcheck(parse('relu(x) + y'), [0, 1], { raise: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DifflabError);
    expect((error as DifflabError).code).toBe('gradcheck');
    expect((error as DifflabError).message).toMatch(
      /mode's ∂f0\/∂x0 against central differences: 0 vs 0\.4999/,
    );
    expect((error as DifflabError).message).toMatch(/\(and 1 more\)/);
  });

  /** The parts of f(x, y) = (x²y, x + y) with a correct Jacobian J = [[2xy, x²], [1, 1]], to perturb. */
  const parts = (change: Partial<GradcheckParts> = {}): GradcheckParts => {
    const J = (p: Float64Array) => {
      const [x, y] = p as unknown as [number, number];
      return [Float64Array.of(2 * x * y, x * x), Float64Array.of(1, 1)];
    };
    const matvec = (p: Float64Array, v: Float64Array) =>
      Float64Array.from(
        J(p),
        (row) => (row[0] as number) * (v[0] as number) + (row[1] as number) * (v[1] as number),
      );
    const vecmat = (p: Float64Array, u: Float64Array) => {
      const [r0, r1] = J(p) as [Float64Array, Float64Array];
      return Float64Array.from(
        [0, 1],
        (j) => (u[0] as number) * (r0[j] as number) + (u[1] as number) * (r1[j] as number),
      );
    };
    return {
      value: (p) =>
        Float64Array.of((p[0] as number) ** 2 * (p[1] as number), (p[0] as number) + (p[1] as number)),
      forwardJacobian: J,
      reverseJacobian: J,
      jvp: matvec,
      vjp: vecmat,
      ...change,
    };
  };
  const x = Float64Array.of(1.5, -0.5);

  it('the hand-built parts pass as they are', () => {
    expect(gradcheckParts(parts(), x, 2).ok).toBe(true);
  });

  it('a vjp off by 1e-3 in one entry fails the dot-product test alone', () => {
    const good = parts();
    const r = gradcheckParts(
      parts({ vjp: (p, u) => Float64Array.from(good.vjp(p, u), (g, j) => (j === 1 ? g * 1.01 : g)) }),
      x,
      2,
    );
    expect(r.ok).toBe(false);
    expect(r.failures.map((e) => e.check)).toEqual(['dot']);
  });

  it('a reverse Jacobian with a wrong entry fails that entry alone', () => {
    const good = parts();
    const r = gradcheckParts(
      parts({
        reverseJacobian: (p) => {
          const J = good.reverseJacobian(p);
          (J[0] as Float64Array)[1] = 2.26; // x² = 2.25
          return J;
        },
      }),
      x,
      2,
    );
    expect(r.failures.map((e) => [e.check, e.output, e.input])).toEqual([['reverse', 0, 1]]);
    // 0.01 off is over atol + rtol·2.25 = 0.00226, and 0.001 off would be within it.
    expect(r.worst.allowed).toBeCloseTo(1e-5 + 1e-3 * 2.25, 8);
  });

  it('tolerances are options: rtol 1e-2 accepts the same entry', () => {
    const good = parts();
    const r = gradcheckParts(
      parts({
        reverseJacobian: (p) => {
          const J = good.reverseJacobian(p);
          (J[0] as Float64Array)[1] = 2.26;
          return J;
        },
      }),
      x,
      2,
      { rtol: 1e-2 },
    );
    expect(r.ok).toBe(true);
  });

  it('NaN never passes', () => {
    const r = gradcheck(parse('sqrt(x)'), [0]);
    expect(r.ok).toBe(false);
  });
});

describe('bad options', () => {
  it('a non-positive eps is an invalid-argument error', () => {
    expect(() => gradcheck(parse('x'), [1], { eps: 0 })).toThrow(/eps must be a positive number/);
  });
});
