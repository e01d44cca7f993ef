/**
 * Every op run over one of mathjs's number types (Complex, BigNumber): by the op table's mathjs name, or by
 * its `expand` rule (in terms of other ops) where mathjs has no such function. The references the complex-step
 * and 64-digit tests compare with.
 */
import {
  type Algebra,
  BINARY_OPS,
  type FixedOpDef,
  NARY_OPS,
  type NaryOpDef,
  OPS,
  UNARY_OPS,
} from '../../../src/ir/ops.js';

/** The algebra over T whose constants are `num(c)` and whose functions are mathjs's, looked up by name. */
export function mathjsValueAlgebra<T>(
  num: (c: number) => T,
  functions: Readonly<Record<string, unknown>>,
): Algebra<T> {
  const a: Record<string, unknown> = { num };
  for (const name of [...UNARY_OPS, ...BINARY_OPS]) {
    const def = OPS[name] as FixedOpDef;
    a[name] = (x: T, y: T) => {
      if (def.mathjs !== null) {
        const f = functions[def.mathjs] as (...args: T[]) => T;
        return def.arity === 1 ? f(x) : f(x, y);
      }
      return (def.expand as NonNullable<FixedOpDef['expand']>)(algebra, x, y);
    };
  }
  for (const name of NARY_OPS) {
    const def = OPS[name] as NaryOpDef;
    a[name] = (xs: readonly T[]) => def.expand(algebra, xs);
  }
  const algebra = a as Algebra<T>;
  return algebra;
}
