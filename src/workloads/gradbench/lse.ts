/**
 * GradBench lse: log-sum-exp with the max shift, built from primitives as the eval asks (a chain of `max`,
 * a sum of exponentials, a log), not from difflab's ready-made `logsumexp`:
 * A = max xᵢ, LSE(x) = A + log Σᵢ exp(xᵢ − A). Its gradient is the softmax; the path through the max
 * contributes zero up to rounding.
 */
import { DifflabError } from '../../ir/errors.js';
import { sum } from '../../ir/graph.js';
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
    let a = xs[0] as (typeof xs)[number];
    for (let i = 1; i < xs.length; i++) a = a.max(xs[i] as (typeof xs)[number]);
    const s = sum(xs.map((xi) => xi.sub(a).exp()));
    return { f: program(a.add(s.log()), { variables: xs }), x: x.slice() };
  },
  primalOutput: (value) => num(value, 'the primal'),
  gradientOutput: (g) => jsonArray(g, 'the gradient'),
});
