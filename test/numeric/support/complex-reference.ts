/**
 * An independent complex reference: every op run over mathjs's Complex numbers, by the op table's mathjs
 * name, or by its `expand` rule (in terms of other ops) where mathjs has no such function.
 */
import * as math from 'mathjs';
import {
  type Algebra,
  BINARY_OPS,
  type FixedOpDef,
  NARY_OPS,
  type NaryOpDef,
  OPS,
  UNARY_OPS,
} from '../../../src/ir/ops.js';

export type Complex = math.Complex;

const fn = math as unknown as Record<string, (...args: unknown[]) => Complex>;

export const COMPLEX_ALGEBRA: Algebra<Complex> = (() => {
  const a: Record<string, unknown> = { num: (c: number) => math.complex(c, 0) };
  for (const name of [...UNARY_OPS, ...BINARY_OPS]) {
    const def = OPS[name] as FixedOpDef;
    a[name] = (x: Complex, y: Complex) => {
      if (def.mathjs !== null) {
        const f = fn[def.mathjs] as (...args: unknown[]) => Complex;
        return def.arity === 1 ? f(x) : f(x, y);
      }
      return (def.expand as NonNullable<FixedOpDef['expand']>)(algebra, x, y);
    };
  }
  for (const name of NARY_OPS) {
    const def = OPS[name] as NaryOpDef;
    a[name] = (...xs: Complex[]) => def.expand(algebra, xs);
  }
  const algebra = a as Algebra<Complex>;
  return algebra;
})();

/** |p − q| / max(|q|, floor): relative error with an absolute floor near zero. */
export function complexError(re: number, im: number, q: Complex, floor = 1): number {
  return Math.hypot(re - q.re, im - q.im) / Math.max(Math.hypot(q.re, q.im), floor);
}

export const complex = (re: number, im: number): Complex => math.complex(re, im);
