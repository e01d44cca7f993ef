/**
 * Sparse Jacobians and Hessians: patterns and colour counts against theory, values against the dense methods
 * and closed forms, and a property over random sparse programs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  colourColumns,
  colourRows,
  DifflabError,
  type Expr,
  hessian,
  hessianPattern,
  hvp,
  jacobian,
  jacobianPattern,
  mapReduce,
  type Pattern,
  type Program,
  program,
  scan,
  sparseHessian,
  sparseJacobian,
  sparseWorkloads,
  starColour,
  sum,
  toDense,
  variable,
  withGraph,
} from '../../src/index.js';
import { expectDifflabError } from '../ir/support/errors.js';
import {
  buildSpec,
  closeNormwise,
  pointArbitrary,
  type Spec,
  specArbitrary,
} from '../support/expressions.js';

/** The row sets of a pattern, as arrays. */
const rowsOf = (p: Pattern): number[][] =>
  Array.from({ length: p.rows }, (_, r) => Array.from(p.colIndex.subarray(p.rowPtr[r], p.rowPtr[r + 1])));

/** The tridiagonal pattern of size n. */
const tridiagonal = (n: number): number[][] =>
  Array.from({ length: n }, (_, i) => [i - 1, i, i + 1].filter((j) => j >= 0 && j < n));

/** ‖A − B‖∞ over all entries ≤ tol·max(‖B‖∞, 1). */
function expectClose(a: readonly Float64Array[], b: readonly Float64Array[], tol = 1e-12): void {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1;
  a.forEach((row, i) => {
    const ref = b[i] as Float64Array;
    row.forEach((v, j) => {
      diff = Math.max(diff, Math.abs(v - (ref[j] as number)));
      scale = Math.max(scale, Math.abs(ref[j] as number));
    });
  });
  expect(diff).toBeLessThanOrEqual(tol * scale);
}

/** True when no two columns of one colour share a row. */
function validColumns(p: Pattern, colour: Int32Array): boolean {
  for (const row of rowsOf(p)) {
    const seen = new Set(row.map((j) => colour[j]));
    if (seen.size !== row.length) return false;
  }
  return true;
}

/** True when the symmetric pattern's colouring is a star colouring: proper, and every 4-vertex path has 3+ colours. */
function validStar(p: Pattern, colour: Int32Array): boolean {
  const nb = rowsOf(p).map((row, i) => row.filter((j) => j !== i));
  for (let v = 0; v < p.rows; v++) {
    for (const w of nb[v] as number[]) {
      if (colour[v] === colour[w]) return false;
      for (const x of nb[w] as number[]) {
        if (x === v) continue;
        for (const y of nb[x] as number[]) {
          if (y === w || y === v) continue;
          if (colour[v] === colour[x] && colour[w] === colour[y]) return false;
        }
      }
    }
  }
  return true;
}

describe('sparsity patterns', () => {
  it('the Bratu residual has a tridiagonal Jacobian, Rosenbrock a tridiagonal Hessian', () => {
    const w = sparseWorkloads.bratu;
    expect(rowsOf(jacobianPattern(w.build(7)))).toEqual(tridiagonal(7));
    expect(rowsOf(hessianPattern(sparseWorkloads.rosenbrock.build(7)))).toEqual(tridiagonal(7));
  });

  it('couples by the second partials: linear ops nothing, a product its two sets, a quotient also its divisor', () => {
    const f = withGraph(() => {
      const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(variable) as Expr[];
      // a + b: linear; c·d: (c, d) only; 1/e: (e, e); the sum of them all couples nothing more.
      return program(sum([a as Expr, b as Expr, (c as Expr).mul(d as Expr), (e as Expr).add(1).pow(-1)]), {
        variables: ['a', 'b', 'c', 'd', 'e'],
      });
    });
    expect(rowsOf(hessianPattern(f))).toEqual([[], [], [3], [2], [4]]);
    expect(rowsOf(jacobianPattern(f))).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('a loop is unrolled: a map over pairs of inputs couples each pair, and the sparse Hessian runs it as a loop', () => {
    const f = withGraph(() => {
      const x = [0, 1, 2, 3].map((i) => variable(`x${i}`));
      const [x0, x1, x2, x3] = x as [Expr, Expr, Expr, Expr];
      const total = mapReduce(
        [
          [x0, x1],
          [x2, x3],
        ],
        ([a, b]) => a.mul(b).sin(),
      );
      return program(total, { variables: x });
    }) as Program<number>;
    expect(rowsOf(hessianPattern(f))).toEqual([
      [0, 1],
      [0, 1],
      [2, 3],
      [2, 3],
    ]);
    const x = [0.3, -0.7, 1.1, 0.4];
    expectClose(toDense(sparseHessian(f, x)), hessian(f, x));
  });
});

describe('the sparse option of jacobian and hessian', () => {
  it('returns the dense rows the dense methods give, from one sweep per colour', () => {
    const w = sparseWorkloads.bundle;
    const f = w.build(100);
    const x = w.point(100);
    for (const method of ['forward', 'reverse'] as const) {
      expectClose(jacobian(f, x, { method, sparse: true }), jacobian(f, x, { method }));
    }
    const g = sparseWorkloads['bundle-lsq'].build(100) as Program<number>;
    expectClose(hessian(g, x, { sparse: true }), hessian(g, x));
  });

  it('is an option of forward and reverse mode only, and a boolean', () => {
    const f = sparseWorkloads.bratu.build(5);
    const x = sparseWorkloads.bratu.point(5);
    expect(() => jacobian(f, x, { method: 'numeric', sparse: true } as never)).toThrow(
      /unknown option|sparse/,
    );
    expect(() => jacobian(f, x, { sparse: 'yes' } as never)).toThrow(/sparse must be true or false/);
    expect(() =>
      hessian(sparseWorkloads.rosenbrock.build(5) as Program<number>, x, { sparse: 1 } as never),
    ).toThrow(DifflabError);
  });
});

describe('bad input', () => {
  it('gives DifflabErrors with codes: unknown options, modes and orderings, a Hessian of a vector function', () => {
    const f = sparseWorkloads.bratu.build(5);
    const x = sparseWorkloads.bratu.point(5);
    expectDifflabError(() => sparseJacobian(f, x, { method: 'forward' } as never), 'invalid-argument');
    expectDifflabError(() => sparseJacobian(f, x, { mode: 'sideways' } as never), 'invalid-argument');
    expectDifflabError(() => sparseJacobian(f, x, { ordering: 'random' } as never), 'invalid-argument');
    expectDifflabError(() => sparseJacobian(f, x, { mode: 'forward', chunk: 0 }), 'invalid-argument');
    expectDifflabError(() => sparseJacobian(f, [1, 2]), 'bad-point');
    expectDifflabError(() => sparseHessian(f, x), 'invalid-argument');
  });
});

/** Σ_{i ≥ 1} x0·x_i² + x_i: an arrowhead Hessian (x0 coupled with every x_i, each x_i with itself). */
function arrowhead(n: number): Program<number> {
  return withGraph(() => {
    const x = Array.from({ length: n }, (_, i) => variable(`x${i}`));
    const x0 = x[0] as Expr;
    return program(sum(x.slice(1).map((xi) => x0.mul(xi.mul(xi)).add(xi))), { variables: x });
  });
}

/** The Bratu residual with one more output, Σ x: a tridiagonal Jacobian with a dense last row. */
function bratuWithSum(n: number): Program {
  return withGraph(() => {
    const x = Array.from({ length: n }, (_, i) => variable(`x${i}`));
    const r = x.map((xi, i) =>
      sum([
        xi.mul(-2),
        xi.exp(),
        ...(i > 0 ? [x[i - 1] as Expr] : []),
        ...(i + 1 < n ? [x[i + 1] as Expr] : []),
      ]),
    );
    return program([...r, sum(x)], { variables: x });
  });
}

describe('dense rows and hubs', () => {
  it('an arrowhead Hessian takes 2 star colours (a star graph) and equals the dense one', () => {
    const f = arrowhead(40);
    const x = Float64Array.from({ length: 40 }, (_, i) => Math.cos(i));
    const s = sparseHessian(f, x);
    expect(s.colourCount).toBe(2);
    expectClose(toDense(s), hessian(f, x));
  });

  it('past the colouring budget: a budget error at once, not quadratic time (arrowhead at n = 10⁵, a dense Hessian)', () => {
    const n = 100_000;
    const x = new Float64Array(n).fill(0.5);
    expectDifflabError(() => sparseHessian(arrowhead(n), x), 'budget');
    const dense = withGraph(() => {
      const v = Array.from({ length: n }, (_, i) => variable(`x${i}`));
      return program(sum(v).exp(), { variables: v });
    });
    expectDifflabError(() => sparseHessian(dense, x), 'budget');
  });

  it('a dense row: auto mode colours rows (3 + 1 colours: the dense row meets every other), forward mode is a budget error', () => {
    const n = 100_000;
    const f = bratuWithSum(n);
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const s = sparseJacobian(f, x);
    expect([s.mode, s.colourCount]).toEqual(['reverse', 4]);
    // The last row is Σ x: every entry 1; the diagonal of the others −2 + e^{x_i}.
    const last = s.values.subarray(s.rowPtr[n], s.rowPtr[n + 1]);
    expect(last.length).toBe(n);
    expect(last.every((v) => v === 1)).toBe(true);
    for (const i of [0, 1, n - 1]) {
      const k = Array.from(s.colIndex.subarray(s.rowPtr[i], s.rowPtr[i + 1])).indexOf(i);
      expect(s.values[(s.rowPtr[i] as number) + k]).toBeCloseTo(-2 + Math.exp(x[i] as number), 14);
    }
    expect(() => sparseJacobian(f, x, { mode: 'forward' })).toThrow(/column colouring would take/);
  });
});

describe('scans', () => {
  it('a scan over the inputs gives a lower-triangular Jacobian (output i reads the carry of x0 .. x(i−1)); sparse = dense', () => {
    const n = 6;
    const f = withGraph(() => {
      const x = Array.from({ length: n }, (_, i) => variable(`x${i}`));
      const { out } = scan(
        1,
        x.map((xi) => [xi]),
        (c, [xi]) => ({ carry: c.mul(xi as Expr).sin(), out: [c.add(xi as Expr)] }),
      );
      return program(
        out.map((o) => o[0] as Expr),
        { variables: x },
      );
    });
    expect(rowsOf(jacobianPattern(f))).toEqual(
      Array.from({ length: n }, (_, i) => Array.from({ length: i + 1 }, (_, j) => j)),
    );
    const x = [0.3, -0.7, 1.1, 0.4, 0.9, -0.2];
    for (const mode of ['forward', 'reverse'] as const)
      expectClose(toDense(sparseJacobian(f, x, { mode })), jacobian(f, x, { method: 'reverse' }));
  });
});

describe('colourings', () => {
  it('a tridiagonal Jacobian needs 3 colours by columns and by rows, in either order', () => {
    const p = jacobianPattern(sparseWorkloads.bratu.build(50));
    for (const ordering of ['best', 'largest-first', 'natural'] as const) {
      const cols = colourColumns(p, ordering);
      expect(cols.count).toBe(3);
      expect(validColumns(p, cols.colour)).toBe(true);
      expect(colourRows(p, ordering).count).toBe(3);
    }
  });

  it('a tridiagonal Hessian needs 3 star colours (a path: 2 would bicolour a 4-vertex path)', () => {
    const p = hessianPattern(sparseWorkloads.rosenbrock.build(50));
    for (const ordering of ['best', 'largest-first', 'natural'] as const) {
      const s = starColour(p, ordering);
      expect(s.count).toBe(3);
      expect(validStar(p, s.colour)).toBe(true);
    }
  });

  it('the five-point stencil needs at least 5 column colours; the colouring is valid', () => {
    const p = jacobianPattern(sparseWorkloads.laplace2d.build(100));
    const c = colourColumns(p);
    expect(c.count).toBeGreaterThanOrEqual(5);
    expect(validColumns(p, c.colour)).toBe(true);
  });

  it('the default (best) ordering keeps the fewer colours of largest-first and natural order', () => {
    const h = hessianPattern(sparseWorkloads['bundle-lsq'].build(500));
    const lf = starColour(h, 'largest-first');
    const natural = starColour(h, 'natural');
    expect(validStar(h, lf.colour) && validStar(h, natural.colour)).toBe(true);
    // Neither order wins everywhere; here natural order needs far fewer star colours.
    expect(natural.count).toBeLessThan(lf.count);
    expect(starColour(h).count).toBe(natural.count);
    const j = jacobianPattern(sparseWorkloads.bundle.build(500));
    const cols = colourColumns(j);
    expect(validColumns(j, cols.colour)).toBe(true);
    expect(cols.count).toBe(
      Math.min(colourColumns(j, 'largest-first').count, colourColumns(j, 'natural').count),
    );
  });

  it('star colourings of random symmetric patterns are star colourings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(19), fc.nat(19)), { maxLength: 60 }),
        fc.constantFrom('best' as const, 'largest-first' as const, 'natural' as const),
        (edges, ordering) => {
          const rows = Array.from({ length: 20 }, (_, i) => new Set([i]));
          for (const [i, j] of edges) {
            rows[i]?.add(j);
            rows[j]?.add(i);
          }
          const sorted = rows.map((r) => [...r].sort((a, b) => a - b));
          const rowPtr = Int32Array.from([0, ...sorted.map((r) => r.length)]);
          for (let i = 0; i < 20; i++) rowPtr[i + 1] = (rowPtr[i + 1] as number) + (rowPtr[i] as number);
          const p: Pattern = { rows: 20, cols: 20, rowPtr, colIndex: Int32Array.from(sorted.flat()) };
          expect(validStar(p, starColour(p, ordering).colour)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('compressed derivatives equal the dense ones', () => {
  const jacobianCases = Object.values(sparseWorkloads).filter((w) => w.kind === 'jacobian');
  const hessianCases = Object.values(sparseWorkloads).filter((w) => w.kind === 'hessian');

  for (const w of jacobianCases) {
    it(`${w.name}: sparse Jacobian by forward and by reverse mode = dense forward and reverse to 1e-12`, () => {
      const K = 60;
      const f = w.build(K);
      const x = w.point(K);
      const denseF = jacobian(f, x, { method: 'forward' });
      const denseR = jacobian(f, x, { method: 'reverse' });
      for (const mode of ['forward', 'reverse'] as const) {
        const s = sparseJacobian(f, x, { mode });
        expect(s.mode).toBe(mode);
        expectClose(toDense(s), denseF);
        expectClose(toDense(s), denseR);
        expect(s.sweeps).toBeLessThan(mode === 'forward' ? f.variables.length : f.outputs.length);
      }
    });
  }

  for (const w of hessianCases) {
    it(`${w.name}: sparse Hessian = dense Hessian (forward over reverse) to 1e-12`, () => {
      const K = 60;
      const f = w.build(K) as Program<number>;
      const x = w.point(K);
      const s = sparseHessian(f, x);
      expectClose(toDense(s), hessian(f, x));
      expect(s.sweeps).toBe(s.colourCount);
      expect(s.colourCount).toBeLessThan(f.variables.length);
    });
  }

  it('the Bratu Jacobian at K = 10⁵ equals its closed form: 3 colours, one tangent sweep', () => {
    const K = 100_000;
    const w = sparseWorkloads.bratu;
    const x = w.point(K);
    const s = sparseJacobian(w.build(K), x, { mode: 'forward' });
    expect(s.colourCount).toBe(3);
    expect(s.sweeps).toBe(1);
    const h2 = 1 / (K + 1) ** 2;
    let diff = 0;
    for (let i = 0; i < K; i++) {
      for (let k = s.rowPtr[i] as number; k < (s.rowPtr[i + 1] as number); k++) {
        const j = s.colIndex[k] as number;
        const exact = j === i ? -2 + h2 * Math.exp(x[i] as number) : 1;
        diff = Math.max(diff, Math.abs((s.values[k] as number) - exact));
      }
    }
    expect(diff).toBeLessThanOrEqual(1e-15);
  });

  it('extended Rosenbrock at K = 10⁶: at most 10 Hessian-vector products; entries = closed form and dense hvp columns', () => {
    const K = 1_000_000;
    const w = sparseWorkloads.rosenbrock;
    const f = w.build(K) as Program<number>;
    const x = w.point(K);
    const s = sparseHessian(f, x);
    expect(s.sweeps).toBeLessThanOrEqual(10);
    expect(s.sweeps).toBe(3);
    expect(s.colIndex.length).toBe(3 * K - 2);
    // Closed form: H_ii = 1200x_i² − 400x_{i+1} + 2 [i < K−1] + 200 [i > 0]; H_i,i+1 = −400x_i.
    const exact = (i: number, j: number): number => {
      const xi = x[i] as number;
      if (j === i + 1) return -400 * xi;
      if (j === i - 1) return -400 * (x[j] as number);
      return (i + 1 < K ? 1200 * xi * xi - 400 * (x[i + 1] as number) + 2 : 0) + (i > 0 ? 200 : 0);
    };
    let diff = 0;
    for (let i = 0; i < K; i++) {
      for (let k = s.rowPtr[i] as number; k < (s.rowPtr[i + 1] as number); k++) {
        const j = s.colIndex[k] as number;
        diff = Math.max(
          diff,
          Math.abs((s.values[k] as number) - exact(i, j)) / Math.max(1, Math.abs(exact(i, j))),
        );
      }
    }
    expect(diff).toBeLessThanOrEqual(1e-12);
    // Dense columns by hvp with unit vectors, at a few seeded random columns.
    let seed = 12345;
    const e = new Float64Array(K);
    for (let t = 0; t < 3; t++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % K;
      e.fill(0);
      e[j] = 1;
      const column = hvp(f, x, e);
      for (let i = Math.max(0, j - 1); i <= Math.min(K - 1, j + 1); i++) {
        const k = Array.from(s.colIndex.subarray(s.rowPtr[i], s.rowPtr[i + 1])).indexOf(j);
        expect(
          Math.abs((s.values[(s.rowPtr[i] as number) + k] as number) - (column[i] as number)),
        ).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(column[i] as number)));
      }
      // Off the band the dense column is zero.
      expect(column[(j + K / 2) % K]).toBe(0);
    }
  }, 300_000);
});

/** m outputs over n inputs, output o reading only inputs o .. o + 2 (mod n): a sparse random program. */
function sparseProgram(specs: readonly Spec[], n: number, scalar: boolean): Program {
  return withGraph(() => {
    const xs = Array.from({ length: n }, (_, i) => variable(`x${i}`));
    const outs = specs.map((s, o) =>
      buildSpec(
        s,
        [0, 1, 2].map((d) => xs[(o + d) % n] as Expr),
      ),
    );
    return scalar ? program(sum(outs), { variables: xs }) : program(outs, { variables: xs });
  });
}

describe('random sparse programs: sparse = dense', () => {
  const N = 8;
  it('Jacobians by forward and reverse mode', () => {
    fc.assert(
      fc.property(
        fc.array(specArbitrary(3, 3), { minLength: 1, maxLength: 8 }),
        pointArbitrary(N),
        (specs, at) => {
          const f = sparseProgram(specs, N, false);
          const dense = jacobian(f, at, { method: 'reverse' });
          for (const mode of ['forward', 'reverse'] as const) {
            const s = toDense(sparseJacobian(f, at, { mode }));
            s.forEach((row, i) => expect(closeNormwise(row, dense[i] as Float64Array, 1e-12)).toBe(true));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('Hessians by star colouring', () => {
    fc.assert(
      fc.property(
        fc.array(specArbitrary(3, 3), { minLength: 1, maxLength: 8 }),
        pointArbitrary(N),
        (specs, at) => {
          const f = sparseProgram(specs, N, true) as Program<number>;
          const dense = hessian(f, at);
          const s = toDense(sparseHessian(f, at));
          s.forEach((row, i) => expect(closeNormwise(row, dense[i] as Float64Array, 1e-12)).toBe(true));
        },
      ),
      { numRuns: 100 },
    );
  });
});
