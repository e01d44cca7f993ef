/**
 * What particle and saddle share: their functions ff, fr, rf and rr name the modes of the outer and inner
 * derivative (f = forward, r = reverse), and they have no primal function.
 */
import { DifflabError } from '../../ir/errors.js';
import type { Mode } from '../../nested/derivative.js';

/** The four functions of a nested eval. */
export const NESTED_FUNCTIONS = ['ff', 'fr', 'rf', 'rr'] as const;

/** The outer and inner modes a function name stands for. */
export function nestedModes(fn: string): { outer: Mode; inner: Mode } {
  const mode = (c: string | undefined): Mode => {
    if (c === 'f') return 'forward';
    if (c === 'r') return 'reverse';
    throw new DifflabError('invalid-argument', `unknown function '${fn}' (expected ff, fr, rf or rr)`);
  };
  if (fn.length !== 2) mode(undefined);
  return { outer: mode(fn[0]), inner: mode(fn[1]) };
}
