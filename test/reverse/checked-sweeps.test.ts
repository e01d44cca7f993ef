/**
 * The interpreter's primal and backward sweeps run their loops in functions of their own, and a checked sweep
 * (`check: true`) runs those node by node, testing each value or adjoint in between. These tests pin what that
 * must not change: a checked sweep gives the unchecked numbers to the bit and names the node nearest the output
 * where a number stops being one; and on GradBench's det (one large DAG, the program the change was made for)
 * the gradient is the cofactor matrix, the same bits on both backends and with or without the check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateInput } from '../../src/gradbench/generate.js';
import {
  DifflabError,
  type Expr,
  evaluate,
  mapReduce,
  methods,
  parse,
  program,
  variable,
  withGraph,
} from '../../src/index.js';
import { det } from '../../src/workloads/gradbench/det.js';
import { sameBits } from '../ir/support/close.js';
import { pointArbitrary, programOf, specArbitrary } from '../support/expressions.js';

function message(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof DifflabError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

/** The determinant of an n × n matrix (row-major) by Gaussian elimination with partial pivoting. */
function luDet(m: readonly number[], n: number): number {
  const a = m.slice();
  let d = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let r = k + 1; r < n; r++)
      if (Math.abs(a[r * n + k] as number) > Math.abs(a[p * n + k] as number)) p = r;
    if (p !== k) {
      for (let c = 0; c < n; c++)
        [a[k * n + c], a[p * n + c]] = [a[p * n + c] as number, a[k * n + c] as number];
      d = -d;
    }
    const pivot = a[k * n + k] as number;
    d *= pivot;
    for (let r = k + 1; r < n; r++) {
      const q = (a[r * n + k] as number) / pivot;
      for (let c = k; c < n; c++) a[r * n + c] = (a[r * n + c] as number) - q * (a[k * n + c] as number);
    }
  }
  return d;
}

/** ∂det/∂A_ij = the cofactor (−1)^(i+j) det(A without row i and column j), each minor by elimination. */
function cofactors(m: Float64Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const minor: number[] = [];
      for (let r = 0; r < n; r++)
        for (let c = 0; c < n; c++) if (r !== i && c !== j) minor.push(m[r * n + c] as number);
      out.push(((i + j) % 2 === 0 ? 1 : -1) * luDet(minor, n - 1));
    }
  }
  return out;
}

describe('det: the gradient is the cofactor matrix, the same bits on both backends and when checked', () => {
  for (const ell of [7, 11]) {
    it(`ℓ = ${ell}`, () => {
      const w = det.prepare(det.read(generateInput({ eval: 'det', sizes: { ell } })));
      const g = methods.reverse.gradient(w.f, w.x).value;
      const ref = cofactors(w.x, ell);
      const scale = Math.max(...ref.map(Math.abs));
      for (let k = 0; k < ref.length; k++)
        expect(Math.abs((g[k] as number) - (ref[k] as number))).toBeLessThan(1e-12 * scale);
      expect(sameBits(methods.reverse.gradient(w.f, w.x, { check: true }).value, g)).toBe(true);
      // The generated code (tiering is off in the tests) against the interpreter.
      expect(sameBits(methods.reverse.gradient(w.f, w.x, { backend: 'compile' }).value, g)).toBe(true);
      const value = evaluate(w.f, w.x);
      expect(Math.abs(value - luDet(Array.from(w.x), ell))).toBeLessThan(1e-12 * Math.abs(value));
      expect(Object.is(evaluate(w.f, w.x, { check: true }), value)).toBe(true);
    });
  }
});

describe('a checked sweep gives the unchecked numbers to the bit', () => {
  it('random programs of three inputs, where the check passes', () => {
    fc.assert(
      fc.property(specArbitrary(3), pointArbitrary(3), (spec, x) => {
        const f = programOf([spec], 3);
        const g = methods.reverse.gradient(f, x).value;
        const v = evaluate(f, x);
        if (!Number.isFinite(v) || !g.every(Number.isFinite)) return;
        expect(Object.is(evaluate(f, x, { check: true }), v)).toBe(true);
        expect(sameBits(methods.reverse.gradient(f, x, { check: true }).value, g)).toBe(true);
      }),
      { numRuns: 300, seed: 14 },
    );
  });
});

describe('a checked sweep names the node nearest the output where a number stops being one', () => {
  it('backward: the outer √ of √(√(x − x) + y) at (0, 0), not the inner one below it', () => {
    // The outer √'s partial at 0 is ∞, making its argument's adjoint ∞; the inner one makes x − x's NaN later.
    const f = parse('sqrt(sqrt(x - x) + y)');
    expect(message(() => methods.reverse.gradient(f, [0, 0], { check: true }))).toBe(
      'non-finite: the adjoint (∂f/∂·) of sqrt(x - x) + y is Infinity, through the partial of ' +
        'sqrt(sqrt(x - x) + y): the derivative is not a number from here on',
    );
  });

  it("primal: a loop call's second output, ∞ from a sum of finite rows, is named at that output", () => {
    const f = withGraph(() => {
      const a = variable('a');
      const [s, t] = mapReduce([[5e307], [5e307]], ([x]) => [(x as Expr).mul(a), (x as Expr).mul(a).mul(2)]);
      return program([s as Expr, t as Expr], { variables: [a] });
    });
    expect(Number.isFinite(evaluate(f, [1])[0])).toBe(true);
    expect(evaluate(f, [1])[1]).toBe(Number.POSITIVE_INFINITY);
    expect(message(() => evaluate(f, [1], { check: true }))).toBe(
      'non-finite: map_sum(2 rows; a)[1] evaluates to Infinity',
    );
  });
});
