/**
 * Back to mathjs: formatNode's text parses back to the same function, and toMathjs's tree evaluates in mathjs
 * to the program's value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  applyNary,
  applyOp,
  constant,
  dot,
  formatNode,
  isNaryOp,
  log,
  logsumexp,
  mathjsAlgebra,
  max,
  mul,
  neg,
  OP_NAMES,
  OPS,
  type Program,
  parse,
  pow,
  program,
  sub,
  sum,
  toMathjs,
  variable,
  withGraph,
} from '../../src/ir/index.js';
import { evaluate } from '../../src/sweeps/index.js';
import { close, same } from './support/close.js';
import { DOMAINS } from './support/domains.js';
import { expectDifflabError } from './support/errors.js';
import { expressionSource, scopeArbitrary } from './support/expressions.js';
import { evaluateTree } from './support/mathjs.js';
import { seeded } from './support/random.js';

/**
 * formatNode prints a node so that parsing the text back gives the same function: at any point the reparsed
 * program evaluates to the same number. The printer keeps every operation and the order of its operands, so
 * the two programs run the same IEEE operations and must agree exactly (NaN with NaN).
 */
const print = (f: Program) => formatNode(f, f.outputs[0] as number, { maxLength: Number.POSITIVE_INFINITY });

function expectRoundTrip(f: Program, scope: Record<string, number>): void {
  const text = print(f);
  const back = parse(text);
  const a = evaluate(f, scope) as number;
  const b = evaluate(back, scope) as number;
  expect(same(b, a), `printed as ${text}: ${b}, original ${a} at ${JSON.stringify(scope)}`).toBe(true);
}

describe('formatNode output parses back to the same function', () => {
  it('for generated expressions', () => {
    fc.assert(
      fc.property(expressionSource, scopeArbitrary, (source, scope) => expectRoundTrip(parse(source), scope)),
      { numRuns: Number(process.env.DIFFLAB_RUNS ?? 300) },
    );
  });

  it('for builder nodes parse never makes: negative constants, sums of sums, dot, logsumexp, logb', () => {
    const f = withGraph(() => {
      const [x, y, z] = [variable('x'), variable('y'), variable('z')];
      return program(
        sum([
          x.mul(-3),
          sub(x, -2.5),
          pow(constant(-2), 3),
          pow(y, -1),
          neg(constant(-0)),
          sum([y, z.add(x)]),
          add(x, add(y, z)),
          mul(x, mul(y, z)),
          sub(x, sub(y, z)),
          dot([x, y.add(1)], [z.sub(1), x]),
          logsumexp([x, y, z.mul(2)]),
          log(z.abs().add(1), y.abs().add(2)),
          max(x, y).sigmoid().add(x.relu()).add(y.softplus()).add(z.heaviside()),
        ]),
        { variables: ['x', 'y', 'z'] },
      );
    });
    for (const scope of [
      { x: 0.3, y: 1e16, z: -1e16 },
      { x: -1.25, y: 2, z: 0.1 },
      { x: 1e-300, y: -3, z: 7 },
    ])
      expectRoundTrip(f, scope);
  });
});

/**
 * toMathjs gives a mathjs tree that mathjs evaluates to the program's value, for every op of the table
 * (ops mathjs lacks are written out with ones it has), with either algebra: the default one, and one that
 * expands every op with an expansion (as symbolic differentiation asks for when mathjs has no rule).
 *
 * An op mathjs has is printed as itself, so the values agree to rounding (1e−12). An expanded op is a
 * different formula for the same function: sigmoid as 1/(1 + e^−x), softplus as ln(1 + eˣ), logsumexp as
 * ln Σ e^xᵢ, dot folded pairwise. Those lose up to ε/eˣ relative in 1 + eˣ, about 1e−11 at x = −10, the edge of
 * the sampled domain; 1e−10 covers that.
 */
const RTOL_EXACT = 1e-12;
const RTOL_EXPANDED = 1e-10;

const algebras = [
  ['default algebra', undefined],
  ['fully expanded algebra', mathjsAlgebra({ derivable: [] })],
] as const;

describe('toMathjs', () => {
  for (const name of OP_NAMES) {
    it(`${name}: mathjs evaluates the tree to the program's value`, () => {
      const rng = seeded(0x7a1 + OP_NAMES.indexOf(name));
      const sampler = DOMAINS[name];
      expect(sampler, `no domain sampler for op '${name}'`).toBeTypeOf('function');
      for (let s = 0; s < 10; s++) {
        const { args } = sampler(rng);
        const names = args.map((_, i) => `a${i}`);
        const f = withGraph(() => {
          const vars = names.map((n) => variable(n));
          return program(isNaryOp(name) ? applyNary(name, vars) : applyOp(name, ...vars), {
            variables: names,
          });
        });
        const value = evaluate(f, args);
        const scope = Object.fromEntries(names.map((n, i) => [n, args[i] as number]));
        for (const [label, algebra] of algebras) {
          const expanded =
            OPS[name].mathjs === null ||
            name === 'dot' ||
            (algebra !== undefined && 'expand' in OPS[name] && OPS[name].expand !== undefined);
          const viaTree = evaluateTree(toMathjs(f, 0, algebra), scope);
          expect(
            close(viaTree, value, expanded ? RTOL_EXPANDED : RTOL_EXACT),
            `${label}: ${name}(${args.join(', ')}) = ${value}, mathjs ${viaTree}`,
          ).toBe(true);
        }
      }
    });
  }

  it('negative constants and every output of a multi-output function', () => {
    const f = parse(['x * -3 + 2', '(-2)^x', 'x']);
    for (let k = 0; k < 3; k++) {
      const expected = (evaluate(f, [1.5]) as Float64Array)[k] as number;
      expect(evaluateTree(toMathjs(f, k), { x: 1.5 })).toBe(expected);
    }
    const g = withGraph(() => program(variable('x').mul(-3).add(-0)));
    expect(evaluateTree(toMathjs(g), { x: 2 })).toBe(-6);
  });

  it('an output index out of range is invalid-argument', () => {
    expectDifflabError(() => toMathjs(parse('x'), 1), 'invalid-argument');
  });
});
