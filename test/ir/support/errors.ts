import { expect } from 'vitest';
import { DifflabError, type ErrorCode } from '../../../src/ir/index.js';

/** Runs `fn`, expects a DifflabError with `code`, and returns it for further checks. */
export function expectDifflabError(fn: () => unknown, code: ErrorCode): DifflabError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a DifflabError').toBeInstanceOf(DifflabError);
  expect((error as DifflabError).code, (error as Error).message).toBe(code);
  return error as DifflabError;
}
