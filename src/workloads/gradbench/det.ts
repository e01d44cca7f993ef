/**
 * GradBench det: the determinant by expansion of minors along the first row (cmpad's `det_by_minor`):
 * det M = Σⱼ (−1)ʲ M₀ⱼ det(M without row 0 and column j), accumulated left to right as the reference does.
 *
 * A minor below the first k rows depends only on which columns remain, so the builder's hash-consing makes
 * every minor one node: the program has ℓ·2^ℓ operations where the expansion written out has about e·ℓ!.
 * It computes the same floating-point operations on the same values, so the results are identical; the
 * minors are built by subset size, with no recursion.
 */
import { DifflabError } from '../../ir/errors.js';
import type { Expr } from '../../ir/graph.js';
import { program } from '../../ir/program.js';
import { int, jsonArray, num, objectInput, vector } from './input.js';
import { scalarEval, variables } from './scalar.js';

export interface DetInput {
  A: Float64Array;
  ell: number;
}

/** Largest ℓ accepted (2^ℓ minors). */
export const DET_MAX_ELL = 20;

export const det = scalarEval<DetInput>({
  name: 'det',
  primal: 'primal',
  derivative: 'gradient',
  read(input) {
    const o = objectInput(input, ['A', 'ell']);
    const ell = int(o.ell, 'ell', 1, DET_MAX_ELL);
    return { A: vector(o.A, 'A', ell * ell), ell };
  },
  estimate: ({ ell }) => ({
    nodes: 2 * ell * 2 ** ell,
    edges: 4 * ell * 2 ** ell,
    inputs: ell * ell,
    outputs: 1,
    evaluations: 1,
  }),
  build({ A, ell }) {
    const a = variables('A', ell * ell);
    // minor[mask]: the determinant of the bottom popcount(mask) rows restricted to the columns in mask.
    const minor = new Array<Expr | undefined>(2 ** ell);
    const byCount: number[][] = Array.from({ length: ell + 1 }, () => []);
    for (let mask = 1; mask < 2 ** ell; mask++) byCount[popcount(mask)]?.push(mask);
    for (let size = 1; size <= ell; size++) {
      const row = ell - size;
      for (const mask of byCount[size] as number[]) {
        let acc: Expr | undefined;
        let sign = 1;
        for (let col = 0; col < ell; col++) {
          if ((mask & (1 << col)) === 0) continue;
          const element = a[row * ell + col] as Expr;
          const rest = mask & ~(1 << col);
          const term = rest === 0 ? element : element.mul(minor[rest] as Expr);
          acc = acc === undefined ? (sign > 0 ? term : term.neg()) : sign > 0 ? acc.add(term) : acc.sub(term);
          sign = -sign;
        }
        minor[mask] = acc;
      }
    }
    const top = minor[2 ** ell - 1];
    if (top === undefined) throw new DifflabError('invalid-argument', 'det: empty matrix');
    return { f: program(top, { variables: a }), x: A.slice() };
  },
  primalOutput: (value) => num(value, 'the determinant'),
  gradientOutput: (g) => jsonArray(g, 'the gradient'),
});

function popcount(m: number): number {
  let c = 0;
  for (let v = m; v !== 0; v &= v - 1) c++;
  return c;
}
