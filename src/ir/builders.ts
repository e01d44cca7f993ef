/**
 * The builder functions, one per unary and binary op-table entry, made from the table: `sin(x)`, `pow(x, 2)`,
 * ... (the n-ary `sum`, `dot` and `logsumexp`, which take lists, are in `graph.ts`). The named exports below
 * are typed over the table's op names, so a name the table lacks fails to compile, and
 * `test/ir/builders.test.ts` checks that every entry has one. `builderOf` (`graph.ts`) gives the builder of an
 * op added at run time with `registerOp`.
 */
import { BUILDERS, type Expr, type Operand } from './graph.js';
import type { BinaryOpName, UnaryOpName } from './ops.js';

/** A builder function per fixed-arity op, by name. */
export type Builders = { readonly [K in UnaryOpName]: (x: Operand) => Expr } & {
  readonly [K in BinaryOpName]: (x: Operand, y: Operand) => Expr;
};

const table = BUILDERS as unknown as Builders;

/** ln x, or log base b of x with two arguments (as in mathjs). */
export function log(x: Operand, base?: Operand): Expr {
  return base === undefined ? table.log(x) : table.logb(x, base);
}

// x + y, x − y, x·y, x/y, x^y, max, min, −x; then the functions. H(x) (heaviside) is 1 for x > 0 and 0 for
// x ≤ 0; relu(x) = max(x, 0) with relu′(0) = 0; softplus(x) = ln(1 + eˣ); sigmoid(x) = 1/(1 + e^−x).
export const {
  add,
  sub,
  mul,
  div,
  pow,
  max,
  min,
  neg,
  sqrt,
  cbrt,
  exp,
  expm1,
  log1p,
  log2,
  log10,
  sin,
  cos,
  tan,
  sec,
  csc,
  cot,
  asin,
  acos,
  atan,
  asec,
  acsc,
  acot,
  sinh,
  cosh,
  tanh,
  sech,
  csch,
  coth,
  asinh,
  acosh,
  atanh,
  asech,
  acsch,
  acoth,
  abs,
  sign,
  heaviside,
  sigmoid,
  relu,
  softplus,
} = table;
