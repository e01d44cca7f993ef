/**
 * GradBench ode: y₀′ = x₀, yᵢ′ = xᵢ·yᵢ₋₁, y(0) = 0, integrated to t = 2 by s steps of classical RK4
 * (cmpad's `an_ode`). The primal is the whole y(2); the gradient is that of its last component, taken as the
 * vector–Jacobian product of the same program with the cotangent e_{n−1} (the derivative works on the program
 * the primal evaluates, not on a pruned copy). The program is a scan over the s steps, its body one RK4
 * step (about 22·n operations); the program is the size of one step, and a run executes 22·n·s operations.
 *
 * The golden gradient of the eval is the derivative of the exact solution, not of RK4 (GradBench's
 * reference); difflab returns the derivative of its RK4 primal, which is what the benchmark times.
 */
import { programCost } from '../../ir/differentiator.js';
import { DifflabError } from '../../ir/errors.js';
import { constant, type Expr, withGraph } from '../../ir/graph.js';
import { scan } from '../../ir/loop.js';
import { type Program, program } from '../../ir/program.js';
import { int, jsonArray, objectInput, vector } from './input.js';
import { variables } from './scalar.js';
import type { GradbenchEval } from './types.js';

export interface OdeInput {
  x: Float64Array;
  s: number;
}

export interface OdeWorkload {
  /** y(2), all n components. */
  readonly primal: Program<Float64Array>;
  /** The cotangent e_{n−1}: picks the last component. */
  readonly last: Float64Array;
  readonly x: Float64Array;
}

/** The right-hand side F(y): F₀ = x₀, Fᵢ = xᵢ·yᵢ₋₁. */
function rhs(x: readonly Expr[], y: readonly Expr[]): Expr[] {
  return x.map((xi, i) => (i === 0 ? xi : xi.mul(y[i - 1] as Expr)));
}

/** One RK4 step of size h from y, in the reference's order of operations. */
function rk4Step(x: readonly Expr[], y: readonly Expr[], h: number): Expr[] {
  // y + h·k/2 (halve) or y + h·k
  const axpy = (k: readonly Expr[], halve: boolean) =>
    y.map((yi, i) => {
      const step = constant(h).mul(k[i] as Expr);
      return yi.add(halve ? step.div(2) : step);
    });
  const k1 = rhs(x, y);
  const k2 = rhs(x, axpy(k1, true));
  const k3 = rhs(x, axpy(k2, true));
  const k4 = rhs(x, axpy(k3, false));
  return y.map((yi, i) =>
    yi.add(
      constant(h)
        .mul(
          (k1[i] as Expr)
            .add((k2[i] as Expr).mul(2))
            .add((k3[i] as Expr).mul(2))
            .add(k4[i] as Expr),
        )
        .div(6),
    ),
  );
}

/**
 * The RK4 solution y(2) as expressions of x: a scan of s steps whose carry is y (n values) and whose body,
 * one step of about 22n operations, is traced once.
 */
export function odeSolution(x: readonly Expr[], s: number): Expr[] {
  const h = 2 / s;
  const y0 = x.map(() => constant(0));
  return scan(y0, s, (y) => rk4Step(x, y, h)).carry;
}

/** The same solution unrolled into s copies of the step (the flat program, for comparison). */
export function odeSolutionUnrolled(x: readonly Expr[], s: number): Expr[] {
  const h = 2 / s;
  let y: Expr[] = x.map(() => constant(0));
  for (let step = 0; step < s; step++) y = rk4Step(x, y, h);
  return y;
}

export const ode: GradbenchEval<OdeInput, OdeWorkload> = {
  name: 'ode',
  functions: ['primal', 'gradient'],
  primal: 'primal',
  derivatives: ['gradient'],
  nested: false,
  read(input) {
    const o = objectInput(input, ['x', 's']);
    const x = vector(o.x, 'x');
    if (x.length === 0) throw new DifflabError('invalid-argument', 'input x: expected at least one number');
    return { x, s: int(o.s, 's', 1, 1e7) };
  },
  estimate: ({ x, s }) => ({
    nodes: 22 * x.length * s,
    edges: 40 * x.length * s,
    built: 22 * x.length,
    inputs: x.length,
    outputs: 1,
    evaluations: 1,
  }),
  prepare({ x, s }) {
    return withGraph(() => {
      const xs = variables('x', x.length);
      const y = odeSolution(xs, s);
      const last = new Float64Array(y.length);
      last[y.length - 1] = 1;
      return { primal: program(y, { variables: xs }), last, x: x.slice() };
    });
  },
  cost(w) {
    // One cotangent: a single backward sweep, or one tangent per input.
    return { ...programCost(w.primal), inputs: w.x.length, outputs: 1, evaluations: 1 };
  },
  run(fn, w, engine) {
    return fn === 'primal' ? engine.evaluate(w.primal, w.x) : engine.vjp(w.primal, w.x, w.last);
  },
  output(fn, raw) {
    return jsonArray(raw as Float64Array, fn === 'primal' ? 'the solution' : 'the gradient');
  },
};
