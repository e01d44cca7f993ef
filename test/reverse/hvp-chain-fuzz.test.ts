/**
 * Forward over reverse through kmeans-shaped maps with longer chains than hvp-compile.test.ts's fuzzer (k = 6 to
 * 14 centroids, so the plan makes a loop of the chain and the compiled lean sparse sweep jumps along it): chains
 * of min, of max, or both in turn; small integers (ties, and distances of ±0); outputs that seed the chain with
 * a zero adjoint of either sign; the sparse sweeps on both backends against the interpreter's sweep over every
 * node, to the bit.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type Program, program, variable, withGraph } from '../../src/index.js';
import { setSparseSweeps } from '../../src/sweeps/interpret/dual-marks.js';
import { sameBits } from '../ir/support/close.js';
import { type ChainKind, nearest } from './support/nearest.js';
import { secondOrder } from './support/second-order.js';

it('kmeans-shaped chains of 6 to 14 centroids, ties and zero seeds: the sparse sweeps give the sweep over every node, to the bit', () => {
  const small = fc.integer({ min: -3, max: 3 });
  fc.assert(
    fc.property(
      fc.constantFrom(1, 2, 3, 16),
      fc.integer({ min: 6, max: 14 }),
      fc.integer({ min: 1, max: 6 }),
      fc.constantFrom<ChainKind>('min', 'max', 'mixed'),
      fc.array(fc.oneof({ weight: 20, arbitrary: small }, { weight: 1, arbitrary: fc.constant(1e150) }), {
        minLength: 14 * 16,
        maxLength: 14 * 16,
      }),
      fc.array(fc.oneof(small, fc.constantFrom(0.5, -0, 1e150, 1e-300)), { minLength: 96, maxLength: 96 }),
      fc.constantFrom(1, 0, -0, 2, -1),
      fc.constantFrom(0.5, 0, -0),
      fc.constantFrom('m', 'm·q + s²', 'm²·q + s'),
      (d, k, n, kind, centroids, data, q, s, outer) => {
        const rows = Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d));
        const f = withGraph(() => {
          const cs = Array.from({ length: k * d }, (_, j) => variable(`c${j}`));
          const [qv, sv] = [variable('q'), variable('s')];
          const m = nearest(rows, cs, d, k, kind);
          const out =
            outer === 'm' ? m : outer === 'm·q + s²' ? m.mul(qv).add(sv.mul(sv)) : m.mul(m).mul(qv).add(sv);
          return program(out, { variables: [...cs, qv, sv] }) as Program<number>;
        });
        const x = [...centroids.slice(0, k * d), q, s];
        setSparseSweeps(false);
        const want = secondOrder(f, x, 'interpret');
        setSparseSweeps(true);
        for (const backend of ['compile', 'interpret'] as const) {
          expect(sameBits(secondOrder(f, x, backend), want), backend).toBe(true);
        }
      },
    ),
    { numRuns: 70, seed: 20261208 },
  );
});
