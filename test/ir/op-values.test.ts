/**
 * The op table's value rules: every entry against independent references at points sampled from its domain,
 * and the edge cases (overflow, NaN, signed zeros, reductions of one argument or none).
 */
import type { EvalFunction } from 'mathjs';
import { describe, expect, it } from 'vitest';
import {
  applyNary,
  applyOp,
  dot,
  exprAlgebra,
  type FixedOpDef,
  formatNode,
  isNaryOp,
  logsumexp,
  type NaryOpDef,
  OP_NAMES,
  OPS,
  type OpName,
  type Program,
  parse,
  program,
  sum,
  toMathjs,
  variable,
  withGraph,
} from '../../src/ir/index.js';
import { asDerivative, asDerivatives, asDerivativesInto } from '../../src/ir/ops.js';
import { evaluate } from '../../src/sweeps/index.js';
import { close, same, sameBits } from './support/close.js';
import { CLOSED_FORMS, DOMAINS, SAMPLES_PER_OP } from './support/domains.js';
import { evaluateTree, predictable } from './support/mathjs.js';
import { seeded } from './support/random.js';

/**
 * Every op-table entry's value rule against independent references, at points sampled from its domain:
 * mathjs (predictable instance) under the op's mathjs name, and a closed form written from Math. The same
 * value must also come out of the builder → program → evaluate path and out of `parse` under the op's
 * function name, so the op table, the code tables and the parser agree.
 */
/** Both references are exact up to a few roundings on arguments of moderate size. */
const RTOL = 1e-12;

const names = (n: number) => Array.from({ length: n }, (_, i) => `a${i}`);
const scopeOf = (args: readonly number[]) => Object.fromEntries(args.map((v, i) => [`a${i}`, v]));

/** The value rule of op `name` applied to `args`. */
function valueRule(name: OpName, args: readonly number[]): number {
  if (isNaryOp(name)) {
    const def = OPS[name] as NaryOpDef;
    return def.value(Float64Array.from(args), Int32Array.from(args.keys()), 0, args.length);
  }
  const def = OPS[name] as FixedOpDef;
  return def.value(args[0] as number, def.arity === 2 ? (args[1] as number) : Number.NaN);
}

/** The name `parse` knows the op by, or null if it has none (dot is not mathjs's dot product). */
function parseName(name: OpName): string | null {
  if (name === 'dot') return null;
  if (isNaryOp(name)) return name;
  return OPS[name].mathjs ?? name;
}

describe('op table: value rules', () => {
  it('walks the ops by code, each once', () => {
    expect(new Set(OP_NAMES).size).toBe(OP_NAMES.length);
    expect([...OP_NAMES].sort()).toEqual(Object.keys(OPS).sort());
  });

  for (const name of OP_NAMES) {
    it(`${name} matches mathjs and its closed form, through the builder and parse too`, () => {
      const sampler = DOMAINS[name];
      const closedForm = CLOSED_FORMS[name];
      expect(sampler, `no domain sampler for op '${name}'`).toBeTypeOf('function');
      expect(closedForm, `no closed form for op '${name}'`).toBeTypeOf('function');
      const def = OPS[name];
      const rng = seeded(0x5eed + OP_NAMES.indexOf(name));
      const compiled = new Map<number, EvalFunction>();
      const parsed = new Map<number, Program<number>>();
      for (let s = 0; s < SAMPLES_PER_OP; s++) {
        const { args } = sampler(rng);
        const arity = def.arity === 'n' ? args.length : def.arity;
        expect(args.length).toBe(arity);
        const value = valueRule(name, args);
        const where = `${name}(${args.join(', ')}) = ${value}`;
        expect(Number.isFinite(value), `${where} is outside the real domain`).toBe(true);

        expect(close(value, closedForm(args), RTOL), `${where}, closed form ${closedForm(args)}`).toBe(true);

        // mathjs's add takes two or more arguments.
        if (def.mathjs !== null && !(name === 'sum' && args.length < 2)) {
          let c = compiled.get(arity);
          if (c === undefined) {
            c = predictable.compile(`${def.mathjs}(${names(arity).join(', ')})`);
            compiled.set(arity, c);
          }
          const reference = c.evaluate(scopeOf(args)) as number;
          expect(close(value, reference, RTOL), `${where}, mathjs ${reference}`).toBe(true);
        }

        const built = withGraph(() => {
          const vars = names(arity).map((n) => variable(n));
          return program(isNaryOp(name) ? applyNary(name, vars) : applyOp(name, ...vars), {
            variables: names(arity),
          });
        });
        expect(same(evaluate(built, args), value), `${where}, builder`).toBe(true);

        const fn = parseName(name);
        if (fn !== null) {
          let f = parsed.get(arity);
          if (f === undefined) {
            f = parse(`${fn}(${names(arity).join(', ')})`);
            parsed.set(arity, f);
          }
          expect(same(evaluate(f, scopeOf(args)), value), `${where}, parse`).toBe(true);
        }
      }
    });
  }
});

/**
 * IEEE edge cases of the value rules: the reductions and activations neither overflow nor underflow where the
 * plain formula would (sigmoid, softplus, logsumexp), NaN propagates, and signed zeros come out as the
 * equivalent binary operations give them.
 */
const lse = (xs: number[]) =>
  withGraph(() => {
    const vars = xs.map((_, i) => variable(`x${i}`));
    return evaluate(program(logsumexp(vars)), xs);
  });

describe('overflow-safe value rules', () => {
  it('sigmoid saturates to 0 and 1 at ±1000 without NaN', () => {
    const f = parse('sigmoid(x)');
    expect(evaluate(f, [1000])).toBe(1);
    expect(evaluate(f, [-1000])).toBe(0);
    // σ(−30) = 1/(1 + e^30) ≈ e^−30 to a relative 1e−13.
    expect(Math.abs(evaluate(f, [-30]) / Math.exp(-30) - 1)).toBeLessThan(1e-12);
  });

  it('softplus(x) = x for large x and e^x for very negative x', () => {
    const f = parse('softplus(x)');
    expect(evaluate(f, [1000])).toBe(1000);
    expect(evaluate(f, [800])).toBe(800);
    expect(evaluate(f, [-1000])).toBe(0);
    expect(Math.abs(evaluate(f, [-40]) / Math.exp(-40) - 1)).toBeLessThan(1e-12);
  });

  it('logsumexp of large and very negative arguments', () => {
    expect(lse([1000, 1000])).toBe(1000 + Math.LN2);
    expect(lse([-1000, -1000])).toBe(-1000 + Math.LN2);
    expect(lse([1000, 0])).toBe(1000);
    expect(lse([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY])).toBe(Number.NEGATIVE_INFINITY);
    expect(lse([Number.POSITIVE_INFINITY, 1])).toBe(Number.POSITIVE_INFINITY);
    expect(lse([Number.NEGATIVE_INFINITY, 0])).toBe(0);
    expect(lse([Number.NaN, 1])).toBeNaN();
  });

  it('NaN propagates through every fixed op with a NaN argument', () => {
    for (const [name, def] of Object.entries(OPS)) {
      if (def.arity === 'n') continue;
      expect(def.value(Number.NaN, def.arity === 2 ? 1 : Number.NaN), name).toBeNaN();
      if (def.arity === 2) expect(def.value(1, Number.NaN), name).toBeNaN();
    }
  });

  it('a sum or dot product of negative zeros is −0, as −0 + −0 is', () => {
    const [s, d] = withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      return [program(sum([x, y])), program(dot([x, y], [y, x]))];
    });
    expect(1 / predictable.evaluate('-0 + -0')).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(evaluate(s, [-0, -0]), -0)).toBe(true);
    expect(Object.is(evaluate(s, [-0, 0]), 0)).toBe(true);
    expect(Object.is(evaluate(d, [-0, 1]), -0)).toBe(true);
    expect(Object.is(evaluate(parse('sum(x, y, x)'), [-0, -0]), -0)).toBe(true);
  });
});

/**
 * n-ary nodes with one argument or none, which the builder functions avoid but applyNary and the expression
 * algebra (as symbolic differentiation uses it) can build: they evaluate as the empty or one-term reduction,
 * print as text that parses back, and convert to a mathjs tree that mathjs evaluates.
 */
function expectConsistent(f: Program<number>, x: number, expected: number): void {
  expect(same(evaluate(f, [x]), expected), `value ${evaluate(f, [x])}, expected ${expected}`).toBe(true);
  const text = formatNode(f, f.outputs[0] as number);
  expect(same(evaluate(parse(text), { x }), expected), `printed as '${text}'`).toBe(true);
  expect(same(evaluateTree(toMathjs(f), { x }), expected)).toBe(true);
}

describe('degenerate reductions', () => {
  it('a one-term sum is its term', () => {
    const f = withGraph(() => program(applyNary('sum', [variable('x')]).add(1), { variables: ['x'] }));
    expectConsistent(f, 2.5, 3.5);
  });

  it('an empty sum or dot product is 0, built through the expression algebra', () => {
    const f = withGraph(() => {
      const x = variable('x');
      const A = exprAlgebra(x.graph);
      return program(x.add(A.sum([])).add(A.dot([])), { variables: ['x'] });
    });
    expectConsistent(f, 2.5, 2.5);
  });

  it('a one-term logsumexp is its term', () => {
    const f = withGraph(() => program(applyNary('logsumexp', [variable('x')])));
    expectConsistent(f, -4, -4);
  });
});

describe('derivatives as every exact method reports them', () => {
  // asDerivativesInto writes t + 0 with a running test, and only where that test sees NaN or ±∞ a second pass.
  const adjoints = [1.5, -0, 0, -2, Number.POSITIVE_INFINITY, Number.NaN, Number.NEGATIVE_INFINITY, 1e-310];
  const reported = [1.5, 0, 0, -2, Number.NaN, Number.NaN, Number.NaN, 1e-310];

  it('an untouched −0 is 0 and ±∞ is NaN, into another array and in place', () => {
    const into = new Float64Array(adjoints.length);
    asDerivativesInto(Float64Array.from(adjoints), into);
    expect(sameBits(into, reported)).toBe(true);
    expect(sameBits(asDerivatives(Float64Array.from(adjoints)), reported)).toBe(true);
  });

  it('all finite: the first pass alone, −0 made +0', () => {
    const finite = [-0, 3, -0, -1e300];
    const into = new Float64Array(finite.length);
    asDerivativesInto(Float64Array.from(finite), into);
    expect(sameBits(into, [0, 3, 0, -1e300])).toBe(true);
  });

  // The running test is four sums, one per entry of a group of four, and a loop for the last one to three: a
  // NaN or ±∞ at any place of any length is found (the reference is asDerivative entry by entry).
  it('one NaN or ±∞ at any place, whatever the length, makes that entry NaN and the rest t + 0', () => {
    for (let n = 1; n <= 9; n++) {
      for (let at = 0; at < n; at++) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          const from = Float64Array.from({ length: n }, (_, k) =>
            k === at ? bad : k % 2 === 0 ? -0 : k - 4.5,
          );
          const into = new Float64Array(n);
          asDerivativesInto(from, into);
          expect(sameBits(into, Array.from(from, asDerivative))).toBe(true);
        }
      }
    }
  });
});
