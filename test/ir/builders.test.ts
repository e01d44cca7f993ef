/**
 * The builder functions come from the op table: `src/ir/builders.ts` names one per unary and binary entry
 * (logb is `log(x, base)`), each builds its own op, and the public index exports every one of them.
 */
import { describe, expect, test } from 'vitest';
import * as index from '../../src/index.js';
import * as builders from '../../src/ir/builders.js';
import { variable, withGraph } from '../../src/ir/graph.js';
import { FIXED_OPS, OPS } from '../../src/ir/ops.js';

const named = FIXED_OPS.filter((name) => name !== 'logb');

describe('builders from the op table', () => {
  test('one named builder per unary and binary op, and nothing else but log and the types', () => {
    const exported = Object.keys(builders).filter(
      (k) => typeof (builders as Record<string, unknown>)[k] === 'function',
    );
    expect(new Set(exported)).toEqual(new Set(named));
  });

  test.each(named)('%s builds a node of its own op, and the index exports it', (name) => {
    const build = (builders as unknown as Record<string, (...xs: unknown[]) => { op: string }>)[name];
    const e = withGraph(() => {
      const xs = Array.from({ length: OPS[name].arity }, (_, i) => variable(`x${i}`));
      return build?.(...xs);
    });
    expect(e?.op).toBe(name);
    expect((index as Record<string, unknown>)[name]).toBe(build);
  });

  test('log with a base builds logb', () => {
    expect(withGraph(() => builders.log(variable('x'), 2).op)).toBe('logb');
  });
});
