/**
 * One table-driven test over every op-table entry, at points drawn from the entry's own `domain` sampler (as
 * JAX's lax_autodiff_test has a row per primitive): per op and point,
 * - its value, by both backends, against mathjs evaluating the op's mathjs tree;
 * - its partials against the complex step where the op is analytic (no cancellation: 1e−12), else against
 *   central differences (1e−6);
 * - its derivative by every method (central differences, symbolic with both engines, forward, reverse) and both
 *   backends (interpreted and compiled), all agreeing with reverse mode interpreted to 1e−12 (central: 1e−6).
 * A new op is covered without editing this file; an op registered at run time is run through the same checks in
 * `test/ir/register-op.test.ts`.
 */
import { describe, test } from 'vitest';
import { OP_NAMES } from '../../src/ir/ops.js';
import { checkOp } from '../support/op-check.js';

describe.each(OP_NAMES)('%s', (name) => {
  test('value against mathjs; partials against the complex step; every method × both backends agree', () => {
    checkOp(name, name.length * 7919 + (name.codePointAt(0) ?? 0));
  });
});
