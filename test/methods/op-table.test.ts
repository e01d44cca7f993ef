/**
 * Table-driven over every op-table entry, at points sampled from its domain: forward, reverse and both
 * symbolic engines agree to 1e-12 relative error, and central differences to 1e-6.
 */
import { describe, expect, test } from 'vitest';
import {
  methods,
  OP_NAMES,
  type OpName,
  type Program,
  program,
  variable,
  withGraph,
} from '../../src/index.js';
import {
  applyNary,
  applyOp,
  type BinaryOpName,
  isNaryOp,
  type NaryOpName,
  type UnaryOpName,
} from '../../src/ir/index.js';
import { DOMAINS } from '../ir/support/domains.js';
import { seeded } from '../ir/support/random.js';

const SAMPLES = 12;

function opProgram(name: OpName, arity: number): Program<number> {
  return withGraph(() => {
    const xs = Array.from({ length: arity }, (_, i) => variable(`x${i}`));
    const out = isNaryOp(name)
      ? applyNary(name as NaryOpName, xs)
      : applyOp(name as UnaryOpName | BinaryOpName, ...xs);
    return program(out, { variables: xs });
  });
}

/** |a − b| ≤ rtol·max(|a|, |b|) + atol, entrywise. */
function expectClose(actual: Float64Array, expected: Float64Array, rtol: number, atol: number, what: string) {
  expected.forEach((e, i) => {
    const a = actual[i] as number;
    expect(Math.abs(a - e), `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(
      rtol * Math.max(Math.abs(a), Math.abs(e)) + atol,
    );
  });
}

describe.each(OP_NAMES)('%s', (name) => {
  test('forward, reverse and both symbolic engines agree to 1e-12; central differences to 1e-6', () => {
    const rng = seeded(name.length * 7919 + (name.codePointAt(0) ?? 0));
    for (let s = 0; s < SAMPLES; s++) {
      const sample = DOMAINS[name](rng);
      const x = sample.args;
      const f = opProgram(name, x.length);
      const wrt = sample.wrt ?? x.map((_, i) => i);
      const pick = (g: Float64Array) => Float64Array.from(wrt, (i) => g[i] as number);
      const reverse = pick(methods.reverse.gradient(f, x).value);
      const others = {
        forward: pick(methods.forward.gradient(f, x).value),
        graph: pick(methods.symbolic.gradient(f, x, { engine: 'graph' }).value),
        mathjs: pick(methods.symbolic.gradient(f, x, { engine: 'mathjs' }).value),
      };
      for (const [what, g] of Object.entries(others))
        expectClose(g, reverse, 1e-12, 1e-300, `${what} at ${x}`);
      // The samplers keep kinks and poles farther away than the step, so central differences (h = ε^(1/3)·
      // max(1, |x|), error about h²|f‴| + ε|f|/h ≈ 1e-10 relative here) are a fair reference for every op.
      const central = pick(methods.numeric.gradient(f, x, { scheme: 'central' }).value);
      expectClose(central, reverse, 1e-6, 1e-8, `central at ${x}`);
    }
  });
});
