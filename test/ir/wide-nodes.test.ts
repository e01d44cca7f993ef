/**
 * Nodes with more arguments than a JavaScript call can take as separate parameters (a spread of about
 * 120,000 values overflows the stack): every method that builds or evaluates an n-ary node must pass its
 * argument list whole. Each case is checked against a closed form.
 */
import { describe, expect, it } from 'vitest';
import { GradbenchTool } from '../../src/gradbench/index.js';
import {
  evaluate,
  hessian,
  logsumexp,
  mapReduce,
  nestedFunction,
  nestedGradient,
  program,
  sum,
  toMathjs,
  variable,
  withGraph,
} from '../../src/index.js';

/** Past the spread limit with room to spare. */
const WIDE = 150_000;

/** Σᵢ cᵢ·x² + y with cᵢ = i mod 7: ∂/∂x = 2x·Σcᵢ, ∂/∂y = WIDE. */
const wideSum = () =>
  withGraph(() => {
    const x = variable('x');
    const y = variable('y');
    const terms = [];
    for (let i = 0; i < WIDE; i++)
      terms.push(
        x
          .mul(x)
          .mul(i % 7)
          .add(y),
      );
    return program(sum(terms), { variables: [x, y] });
  });

let coefficientSum = 0;
for (let i = 0; i < WIDE; i++) coefficientSum += i % 7;

describe(`a sum of ${WIDE} terms`, () => {
  const f = wideSum();
  const at = [0.3, -0.2];
  const expected = [2 * 0.3 * coefficientSum, WIDE];

  it('nested reverse mode evaluates it', () => {
    const g = nestedGradient(nestedFunction(f), at, 'reverse').gradient;
    expect(g.map(Number)).toEqual(expected.map((e) => expect.closeTo(e, 6)));
  });

  it('toMathjs writes it as one mathjs add of every term', () => {
    // (mathjs cannot evaluate a node this wide itself: its own call spreads the arguments.)
    const tree = toMathjs(f) as unknown as { fn: string; args: { evaluate(s: object): number }[] };
    expect(tree.fn).toBe('add');
    expect(tree.args.length).toBe(WIDE);
    const scope = { x: at[0], y: at[1] };
    let total = 0;
    for (const term of tree.args) total += term.evaluate(scope);
    expect(total).toBeCloseTo(evaluate(f, at) as number, 6);
  });
});

describe(`a logsumexp over ${WIDE} rows`, () => {
  // f(x) = log Σᵢ exp(x·aᵢ) with aᵢ ∈ {0, 1} half and half: f = log(W/2·(1 + eˣ)),
  // f′ = eˣ/(1 + eˣ) = σ(x), f″ = σ(x)(1 − σ(x)).
  const rows = Float64Array.from({ length: WIDE }, (_, i) => i % 2);
  const x0 = 0.4;
  const s = 1 / (1 + Math.exp(-x0));

  it('as a node, nested reverse mode evaluates it', () => {
    const f = withGraph(() => {
      const x = variable('x');
      return program(logsumexp(Array.from(rows, (a) => x.mul(a))));
    });
    const g = nestedGradient(nestedFunction(f), [x0], 'reverse').gradient;
    expect(Number(g[0])).toBeCloseTo(s, 10);
  });

  it('as a map, the Hessian reduces its rows', () => {
    const f = withGraph(() => {
      const x = variable('x');
      return program(
        mapReduce({ data: rows, width: 1 }, ([a]) => x.mul(a as never), { reduce: 'logsumexp' }),
      );
    });
    const h = hessian(f, [x0]);
    expect(h[0]?.[0] as number).toBeCloseTo(s * (1 - s), 11);
  });
});

describe('GradBench kmeans with d = 80,000 (distances of 160,000 arguments)', () => {
  it('answers the Newton direction C − P for one point and one centroid', () => {
    const d = 80_000;
    const point = Array.from({ length: d }, (_, l) => Math.sin(l));
    const centroid = Array.from({ length: d }, (_, l) => Math.cos(l));
    const tool = new GradbenchTool();
    const line = tool.handle(
      JSON.stringify({
        id: 1,
        kind: 'evaluate',
        module: 'kmeans',
        function: 'dir',
        input: { points: [point], centroids: [centroid], min_runs: 1, min_seconds: 0 },
      }),
    );
    const r = JSON.parse(line) as { success: boolean; output: number[][]; error?: string };
    expect(r.error).toBeUndefined();
    // f = ‖P − C‖²: J = 2(C − P), the Hessian's diagonal is 2, so J ⊘ H = C − P.
    const dir = r.output[0] as number[];
    let worst = 0;
    for (let l = 0; l < d; l++)
      worst = Math.max(
        worst,
        Math.abs((dir[l] as number) - ((centroid[l] as number) - (point[l] as number))),
      );
    expect(worst).toBeLessThan(1e-12);
  });
});
