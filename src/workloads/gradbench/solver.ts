/**
 * The gradient-descent solver of GradBench's nested evals (particle, saddle), over nested numbers so that it
 * can run inside an outer derivative. From x₀: stop when ‖∇f‖ ≤ 1e−5 or a step moves x by at most 1e−5;
 * double the step η (from 1e−5) after ten accepted steps in a row; halve it on a rejection (f(x′) ≥ f(x)).
 * Tests, norms and comparisons use primal values only; η is a plain number.
 */
import { DifflabError } from '../../ir/errors.js';
import { NUM, type Num, primal } from '../../nested/num.js';

/** Iterations after which the solver gives up (a bound, so that a bad input cannot hang the tool). */
export const SOLVER_MAX_ITERATIONS = 1_000_000;

const TOLERANCE = 1e-5;

function norm(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** argmin f from x0, with g = ∇f (both over nested numbers). */
export function argmin(
  f: (x: readonly Num[]) => Num,
  g: (x: readonly Num[]) => Num[],
  x0: readonly Num[],
): Num[] {
  let x = x0.slice();
  let fx = f(x);
  let gx = g(x);
  let i = 0;
  let eta = 1e-5;
  for (let iteration = 0; iteration < SOLVER_MAX_ITERATIONS; iteration++) {
    if (norm(gx.map(primal)) <= TOLERANCE) return x;
    if (i === 10) {
      eta *= 2;
      i = 0;
      continue;
    }
    const next = x.map((xk, k) => NUM.sub(xk, NUM.mul(eta, gx[k] as Num)));
    if (norm(x.map((xk, k) => primal(xk) - primal(next[k] as Num))) <= TOLERANCE) return x;
    const fNext = f(next);
    if (primal(fNext) < primal(fx)) {
      x = next;
      fx = fNext;
      gx = g(next);
      i++;
    } else {
      eta /= 2;
      i = 0;
    }
  }
  throw new DifflabError(
    'budget',
    `the gradient-descent solver did not converge in ${SOLVER_MAX_ITERATIONS} iterations`,
  );
}

/** argmax f from x0: argmin of −f, with the gradient negated. */
export function argmax(
  f: (x: readonly Num[]) => Num,
  g: (x: readonly Num[]) => Num[],
  x0: readonly Num[],
): Num[] {
  return argmin(
    (x) => NUM.neg(f(x)),
    (x) => g(x).map((gk) => NUM.neg(gk)),
    x0,
  );
}
