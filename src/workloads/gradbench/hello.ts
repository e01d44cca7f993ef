/**
 * GradBench hello: `square` returns x² and `double` its derivative 2x, by the chosen method. The input and
 * the output are bare numbers.
 */
import { programCost } from '../../ir/differentiator.js';
import { withGraph } from '../../ir/graph.js';
import { type Program, program } from '../../ir/program.js';
import { finite, num } from './input.js';
import { variables } from './scalar.js';
import type { GradbenchEval } from './types.js';

export interface HelloWorkload {
  readonly f: Program<number>;
  readonly x: Float64Array;
}

export const hello: GradbenchEval<number, HelloWorkload> = {
  name: 'hello',
  functions: ['square', 'double'],
  primal: 'square',
  derivatives: ['double'],
  nested: false,
  read: (input) => num(input, '(a bare number)'),
  estimate: () => ({ nodes: 1, edges: 2, inputs: 1, outputs: 1, evaluations: 1 }),
  prepare(x) {
    const f = withGraph(() => {
      const [v] = variables('x', 1) as [ReturnType<typeof variables>[number]];
      return program(v.mul(v));
    });
    return { f, x: Float64Array.of(x) };
  },
  cost(w) {
    return { ...programCost(w.f), inputs: 1, outputs: 1, evaluations: 1 };
  },
  run(fn, w, engine) {
    return fn === 'square' ? engine.evaluate(w.f, w.x) : (engine.gradient(w.f, w.x)[0] as number);
  },
  output: (fn, raw) => finite(raw as number, fn === 'square' ? 'x²' : '2x'),
};
