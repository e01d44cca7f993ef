/**
 * A trace of a forward-mode evaluation: every intermediate value with its tangent along one direction.
 */
import { type Program, requireScalar, traceSteps, unrollFor, vectorOf } from '../ir/index.js';
import { forwardWork, type Point, tangentSweep, toPoint } from '../sweeps/index.js';

export interface ForwardTraceStep {
  node: number;
  /** a, b, c, ... as in the reverse-mode trace. */
  name: string;
  expression: string;
  /** The primal value. */
  value: number;
  /** The tangent: the derivative of this node along the seed direction. */
  tangent: number;
}

export interface ForwardTrace {
  variables: readonly string[];
  /** The seed: the inputs' tangents. */
  seed: Float64Array;
  inputs: { name: string; value: number; tangent: number }[];
  steps: ForwardTraceStep[];
  value: number;
  /** The directional derivative ∇f·seed. */
  tangent: number;
}

/**
 * Runs one tangent sweep of scalar f at a point along `seed` (default: the first variable's direction) and
 * returns every intermediate value and tangent, as plain data (the public index's `traceForward`,
 * `src/display/results.ts`, attaches the notebook display).
 *
 * @example
 * traceForward(parse('x * sin(y)'), { x: 2, y: 0 }, [0, 1]).tangent; // ∂f/∂y = x cos y = 2
 */
export function traceForward(f: Program, at: Point, seed?: ArrayLike<number>): ForwardTrace {
  requireScalar(f, 'trace');
  f = unrollFor(f, 'a trace');
  const n = f.variables.length;
  const x = toPoint(f, at);
  const direction =
    seed === undefined
      ? Float64Array.from({ length: n }, (_, k) => (k === 0 ? 1 : 0))
      : vectorOf(seed, n, 'the seed');
  const work = forwardWork(f, 1);
  for (let k = 0; k < n; k++) work.t[f.inputStart + k] = direction[k] as number;
  tangentSweep(f, x, work);
  const steps = traceSteps(f).map((step) => ({
    ...step,
    value: work.v[step.node] as number,
    tangent: work.t[step.node] as number,
  }));
  const out = f.outputs[0] as number;
  return {
    variables: f.variables,
    seed: direction,
    inputs: f.variables.map((name, k) => ({
      name,
      value: x[k] as number,
      tangent: direction[k] as number,
    })),
    steps,
    value: work.v[out] as number,
    tangent: work.t[out] as number,
  };
}
