/**
 * A trace of a reverse-mode evaluation, as the lecture draws it: the forward sweep's intermediate values,
 * then the adjoints in reverse order, then the gradient.
 */
import { type Program, requireScalar, traceSteps, unrollFor } from '../ir/index.js';
import { backward, type Point, record, tapeFor, toPoint } from '../sweeps/index.js';

export interface TraceStep {
  /** The node's index in the program. */
  node: number;
  /** The name the trace gives the node: a, b, c, ... (skipping the function's own variable names). */
  name: string;
  /** The operation, in terms of the inputs and earlier steps' names, e.g. `a - 0`. */
  expression: string;
  /** The primal value from the forward sweep. */
  value: number;
  /** The adjoint ∂f/∂(this node) from the backward sweep. */
  adjoint: number;
}

export interface ReverseTrace {
  variables: readonly string[];
  /** Inputs: name, value and adjoint (the gradient component). */
  inputs: { name: string; value: number; adjoint: number }[];
  /** The operations in forward-sweep order; read them backwards for the backward sweep. */
  steps: TraceStep[];
  value: number;
  gradient: Float64Array;
}

/**
 * Runs reverse mode on scalar f at a point and returns every intermediate value and adjoint, as plain data
 * (the public index's `traceReverse`, `src/display/results.ts`, attaches the notebook display).
 *
 * @example
 * const t = traceReverse(parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)'), { w1: 3, w2: 4 });
 * t.steps.map((s) => [s.name, s.expression, s.value, s.adjoint]);
 * // ['a', 'w1 * 1', 3, 22], ..., ['e', 'c - 0', 11, 22], ['f', 'e^2', 121, 1], ...
 */
export function traceReverse(f: Program, at: Point): ReverseTrace {
  requireScalar(f, 'trace');
  f = unrollFor(f, 'a trace');
  const x = toPoint(f, at);
  const tape = tapeFor(f);
  record(f, x, tape);
  backward(f, tape, (adj) => {
    adj[f.outputs[0] as number] = 1;
  });
  const steps: TraceStep[] = traceSteps(f).map((step) => ({
    ...step,
    value: tape.values[step.node] as number,
    adjoint: tape.adjoints[step.node] as number,
  }));
  const inputs = f.variables.map((name, k) => ({
    name,
    value: tape.values[f.inputStart + k] as number,
    adjoint: tape.adjoints[f.inputStart + k] as number,
  }));
  return {
    variables: f.variables,
    inputs,
    steps,
    value: tape.values[f.outputs[0] as number] as number,
    gradient: tape.adjoints.slice(f.inputStart, f.opStart),
  };
}
