/**
 * Random loop bodies for the forward-over-reverse fuzzers: expression trees over a body's leaves (its carry, row,
 * captured values) of the ops the sparse backward sweep takes, and optionally of others.
 */
import fc from 'fast-check';
import { constant, dot, type Expr } from '../../../src/index.js';

type Unary = 'neg' | 'sqrt' | 'exp' | 'abs';
type Binary = 'add' | 'sub' | 'mul' | 'min' | 'max' | 'div';
export type Body =
  | { kind: 'leaf'; index: number }
  | { kind: 'const'; value: number }
  | { kind: Unary; arg: Body }
  | { kind: Binary; left: Body; right: Body }
  | { kind: 'dot'; xs: Body[]; ys: Body[] };

/** Bodies over `leaves` leaves of add, sub, mul, neg, min, max and dot; with `others`, also sqrt, exp, abs and div. */
export function bodyArbitrary(leaves: number, others = false): fc.Arbitrary<Body> {
  const leaf = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.integer({ min: 0, max: leaves - 1 }).map((index): Body => ({ kind: 'leaf', index })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(0, -0, 1, -2, 0.5).map((value): Body => ({ kind: 'const', value })),
    },
  );
  const unary: Unary[] = others ? ['neg', 'sqrt', 'exp', 'abs'] : ['neg'];
  const binary: Binary[] = ['add', 'sub', 'mul', 'min', 'max', ...(others ? (['div'] as const) : [])];
  const { tree } = fc.letrec<{ tree: Body }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
      leaf,
      fc.record({ kind: fc.constantFrom(...unary), arg: tie('tree') }),
      fc.record({ kind: fc.constantFrom(...binary), left: tie('tree'), right: tie('tree') }),
      fc.integer({ min: 1, max: 3 }).chain((n) =>
        fc.record({
          kind: fc.constant('dot' as const),
          xs: fc.array(tie('tree'), { minLength: n, maxLength: n }),
          ys: fc.array(tie('tree'), { minLength: n, maxLength: n }),
        }),
      ),
    ),
  }));
  return tree;
}

export function build(b: Body, xs: readonly Expr[]): Expr {
  switch (b.kind) {
    case 'leaf':
      return xs[b.index] as Expr;
    case 'const':
      return constant(b.value);
    case 'neg':
    case 'sqrt':
    case 'exp':
    case 'abs':
      return build(b.arg, xs)[b.kind]();
    case 'dot':
      return dot(
        b.xs.map((x) => build(x, xs)),
        b.ys.map((y) => build(y, xs)),
      );
    default:
      return build(b.left, xs)[b.kind](build(b.right, xs));
  }
}
