/**
 * GradBench llsq: linear least squares (cmpad's `llsq_obj`). With tᵢ = −1 + 2i/(n − 1) and sᵢ = sign(tᵢ)
 * (sign(0) = 0), y(x) = ½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)². The powers tᵢʲ are data, formed by repeated multiplication as
 * the reference does; each residual is one `dot` node, in the body of a map over the n samples.
 */
import { dot, type Expr } from '../../ir/graph.js';
import { mapReduce } from '../../ir/loop.js';
import { program } from '../../ir/program.js';
import { int, jsonArray, num, objectInput, vector } from './input.js';
import { scalarEval, variables } from './scalar.js';

export interface LlsqInput {
  x: Float64Array;
  n: number;
}

/** The sample point tᵢ, computed in the reference's order: (2i)/(n − 1), then −1 + that. */
export function llsqSample(i: number, n: number): number {
  return -1 + (2 * i) / (n - 1);
}

export const llsq = scalarEval<LlsqInput>({
  name: 'llsq',
  primal: 'primal',
  derivative: 'gradient',
  read(input) {
    const o = objectInput(input, ['x', 'n']);
    return { x: vector(o.x, 'x'), n: int(o.n, 'n', 2, 1e8) };
  },
  estimate: ({ x, n }) => ({
    nodes: 3 * n,
    edges: n * (2 * x.length + 3),
    built: 2 * x.length + 6,
    inputs: x.length,
    outputs: 1,
    evaluations: 1,
  }),
  build({ x, n }) {
    const m = x.length;
    const xs = variables('x', m);
    // Row i: sᵢ, then the powers tᵢ⁰ … tᵢ^(m−1) (data, formed as the reference forms them).
    const data = new Float64Array(n * (m + 1));
    for (let i = 0; i < n; i++) {
      const t = llsqSample(i, n);
      data[i * (m + 1)] = Math.sign(t);
      let p = 1;
      for (let j = 0; j < m; j++) {
        data[i * (m + 1) + 1 + j] = p;
        p *= t;
      }
    }
    const squares = mapReduce({ data, width: m + 1 }, (row) => {
      const r = (row[0] as Expr).sub(dot(xs, row.slice(1)));
      return r.mul(r);
    });
    return { f: program(squares.mul(0.5), { variables: xs }), x: x.slice() };
  },
  primalOutput: (value) => num(value, 'the primal'),
  gradientOutput: (g) => jsonArray(g, 'the gradient'),
});
