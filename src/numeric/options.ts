/**
 * The finite-difference options: schemes, and the step each one takes by default.
 */
import { type Backend, backendOf, type CommonOptions } from '../ir/differentiator.js';
import { DifflabError } from '../ir/errors.js';

/** A finite-difference scheme. */
export type Scheme = 'forward' | 'central' | 'complex' | 'richardson';

/** Options of the finite-difference method. */
export interface NumericOptions extends CommonOptions {
  /**
   * `forward`: (f(x + h eᵢ) − f(x))/h, error O(h) + O(ε/h), best near √ε.
   * `central` (default): (f(x + h eᵢ) − f(x − h eᵢ))/(2h), error O(h²) + O(ε/h), best near ε^(2/3).
   * `complex`: Im f(x + i h eᵢ)/h, error O(h²) with no cancellation, so h = 1e−20 gives full precision; only
   * for analytic functions.
   * `richardson`: Ridders' extrapolation of central differences at h, h/2, h/4, ..., with an error estimate.
   */
  scheme?: Scheme;
  /**
   * The absolute step h for every coordinate (for `richardson`, the first and largest step). By default:
   * forward √ε·max(1, |xᵢ|), central ε^(1/3)·max(1, |xᵢ|), complex 1e−20, richardson 0.1·max(1, |xᵢ|).
   */
  step?: number;
}

export const SCHEMES: readonly Scheme[] = ['forward', 'central', 'complex', 'richardson'];

const EPS = Number.EPSILON;

/** The default step per scheme at scale 1 (the forward and central ones balance truncation and rounding). */
const BASE_STEP: { readonly [K in Scheme]: number } = {
  forward: Math.sqrt(EPS),
  central: Math.cbrt(EPS),
  complex: 1e-20,
  richardson: 0.1,
};

/** The default step rule per scheme, as reported in `stats.details.step`. */
export const STEP_RULE: { readonly [K in Scheme]: string } = {
  forward: 'sqrt(eps)*max(1,|x_i|)',
  central: 'cbrt(eps)*max(1,|x_i|)',
  complex: '1e-20',
  richardson: '0.1*max(1,|x_i|), halved per level',
};

/** The options after defaults and checks. */
export interface Resolved {
  readonly scheme: Scheme;
  /** The fixed step, or undefined for the default rule. */
  readonly step: number | undefined;
  readonly check: boolean;
  /** How the real sweeps run (the complex step has its own sweep, interpreted). */
  readonly backend: Backend;
}

/** Applies the defaults and checks the options. */
export function resolveOptions(options: NumericOptions | undefined): Resolved {
  const scheme = options?.scheme ?? 'central';
  if (!SCHEMES.includes(scheme)) {
    throw new DifflabError(
      'invalid-argument',
      `unknown finite-difference scheme '${String(scheme)}' (expected ${SCHEMES.join(', ')})`,
    );
  }
  const step = options?.step;
  if (step !== undefined && !(typeof step === 'number' && step > 0 && Number.isFinite(step))) {
    throw new DifflabError('invalid-argument', `step must be a positive finite number, got ${String(step)}`);
  }
  return { scheme, step, check: options?.check ?? false, backend: backendOf(options) };
}

/** The step h at a coordinate of magnitude `scale` (the complex step does not scale). */
export function stepAt(o: Resolved, scale: number): number {
  if (o.step !== undefined) return o.step;
  const base = BASE_STEP[o.scheme];
  return o.scheme === 'complex' ? base : base * Math.max(1, scale);
}
