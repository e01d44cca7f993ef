/**
 * The op table's partial rules run over node ids of a hash-consed {@link Graph}: like `exprAlgebra(g)` from the
 * IR, but on raw ids (no handle per node) and with the folds that keep derivative DAGs small. Every fold is
 * exact in IEEE arithmetic, up to the sign of a zero:
 *
 * - an op whose arguments are all constants becomes the constant its value rule gives;
 * - x·1 = 1·x = x, x·(−1) = (−1)·x = −x, x/1 = x, x^1 = x, x + 0 = 0 + x = x, x − 0 = x, −(−x) = x.
 *
 * x·0 is not folded: it is NaN for x = ±∞ or NaN, as the zero-factor rule (ops.ts) has it.
 */
import type { Graph } from '../ir/graph.js';
import {
  type Algebra,
  BINARY_OPS,
  CONST,
  NARY_OPS,
  NUMBER_ALGEBRA,
  OP_CODE,
  OPS,
  UNARY_OPS,
} from '../ir/ops.js';

/** True when node `id` of `g` is a constant equal to `c` (0 matches −0 too). */
export function isConstant(g: Graph, id: number, c: number): boolean {
  return g.op[id] === CONST && g.constants[g.a[id] as number] === c;
}

function constantValue(g: Graph, id: number): number | undefined {
  return g.op[id] === CONST ? g.constants[g.a[id] as number] : undefined;
}

/** The algebra of node ids of `g`, folding constants and identities as described above. */
export function graphAlgebra(g: Graph): Algebra<number> {
  const a: Record<string, unknown> = { num: (c: number) => g.constant(c) };
  const NEG = OP_CODE.neg;
  const neg = (x: number): number => {
    const c = constantValue(g, x);
    if (c !== undefined) return g.constant(-c);
    if (g.op[x] === NEG) return g.a[x] as number; // −(−x) = x
    return g.apply(NEG, x, 0);
  };
  for (const name of UNARY_OPS) {
    const code = OP_CODE[name];
    const value = OPS[name].value;
    a[name] =
      name === 'neg'
        ? neg
        : (x: number) => {
            const c = constantValue(g, x);
            return c === undefined ? g.apply(code, x, 0) : g.constant(value(c, Number.NaN));
          };
  }
  for (const name of BINARY_OPS) {
    const code = OP_CODE[name];
    const value = OPS[name].value;
    a[name] = (x: number, y: number) => {
      const cx = constantValue(g, x);
      const cy = constantValue(g, y);
      if (cx !== undefined && cy !== undefined) return g.constant(value(cx, cy));
      switch (name) {
        case 'mul':
          if (cx === 1) return y;
          if (cy === 1) return x;
          if (cx === -1) return neg(y);
          if (cy === -1) return neg(x);
          break;
        case 'add':
          if (cx === 0) return y;
          if (cy === 0) return x;
          break;
        case 'sub':
          if (cy === 0) return x;
          break;
        case 'div':
        case 'pow':
          if (cy === 1) return x;
          break;
      }
      return g.apply(code, x, y);
    };
  }
  for (const name of NARY_OPS) {
    const code = OP_CODE[name];
    a[name] = (xs: readonly number[]) => {
      const cs = xs.map((x) => constantValue(g, x));
      if (cs.every((c) => c !== undefined)) return g.constant(NUMBER_ALGEBRA[name](cs as number[]));
      if (name === 'sum' && xs.length === 1) return xs[0] as number;
      if (name === 'dot' && xs.length === 0) return g.constant(0);
      return g.applyN(code, xs);
    };
  }
  return a as Algebra<number>;
}
