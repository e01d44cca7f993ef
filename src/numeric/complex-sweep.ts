/**
 * Evaluation of a program in complex arithmetic: the complex-step scheme's primal sweep, over (re, im) pairs
 * held in two Float64Arrays, in program order like {@link primalSweep}.
 */
import { DifflabError } from '../ir/errors.js';
import { formatNode } from '../ir/format.js';
import { FIXED_VALUE, forEachOp, NARY_VALUE, OP_ARITY, OP_DEFS, OP_NAMES } from '../ir/ops.js';
import type { Program } from '../ir/program.js';
import { COMPLEX_RULES, type ComplexRule, NARY_COMPLEX_RULES, type NaryComplexRule, Z } from './complex.js';

/** The complex rule of each op by code (null for non-analytic and n-ary ops). */
const FIXED_RULE: (ComplexRule | null)[] = [];
const NARY_RULE: (NaryComplexRule | null)[] = [];
// A built-in op's rule is in complex.ts; a registered op brings its own in its entry.
forEachOp((name, code, def) => {
  FIXED_RULE[code] =
    def.arity === 'n' ? null : (COMPLEX_RULES[name as keyof typeof COMPLEX_RULES] ?? def.complex ?? null);
  NARY_RULE[code] = def.arity === 'n' ? NARY_COMPLEX_RULES[name as keyof typeof NARY_COMPLEX_RULES] : null;
});

/**
 * Throws `not-differentiable` at the first operation that is not analytic (abs, sign, heaviside, relu, max,
 * min) and depends on an input, naming it and its subexpression: the complex step cannot pass through it.
 * Such an operation applied to constants only is harmless (its imaginary part stays 0) and is allowed.
 */
export function requireAnalytic(f: Program): void {
  const { op, a, b, args } = f;
  // varying[i] = 1 when node i depends on some input.
  const varying = new Uint8Array(f.size);
  varying.fill(1, f.inputStart, f.opStart);
  for (let i = f.opStart; i < f.size; i++) {
    const code = op[i] as number;
    const arity = OP_ARITY[code] as number;
    let v = 0;
    if (arity === 0) {
      const start = a[i] as number;
      for (let k = start; k < start + (b[i] as number) && v === 0; k++)
        v = varying[args[k] as number] as number;
    } else {
      v = varying[a[i] as number] as number;
      if (arity === 2) v |= varying[b[i] as number] as number;
    }
    if (v === 0) continue;
    varying[i] = 1;
    if (!(OP_DEFS[code] as (typeof OP_DEFS)[number]).analytic) {
      const name = OP_NAMES[code] as string;
      const expr = formatNode(f, i);
      throw new DifflabError(
        'not-differentiable',
        `the complex step cannot pass through ${name}, which is not analytic, in ${expr}; use scheme 'central' or an exact method`,
        { subexpression: expr },
      );
    }
  }
}

/**
 * Fills `re`, `im` (length `f.size`) with every node's value at x + i·seed. A node whose arguments have
 * imaginary part 0 is computed by the real value rule (bit for bit the primal value); elsewhere a node whose
 * real value rule is not finite at the real parts (log of a negative number, a pole) gets that value and an
 * imaginary part of NaN, so the derivative is NaN exactly where finite differences would give NaN; every
 * other node is computed by its complex rule. Call {@link requireAnalytic} first.
 */
export function complexSweep(
  f: Program,
  x: Float64Array,
  seed: Float64Array,
  re: Float64Array,
  im: Float64Array,
): void {
  re.set(f.constants, 0);
  im.fill(0, 0, f.inputStart);
  re.set(x, f.inputStart);
  im.set(seed, f.inputStart);
  const { op, a, b, args } = f;
  for (let i = f.opStart; i < f.size; i++) {
    const code = op[i] as number;
    const arity = OP_ARITY[code] as number;
    if (arity === 0) {
      const start = a[i] as number;
      const count = b[i] as number;
      const value = (NARY_VALUE[code] as NonNullable<(typeof NARY_VALUE)[number]>)(re, args, start, count);
      let perturbed = false;
      for (let k = start; k < start + count && !perturbed; k++) perturbed = im[args[k] as number] !== 0;
      if (!perturbed || !Number.isFinite(value)) {
        re[i] = value;
        im[i] = perturbed ? Number.NaN : 0;
        continue;
      }
      (NARY_RULE[code] as NaryComplexRule)(re, im, args, start, count);
    } else {
      const xr = re[a[i] as number] as number;
      const xi = im[a[i] as number] as number;
      const yr = arity === 2 ? (re[b[i] as number] as number) : 0;
      const yi = arity === 2 ? (im[b[i] as number] as number) : 0;
      const value = (FIXED_VALUE[code] as (x: number, y: number) => number)(xr, yr);
      const perturbed = xi !== 0 || yi !== 0;
      if (!perturbed || !Number.isFinite(value)) {
        re[i] = value;
        im[i] = perturbed ? Number.NaN : 0;
        continue;
      }
      (FIXED_RULE[code] as ComplexRule)(xr, xi, yr, yi);
    }
    re[i] = Z[0] as number;
    im[i] = Z[1] as number;
  }
}
