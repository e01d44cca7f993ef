/**
 * Stacked maps (`mapRows`, a map without a reduction) over rows gathered by index (`gather`), and their block
 * Jacobian and the blocks of a map over rows of its own inputs (`rowBlocks`): closed forms, the unrolled program, the interpreter against the compiled backend to the bit, and
 * the blocks against the dense Jacobian by every method.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  blockJacobian,
  type Expr,
  evaluate,
  formatNode,
  gather,
  mapRows,
  methods,
  metrics,
  type Program,
  program,
  rowBlocks,
  unroll,
  unrolledOps,
  variable,
  withGraph,
} from '../../src/index.js';
import { closeNormwise } from '../support/expressions.js';
import { close } from './support/close.js';
import { expectDifflabError } from './support/errors.js';

const BACKENDS: readonly Backend[] = ['interpret', 'compile'];
const CAM_OF = [0, 1, 1, 0, 1];

/**
 * Two "cameras" (p, q) and one weight per observation, observation i seeing camera CAM_OF[i] with data d_i:
 * outputs w·sin p + q·d and p·q/w, stacked, then a captured s·1 so the body captures an input.
 */
function observations(): Program<Float64Array> {
  return withGraph(() => {
    const cams = ['p0', 'q0', 'p1', 'q1'].map((name) => variable(name));
    const w = CAM_OF.map((_, i) => variable(`w${i}`));
    const s = variable('s');
    const data = CAM_OF.map((_, i) => 0.5 + i);
    const rows = gather({ table: cams, width: 2, index: CAM_OF }, { table: w }, { table: data });
    const out = mapRows(rows, ([p, q, wi, d]) => [
      (wi as Expr).mul((p as Expr).sin()).add((q as Expr).mul(d as Expr)),
      (p as Expr)
        .mul(q as Expr)
        .div(wi as Expr)
        .mul(s),
    ]);
    return program(out.flat(), { variables: [...cams, ...w, s] });
  });
}

const X = [0.7, -1.3, 2.1, 0.4, 1.5, -0.8, 2.5, 0.3, -1.1, 1.25];

/** The dense Jacobian by hand: rows ex_i, ey_i; columns p0, q0, p1, q1, w0 … w4, s. */
function byHand(): { values: number[]; jacobian: number[][] } {
  const values: number[] = [];
  const jacobian: number[][] = [];
  const s = X[9] as number;
  CAM_OF.forEach((c, i) => {
    const [p, q, w, d] = [X[2 * c] as number, X[2 * c + 1] as number, X[4 + i] as number, 0.5 + i];
    values.push(w * Math.sin(p) + q * d, ((p * q) / w) * s);
    const ex = new Array(10).fill(0);
    ex[2 * c] = w * Math.cos(p);
    ex[2 * c + 1] = d;
    ex[4 + i] = Math.sin(p);
    const ey = new Array(10).fill(0);
    ey[2 * c] = (q / w) * s;
    ey[2 * c + 1] = (p / w) * s;
    ey[4 + i] = ((-p * q) / (w * w)) * s;
    ey[9] = (p * q) / w;
    jacobian.push(ex, ey);
  });
  return { values, jacobian };
}

/** The dense Jacobian assembled from the blocks. */
function fromBlocks(f: Program, options: Parameters<typeof blockJacobian>[3]): Float64Array[] {
  const dense = Array.from(f.outputs, () => new Float64Array(f.variables.length));
  blockJacobian(
    f,
    X,
    (block, rows, columns) => {
      rows.forEach((r, k) => {
        if (r < 0) return;
        columns.forEach((c, j) => {
          const row = dense[r] as Float64Array;
          if (c >= 0) row[c] = (row[c] as number) + (block[k * columns.length + j] as number);
        });
      });
    },
    options,
  );
  return dense;
}

describe('mapRows over gathered rows', () => {
  it('values and the Jacobian equal the closed forms by every method and backend', () => {
    const f = observations();
    expect(f.calls.length).toBe(1);
    expect(f.calls[0]?.loop.rowArgs).toBe(true);
    // Printed as row i's output k of a map (a scan with no carry underneath).
    expect(formatNode(f, f.outputs[9] as number)).toBe('map(5 rows; s, p0, q0, w0, … (21 arguments))[4][1]');
    const { values, jacobian } = byHand();
    for (const backend of BACKENDS) {
      expect(closeNormwise(evaluate(f, X, { backend }), values, 1e-15)).toBe(true);
      for (const method of ['reverse', 'forward', 'numeric', 'symbolic'] as const) {
        const tol = method === 'numeric' ? 1e-8 : 1e-14;
        const J = methods[method].jacobian(f, X, { backend }).value;
        expect(
          closeNormwise(
            J.flatMap((r) => Array.from(r)),
            jacobian.flat(),
            tol,
          ),
          `${method} ${backend}`,
        ).toBe(true);
      }
    }
  });

  it('the interpreter and the compiled backend agree to the bit, and both equal the unrolled program', () => {
    const f = observations();
    const u = unroll(f);
    const u1 = [1.5, -0.25, 0.5, 2, -1, 0.75, 0.5, -2, 1, 0.125];
    const all = (backend: Backend) => [
      ...evaluate(f, X, { backend }),
      ...methods.reverse.jacobian(f, X, { backend }).value.flatMap((r) => Array.from(r)),
      ...methods.reverse.vjp(f, X, u1, { backend }).value,
      ...methods.reverse.vjp(f, X, u1, { backend, checkpoint: 'sqrt' }).value,
      ...methods.reverse.vjp(f, X, u1, { backend, checkpoint: 'binomial', snapshots: 1 }).value,
      ...methods.forward.jacobian(f, X, { backend, chunk: 3 }).value.flatMap((r) => Array.from(r)),
    ];
    const interp = all('interpret');
    const comp = all('compile');
    expect(comp).toHaveLength(interp.length);
    expect(comp.every((v, k) => Object.is(v, interp[k]))).toBe(true);
    expect(evaluate(u, X)).toEqual(evaluate(f, X));
    const unrolled = [
      ...evaluate(u, X),
      ...methods.reverse.jacobian(u, X).value.flatMap((r) => Array.from(r)),
      ...methods.reverse.vjp(u, X, u1).value,
      ...methods.reverse.vjp(u, X, u1).value,
      ...methods.reverse.vjp(u, X, u1).value,
      ...methods.forward.jacobian(u, X).value.flatMap((r) => Array.from(r)),
    ];
    expect(closeNormwise(interp, unrolled, 1e-14)).toBe(true);
    // Size without unrolling: the body runs once per row (the unrolled program shares the rows of one camera's
    // sin p, so it holds fewer), and the tree metrics are the unrolled program's.
    expect(unrolledOps(f)).toBe(CAM_OF.length * unrolledOps(f.calls[0]?.loop.body as Program));
    expect(metrics(f).treeSize).toBe(metrics(u).treeSize);
    expect(metrics(f).depth).toBe(metrics(u).depth);
  });

  it('refuses bad gathers with coded errors', () => {
    withGraph(() => {
      const a = variable('a');
      const b = variable('b');
      const body = ([x]: Expr[]) => [x as Expr];
      expectDifflabError(() => mapRows(gather(), body), 'invalid-argument');
      expectDifflabError(
        () => mapRows(gather({ table: [a, b], width: 2, index: [0, 1] }), body),
        'invalid-argument',
      );
      expectDifflabError(() => mapRows(gather({ table: [a, b], index: [0, -1] }), body), 'invalid-argument');
      expectDifflabError(() => mapRows(gather({ table: [a, b], index: [0.5] }), body), 'invalid-argument');
      expectDifflabError(() => mapRows(gather({ table: [a, b, a], width: 2 }), body), 'invalid-argument');
      expectDifflabError(
        () => mapRows(gather({ table: [a, b], index: [0, 1, 1] }, { table: [1, 2] }), body),
        'invalid-argument',
      );
      expectDifflabError(() => mapRows(gather({ table: ['x' as never] }), body), 'invalid-argument');
      expectDifflabError(() => mapRows(gather({ table: [a] }), () => []), 'invalid-argument');
    });
  });
});

describe('blockJacobian', () => {
  it('the blocks, scattered, are the dense Jacobian by every method and backend', () => {
    const f = observations();
    for (const backend of BACKENDS) {
      for (const method of ['reverse', 'forward', 'numeric', 'symbolic'] as const) {
        const dense = methods[method].jacobian(f, X, { backend }).value;
        const blocks = fromBlocks(f, { method, backend } as never);
        const tol = method === 'numeric' ? 1e-8 : 1e-15;
        expect(
          closeNormwise(
            blocks.flatMap((r) => Array.from(r)),
            dense.flatMap((r) => Array.from(r)),
            tol,
          ),
        ).toBe(true);
      }
    }
    expect(
      closeNormwise(
        fromBlocks(f, {}).flatMap((r) => Array.from(r)),
        byHand().jacobian.flat(),
        1e-14,
      ),
    ).toBe(true);
  });

  it('reverse mode’s blocks (one loop over the rows) are the dense reverse-mode Jacobian’s entries to the bit, each in its own row', () => {
    // Every row differs (its camera, weight and data), so a block written to another row's place shows.
    const f = observations();
    for (const backend of BACKENDS) {
      const dense = methods.reverse.jacobian(f, X, { backend }).value;
      const blocks = fromBlocks(f, { method: 'reverse', backend } as never);
      dense.forEach((row, r) => {
        const got = blocks[r] as Float64Array;
        row.forEach((v, c) => expect(Object.is(got[c], v + 0), `${backend} (${r}, ${c})`).toBe(true));
      });
    }
  });

  it('refuses outputs that are not rows of a stacked map, and rows computed by operations', () => {
    const notStacked = withGraph(() => {
      const a = variable('a');
      const out = mapRows(gather({ table: [a] }), ([x]) => (x as Expr).sin());
      return program([(out[0] as Expr[])[0] as Expr, a.cos()], { variables: [a] });
    });
    expectDifflabError(() => blockJacobian(notStacked, [1], () => {}), 'invalid-argument');
    const computed = withGraph(() => {
      const a = variable('a');
      const out = mapRows(gather({ table: [a.exp()] }), ([x]) => (x as Expr).sin());
      return program(out.flat(), { variables: [a] });
    });
    const e = expectDifflabError(() => blockJacobian(computed, [1], () => {}), 'invalid-argument');
    expect(e.subexpression).toBe('exp(a)');
    expectDifflabError(
      () => blockJacobian(observations(), X, () => {}, { sparse: true } as never),
      'invalid-argument',
    );
  });

  it('rows of data are no columns: w·(x − μ) over rows (x, w) gives the block −w for μ', () => {
    // The mapRows example: ∂/∂μ of w_i·(x_i − μ) is −w_i; the data columns x and w are dropped.
    const f = withGraph(() => {
      const mu = variable('mu');
      const r = mapRows(
        [
          [1, 0.5],
          [2, 1],
          [4, 2],
        ],
        ([x, w]) => [(w as Expr).mul((x as Expr).sub(mu))],
      );
      return program(r.flat(), { variables: [mu] });
    });
    for (const backend of BACKENDS) {
      const J = [0, 0, 0];
      blockJacobian(
        f,
        [0.3],
        (block, rows, columns) => {
          expect(Array.from(columns)).toEqual([-1, -1, 0]);
          J[rows[0] as number] = block[2] as number;
        },
        { backend },
      );
      expect(J).toEqual([-0.5, -1, -2]);
    }
  });

  it('refuses an output listed twice (its block would land in one row only)', () => {
    const twice = withGraph(() => {
      const a = variable('a');
      const r = mapRows(gather({ table: [a] }), ([x]) => [(x as Expr).sin()]);
      const row = (r[0] as Expr[])[0] as Expr;
      return program([row, row], { variables: [a] });
    });
    expectDifflabError(() => blockJacobian(twice, [1], () => {}), 'invalid-argument');
  });
});

describe('rowBlocks', () => {
  // Two maps over rows of the program's own inputs: (x_i, y_i) → (x_i·y_i, sin x_i + y_i), blocks
  // [[y_i, x_i], [cos x_i, 1]]; and (z_j, data d_j) → z_j²·d_j, blocks [2·z_j·d_j, 0] (a number's column is 0).
  const X = [0.5, -1, 2, 3, -0.25, 0.75, 1.5, 2.5, 0.3, -0.7];
  const D = [2, 5];
  const f = withGraph(() => {
    const vs = X.map((_, k) => variable(`v${k}`));
    const r = mapRows(gather({ table: vs.slice(0, 8), width: 2 }), ([x, y]) => [
      (x as Expr).mul(y as Expr),
      (x as Expr).sin().add(y as Expr),
    ]);
    const q = mapRows(gather({ table: vs.slice(8) }, { table: D }), ([z, d]) => [
      (z as Expr).mul(z as Expr).mul(d as Expr),
    ]);
    return program([...r.flat(), ...q.flat()], { variables: vs });
  });
  const first = [0, 1, 2, 3].flatMap((i) => {
    const [x, y] = [X[2 * i] as number, X[2 * i + 1] as number];
    return [y, x, Math.cos(x), 1];
  });
  const second = [0, 1].flatMap((j) => [2 * (X[8 + j] as number) * (D[j] as number), 0]);

  it('every row block equals the closed form by every method and backend', () => {
    for (const backend of BACKENDS) {
      for (const method of ['reverse', 'forward', 'numeric', 'symbolic'] as const) {
        const blocks = rowBlocks(f, X, { method, backend } as never);
        const tol = method === 'numeric' ? 1e-8 : 1e-15;
        expect(blocks.length).toBe(2);
        expect(closeNormwise(Array.from(blocks[0] ?? []), first, tol), `${method} ${backend}`).toBe(true);
        expect(closeNormwise(Array.from(blocks[1] ?? []), second, tol), `${method} ${backend}`).toBe(true);
      }
    }
  });

  it('a row whose other output has an infinite partial: every method gives the dense Jacobian’s entries', () => {
    // r_i = (2·x_i, √x_i) at x = (0, 4): ∂√x/∂x is ∞ at 0, so that entry is NaN; ∂(2x)/∂x is 2 in every row.
    // The symbolic method's vjp with cotangent (1, 0) on a row computed 1·2 + 0·∞ = NaN for the first entry.
    const g = withGraph(() => {
      const vs = [variable('a'), variable('b')];
      const r = mapRows(gather({ table: vs }), ([x]) => [(x as Expr).mul(2), (x as Expr).sqrt()]);
      return program(r.flat(), { variables: vs });
    });
    const x = [0, 4];
    for (const backend of BACKENDS) {
      for (const method of ['reverse', 'forward', 'numeric', 'symbolic'] as const) {
        const [blocks] = rowBlocks(g, x, { method, backend, allowNonFinite: true } as never);
        const dense = methods[method].jacobian(g, x, { backend } as never).value;
        // Row i's block holds ∂(2x_i, √x_i)/∂x_i: the dense Jacobian's diagonal entries of rows 2i and 2i + 1.
        const want = [0, 1].flatMap((i) => [dense[2 * i]?.[i] as number, dense[2 * i + 1]?.[i] as number]);
        expect(want[0]).toBe(2);
        const tol = method === 'numeric' ? 1e-8 : 1e-15;
        expect(closeNormwise(Array.from(blocks ?? []), want, tol), `${method} ${backend}`).toBe(true);
      }
    }
  });

  it('random stacked maps over gathered inputs and numbers, at special points: every method gives its dense Jacobian’s entries', () => {
    // Two maps: rows (x, y) of f's inputs or numbers, two outputs each from a list of bodies with kinks,
    // infinite partials (√, 1/y) and overflow; a second map of one output over single inputs.
    const bodies: ((x: Expr, y: Expr) => Expr)[] = [
      (x, y) => x.mul(y),
      (x, y) => x.sqrt().add(y),
      (x, y) => x.div(y),
      (x, y) => x.max(y).sub(x.abs()),
      (x, y) => x.exp().mul(y.sin()),
      (x, y) => x.mul(x).mul(y),
    ];
    const special = [0, -0, 1, -2, 0.5, 1e200, Infinity, Number.NaN];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.array(fc.constantFrom(...special), { minLength: 8, maxLength: 8 }),
        (p, q, s, numbers, x) => {
          const g = withGraph(() => {
            const vs = x.map((_, k) => variable(`v${k}`));
            // Three rows of two values, each an input (v0..v5) or the number 3.
            const table = vs.slice(0, 6).map((v, k) => (numbers[k] ? 3 : v));
            const r = mapRows(gather({ table, width: 2 }), ([a, b]) => [
              (bodies[p] as (x: Expr, y: Expr) => Expr)(a as Expr, b as Expr),
              (bodies[q] as (x: Expr, y: Expr) => Expr)(b as Expr, a as Expr),
            ]);
            const t = mapRows(gather({ table: vs.slice(6) }), ([a]) =>
              (bodies[s] as (x: Expr, y: Expr) => Expr)(a as Expr, a as Expr),
            );
            return program([...r.flat(), ...t.flat()], { variables: vs });
          });
          for (const backend of BACKENDS) {
            for (const method of ['reverse', 'forward', 'numeric', 'symbolic'] as const) {
              const [first, second] = rowBlocks(g, x, { method, backend, allowNonFinite: true } as never);
              const dense = methods[method].jacobian(g, x, { backend, allowNonFinite: true } as never).value;
              // Map 1, row i, output o, column c: input 2i + c (0 when it is a number); map 2, row j: input 6 + j.
              const want: number[] = [];
              for (let i = 0; i < 3; i++)
                for (let o = 0; o < 2; o++)
                  for (let c = 0; c < 2; c++)
                    want.push(numbers[2 * i + c] ? 0 : (dense[2 * i + o]?.[2 * i + c] as number));
              for (let j = 0; j < 2; j++) want.push(dense[6 + j]?.[6 + j] as number);
              const got = [...(first ?? []), ...(second ?? [])];
              const tol = method === 'numeric' ? 1e-6 : 1e-15;
              // Entry by entry: an infinite entry (finite differences') must be the same infinity.
              const ok =
                got.length === want.length && got.every((g, k) => close(g, want[k] as number, tol, tol));
              expect(ok, `${method} ${backend} [${got}] vs [${want}]`).toBe(true);
            }
          }
        },
      ),
      { numRuns: 150, seed: 20261207 },
    );
  });

  it('refuses rows that share an input, a captured value and a row computed by an operation', () => {
    const shared = withGraph(() => {
      const a = variable('a');
      const r = mapRows(gather({ table: [a], index: [0, 0] }), ([x]) => (x as Expr).sin());
      return program(r.flat(), { variables: [a] });
    });
    expect(expectDifflabError(() => rowBlocks(shared, [1]), 'invalid-argument').subexpression).toBe('a');
    // Twice by one row: a single vjp would give both of its columns their sum.
    const twice = withGraph(() => {
      const a = variable('a');
      const r = mapRows(gather({ table: [a, a], width: 2 }), ([x, y]) => (x as Expr).mul(y as Expr));
      return program(r.flat(), { variables: [a] });
    });
    const error = expectDifflabError(() => rowBlocks(twice, [3]), 'invalid-argument');
    expect(error.subexpression).toBe('a');
    expect(error.message).toContain('twice by one');
    const captures = withGraph(() => {
      const [a, b] = [variable('a'), variable('b')];
      const r = mapRows(gather({ table: [a] }), ([x]) => (x as Expr).mul(b));
      return program(r.flat(), { variables: [a, b] });
    });
    expectDifflabError(() => rowBlocks(captures, [1, 2]), 'invalid-argument');
    const computed = withGraph(() => {
      const a = variable('a');
      const r = mapRows(gather({ table: [a.exp()] }), ([x]) => (x as Expr).sin());
      return program(r.flat(), { variables: [a] });
    });
    expect(expectDifflabError(() => rowBlocks(computed, [1]), 'invalid-argument').subexpression).toBe(
      'exp(a)',
    );
  });
});
