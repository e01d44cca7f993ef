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

/** Every entry equal in the sense of Object.is, and the same length: the same bits (NaN is one value once reported). */
export function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** The entries as a list for a failure message, −0 written as such (String(−0) is "0"). */
export const show = (g: ArrayLike<number>): string =>
  `[${Array.from(g, (v) => (Object.is(v, -0) ? '-0' : String(v)))}]`;
