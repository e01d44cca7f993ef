/**
 * How answers are judged. GradBench walks the golden output and ours together: objects need the same keys,
 * arrays the same lengths, integers must be equal, and numbers pass when |x − y| / max(1, |x| + |y|) ≤ 1e−4
 * (x golden, y ours). hello uses closeness instead (relative 1e−5, absolute 1e−8). The strict rule is the
 * same walk with a relative metric at 1e−9, |x − y| / max(|x|, |y|, 1e−6·m), where m is the largest magnitude
 * in the expected output: every entry is checked to 9 digits relative to itself, except entries a million
 * times smaller than the output's largest, which are checked relative to that scale (rounding noise in a
 * cancelled entry is not an error). An exact implementation lands near 1e−13.
 */

/** GradBench's tolerance. */
export const GRADBENCH_TOLERANCE = 1e-4;
/** The strict tolerance. */
export const STRICT_TOLERANCE = 1e-9;

/** The outcome of comparing an output with the expected one. */
export interface Verdict {
  /** True when the structures match and every number is within the tolerance. */
  pass: boolean;
  /** The largest error in the metric, over every number compared (0 if none). */
  worst: number;
  /** Up to ten mismatches, as text. */
  mismatches: string[];
}

/** GradBench's error metric between golden x and ours y. */
export function metric(x: number, y: number): number {
  if (x === y) return 0;
  return Math.abs(x - y) / Math.max(1, Math.abs(x) + Math.abs(y));
}

/** hello's closeness test (as numpy.isclose: |x − y| ≤ 1e−8 + 1e−5·|x|). */
export function helloClose(expected: number, actual: number): boolean {
  return Math.abs(expected - actual) <= 1e-8 + 1e-5 * Math.abs(expected);
}

/** The strict rule's metric: relative, with a floor `floor` on the scale. */
export function relativeMetric(x: number, y: number, floor: number): number {
  if (x === y) return 0;
  return Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), floor);
}

/** The largest magnitude among the numbers of an output (iteratively). */
function largest(v: unknown): number {
  let m = 0;
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'number') m = Math.max(m, Math.abs(x));
    else if (Array.isArray(x)) for (const e of x) stack.push(e);
    else if (isObject(x)) for (const e of Object.values(x)) stack.push(e);
  }
  return m;
}

/**
 * Compares `actual` with `expected` by the walk of GradBench's checker at tolerance `tolerance`, with
 * GradBench's metric or (`relative`) the strict rule's.
 */
export function compareOutputs(
  expected: unknown,
  actual: unknown,
  tolerance: number,
  rule: 'gradbench' | 'relative' = 'gradbench',
): Verdict {
  const floor = rule === 'relative' ? Math.max(1e-6 * largest(expected), Number.MIN_VALUE) : 0;
  const measure = rule === 'relative' ? (x: number, y: number) => relativeMetric(x, y, floor) : metric;
  const mismatches: string[] = [];
  let worst = 0;
  // An explicit stack of (path, expected, actual): outputs can be deep, nothing recurses.
  const stack: [string, unknown, unknown][] = [['output', expected, actual]];
  const miss = (s: string) => {
    if (mismatches.length < 10) mismatches.push(s);
  };
  let failed = false;
  while (stack.length > 0) {
    const [path, x, y] = stack.pop() as [string, unknown, unknown];
    if (typeof x === 'number' && typeof y === 'number') {
      // Two integers must be equal (counts and indices); JSON parsing cannot tell 2 from 2.0, so an
      // integer-valued float is held to the same rule, which can only be stricter.
      if (Number.isSafeInteger(x) && Number.isSafeInteger(y) && x !== y) {
        failed = true;
        worst = Math.max(worst, measure(x, y));
        miss(`${path}: ${y} ≠ ${x}`);
        continue;
      }
      const e = measure(x, y);
      if (!(e <= tolerance)) {
        failed = true;
        miss(`${path}: ${y} vs ${x} (error ${e.toPrecision(3)})`);
      }
      if (e > worst || Number.isNaN(e)) worst = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
    } else if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) {
        failed = true;
        miss(`${path}: length ${y.length}, expected ${x.length}`);
        continue;
      }
      for (let i = x.length - 1; i >= 0; i--) stack.push([`${path}[${i}]`, x[i], y[i]]);
    } else if (isObject(x) && isObject(y)) {
      const kx = Object.keys(x).sort();
      const ky = Object.keys(y).sort();
      if (kx.join('\u0000') !== ky.join('\u0000')) {
        failed = true;
        miss(`${path}: keys ${ky.join(', ')}, expected ${kx.join(', ')}`);
        continue;
      }
      for (const k of kx) stack.push([`${path}.${k}`, x[k], y[k]]);
    } else {
      failed = true;
      miss(`${path}: ${describe(y)} where ${describe(x)} was expected`);
    }
  }
  return { pass: !failed, worst, mismatches };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}
