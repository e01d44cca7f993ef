/**
 * Every op of the op table, at points sampled from its domain: both engines match central differences to
 * 1e-6 and each other to 1e-12 relative error. The table is a mapped type over the op names, so a new op
 * without a row fails to compile.
 */
import { describe, expect, test } from 'vitest';
import { evaluate } from '../../src/ir/evaluate.js';
import { applyNary, applyOp, type Expr, variable, withGraph } from '../../src/ir/graph.js';
import {
  type BinaryOpName,
  NARY_OPS,
  type NaryOpName,
  OP_NAMES,
  type OpName,
  type UnaryOpName,
} from '../../src/ir/ops.js';
import { type Program, program } from '../../src/ir/program.js';
import { symbolic } from '../../src/symbolic/index.js';
import { seeded as rng } from '../ir/support/random.js';

type Sampler = (r: () => number) => number[];
const within = (lo: number, hi: number) => (r: () => number) => lo + (hi - lo) * r();
/** ±[lo, hi]: either sign. */
const signed = (lo: number, hi: number) => (r: () => number) => (r() < 0.5 ? -1 : 1) * within(lo, hi)(r);
const one =
  (d: (r: () => number) => number): Sampler =>
  (r) => [d(r)];
const two =
  (dx: (r: () => number) => number, dy: (r: () => number) => number): Sampler =>
  (r) => [dx(r), dy(r)];
/** Two arguments at least 0.1 apart (away from the max/min kink). */
const apart: Sampler = (r) => {
  const x = within(-2, 2)(r);
  return [x, x + signed(0.1, 1.5)(r)];
};

/** Where each op is sampled: inside its domain, away from poles, kinks and steep edges. */
const DOMAIN: { readonly [K in OpName]: Sampler } = {
  add: two(within(-2, 2), within(-2, 2)),
  sub: two(within(-2, 2), within(-2, 2)),
  mul: two(within(-2, 2), within(-2, 2)),
  div: two(within(-2, 2), signed(0.5, 2)),
  pow: two(within(0.5, 2), within(-2, 2)),
  logb: two(within(0.5, 3), within(1.5, 3)),
  max: apart,
  min: apart,
  neg: one(within(-2, 2)),
  sqrt: one(within(0.2, 3)),
  cbrt: one(signed(0.2, 3)),
  exp: one(within(-2, 2)),
  expm1: one(within(-1, 1)),
  log: one(within(0.2, 3)),
  log1p: one(within(-0.5, 2)),
  log2: one(within(0.2, 3)),
  log10: one(within(0.2, 3)),
  sin: one(within(-3, 3)),
  cos: one(within(-3, 3)),
  tan: one(within(-1.2, 1.2)),
  sec: one(within(-1.2, 1.2)),
  csc: one(within(0.3, 2.8)),
  cot: one(within(0.3, 2.8)),
  asin: one(within(-0.8, 0.8)),
  acos: one(within(-0.8, 0.8)),
  atan: one(within(-3, 3)),
  asec: one(signed(1.2, 3)),
  acsc: one(signed(1.2, 3)),
  acot: one(signed(0.3, 3)),
  sinh: one(within(-2, 2)),
  cosh: one(within(-2, 2)),
  tanh: one(within(-2, 2)),
  sech: one(within(-2, 2)),
  csch: one(signed(0.3, 2)),
  coth: one(signed(0.3, 2)),
  asinh: one(within(-3, 3)),
  acosh: one(within(1.2, 3)),
  atanh: one(within(-0.8, 0.8)),
  asech: one(within(0.2, 0.8)),
  acsch: one(signed(0.3, 3)),
  acoth: one(signed(1.2, 3)),
  abs: one(signed(0.1, 2)),
  sign: one(signed(0.1, 2)),
  heaviside: one(signed(0.1, 2)),
  sigmoid: one(within(-4, 4)),
  relu: one(signed(0.1, 2)),
  softplus: one(within(-4, 4)),
  sum: (r) => [within(-2, 2)(r), within(-2, 2)(r), within(-2, 2)(r)],
  dot: (r) => [within(-2, 2)(r), within(-2, 2)(r), within(-2, 2)(r), within(-2, 2)(r)],
  logsumexp: (r) => [within(-2, 2)(r), within(-2, 2)(r), within(-2, 2)(r)],
};

/** The function op(x1, ..., xk) over fresh variables. */
function opProgram(name: OpName, arity: number): Program<number> {
  return withGraph(() => {
    const xs = Array.from({ length: arity }, (_, i) => variable(`x${i + 1}`));
    let e: Expr;
    if ((NARY_OPS as readonly string[]).includes(name)) {
      e = applyNary(name as NaryOpName, xs);
    } else {
      e = applyOp(name as UnaryOpName | BinaryOpName, ...xs);
    }
    return program(e, { variables: xs });
  });
}

/** Central differences, h = 1e-5·max(1, |xⱼ|). */
function centralDifferences(f: Program<number>, x: readonly number[]): number[] {
  return x.map((xj, j) => {
    const h = 1e-5 * Math.max(1, Math.abs(xj));
    const plus = [...x];
    const minus = [...x];
    plus[j] = xj + h;
    minus[j] = xj - h;
    return (evaluate(f, plus) - evaluate(f, minus)) / (2 * h);
  });
}

const cases: { name: string; f: () => Program<number>; sample: Sampler }[] = OP_NAMES.map((name) => {
  const sample = DOMAIN[name];
  const arity = sample(() => 0.5).length;
  return { name, f: () => opProgram(name, arity), sample };
});
// x^3 for negative x: a negative base with an integer exponent.
cases.push({
  name: 'pow, negative base, integer exponent',
  f: () => withGraph(() => program(variable('x').pow(3))),
  sample: one(within(-2, -0.2)),
});

describe('every op, both engines', () => {
  test.each(cases)('$name', ({ name, f: make, sample }) => {
    const f = make();
    const r = rng(name.length * 7919 + name.charCodeAt(0));
    for (let k = 0; k < 5; k++) {
      const x = sample(r);
      const byMathjs = symbolic.gradient(f, x, { engine: 'mathjs' }).value;
      const byGraph = symbolic.gradient(f, x, { engine: 'graph' }).value;
      const reference = centralDifferences(f, x);
      x.forEach((_, j) => {
        const m = byMathjs[j] as number;
        const g = byGraph[j] as number;
        const c = reference[j] as number;
        const at = `${name} at [${x.join(', ')}], ∂/∂x${j + 1}`;
        expect(Math.abs(m - c), `${at}: mathjs ${m} vs central differences ${c}`).toBeLessThanOrEqual(
          1e-6 * Math.max(1, Math.abs(c)),
        );
        expect(Math.abs(g - c), `${at}: graph ${g} vs central differences ${c}`).toBeLessThanOrEqual(
          1e-6 * Math.max(1, Math.abs(c)),
        );
        expect(Math.abs(m - g), `${at}: mathjs ${m} vs graph ${g}`).toBeLessThanOrEqual(
          1e-12 * Math.max(Math.abs(m), Math.abs(g)),
        );
      });
    }
  });
});
