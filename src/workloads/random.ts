/**
 * Deterministic data for the workloads: a hash of (seed, i, j) rather than a stream, so entry (i, j) is the
 * same whatever size K the workload is built at (the data at K is a prefix of the data at K + 1).
 */

/** MurmurHash3's 32-bit finaliser: a bijection on 32-bit words that mixes every bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A pseudo-random number in [−1, 1) determined by (seed, i, j). */
export function uniform(seed: number, i: number, j = 0): number {
  const h = fmix(fmix(fmix(seed + 0x9e3779b9) ^ i) ^ Math.imul(j + 1, 0x27d4eb2f));
  return h / 2 ** 31 - 1;
}

/** A pseudo-random multiple of 1/8 in [−1, 1] (17 values, exact in binary) determined by (seed, i, j). */
export function gridUniform(seed: number, i: number, j = 0): number {
  return Math.floor(((uniform(seed, i, j) + 1) / 2) * 17) / 8 - 1;
}
