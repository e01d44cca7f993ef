/**
 * The compiled backend's Jacobian kernel (src/sweeps/compiled/jacobian.ts), which blockJacobian's reverse mode
 * runs per row: every output's adjoint sweep in one generated function. Its blocks against the interpreter's to
 * the bit on random bodies of every fixed-arity op at special values, and the rows where it does not stand
 * (an infinite partial meeting a zero adjoint) handed to the sweeps it replaces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  blockJacobian,
  dot,
  type Expr,
  gather,
  mapRows,
  methods,
  type Program,
  program,
  variable,
  withGraph,
} from '../../src/index.js';
import { builderOf } from '../../src/ir/graph.js';
import { FIXED_OPS, OP_ARITY, OP_CODE } from '../../src/ir/ops.js';
import { KERNEL_STATEMENTS } from '../../src/sweeps/compiled/jacobian.js';
import { jacobianKernel } from '../../src/sweeps/index.js';

/** Every block blockJacobian visits, flattened: the block's entries, its rows and its columns, in visiting order. */
function blocks(f: Program, x: readonly number[], backend: Backend): number[] {
  const out: number[] = [];
  blockJacobian(f, x, (block, rows, columns) => out.push(...block, ...rows, ...columns), {
    method: 'reverse',
    backend,
    allowNonFinite: true,
  } as never);
  return out;
}

/** One node of a random body: an op (unary, binary or x²) of two earlier nodes, picked modulo their count. */
interface Step {
  op: number;
  left: number;
  right: number;
}

const UNARY = FIXED_OPS.filter((name) => OP_ARITY[OP_CODE[name]] === 1);
const BINARY = FIXED_OPS.filter((name) => OP_ARITY[OP_CODE[name]] === 2);
// ±∞ and NaN too: a row's value that is not finite must hand the row to the sweeps, or give their bits.
const SPECIAL = [0, -0, 1, -1, 0.5, -2, 3, 1e-300, 1e300, -1e300, 700, Infinity, -Infinity, Number.NaN];

/**
 * A stacked map of `rows` rows, each gathering 3 of 6 inputs (rows share inputs) and one number, capturing the
 * input s when `capture`; its body a random DAG of fixed-arity ops (x² among them, and x·x through shared
 * nodes), its outputs the nodes `outputs` picks (an output may be a row value itself).
 */
function randomMap(steps: readonly Step[], outputs: readonly number[], capture: boolean): Program {
  return withGraph(() => {
    const vs = Array.from({ length: 6 }, (_, k) => variable(`v${k}`));
    const s = variable('s');
    const r = mapRows(
      gather({ table: vs, width: 3, index: [0, 1, 0, 1] }, { table: [0.25, -1.5, 2, 0] }),
      (row) => {
        // A captured value only through a row value: a node of s alone would be computed outside the body.
        const nodes: Expr[] = [...(row as Expr[]), ...(capture ? [s.mul(row[0] as Expr)] : [])];
        for (const { op, left, right } of steps) {
          const x = nodes[left % nodes.length] as Expr;
          const y = nodes[right % nodes.length] as Expr;
          const unary = op % 3 === 0;
          if (op % 11 === 1) nodes.push(x.pow(2));
          else if (unary) nodes.push(builderOf(UNARY[op % UNARY.length] as string)(x));
          else nodes.push(builderOf(BINARY[op % BINARY.length] as string)(x, y));
        }
        return outputs.map((o) => nodes[o % nodes.length] as Expr);
      },
    );
    return program(r.flat(), { variables: [...vs, s] });
  });
}

const steps = fc.array(fc.record({ op: fc.nat(200), left: fc.nat(40), right: fc.nat(40) }), {
  minLength: 1,
  maxLength: 25,
});
const point = fc.array(fc.oneof(fc.constantFrom(...SPECIAL), fc.double({ min: -4, max: 4, noNaN: true })), {
  minLength: 7,
  maxLength: 7,
});

describe('the Jacobian kernel', () => {
  it('random bodies of every fixed-arity op at special values: the compiled blocks are the interpreter’s to the bit', () => {
    fc.assert(
      fc.property(
        steps,
        fc.array(fc.nat(40), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        point,
        (st, outputs, capture, x) => {
          const f = randomMap(st, outputs, capture);
          const body = f.calls[0]?.loop.body as Program;
          expect(jacobianKernel(body, [0])).toBeDefined();
          const want = blocks(f, x, 'interpret');
          const got = blocks(f, x, 'compile');
          expect(got.length).toBe(want.length);
          const differ = got.findIndex((v, k) => !Object.is(v, want[k]));
          expect(differ, `entry ${differ}: ${got[differ]} against ${want[differ]}`).toBe(-1);
        },
      ),
      { numRuns: 400, seed: 20261207 },
    );
  });

  it('a row whose other output meets an infinite partial runs the sweeps: ∂(√a·b)/∂a at a = 0 in the lane of b', () => {
    // Lane 2 (seeded on b) gives √a's node the adjoint 0, which times the partial 1/(2√0) = ∞ is NaN in the
    // kernel; the zero-factor rule leaves a untouched there (0).
    const f = withGraph(() => {
      const [a, b] = [variable('a'), variable('b')];
      const r = mapRows(gather({ table: [a, b], width: 2 }), ([p, q]) => [
        (p as Expr).sqrt().mul(q as Expr),
        q as Expr,
      ]);
      return program(r.flat(), { variables: [a, b] });
    });
    for (const x of [
      [0, 2],
      [4, 2],
    ]) {
      const got = blocks(f, x, 'compile');
      expect(got.every((v, k) => Object.is(v, blocks(f, x, 'interpret')[k]))).toBe(true);
      // The dense Jacobian by reverse mode: block rows [∂o1/∂a, ∂o1/∂b], [∂o2/∂a, ∂o2/∂b].
      const dense = methods.reverse.jacobian(f, x, { allowNonFinite: true } as never).value;
      expect(got.slice(0, 4)).toEqual([dense[0]?.[0], dense[0]?.[1], dense[1]?.[0], dense[1]?.[1]]);
    }
    expect(blocks(f, [0, 2], 'compile').slice(0, 4)).toEqual([Number.NaN, 0, 0, 1]);
  });

  it('bodies without a kernel (an n-ary op; too many statements) run the sweeps, to the same bits', () => {
    const map = (body: (p: Expr, q: Expr) => Expr[]) =>
      withGraph(() => {
        const vs = Array.from({ length: 4 }, (_, k) => variable(`v${k}`));
        const r = mapRows(gather({ table: vs, width: 2 }), ([p, q]) => body(p as Expr, q as Expr));
        return program(r.flat(), { variables: vs });
      });
    // A chain of sin(q·t) + p over more statements than the kernel takes, two outputs.
    const long = map((p, q) => {
      let t = p;
      for (let k = 0; k < KERNEL_STATEMENTS / 4; k++) t = t.mul(q).sin().add(p);
      return [t, t.mul(p)];
    });
    const nary = map((p, q) => [dot([p, q], [q, p]).sin(), p.div(q)]);
    const x = [0.3, -1.2, 2, 0.5];
    for (const f of [long, nary]) {
      expect(jacobianKernel(f.calls[0]?.loop.body as Program, [0])).toBeUndefined();
      const want = blocks(f, x, 'interpret');
      const got = blocks(f, x, 'compile');
      expect(got.every((v, k) => Object.is(v, want[k]))).toBe(true);
      // Against reverse mode's dense Jacobian: row 0's block is rows 0 and 1, columns v0 and v1.
      const dense = methods.reverse.jacobian(f, x).value;
      expect(got.slice(0, 4)).toEqual([dense[0]?.[0], dense[0]?.[1], dense[1]?.[0], dense[1]?.[1]]);
    }
  });
});
