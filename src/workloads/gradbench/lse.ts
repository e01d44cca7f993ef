/**
 * GradBench lse: log-sum-exp with the max shift, built from primitives as the eval asks (a chain of `max`,
 * a sum of exponentials, a log), not from difflab's ready-made `logsumexp`; the max is a scan and the sum
 * a map over the inputs:
 * A = max xᵢ, LSE(x) = A + log Σᵢ exp(xᵢ − A). Its gradient is the softmax; the path through the max
 * contributes zero up to rounding.
 */
import { DifflabError } from '../../ir/errors.js';
import type { Expr } from '../../ir/graph.js';
import { mapReduce, scan } from '../../ir/loop.js';
import { program } from '../../ir/program.js';
import { jsonArray, num, objectInput, vector } from './input.js';
import { scalarEval, variables } from './scalar.js';

export interface LseInput {
  x: Float64Array;
}

export const lse = scalarEval<LseInput>({
  name: 'lse',
  primal: 'primal',
  derivative: 'gradient',
  read(input) {
    const o = objectInput(input, ['x']);
    const x = vector(o.x, 'x');
    if (x.length === 0) throw new DifflabError('invalid-argument', 'input x: expected at least one number');
    return { x };
  },
  estimate: ({ x }) => ({
    nodes: 3 * x.length + 3,
    edges: 5 * x.length + 3,
    inputs: x.length,
    outputs: 1,
    evaluations: 1,
  }),
  build({ x }) {
    const xs = variables('x', x.length);
    const rows = xs.map((xi) => [xi]);
    // A = max xᵢ as a scan of max over x₁ … x_{n−1} (over no rows when n = 1, so A = x₀); Σ exp(xᵢ − A) as a
    // map over every xᵢ.
    const a = scan(xs[0] as Expr, rows.slice(1), (m, [xi]) => m.max(xi as Expr)).carry;
    const s = mapReduce(rows, ([xi]) => (xi as Expr).sub(a).exp());
    return { f: program(a.add(s.log()), { variables: xs }), x: x.slice() };
  },
  primalOutput: (value) => num(value, 'the primal'),
  gradientOutput: (g) => jsonArray(g, 'the gradient'),
});
