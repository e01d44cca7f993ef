/** What the forward-over-reverse fuzzers compare: a program's gradient and Hessian, and the points they try. */
import type { Backend, Program } from '../../../src/index.js';
import { gradientAndHvp } from '../../../src/reverse/index.js';

/** Special values for the points: signed zeros, ±∞, NaN, and magnitudes that overflow or underflow. */
export const SPECIAL = [0, -0, 1, -1, 0.5, 1e300, -1e300, 1e-300, Infinity, -Infinity, Number.NaN];

/** The gradient and every column of the Hessian (one forward-over-reverse sweep per column), flat. */
export function secondOrder(f: Program<number>, x: readonly number[], backend: Backend): number[] {
  const out: number[] = [];
  for (let j = 0; j < x.length; j++) {
    const e = new Float64Array(x.length);
    e[j] = 1;
    const { gradient, hvp } = gradientAndHvp(f, x, e, { backend });
    if (j === 0) out.push(...gradient);
    out.push(...hvp);
  }
  return out;
}
