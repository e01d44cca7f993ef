/**
 * The derivative engines: what each of difflab's methods does when an eval asks for a gradient, a Jacobian
 * or a gradient with the Hessian's diagonal. Every call does the whole computation (the symbolic method
 * rebuilds its derivative each time: nothing carries over from one run to the next).
 *
 * Hessian diagonals (kmeans): reverse mode takes H·1 by one forward-over-reverse sweep (equal to the diagonal
 * because the Hessian is diagonal); forward mode takes each Hᵢᵢ exactly by forward over forward (nested tagged
 * duals, one pass per input); finite differences take second central differences; the symbolic method
 * builds ∇f on the DAG and then the derivative of ∇f·1 (H·1 again).
 */
import { type MethodOptions, methods } from '../api.js';
import type { Backend, Method } from '../ir/differentiator.js';
import type { Program } from '../ir/program.js';
import { nestedFunction, nestedGradient } from '../nested/derivative.js';
import { type Num, primal } from '../nested/num.js';
import { gradientAndHvp, reverseGradient } from '../reverse/index.js';
import { blockJacobian, rowBlocks } from '../sparse/blocks.js';
import { evaluate } from '../sweeps/index.js';
import { graphDerivative } from '../symbolic/index.js';
import type { DerivativeEngine } from '../workloads/gradbench/types.js';

/** How the tool differentiates. */
export interface EngineOptions {
  method: Method;
  /** Passed to the methods' sweeps (`'compile'` runs generated code where the method supports it). */
  backend?: Backend;
  /** The symbolic method's budget of new DAG nodes. */
  symbolicBudget?: number;
}

/** The engine for one method. */
export function derivativeEngine(options: EngineOptions): DerivativeEngine {
  const { method } = options;
  const common = options.backend === undefined ? {} : { backend: options.backend };
  const symbolicOptions = {
    ...common,
    engine: 'graph' as const,
    cache: false,
    ...(options.symbolicBudget === undefined ? {} : { budget: options.symbolicBudget }),
  };
  const methodOptions = method === 'symbolic' ? symbolicOptions : common;
  const d = methods[method];
  return {
    method,
    evaluate: (f, x) => evaluate(f, x, common),
    gradient(f, x, out) {
      if (out === undefined) return d.gradient(f, x, methodOptions).value;
      // Reverse mode writes into `out` itself (allocating nothing); the other methods' arrays are copied in.
      if (method === 'reverse') return reverseGradient(f, x, { ...common, out });
      out.set(d.gradient(f, x, methodOptions).value);
      return out;
    },
    jacobian: (f, x) => d.jacobian(f, x, methodOptions).value,
    blockJacobian: (f, x, visit) => blockJacobian(f, x, visit, { method, ...methodOptions } as MethodOptions),
    rowBlocks: (f, x) => rowBlocks(f, x, { method, ...methodOptions } as MethodOptions),
    vjp: (f, x, u) => d.vjp(f, x, u, methodOptions).value,
    gradientAndHessianDiagonal(f, x) {
      if (method === 'reverse') {
        // One forward-over-reverse sweep gives both (loop bodies run as generated code on the compiled backend).
        const { gradient, hvp } = gradientAndHvp(f, x, new Float64Array(x.length).fill(1), common);
        return { gradient, diagonal: hvp };
      }
      if (method === 'forward') return forwardOverForward(f, x);
      if (method === 'numeric')
        return { gradient: d.gradient(f, x, methodOptions).value, diagonal: secondDifferences(f, x) };
      return symbolicHessianOnes(f, x, options.symbolicBudget);
    },
  };
}

/** ∇f and the Hessian's diagonal by forward over forward: per input, one pass of a dual of a dual. */
function forwardOverForward(f: Program, x: Float64Array): { gradient: Float64Array; diagonal: Float64Array } {
  const F = nestedFunction(f);
  const gradient = new Float64Array(x.length);
  const diagonal = new Float64Array(x.length);
  const point: Num[] = Array.from(x);
  for (let i = 0; i < x.length; i++) {
    const along = (t: Num): Num => {
      const p = point.slice();
      p[i] = t;
      return F(p);
    };
    const outer = nestedGradient(
      ([s]) => nestedGradient(([t]) => along(t as Num), [s as Num], 'forward').gradient[0] as Num,
      [x[i] as number],
      'forward',
    );
    gradient[i] = primal(outer.value);
    diagonal[i] = primal(outer.gradient[0] as Num);
  }
  return { gradient, diagonal };
}

/** Hᵢᵢ ≈ (f(x + h eᵢ) − 2f(x) + f(x − h eᵢ))/h², h = ε^(1/4)·max(1, |xᵢ|) (balances truncation and rounding). */
function secondDifferences(f: Program, x: Float64Array): Float64Array {
  const fx = evaluate(f as Program<number>, x);
  const out = new Float64Array(x.length);
  const p = x.slice();
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const h = Number.EPSILON ** 0.25 * Math.max(1, Math.abs(xi));
    p[i] = xi + h;
    const up = evaluate(f as Program<number>, p);
    p[i] = xi - h;
    const down = evaluate(f as Program<number>, p);
    p[i] = xi;
    out[i] = (up - 2 * fx + down) / (h * h);
  }
  return out;
}

/** ∇f and H·1 from derivative programs built on the DAG: ∇f, then the jvp of ∇f along 1. */
function symbolicHessianOnes(
  f: Program,
  x: Float64Array,
  budget: number | undefined,
): { gradient: Float64Array; diagonal: Float64Array } {
  const options = budget === undefined ? {} : { budget };
  const grad = graphDerivative(f, options).program;
  const hv = graphDerivative(grad, { ...options, kind: 'jvp' }).program;
  const at = new Float64Array(2 * x.length);
  at.set(x, 0);
  at.fill(1, x.length);
  return { gradient: evaluate(grad, x), diagonal: evaluate(hv, at) };
}
