/**
 * Programs with loops whose narrowest cut is known, shared by the cut's tests and mixed mode's.
 */
import { type Expr, mapReduce, type Program, program, scan, variable, withGraph } from '../../src/index.js';

/**
 * A scan over rows of the inputs (x0, x1), (x2, x3), (x4, x5) with a carry of two values: every input reaches
 * the five outputs through the call only, so its two outputs are the narrowest cut.
 */
export function throughScan(): Program<Float64Array> {
  return withGraph(() => {
    const xs = Array.from({ length: 6 }, (_, i) => variable(`x${i}`));
    const rows = [0, 2, 4].map((k): [Expr, Expr] => [xs[k] as Expr, xs[k + 1] as Expr]);
    const { carry } = scan([0.5, 1], rows, ([c0, c1], [a, b]) => [c0.add(a.mul(b)).sin(), c1.mul(b).add(a)]);
    const [h0, h1] = carry;
    return program([h0, h1, h0.mul(h1), h0.exp(), h1.cos()], { variables: xs });
  });
}

/** u = a·b + c, then a map over u: the cut is the one node u, before the loop. */
export function beforeMap(): Program<Float64Array> {
  return withGraph(() => {
    const [a, b, c] = [variable('a'), variable('b'), variable('c')];
    const u = a.mul(b).add(c);
    const s = mapReduce(4, (_row, i) => u.mul(i).sin());
    return program([s, s.mul(u), s.exp()]);
  });
}
