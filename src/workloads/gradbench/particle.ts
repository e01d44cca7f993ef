/**
 * GradBench particle (Siskind and Pearlmutter): a charged particle steered by nested optimisation. The
 * potential p(x; w) = Σ 1/‖x − charge‖ over charges at (10, 10 − w) and (10, 0) is a program built with the
 * builder. The particle starts at (0, 8) with velocity (0.75, 0); each Euler step (Δt = 0.1) takes the
 * acceleration −∇ₓp by the inner AD mode, moves, and stops when it crosses the x-axis, where
 * E(w) = (x*₀)² at the crossing point. w* = argmin E by the solver, with dE/dw by the outer mode through
 * the whole simulation, inner gradients included. The branch is decided on primal values.
 */
import { programCost } from '../../ir/differentiator.js';
import { DifflabError } from '../../ir/errors.js';
import { constant, withGraph } from '../../ir/graph.js';
import { type Program, program } from '../../ir/program.js';
import { type Mode, nestedFunction, nestedGradient } from '../../nested/derivative.js';
import { NUM, type Num, primal } from '../../nested/num.js';
import { finite, num, objectInput } from './input.js';
import { NESTED_FUNCTIONS, nestedModes } from './nested-eval.js';
import { variables } from './scalar.js';
import { argmin } from './solver.js';
import type { GradbenchEval } from './types.js';

export interface ParticleWorkload {
  /** The potential p(x₀, x₁, w). */
  readonly potential: Program<number>;
  readonly w: number;
}

/** Euler steps after which the simulation gives up (the particle never crossed the axis). */
export const PARTICLE_MAX_STEPS = 100_000;

const DT = 0.1;

/** The potential p(x; w) as a program of (x0, x1, w). */
export function particlePotential(): Program<number> {
  return withGraph(() => {
    const [x0, x1, w] = variables('v', 3) as [
      ReturnType<typeof constant>,
      ReturnType<typeof constant>,
      ReturnType<typeof constant>,
    ];
    const dx = x0.sub(10);
    const dy1 = x1.sub(constant(10).sub(w));
    const inv1 = constant(1).div(dx.mul(dx).add(dy1.mul(dy1)).sqrt());
    const inv2 = constant(1).div(dx.mul(dx).add(x1.mul(x1)).sqrt());
    return program(inv1.add(inv2), { variables: [x0, x1, w] });
  });
}

/** E(w): the simulation, with ∇ₓp by the inner mode. `w` may carry outer perturbations. */
export function particleError(potential: Program<number>, w: Num, inner: Mode): Num {
  const p = nestedFunction(potential);
  let x0: Num = 0;
  let x1: Num = 8;
  let v0: Num = 0.75;
  let v1: Num = 0;
  for (let step = 0; step < PARTICLE_MAX_STEPS; step++) {
    const [g0, g1] = nestedGradient((xs) => p([xs[0] as Num, xs[1] as Num, w]), [x0, x1], inner).gradient as [
      Num,
      Num,
    ];
    x0 = NUM.add(x0, NUM.mul(DT, v0));
    x1 = NUM.add(x1, NUM.mul(DT, v1));
    if (primal(x1) <= 0) {
      const tf = NUM.div(NUM.neg(x1), v1);
      const xStar = NUM.add(x0, NUM.mul(tf, v0));
      return NUM.mul(xStar, xStar);
    }
    v0 = NUM.add(v0, NUM.mul(DT, NUM.neg(g0)));
    v1 = NUM.add(v1, NUM.mul(DT, NUM.neg(g1)));
  }
  throw new DifflabError('budget', `the particle did not cross the axis in ${PARTICLE_MAX_STEPS} steps`);
}

export const particle: GradbenchEval<number, ParticleWorkload> = {
  name: 'particle',
  functions: NESTED_FUNCTIONS,
  primal: undefined,
  derivatives: NESTED_FUNCTIONS,
  nested: true,
  read: (input) => num(objectInput(input, ['w']).w, 'w'),
  estimate: () => ({ nodes: 20, edges: 40, inputs: 3, outputs: 1, evaluations: 1 }),
  prepare: (w) => ({ potential: particlePotential(), w }),
  cost(wk) {
    return { ...programCost(wk.potential), inputs: 3, outputs: 1, evaluations: 1 };
  },
  run(fn, wk) {
    const { outer, inner } = nestedModes(fn);
    const E = (ws: readonly Num[]) => particleError(wk.potential, ws[0] as Num, inner);
    const [wStar] = argmin(E, (ws) => nestedGradient(E, ws, outer).gradient, [wk.w]);
    return primal(wStar as Num);
  },
  output: (_fn, raw) => finite(raw as number, 'w*'),
};
