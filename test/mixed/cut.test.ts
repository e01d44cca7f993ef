/**
 * The narrowest cut of a program (a minimum vertex separator by max-flow): its width against Menger's theorem
 * on programs whose bottleneck is known, the separator property checked by an independent search, and the
 * errors.
 */
import { describe, expect, it } from 'vitest';
import {
  denseLayer,
  type Expr,
  encoderDecoder,
  minimumCut,
  type Program,
  program,
  variable,
  withGraph,
} from '../../src/index.js';
import { beforeMap, throughScan } from './programs.js';

/** True when removing `cut` leaves no path from an input to an output (a forward search over the program). */
function separates(f: Program, cut: ArrayLike<number>): boolean {
  const removed = new Set(Array.from(cut));
  const reached = new Uint8Array(f.size);
  for (let i = f.inputStart; i < f.opStart; i++) if (!removed.has(i)) reached[i] = 1;
  for (let i = f.opStart; i < f.size; i++) {
    if (removed.has(i)) continue;
    f.forEachArg(i, (arg) => {
      if (reached[arg] === 1) reached[i] = 1;
    });
  }
  return Array.from(f.outputs).every((o) => reached[o] !== 1);
}

describe('minimumCut', () => {
  it('three outputs of x·y: the cut is the one node x·y', () => {
    const f = withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      const s = x.mul(y);
      return program([s.sin(), s.cos(), s.mul(3)]);
    });
    const { nodes } = minimumCut(f);
    expect(Array.from(nodes, (i) => f.opName(i))).toEqual(['mul']);
    expect(separates(f, nodes)).toBe(true);
  });

  it.each([
    [12, 3, 10, 0],
    [16, 2, 20, 1],
    [9, 4, 9, 2],
  ])(
    'encoder–decoder %i → %i → %i (depth %i): the cut has p nodes, the bottleneck layer’s',
    (n, p, m, depth) => {
      const { f } = encoderDecoder(n, p, m, depth);
      const { nodes } = minimumCut(f);
      // Menger: p vertex-disjoint paths exist (one through each bottleneck unit), and the p units separate.
      expect(nodes.length).toBe(p);
      expect(separates(f, nodes)).toBe(true);
      // The cut nearest the inputs: the bottleneck units' weighted sums.
      for (const i of nodes) expect(f.opName(i)).toBe('dot');
    },
  );

  it('a dense layer has no bottleneck: the cut is as wide as min(n, m)', () => {
    for (const [n, m] of [
      [3, 7],
      [7, 3],
      [5, 5],
    ] as const) {
      const { f } = denseLayer(n, m);
      const { nodes } = minimumCut(f);
      expect(nodes.length).toBe(Math.min(n, m));
      expect(separates(f, nodes)).toBe(true);
    }
  });

  it('a chain of 200,000 nodes between two inputs and two outputs: one node, found without recursion', () => {
    const f = withGraph(() => {
      const [x, y] = [variable('x'), variable('y')];
      let h: Expr = x.add(y);
      for (let i = 0; i < 200_000; i++) h = i % 2 === 0 ? h.sin() : h.mul(1.0001);
      return program([h.mul(2), h.exp()]);
    });
    const { nodes } = minimumCut(f);
    expect(nodes.length).toBe(1);
    expect(separates(f, nodes)).toBe(true);
  });

  it('a loop call is one vertex as wide as its outputs: the cut may pass through it, all its outputs at once', () => {
    const f = throughScan();
    const { nodes } = minimumCut(f);
    expect(Array.from(nodes, (i) => f.opName(i))).toEqual(['loop', 'loop']);
    expect(separates(f, nodes)).toBe(true);
  });

  it('a cut before a loop: the loop stays whole on the outer side', () => {
    const f = beforeMap();
    const { nodes } = minimumCut(f);
    expect(nodes.length).toBe(1);
    expect(separates(f, nodes)).toBe(true);
  });
});
