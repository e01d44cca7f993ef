/**
 * An independent complex reference: every op run over mathjs's Complex numbers, by the op table's mathjs
 * name, or by its `expand` rule (in terms of other ops) where mathjs has no such function.
 */
import * as math from 'mathjs';
import type { Algebra } from '../../../src/ir/ops.js';
import { mathjsValueAlgebra } from './mathjs-algebra.js';

export type Complex = math.Complex;

export const COMPLEX_ALGEBRA: Algebra<Complex> = mathjsValueAlgebra(
  (c: number) => math.complex(c, 0),
  math as unknown as Record<string, unknown>,
);

/** |p − q| / max(|q|, floor): relative error with an absolute floor near zero. */
export function complexError(re: number, im: number, q: Complex, floor = 1): number {
  return Math.hypot(re - q.re, im - q.im) / Math.max(Math.hypot(q.re, q.im), floor);
}

export const complex = (re: number, im: number): Complex => math.complex(re, im);
