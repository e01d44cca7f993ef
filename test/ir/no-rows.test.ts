/**
 * Loops over no rows: rows given as [] have no known width, so a scan's body is not traced and its carry is the
 * initial one (JAX's lax.scan over a length-0 axis), mapRows gives no rows, and mapReduce traces its body on an
 * empty row (a body that reads it fails with a DifflabError that says how to give no rows of a known width).
 * Each result is checked against the same loop over no rows of a known width ({ data, width }) and closed forms,
 * by every method and both backends.
 */
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  type Expr,
  evaluate,
  gradient,
  type Method,
  mapReduce,
  mapRows,
  program,
  scan,
  variable,
  withGraph,
} from '../../src/index.js';
import { expectDifflabError } from './support/errors.js';

const NONE = { data: new Float64Array(0), width: 1 };
/** No rows, as a list of rows. */
const EMPTY: number[][] = [];
const runs: { method: Method; backend?: Backend }[] = [
  { method: 'reverse', backend: 'interpret' },
  { method: 'reverse', backend: 'compile' },
  { method: 'forward', backend: 'interpret' },
  { method: 'forward', backend: 'compile' },
  { method: 'symbolic' },
];

describe('loops over no rows', () => {
  it('scan over [] keeps the initial carry, as over no rows of a known width', () => {
    for (const rows of [EMPTY, NONE]) {
      const f = withGraph(() => {
        const x = variable('x');
        const y = variable('y');
        const { carry, out } = scan([x.mul(2), y], rows, ([a, b], [r]) => [a.max(r as never), b.mul(a)]);
        expect(out).toEqual([]);
        // f = 2x·y + x, ∂f/∂x = 2y + 1, ∂f/∂y = 2x
        return program((carry[0] as Expr).mul(carry[1] as never).add(x));
      });
      for (const { method, backend } of runs) {
        expect(evaluate(f, [3, 5], { backend })).toBe(33);
        expect([...gradient(f, [3, 5], { method, backend } as never)]).toEqual([11, 6]);
      }
    }
  });

  it('scan over [] with one carry gives it back as one expression', () => {
    const f = withGraph(() => {
      const x = variable('x');
      const { carry } = scan(x.sin(), EMPTY, (c, [r]) => c.add(r as never));
      return program(carry);
    });
    expect(evaluate(f, [0.5])).toBe(Math.sin(0.5));
    expect([...gradient(f, [0.5])]).toEqual([Math.cos(0.5)]);
  });

  it('mapRows over [] gives no rows', () => {
    withGraph(() => {
      const x = variable('x');
      expect(mapRows(EMPTY, ([r]) => (r as Expr).mul(x))).toEqual([]);
    });
  });

  it('mapReduce over [] sums nothing when the body does not read its row', () => {
    const f = withGraph(() => {
      const x = variable('x');
      return program(x.mul(x).add(mapReduce(EMPTY, (_row, i) => x.mul(i).exp())));
    });
    for (const { method, backend } of runs) {
      expect(evaluate(f, [3], { backend })).toBe(9);
      expect([...gradient(f, [3], { method, backend } as never)]).toEqual([6]);
    }
  });

  it('mapReduce over [] whose body reads its row says how to give no rows of a known width', () => {
    withGraph(() => {
      const x = variable('x');
      for (const body of [([r]: Expr[]) => (r as Expr).mul(x), ([r]: Expr[]) => x.mul(r as never)]) {
        const err = expectDifflabError(() => mapReduce([], body as never), 'invalid-argument');
        expect(err.message).toMatch(
          /mapReduce: no rows \(\[\]\).*\{ data: new Float64Array\(0\), width: w \}/,
        );
      }
      // The same body over no rows of a known width sums nothing.
      const f = program(x.add(mapReduce(NONE, ([r]) => (r as Expr).mul(x))));
      expect([...gradient(f, [2])]).toEqual([1]);
    });
  });
});
