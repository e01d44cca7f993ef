/**
 * Number comparisons for tests. NaN equals NaN and an infinity equals the same infinity: the IR follows IEEE
 * semantics, so a NaN where the reference has NaN is agreement, not failure.
 */
export function close(actual: number, expected: number, rtol: number, atol = 0): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) && Number.isNaN(expected);
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= rtol * Math.max(Math.abs(actual), Math.abs(expected)) + atol;
}

/** Exact IEEE agreement: the same double (0 and −0 differ), or both NaN. */
export function same(actual: number, expected: number): boolean {
  return Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected));
}
