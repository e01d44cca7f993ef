/**
 * The finite-difference engine: the derivative of all outputs of f along one direction (a coordinate eⱼ or a
 * vector v) by each scheme, with the work arrays of one call and the count of evaluations of f.
 */
import { programCost, type Stats } from '../ir/differentiator.js';
import { DifflabError } from '../ir/errors.js';
import { formatNumber } from '../ir/format.js';
import { unrollFor } from '../ir/loop.js';
import type { Program } from '../ir/program.js';
import { primalSweep } from '../sweeps/index.js';
import { complexSweep, requireAnalytic } from './complex-sweep.js';
import { type Resolved, STEP_RULE, stepAt } from './options.js';

/** A direction: a coordinate index j (the unit vector eⱼ) or a vector of length n. */
export type Direction = number | Float64Array;

/** Levels of the Ridders tableau: the steps h, h/2, ..., h/2⁹ (counted from the last restart). */
const LEVELS = 10;
/** Levels in all, restarts included: the step never goes below h/2³⁹. */
const MAX_LEVELS = 40;
/** Ridders stops once the newest extrapolation differs from the previous best by SAFE times its error. */
const SAFE = 2;
/**
 * ...but not before this many levels: at the first, large steps the differences can be pre-asymptotic, two
 * of them agreeing by chance, and the diagonal's next jump would stop the tableau on a poor entry with an
 * underestimated error (log(1 + x² + y²)·cos(xy) at (−2, 0.3) did, by a factor of 3).
 */
const MIN_LEVELS = 4;

/** The work arrays and counters of one call. */
export class Columns {
  readonly f: Program;
  readonly x: Float64Array;
  readonly o: Resolved;
  readonly n: number;
  readonly m: number;
  /** Evaluations of f so far (real or complex sweeps). */
  evaluations = 0;
  private readonly point: Float64Array;
  private readonly values: Float64Array;
  private readonly plus: Float64Array;
  /** f(x − h d) for central differences; f(x) for forward ones. */
  private readonly minus: Float64Array;
  private readonly seed: Float64Array | undefined;
  private readonly re: Float64Array | undefined;
  private readonly im: Float64Array | undefined;
  /** Ridders tableau columns, [level · m + output], and per-output bookkeeping. */
  private readonly prev: Float64Array | undefined;
  private readonly cur: Float64Array | undefined;
  private readonly rows: Int32Array | undefined;
  private readonly done: Uint8Array | undefined;
  private readonly diff: Float64Array | undefined;
  private readonly noise: Float64Array | undefined;

  /**
   * Checks the point and, for the complex step, that f is analytic; with `check`, evaluates f at x and
   * throws `non-finite` at the first subexpression that is not finite.
   */
  constructor(f: Program, x: Float64Array, o: Resolved) {
    // The complex step's sweep runs flat programs: loops unrolled.
    if (o.scheme === 'complex') f = unrollFor(f, 'the complex step');
    this.f = f;
    this.x = x;
    this.o = o;
    this.n = f.variables.length;
    this.m = f.outputs.length;
    if (o.scheme === 'complex') requireAnalytic(f);
    this.point = new Float64Array(this.n);
    this.plus = new Float64Array(this.m);
    this.minus = new Float64Array(this.m);
    if (o.scheme === 'complex') {
      this.seed = new Float64Array(this.n);
      this.re = new Float64Array(f.size);
      this.im = new Float64Array(f.size);
    }
    // The complex step's real parts double as the buffer of the one real sweep it may do (the check).
    this.values = this.re ?? new Float64Array(f.size);
    if (o.scheme === 'richardson') {
      this.prev = new Float64Array(LEVELS * this.m);
      this.cur = new Float64Array(LEVELS * this.m);
      this.rows = new Int32Array(this.m);
      this.done = new Uint8Array(this.m);
      this.diff = new Float64Array(this.m);
      this.noise = new Float64Array(this.m);
    }
    if (o.scheme === 'forward') {
      // f(x), shared by every forward difference (checked here when asked).
      this.evaluations++;
      primalSweep(f, x, this.values, o.check, o.backend);
      this.read(this.minus);
    } else if (o.check) {
      this.evaluations++;
      primalSweep(f, x, this.values, true);
    }
  }

  /** Bytes of the work arrays this call holds. */
  get bytes(): number {
    let total = this.point.byteLength + this.plus.byteLength + this.minus.byteLength;
    for (const arr of [
      this.values === this.re ? undefined : this.values,
      this.seed,
      this.re,
      this.im,
      this.prev,
      this.cur,
      this.rows,
      this.done,
      this.diff,
      this.noise,
    ]) {
      total += arr?.byteLength ?? 0;
    }
    return total;
  }

  /**
   * The derivative of every output along `d` into `out` (length m); for `richardson`, its error estimate
   * into `err`. A coordinate direction steps by h from the scheme's rule at |xⱼ|; a vector direction v steps
   * by t = h/‖v‖₂ along v, with h from the rule at ‖x‖∞, so that x moves a distance h.
   */
  column(d: Direction, out: Float64Array, err?: Float64Array): void {
    let h: number;
    if (typeof d === 'number') h = stepAt(this.o, Math.abs(this.x[d] as number));
    else {
      const norm = norm2(d);
      if (norm === 0) {
        // J·0 = 0, with no evaluation.
        out.fill(0);
        err?.fill(0);
        return;
      }
      h = stepAt(this.o, normInf(this.x)) / norm;
    }
    switch (this.o.scheme) {
      case 'forward':
        this.forward(d, h, out);
        return;
      case 'central':
        this.central(d, h, out);
        return;
      case 'complex':
        this.complex(d, h, out);
        return;
      case 'richardson':
        this.ridders(d, h, out, err);
        return;
    }
  }

  /** Stats of the call so far. */
  stats(start: number, end: number, errorEstimate?: number): Stats {
    const details: Record<string, number | string> = {
      scheme: this.o.scheme,
      step: this.o.step === undefined ? STEP_RULE[this.o.scheme] : this.o.step,
    };
    if (errorEstimate !== undefined) details.errorEstimate = errorEstimate;
    return {
      ops: this.evaluations * programCost(this.f).nodes,
      evaluations: this.evaluations,
      forwardSweeps: 0,
      reverseSweeps: 0,
      bytes: this.bytes,
      time: end - start,
      details,
    };
  }

  /** Copies the outputs of the last real sweep into `out`. */
  private read(out: Float64Array): void {
    const { outputs } = this.f;
    for (let k = 0; k < this.m; k++) out[k] = this.values[outputs[k] as number] as number;
  }

  /** f at `point` into `out`. */
  private evaluate(out: Float64Array): void {
    this.evaluations++;
    primalSweep(this.f, this.point, this.values, false, this.o.backend);
    this.read(out);
  }

  /** Sets `point` to x + t·d and returns the step actually taken: for a coordinate, (xⱼ + t) − xⱼ. */
  private displace(d: Direction, t: number): number {
    const { point, x } = this;
    point.set(x);
    if (typeof d === 'number') {
      const xj = x[d] as number;
      const moved = xj + t;
      point[d] = moved;
      const taken = moved - xj;
      if (taken === 0 && Number.isFinite(xj)) {
        throw new DifflabError(
          'invalid-argument',
          `the step ${formatNumber(t)} is below the spacing of doubles at ${formatNumber(xj)}`,
        );
      }
      return taken;
    }
    for (let i = 0; i < this.n; i++) point[i] = (x[i] as number) + t * (d[i] as number);
    return t;
  }

  // f′ ≈ (f(x + h d) − f(x)) / h, with h the representable step
  private forward(d: Direction, h: number, out: Float64Array): void {
    const step = this.displace(d, h);
    this.evaluate(this.plus);
    for (let k = 0; k < this.m; k++) out[k] = ((this.plus[k] as number) - (this.minus[k] as number)) / step;
  }

  // f′ ≈ (f(x + h d) − f(x − h d)) / 2h, with 2h the representable width (x + h) − (x − h)
  private central(d: Direction, h: number, out: Float64Array): number {
    const up = this.displace(d, h);
    this.evaluate(this.plus);
    const down = this.displace(d, -h);
    this.evaluate(this.minus);
    const width = up - down;
    for (let k = 0; k < this.m; k++) out[k] = ((this.plus[k] as number) - (this.minus[k] as number)) / width;
    return width;
  }

  // f′ ≈ Im f(x + i h d) / h: no subtraction, so no cancellation
  private complex(d: Direction, h: number, out: Float64Array): void {
    const seed = this.seed as Float64Array;
    const re = this.re as Float64Array;
    const im = this.im as Float64Array;
    if (typeof d === 'number') {
      seed.fill(0);
      seed[d] = h;
    } else for (let i = 0; i < this.n; i++) seed[i] = h * (d[i] as number);
    this.evaluations++;
    complexSweep(this.f, this.x, seed, re, im);
    const { outputs } = this.f;
    for (let k = 0; k < this.m; k++) {
      const o = outputs[k] as number;
      // NaN in the value gives NaN in the derivative.
      out[k] = Number.isNaN(re[o]) ? Number.NaN : (im[o] as number) / h;
    }
  }

  /**
   * Ridders' method (Numerical Recipes §5.7): central differences at h, h/2, h/4, ... extrapolated to h → 0
   * in a Neville tableau; per output, the entry whose distance to its two parents is smallest, that distance
   * being the error estimate. An output stops once a new level's best entry moves away by SAFE times the
   * error (rounding has taken over). A non-finite difference (the step reached outside f's domain) restarts
   * that output's tableau at the next, smaller step. So does a difference that moved further from the previous
   * level's than that one moved from its own predecessor: on a smooth stretch the differences converge (each
   * move about a quarter of the last), and where they do not, the larger steps crossed something (a pole of
   * 1/x near x: their differences grow like 1/h² and agree with each other well enough to be chosen).
   * A restart drops the entries chosen so far and gives the output LEVELS more levels.
   *
   * The tableau's estimate sees rounding only as far as the entries happen to disagree; entries can agree by
   * chance (always, when f is quadratic). So the reported error adds the rounding the chosen entry carries:
   * each value of f is taken as known to u = ε(1 + √N) relative (N the program's operations: rounding errors
   * accumulating as a random walk), the central difference at width 2h to u(|f(x+h)| + |f(x−h)|)/2h, and the
   * extrapolation weights amplify that at most twofold.
   */
  private ridders(d: Direction, h0: number, out: Float64Array, err: Float64Array | undefined): void {
    const m = this.m;
    let prev = this.prev as Float64Array;
    let cur = this.cur as Float64Array;
    const rows = this.rows as Int32Array;
    const done = this.done as Uint8Array;
    const estimate = err ?? new Float64Array(m);
    const diff = this.diff as Float64Array;
    const noise = this.noise as Float64Array;
    const u = Number.EPSILON * (1 + Math.sqrt(programCost(this.f).nodes));
    out.fill(Number.NaN);
    noise.fill(0);
    estimate.fill(Number.POSITIVE_INFINITY);
    rows.fill(0);
    done.fill(0);
    // Per output: the previous level's difference and how far it moved from the one before (NaN: unknown),
    // and the levels left before it stops.
    const last = new Float64Array(m).fill(Number.NaN);
    const moved = new Float64Array(m).fill(Number.NaN);
    const left = new Int32Array(m).fill(LEVELS);
    let active = m;
    let h = h0;
    for (let level = 0; level < MAX_LEVELS && active > 0; level++, h /= 2) {
      const width = Math.abs(this.central(d, h, diff));
      for (let k = 0; k < m; k++) {
        if (done[k] === 1) continue;
        const c0 = diff[k] as number;
        const move = Math.abs(c0 - (last[k] as number));
        last[k] = c0;
        // The rounding this difference carries: moves within a few times that are noise, not divergence.
        const rounding = (u * (Math.abs(this.plus[k] as number) + Math.abs(this.minus[k] as number))) / width;
        if (!Number.isFinite(c0)) {
          rows[k] = 0;
          moved[k] = Number.NaN;
        } else if (move > (moved[k] as number) && move > 16 * rounding) {
          // Diverging differences: start over from this level (the next must move less than this one did).
          rows[k] = 0;
          out[k] = Number.NaN;
          estimate[k] = Number.POSITIVE_INFINITY;
          noise[k] = 0;
          left[k] = LEVELS;
        }
        if (Number.isFinite(c0)) moved[k] = move;
        left[k] = (left[k] as number) - 1;
        if (!Number.isFinite(c0)) {
          if ((left[k] as number) <= 0) {
            done[k] = 1;
            active--;
          }
          continue;
        }
        const r = rows[k] as number;
        cur[k] = c0;
        if (r === 0 && Number.isNaN(out[k])) out[k] = c0;
        let fac = 4;
        for (let j = 1; j <= r; j++) {
          // A_j(h) = (4ʲ A_{j−1}(h) − A_{j−1}(2h)) / (4ʲ − 1): removes the h^(2j) term
          const a = ((cur[(j - 1) * m + k] as number) * fac - (prev[(j - 1) * m + k] as number)) / (fac - 1);
          cur[j * m + k] = a;
          fac *= 4;
          const e = Math.max(
            Math.abs(a - (cur[(j - 1) * m + k] as number)),
            Math.abs(a - (prev[(j - 1) * m + k] as number)),
          );
          if (e <= (estimate[k] as number)) {
            estimate[k] = e;
            out[k] = a;
            // The rounding of this level's difference, amplified at most twofold by the extrapolation.
            noise[k] =
              (2 * u * (Math.abs(this.plus[k] as number) + Math.abs(this.minus[k] as number))) / width;
          }
        }
        rows[k] = r + 1;
        if (
          r >= MIN_LEVELS - 1 &&
          Math.abs((cur[r * m + k] as number) - (prev[(r - 1) * m + k] as number)) >=
            SAFE * (estimate[k] as number)
        ) {
          done[k] = 1;
          active--;
        } else if ((left[k] as number) <= 0) {
          done[k] = 1;
          active--;
        }
      }
      const t = prev;
      prev = cur;
      cur = t;
    }
    for (let k = 0; k < m; k++) {
      // No finite difference at any level: NaN, with an unknown (NaN) error.
      if (Number.isNaN(out[k])) estimate[k] = Number.NaN;
      else estimate[k] = (estimate[k] as number) + (noise[k] as number);
    }
  }
}

/** ‖v‖₂, scaled so that it neither overflows nor underflows. */
export function norm2(v: Float64Array): number {
  let s = 0;
  for (const t of v) s = Math.max(s, Math.abs(t));
  if (s === 0 || !Number.isFinite(s)) return s;
  let sum = 0;
  for (const t of v) sum += (t / s) * (t / s);
  return s * Math.sqrt(sum);
}

/** ‖x‖∞ */
function normInf(x: Float64Array): number {
  let s = 0;
  for (const t of x) s = Math.max(s, Math.abs(t));
  return s;
}
