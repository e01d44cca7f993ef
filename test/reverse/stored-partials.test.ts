/**
 * Reverse mode's Jacobian with stored partials (src/sweeps/interpret/stored.ts): every edge's partial computed once after
 * the recording, then m backward sweeps that read them. Its counts against closed forms (N + E + m·E operations,
 * E doubles more memory), its numbers against the one-sweep path (a vjp per unit cotangent, which evaluates the
 * partials in its sweep) bit for bit at special points, and the cases that keep recomputing (the compiled
 * backend's generated sweeps, loops, a single sweep).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  constant,
  denseLayer,
  dot,
  type Expr,
  logsumexp,
  mapReduce,
  memoryOf,
  methods,
  type Program,
  program,
  programCost,
  sparseJacobian,
  sparseWorkloads,
  sum,
  variable,
  withGraph,
} from '../../src/index.js';
import { BINARY_OPS, UNARY_OPS } from '../../src/ir/ops.js';
import { sameBits } from '../ir/support/close.js';
import { expectDifflabError } from '../ir/support/errors.js';

const { reverse } = methods;

/** Row o of J by one backward sweep: the vjp with the unit cotangent e_o. */
function rowByVjp(f: Program, x: readonly number[], o: number, check = false): Float64Array {
  const u = new Float64Array(f.outputs.length);
  u[o] = 1;
  return reverse.vjp(f, x, u, { check }).value;
}

describe('counts of a Jacobian by stored partials', () => {
  test('dense layer n → m: N + E + m·E operations, m sweeps, the tape plus 8 bytes an edge', () => {
    for (const [n, m] of [
      [3, 5],
      [7, 2],
      [16, 16],
    ] as const) {
      const { f, x } = denseLayer(n, m);
      // Per output: a dot of 2n arguments, an add, a tanh: 2n + 2 operations over 2n + 3 edges.
      const [N, E] = [m * (2 * n + 2), m * (2 * n + 3)];
      for (const { stats } of [reverse.jacobian(f, x), reverse.jvp(f, x, new Float64Array(n).fill(1))]) {
        expect(stats.reverseSweeps).toBe(m);
        expect(stats.ops).toBe(N + E + m * E);
        expect(stats.details.partials).toBe('stored');
        const memory = memoryOf(stats);
        expect(memory.partialBytes).toBe(8 * E);
        expect(stats.bytes).toBe(16 * f.size + 8 * E);
      }
    }
  });

  test('one sweep (gradient, vjp, a one-output Jacobian) evaluates each partial once anyway: N + 2E, nothing stored', () => {
    const { f, x } = denseLayer(6, 4);
    const { nodes, edges } = programCost(f);
    const vjp = reverse.vjp(f, x, [1, -2, 0.5, 3]).stats;
    expect([vjp.ops, vjp.details.partials, memoryOf(vjp).partialBytes]).toEqual([
      nodes + 2 * edges,
      'recomputed',
      0,
    ]);
    const one = denseLayer(6, 1);
    const J = reverse.jacobian(one.f, one.x).stats;
    const c = programCost(one.f);
    expect([J.ops, J.details.partials]).toEqual([c.nodes + 2 * c.edges, 'recomputed']);
  });

  test('the compiled backend’s generated sweeps recompute the partials: N + 2·m·E, and the same bits', () => {
    const { f, x } = denseLayer(4, 5);
    const { nodes, edges } = programCost(f);
    const compiled = reverse.jacobian(f, x, { backend: 'compile' });
    expect(compiled.stats.ops).toBe(nodes + 5 * 2 * edges);
    expect(compiled.stats.details.partials).toBe('recomputed');
    const interpreted = reverse.jacobian(f, x).value;
    compiled.value.forEach((row, o) => expect(sameBits(row, interpreted[o] as Float64Array)).toBe(true));
  });

  test('a program with a loop keeps recomputing (a body’s partials differ per iteration): N + 2·m·E', () => {
    const f = withGraph(() => {
      const [a, b] = [variable('a'), variable('b')];
      const s = mapReduce(5, (_row, i) => a.mul(i).add(b).sin());
      return program([s, s.mul(a), b.exp()]);
    });
    const { nodes, edges } = programCost(f);
    const { value, stats } = reverse.jacobian(f, [0.3, -0.8]);
    expect([stats.ops, stats.details.partials]).toEqual([nodes + 3 * 2 * edges, 'recomputed']);
    value.forEach((row, o) => expect(sameBits(row, rowByVjp(f, [0.3, -0.8], o))).toBe(true));
  });

  test('a compressed reverse Jacobian stores them too: N + E + colours·E', () => {
    const w = sparseWorkloads.bratu;
    const f = w.build(50);
    const r = sparseJacobian(f, w.point(50), { mode: 'reverse' });
    const { nodes, edges } = programCost(f);
    expect(r.sweeps).toBeGreaterThan(1);
    expect(r.stats.ops).toBe(nodes + edges + r.sweeps * edges);
    expect(r.stats.details.partials).toBe('stored');
  });
});

/** Random expressions over the whole op table (the n-ary ones too) and special points, as zero-factor-fuzz. */
const SPECIAL = [0, -0, 1, -1, 0.5, 2, 1e300, -1e-300, Infinity, -Infinity, Number.NaN];

type Spec = { v: number } | { c: number } | { op: string; args: Spec[] };

const specArbitrary: fc.Arbitrary<Spec> = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: 0, max: 2 }).map((v): Spec => ({ v })),
    fc.constantFrom(0, 1, -1, 2, 1e300).map((c): Spec => ({ c })),
    fc.record({ op: fc.constantFrom(...UNARY_OPS), args: fc.tuple(tie('spec')) }),
    fc.record({ op: fc.constantFrom(...BINARY_OPS), args: fc.tuple(tie('spec'), tie('spec')) }),
    fc.record({
      op: fc.constantFrom('sum', 'dot', 'logsumexp'),
      args: fc.array(tie('spec'), { minLength: 2, maxLength: 4 }),
    }),
  ),
})).spec;

/** The expression of a spec (specs are shallow: the recursion is the test's, bounded by fast-check's depth). */
function build(s: Spec, vars: readonly Expr[]): Expr {
  if ('v' in s) return vars[s.v] as Expr;
  if ('c' in s) return constant(s.c);
  const xs = s.args.map((a) => build(a, vars));
  if (s.op === 'sum') return sum(xs);
  if (s.op === 'logsumexp') return logsumexp(xs);
  // dot(left, left reversed): repeated nodes in both halves, as dot(w, w) has.
  if (s.op === 'dot') return dot(xs, [...xs].reverse());
  const [x, y] = xs as [Expr, Expr];
  const method = (x as unknown as Record<string, (...a: Expr[]) => Expr>)[s.op] as (...a: Expr[]) => Expr;
  return y === undefined ? method.call(x) : method.call(x, y);
}

describe('the same bits as one sweep per row', () => {
  test('random programs of 12 outputs at special points: every row equals the vjp of its unit cotangent', () => {
    fc.assert(
      fc.property(
        fc.array(specArbitrary, { minLength: 12, maxLength: 12 }),
        fc.tuple(fc.constantFrom(...SPECIAL), fc.constantFrom(...SPECIAL), fc.constantFrom(...SPECIAL)),
        (specs, point) => {
          const f = withGraph(() => {
            const vars = [variable('x'), variable('y'), variable('z')];
            return program(
              specs.map((s) => build(s, vars)),
              { variables: vars },
            );
          });
          const x = [...point];
          const { value, stats } = reverse.jacobian(f, x);
          expect(stats.details.partials).toBe('stored');
          value.forEach((row, o) => {
            const ref = rowByVjp(f, x, o);
            if (!sameBits(row, ref)) throw new Error(`row ${o}: [${row}] vs [${ref}] at [${x}]`);
          });
        },
      ),
      { numRuns: 300, seed: 2026 },
    );
  });

  test('dot(w, w) with a repeated entry, and the −0 of an untouched adjoint', () => {
    const f = withGraph(() => {
      const [a, b, c] = [variable('a'), variable('b'), variable('c')];
      return program([dot([a, a, b], [a, a, b]), a.mul(b).sqrt(), c.add(0).mul(0), b.neg().exp()], {
        variables: [a, b, c],
      });
    });
    for (const x of [
      [0.7, -1.3, 2],
      [0, 0, Infinity],
      [-0, 1e300, Number.NaN],
    ]) {
      reverse.jacobian(f, x).value.forEach((row, o) => expect(sameBits(row, rowByVjp(f, x, o))).toBe(true));
    }
  });

  test('check: the same error, naming the node whose partial stopped being a number', () => {
    const f = withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      return program([y.mul(2), x.sub(x).sqrt().add(y), x.mul(y)]);
    });
    const single = expectDifflabError(() => rowByVjp(f, [0, 1], 1, true), 'non-finite');
    const stored = expectDifflabError(() => reverse.jacobian(f, [0, 1], { check: true }), 'non-finite');
    expect(stored.message).toBe(single.message);
    expect(stored.subexpression).toBe(single.subexpression);
    // Unchecked, the Jacobian reports the derivative as NaN, as one sweep does.
    expect(sameBits(reverse.jacobian(f, [0, 1]).value[1] as Float64Array, rowByVjp(f, [0, 1], 1))).toBe(true);
  });
});
