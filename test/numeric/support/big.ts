/**
 * A 64-digit reference: mathjs over BigNumbers, for derivatives accurate far beyond double precision.
 */
import { all, type BigNumber, create, type FactoryFunctionMap } from 'mathjs';
import type { Algebra } from '../../../src/ir/ops.js';
import { mathjsValueAlgebra } from './mathjs-algebra.js';

const big = create(all as FactoryFunctionMap, { number: 'BigNumber', precision: 64 });
export type Big = BigNumber;

/** Every op over 64-digit BigNumbers, by mathjs name or the table's expansion. */
export const BIG_ALGEBRA: Algebra<Big> = mathjsValueAlgebra(
  (c: number) => big.bignumber(c),
  big as unknown as Record<string, unknown>,
);

const BIG_H = big.bignumber('1e-20');

/**
 * ∂/∂args[p] of an op at real arguments, to about 35 digits: a central difference in 64-digit arithmetic with
 * h = 1e−20 (truncation h²f‴/6 ≈ 1e−40, rounding 1e−64/h = 1e−44), rounded to a double.
 */
export function bigPartial(fn: (...args: Big[]) => Big, args: readonly number[], p: number): number {
  const at = (sign: number) =>
    fn(
      ...args.map(
        (v, k) => (k === p ? big.add(big.bignumber(v), big.multiply(BIG_H, sign)) : big.bignumber(v)) as Big,
      ),
    );
  const d = big.divide(big.subtract(at(1), at(-1)), big.multiply(BIG_H, 2)) as Big;
  return d.toNumber();
}

/** The difflab functions that mathjs lacks, over BigNumbers. */
const EXTRA_FUNCTIONS = {
  sigmoid: (t: Big) => BIG_ALGEBRA.sigmoid(t),
  softplus: (t: Big) => BIG_ALGEBRA.softplus(t),
  logsumexp: (...ts: Big[]) => BIG_ALGEBRA.logsumexp(ts),
};

/**
 * The gradient of a mathjs-syntax source at x (variables in `names` order) to about 35 digits: the source
 * evaluated in 64-digit arithmetic, differentiated by central differences with h = 1e−20.
 */
export function bigGradient(source: string, names: readonly string[], x: readonly number[]): number[] {
  const code = big.compile(source);
  const fn = (...args: Big[]) => {
    const scope: Record<string, unknown> = { ...EXTRA_FUNCTIONS };
    names.forEach((name, k) => {
      scope[name] = args[k];
    });
    return code.evaluate(scope) as Big;
  };
  return names.map((_, p) => bigPartial(fn, x, p));
}
