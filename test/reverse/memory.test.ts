/**
 * The memory reverse mode reports (memoryOf(stats)), against counts from theory: a flat program's tape is 16
 * bytes a node and grows by a fixed number of nodes a layer; a scan keeps n carries (store-all), ⌈n/⌈√n⌉⌉ and a
 * segment of ⌈√n⌉ (sqrt), or the first and `snapshots` more with one working carry (binomial); and binomial
 * checkpointing runs the body forward exactly as often as Griewank's revolve, the fewest for its memory.
 */
import { describe, expect, it } from 'vitest';
import { generateInput } from '../../src/gradbench/generate.js';
import { memoryOf, methods, type Program } from '../../src/index.js';
import { deepMlp, deepMlpGradient, deepMlpPoint } from '../../src/workloads/deep-mlp.js';
import { lstm } from '../../src/workloads/gradbench/lstm.js';
import { logisticMap } from '../../src/workloads/logistic-map.js';
import { sameBits } from '../ir/support/close.js';

const BACKENDS = ['interpret', 'compile'] as const;

/** β(s, t) = C(s + t, s), computed exactly in integers. */
function beta(s: number, t: number): number {
  if (t < 0) return 0;
  let r = 1n;
  for (let k = 1; k <= s; k++) r = (r * BigInt(t + k)) / BigInt(k);
  return Number(r);
}

/**
 * Griewank's minimal number of forward steps to reverse l steps with c checkpoints (the first state's among
 * them): t·l − β(c + 1, t − 1) with t such that β(c, t − 1) < l ≤ β(c, t) (Griewank and Walther, revolve).
 */
function revolveForwards(c: number, l: number): number {
  if (l <= 1) return 0;
  let t = 0;
  while (beta(c, t) < l) t++;
  return t * l - beta(c + 1, t - 1);
}

/** The same minimum by dynamic programming over every first split (an independent check of the formula). */
function minimalForwards(c: number, l: number): number {
  const P = Array.from({ length: c + 1 }, () => new Array<number>(l + 1).fill(0));
  for (let k = 1; k <= l; k++) (P[1] as number[])[k] = (k * (k - 1)) / 2;
  for (let cc = 2; cc <= c; cc++) {
    for (let k = 2; k <= l; k++) {
      let best = Number.POSITIVE_INFINITY;
      for (let m = 1; m < k; m++) {
        best = Math.min(
          best,
          m + ((P[cc - 1] as number[])[k - m] as number) + ((P[cc] as number[])[m] as number),
        );
      }
      (P[cc] as number[])[k] = best;
    }
  }
  return (P[c] as number[])[l] as number;
}

/** A scan's iterations, carry size and body size (the first call of the program). */
function scanShape(f: Program): { n: number; c: number; body: number } {
  const loop = (f.calls[0] as (typeof f.calls)[number]).loop;
  return { n: loop.n, c: loop.carry, body: loop.body.size };
}

describe('a flat program: the tape', () => {
  it('is 16 bytes a node, and a deep mlp grows by w² + 4w nodes a layer (exact)', () => {
    for (const w of [2, 3, 5]) {
      for (const L of [1, 2, 7, 20]) {
        const f = deepMlp(L, w, 'flat');
        // w input constants and ½; L(w² + w) parameters; 3w nodes a layer (dot, + b, tanh); w squares, Σ, ×½.
        expect(f.size).toBe(w + 1 + L * (w * w + w) + 3 * w * L + w + 2);
        for (const backend of BACKENDS) {
          const r = methods.reverse.gradient(f, deepMlpPoint(L, w), { backend });
          const m = memoryOf(r.stats);
          expect(m.tapeBytes).toBe(16 * (w + 1 + w + 2) + 16 * (w * w + 4 * w) * L);
          expect(m.totalBytes).toBe(m.tapeBytes);
          expect(r.stats.bytes).toBe(m.tapeBytes);
          expect(m.keptBytes).toBe(0);
        }
      }
    }
  });

  it('the deep mlp gradient equals backpropagation written out, flat and as a scan over the layers', () => {
    const [L, w] = [12, 4];
    const x = deepMlpPoint(L, w);
    const ref = deepMlpGradient(L, w, x);
    for (const form of ['flat', 'scan'] as const) {
      const g = methods.reverse.gradient(deepMlp(L, w, form), x).value;
      const scale = Math.max(...ref.map(Math.abs));
      for (let k = 0; k < ref.length; k++)
        expect(Math.abs((g[k] as number) - (ref[k] as number))).toBeLessThan(1e-12 * scale);
    }
  });
});

describe('a scan: carries kept and body runs, from theory', () => {
  // logistic map (carry 1, n = K − 1) and a deep mlp over its layers (carry w).
  const cases: { name: string; f: Program; x: Float64Array }[] = [
    { name: 'logistic map, n = 400', f: logisticMap.build(401), x: logisticMap.point(401) },
    { name: 'logistic map, n = 57', f: logisticMap.build(58), x: logisticMap.point(58) },
    { name: 'deep mlp, 30 layers of 3', f: deepMlp(30, 3, 'scan'), x: deepMlpPoint(30, 3) },
  ];

  for (const { name, f, x } of cases) {
    const { n, c, body } = scanShape(f);
    const k = Math.ceil(Math.sqrt(n));
    const segments = Math.ceil(n / k);

    it(`${name}: store-all keeps n carries and every iteration's body values, and runs each body once`, () => {
      for (const backend of BACKENDS) {
        const m = memoryOf(methods.reverse.gradient(f, x, { backend }).stats);
        expect([m.checkpointCarries, m.workingCarries]).toEqual([n, 0]);
        expect(m.bodyValueBytes).toBe(8 * n * body);
        expect(m.keptBytes).toBe(8 * n * c + 8 * n * body);
        expect([m.bodyForwards, m.bodyBackwards]).toEqual([n, n]);
        expect(m.totalBytes).toBe(16 * f.size + 16 * body + m.keptBytes);
      }
    });

    it(`${name}: sqrt keeps ⌈n/⌈√n⌉⌉ carries and a segment of ⌈√n⌉, and runs the body 3n − ⌈n/⌈√n⌉⌉ times`, () => {
      for (const backend of BACKENDS) {
        const m = memoryOf(methods.reverse.gradient(f, x, { backend, checkpoint: 'sqrt' }).stats);
        expect([m.checkpointCarries, m.workingCarries]).toEqual([segments, k]);
        expect(m.keptBytes).toBe(8 * c * (segments + k));
        // The recording (n), recomputing each segment's carries after its first (n − segments), the steps (n).
        expect(m.bodyForwards).toBe(3 * n - segments);
        expect(m.bodyBackwards).toBe(n);
      }
    });

    it(`${name}: binomial keeps snapshots + 1 carries and one working carry, with revolve's forward runs`, () => {
      for (const backend of BACKENDS) {
        for (const s of [1, 2, 3, 5, 8, n - 1, n + 5]) {
          const m = memoryOf(
            methods.reverse.gradient(f, x, { backend, checkpoint: 'binomial', snapshots: s }).stats,
          );
          // With snapshots ≥ n − 1 every carry gets a snapshot: store-all's n, nothing to work on.
          const kept = Math.min(s + 1, n);
          const working = s + 1 < n ? 1 : 0;
          expect([m.checkpointCarries, m.workingCarries]).toEqual([kept, working]);
          expect(m.keptBytes).toBe(8 * c * (kept + working));
          // The recording (n), the steps (n), and revolve's advances with s + 1 checkpoints.
          expect(m.bodyForwards - 2 * n).toBe(revolveForwards(s + 1, n));
        }
      }
    });
  }

  it('as many snapshots as iterations (n = 5000): no recursion n deep, store-all’s carries and bits', () => {
    const n = 5000;
    const f = logisticMap.build(n + 1);
    const x = logisticMap.point(n + 1);
    const all = methods.reverse.gradient(f, x).value;
    for (const backend of BACKENDS) {
      const r = methods.reverse.gradient(f, x, { backend, checkpoint: 'binomial', snapshots: n });
      expect(sameBits(r.value, all)).toBe(true);
      const m = memoryOf(r.stats);
      expect([m.checkpointCarries, m.workingCarries]).toEqual([n, 0]);
      expect(m.bodyForwards).toBe(2 * n + revolveForwards(n + 1, n));
    }
  });

  it("revolve's closed form is the minimum over every schedule (dynamic programming)", () => {
    for (const c of [1, 2, 3, 4, 6]) {
      for (const l of [1, 2, 3, 10, 11, 24, 57, 120])
        expect(revolveForwards(c, l)).toBe(minimalForwards(c, l));
    }
  });
});

describe('every strategy gives store-all’s gradient to the bit', () => {
  const sizes = { l: 2, c: 24 };
  const l = lstm.prepare(lstm.read(generateInput({ eval: 'lstm', sizes })));
  const cases: { name: string; f: Program; x: Float64Array }[] = [
    { name: 'logistic map', f: logisticMap.build(200), x: logisticMap.point(200) },
    { name: 'deep mlp scan', f: deepMlp(25, 4, 'scan'), x: deepMlpPoint(25, 4) },
    { name: 'lstm', f: l.f, x: l.x },
  ];
  const strategies = [
    { checkpoint: 'all' },
    { checkpoint: 'sqrt' },
    { checkpoint: 'binomial' },
    { checkpoint: 'binomial', snapshots: 1 },
    { checkpoint: 'binomial', snapshots: 3 },
  ] as const;
  for (const { name, f, x } of cases) {
    it(name, () => {
      for (const backend of BACKENDS) {
        const all = methods.reverse.gradient(f, x, { backend }).value;
        for (const s of strategies) {
          const g = methods.reverse.gradient(f, x, { backend, ...s }).value;
          expect(sameBits(g, all)).toBe(true);
        }
      }
    });
  }
});
