/**
 * GradBench saddle (Siskind and Pearlmutter): a saddle point by nested gradient descent. The objective
 * f(a, b) = (a₀² + a₁²) − (b₀² + b₁²) is a program built with the builder. b*(a) = argmax_b f(a, b) by the
 * solver from `start`, with ∇_b f by the inner mode; a* = argmin_a f(a, b*(a)) from `start`, with the
 * gradient by the outer mode through the whole inner solve; then b* = b*(a*). The output is [a*, b*].
 */
import { programCost } from '../../ir/differentiator.js';
import { withGraph } from '../../ir/graph.js';
import { type Program, program } from '../../ir/program.js';
import { type Mode, nestedFunction, nestedGradient } from '../../nested/derivative.js';
import { type Num, primal } from '../../nested/num.js';
import { jsonArray, objectInput, vector } from './input.js';
import { NESTED_FUNCTIONS, nestedModes } from './nested-eval.js';
import { variables } from './scalar.js';
import { argmax, argmin } from './solver.js';
import type { GradbenchEval } from './types.js';

export interface SaddleWorkload {
  /** f(a₀, a₁, b₀, b₁). */
  readonly f: Program<number>;
  readonly start: Float64Array;
}

/** f(a, b) = (a₀² + a₁²) − (b₀² + b₁²) as a program of (a₀, a₁, b₀, b₁). */
export function saddleObjective(): Program<number> {
  return withGraph(() => {
    const [a0, a1, b0, b1] = variables('v', 4) as [
      ReturnType<typeof variables>[number],
      ReturnType<typeof variables>[number],
      ReturnType<typeof variables>[number],
      ReturnType<typeof variables>[number],
    ];
    return program(
      a0
        .mul(a0)
        .add(a1.mul(a1))
        .sub(b0.mul(b0).add(b1.mul(b1))),
      {
        variables: [a0, a1, b0, b1],
      },
    );
  });
}

/** The saddle point [a*₀, a*₁, b*₀, b*₁] with the given outer and inner modes. */
export function saddlePoint(f: Program<number>, start: Float64Array, outer: Mode, inner: Mode): number[] {
  const F = nestedFunction(f);
  const s = Array.from(start);
  const innerSolve = (a: readonly Num[]): Num[] => {
    const fb = (b: readonly Num[]) => F([...a, ...b]);
    return argmax(fb, (b) => nestedGradient(fb, b, inner).gradient, s);
  };
  const G = (a: readonly Num[]) => F([...a, ...innerSolve(a)]);
  const aStar = argmin(G, (a) => nestedGradient(G, a, outer).gradient, s);
  const bStar = innerSolve(aStar);
  return [...aStar, ...bStar].map(primal);
}

export const saddle: GradbenchEval<Float64Array, SaddleWorkload> = {
  name: 'saddle',
  functions: NESTED_FUNCTIONS,
  primal: undefined,
  derivatives: NESTED_FUNCTIONS,
  nested: true,
  read: (input) => vector(objectInput(input, ['start']).start, 'start', 2),
  estimate: () => ({ nodes: 20, edges: 40, inputs: 4, outputs: 1, evaluations: 1 }),
  prepare: (start) => ({ f: saddleObjective(), start }),
  cost(w) {
    return { ...programCost(w.f), inputs: 4, outputs: 1, evaluations: 1 };
  },
  run(fn, w) {
    const { outer, inner } = nestedModes(fn);
    return saddlePoint(w.f, w.start, outer, inner);
  },
  output: (_fn, raw) => jsonArray(raw as number[], 'the saddle point'),
};
