/**
 * The checks every op-table entry passes, shared by the table-driven test over the built-in ops
 * (`test/methods/every-op.test.ts`) and the test that registers a new op (`test/ir/register-op.test.ts`).
 */
import { expect } from 'vitest';
import { methods } from '../../src/api.js';
import type { Backend } from '../../src/ir/differentiator.js';
import type { Sample } from '../../src/ir/domain.js';
import { applyNary, applyOp, variable, withGraph } from '../../src/ir/graph.js';
import { toMathjs } from '../../src/ir/mathjs.js';
import {
  type BinaryOpName,
  isNaryOp,
  type NaryOpName,
  OPS,
  type OpName,
  type UnaryOpName,
} from '../../src/ir/ops.js';
import { type Program, program } from '../../src/ir/program.js';
import { evaluate } from '../../src/sweeps/interpret/primal.js';
import { seeded } from '../ir/support/random.js';

/** Points per op. */
export const SAMPLES = 8;
const BACKENDS: readonly Backend[] = ['interpret', 'compile'];

/** op(x0, ..., xk) over fresh variables. */
export function opProgram(name: OpName, arity: number): Program<number> {
  return withGraph(() => {
    const xs = Array.from({ length: arity }, (_, i) => variable(`x${i}`));
    const out = isNaryOp(name)
      ? applyNary(name as NaryOpName, xs)
      : applyOp(name as UnaryOpName | BinaryOpName, ...xs);
    return program(out, { variables: xs });
  });
}

/** |a − b| ≤ rtol·max(|a|, |b|) + atol, entrywise over the positions in `wrt`. */
function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  wrt: readonly number[],
  rtol: number,
  atol: number,
  what: string,
): void {
  for (const i of wrt) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    expect(Math.abs(a - e), `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(
      rtol * Math.max(Math.abs(a), Math.abs(e)) + atol,
    );
  }
}

/**
 * mathjs's own function where the op has one and mathjs's value agrees to rounding (1e−12); an op written out
 * with other functions (sigmoid as 1/(1 + e^−x), ...) loses up to ε/eˣ in 1 + eˣ at the sampled edge (1e−10).
 */
function mathjsTolerance(name: OpName): number {
  return OPS[name].mathjs === null ? 1e-10 : 1e-12;
}

/** Runs every check on `SAMPLES` points drawn from the op's domain sampler, seeded with `seed`. */
export function checkOp(name: OpName, seed: number): void {
  const def = OPS[name];
  const rng = seeded(seed);
  for (let s = 0; s < SAMPLES; s++) {
    const sample: Sample = def.domain(rng);
    const x = [...sample.args];
    const wrt = [...(sample.wrt ?? x.keys())];
    const f = opProgram(name, x.length);
    const at = `${name}(${x.join(', ')})`;

    // The value, by both backends, against mathjs.
    const scope = Object.fromEntries(x.map((v, i) => [`x${i}`, v]));
    const byMathjs = toMathjs(f).evaluate(scope) as number;
    for (const backend of BACKENDS) {
      const value = evaluate(f, x, { backend });
      expectClose(
        [value],
        [byMathjs],
        [0],
        mathjsTolerance(name),
        1e-300,
        `${at} ${backend} value vs mathjs`,
      );
    }

    // The partials against an independent difference: the complex step where it can pass, else central.
    const reverse = methods.reverse.gradient(f, x).value;
    if (def.analytic) {
      const step = methods.numeric.gradient(f, x, { scheme: 'complex' }).value;
      expectClose(reverse, step, wrt, 1e-12, 1e-300, `${at} reverse vs complex step`);
    }

    // Every method and backend against reverse mode interpreted.
    for (const backend of BACKENDS) {
      const exact = {
        forward: methods.forward.gradient(f, x, { backend }).value,
        reverse: methods.reverse.gradient(f, x, { backend }).value,
        graph: methods.symbolic.gradient(f, x, { engine: 'graph', backend }).value,
        mathjs: methods.symbolic.gradient(f, x, { engine: 'mathjs', backend }).value,
      };
      for (const [what, g] of Object.entries(exact)) {
        expectClose(g, reverse, wrt, 1e-12, 1e-300, `${at} ${what} (${backend}) vs reverse`);
      }
      // The samplers keep kinks and poles farther away than the step, so central differences (h = ε^(1/3)·
      // max(1, |x|), error about h²|f‴| + ε|f|/h ≈ 1e-10 relative here) are a fair reference for every op.
      const central = methods.numeric.gradient(f, x, { scheme: 'central', backend }).value;
      expectClose(central, reverse, wrt, 1e-6, 1e-8, `${at} central (${backend}) vs reverse`);
    }
  }
}
