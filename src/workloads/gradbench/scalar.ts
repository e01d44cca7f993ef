/**
 * The common shape of most evals: one scalar program of the input's independent variables, whose primal
 * function evaluates it and whose derivative function is its gradient by the chosen method.
 */
import { programCost } from '../../ir/differentiator.js';
import { type Expr, variable, withGraph } from '../../ir/graph.js';
import type { Program } from '../../ir/program.js';
import type { BuildEstimate, GradbenchEval } from './types.js';

/**
 * A built scalar workload: the program, the point (in `f.variables` order), the checked input, and the array
 * every run of the derivative writes the gradient into, as GradBench's C++ tools write every run into one
 * output (a new array per run cost lse's gradient at n = 1.28M about 4 ms, faulting its pages in).
 */
export interface ScalarWorkload<I> {
  readonly f: Program<number>;
  readonly x: Float64Array;
  readonly input: I;
  readonly gradient: Float64Array;
}

/** What a scalar eval defines; the rest is common. */
export interface ScalarSpec<I> {
  name: string;
  primal: string;
  derivative: string;
  read(input: unknown): I;
  estimate(input: I): BuildEstimate;
  /** Builds the program with the builder (in a fresh graph) and the point. */
  build(input: I): { f: Program<number>; x: Float64Array };
  /** The primal value as JSON. */
  primalOutput(value: number, input: I): unknown;
  /** The gradient as JSON. */
  gradientOutput(gradient: Float64Array, input: I): unknown;
}

/** An eval whose primal is one scalar program and whose derivative is its gradient. */
export function scalarEval<I>(spec: ScalarSpec<I>): GradbenchEval<I, ScalarWorkload<I>> {
  return {
    name: spec.name,
    functions: [spec.primal, spec.derivative],
    primal: spec.primal,
    derivatives: [spec.derivative],
    nested: false,
    read: spec.read,
    estimate: spec.estimate,
    prepare(input) {
      const { f, x } = withGraph(() => spec.build(input));
      return { f, x, input, gradient: new Float64Array(x.length) };
    },
    cost(w) {
      const c = programCost(w.f);
      return { ...c, inputs: w.f.variables.length, outputs: 1, evaluations: 1 };
    },
    run(fn, w, engine) {
      return fn === spec.primal ? engine.evaluate(w.f, w.x) : engine.gradient(w.f, w.x, w.gradient);
    },
    output(fn, raw, w) {
      return fn === spec.primal
        ? spec.primalOutput(raw as number, w.input)
        : spec.gradientOutput(raw as Float64Array, w.input);
    },
  };
}

/** Variables named `name[0]`, `name[1]`, ... of the default graph. */
export function variables(name: string, count: number): Expr[] {
  const out: Expr[] = [];
  for (let i = 0; i < count; i++) out.push(variable(`${name}[${i}]`));
  return out;
}
