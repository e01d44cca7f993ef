/**
 * gmm-shaped programs (per cluster c, z = x − μ_c and rows uᵣ = dot(lᵣ, [zᵣ, z₀, …, zᵣ₋₁])) with random sizes and
 * variations around the rows: a term read between them (z₀·l₀, lᵣ², exp zᵣ, all added to the output), a row that
 * reads the one before it, a first half sharing a node across rows, rows of alternating lengths, halves swapped,
 * a row times its own zᵣ; special values anywhere. The compiled gradient and value against the interpreter's,
 * to the bit (the loops' dot products and their adjoints run several at a time where their order allows).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  type Backend,
  dot,
  type Expr,
  evaluate,
  logsumexp,
  methods,
  program,
  variable,
  withGraph,
} from '../../src/index.js';
import { sameBits } from './support/close.js';

const SPECIAL = [0, -0, 1, -1, 1e154, 1e300, -1e300, Infinity, -Infinity, Number.NaN, 800];
const ROWS = [
  'plain',
  'l₀ shared',
  'z₀·l₀',
  'lᵣ²',
  'exp zᵣ',
  'times zᵣ',
  'alternating',
  'swapped',
  'reads uᵣ₋₁',
] as const;
type Row = (typeof ROWS)[number];

/** Row r of a cluster, and the terms it adds to the output (`aside`). */
function row(
  shape: Row,
  coef: Expr[],
  z: Expr[],
  r: number,
  u: Expr[],
  l0: Expr,
  x0: Expr,
  aside: Expr[],
): Expr {
  const zr = z[r] as Expr;
  const before = z.slice(0, r);
  const plain = () => dot(coef, [zr, ...before]);
  switch (shape) {
    case 'plain':
      return plain();
    case 'l₀ shared':
      return dot(
        [coef[0] as Expr, ...before.map((_, j) => (j === 0 ? l0 : (coef[j + 1] as Expr)))],
        [zr, ...before],
      );
    case 'z₀·l₀':
      aside.push((z[0] as Expr).mul(coef[0] as Expr));
      return plain();
    case 'lᵣ²':
      aside.push((coef[r] as Expr).mul(coef[r] as Expr));
      return plain();
    case 'exp zᵣ':
      aside.push(zr.exp());
      return plain();
    case 'times zᵣ':
      return plain().mul(zr);
    case 'alternating':
      return r % 2 === 0 || r === 0 ? plain() : dot(coef.slice(0, r), before);
    case 'swapped':
      return dot([zr, ...before], coef);
    case 'reads uᵣ₋₁':
      return plain().add(r > 0 ? (u[r - 1] as Expr).mul(x0) : zr);
  }
}

it('gmm-shaped programs with variations around the rows: the compiled gradient, to the bit', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 10 }),
      fc.integer({ min: 2, max: 6 }),
      fc.constantFrom(...ROWS),
      fc.constantFrom('u·u', 'Σ sin u', 'u·z − u·u'),
      fc.array(fc.tuple(fc.nat(2000), fc.constantFrom(...SPECIAL)), { maxLength: 3 }),
      fc.integer({ min: 0, max: 100 }),
      (d, k, shape, beta, odd, shift) => {
        const f = withGraph(() => {
          const x = Array.from({ length: d }, (_, j) => variable(`x${j}`));
          const mu = Array.from({ length: k * d }, (_, j) => variable(`m${j}`));
          const l = Array.from({ length: (k * d * (d + 1)) / 2 }, (_, j) => variable(`l${j}`));
          let at = 0;
          const betas: Expr[] = [];
          const aside: Expr[] = [];
          for (let c = 0; c < k; c++) {
            const z = x.map((xj, j) => xj.sub(mu[c * d + j] as Expr));
            const u: Expr[] = [];
            for (let r = 0; r < d; r++) {
              u.push(row(shape, l.slice(at, at + r + 1), z, r, u, l[0] as Expr, x[0] as Expr, aside));
              at += r + 1;
            }
            if (beta === 'u·u') betas.push(dot(u, u).mul(-0.5));
            else if (beta === 'Σ sin u') betas.push(u.reduce((s, e) => s.add(e.sin()), z[0] as Expr));
            else betas.push(dot(u, z).sub(dot(u, u)));
          }
          const out = aside.reduce((s, e) => s.add(e), logsumexp(betas));
          return program(out, { variables: [...x, ...mu, ...l] });
        });
        const n = f.variables.length;
        const point = Array.from({ length: n }, (_, i) => {
          for (const [at, v] of odd) if (at % n === i) return v;
          return Math.sin(i + shift) * 0.4;
        });
        for (const p of [point, point.map((v) => v * 3)]) {
          const g = (backend: Backend) => Array.from(methods.reverse.gradient(f, p, { backend }).value);
          expect(sameBits(g('compile'), g('interpret'))).toBe(true);
          const e = (backend: Backend) => [evaluate(f, p, { backend }) as number];
          expect(sameBits(e('compile'), e('interpret'))).toBe(true);
        }
      },
    ),
    { numRuns: 150, seed: 20261208 },
  );
});
