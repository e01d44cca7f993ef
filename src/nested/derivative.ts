/**
 * Derivatives of functions of nested numbers, by forward or reverse mode, that nest to any depth and in any
 * combination: the function may itself take derivatives, and its arguments may carry the perturbations of
 * derivatives taken around it. Each call takes a fresh tag and ends it on return (see `num.ts`).
 */
import { DifflabError } from '../ir/errors.js';
import { asDerivative } from '../ir/ops.js';
import type { Program } from '../ir/program.js';
import { evaluateNested } from './evaluate.js';
import { dropTag, endTag, NUM, type Num, newTag, TaggedDual, Tape, Tracked, tangentOf } from './num.js';

/** How a derivative is taken: tangents pushed forward, or a tape swept backward. */
export type Mode = 'forward' | 'reverse';

/** A scalar function of nested numbers. */
export type NestedFunction = (xs: readonly Num[]) => Num;

/** A value and its gradient, both nested numbers (they carry the perturbations of enclosing derivatives). */
export interface NestedGradient {
  value: Num;
  gradient: Num[];
}

/**
 * The value and gradient of `f` at `xs` by `mode`. Forward mode pushes one tangent per input (n evaluations
 * of f); reverse mode records one tape and sweeps it once.
 *
 * @example
 * // d/dx [x · d/dy (x + y)] = 1 at any x: the inner derivative must not see x's perturbation.
 * const outer = nestedGradient(([x]) => {
 *   const inner = nestedGradient(([y]) => NUM.add(x, y), [1], 'forward').gradient[0];
 *   return NUM.mul(x, inner);
 * }, [3], 'reverse').gradient; // [1]
 */
export function nestedGradient(f: NestedFunction, xs: readonly Num[], mode: Mode): NestedGradient {
  if (mode === 'forward') return forwardGradient(f, xs);
  if (mode === 'reverse') return reverseGradient(f, xs);
  throw new DifflabError('invalid-argument', `mode must be 'forward' or 'reverse', got '${String(mode)}'`);
}

function forwardGradient(f: NestedFunction, xs: readonly Num[]): NestedGradient {
  const gradient: Num[] = [];
  let value: Num = 0;
  if (xs.length === 0) return { value: f(xs), gradient };
  for (let i = 0; i < xs.length; i++) {
    const tag = newTag();
    try {
      const seeded = xs.map((x, j) => (j === i ? new TaggedDual(tag, x, 1) : x));
      const out = f(seeded);
      if (i === 0) value = dropTag(out, tag);
      gradient.push(reported(tangentOf(out, tag)));
    } finally {
      endTag(tag);
    }
  }
  return { value, gradient };
}

function reverseGradient(f: NestedFunction, xs: readonly Num[]): NestedGradient {
  const tag = newTag();
  try {
    const tape = new Tape(tag);
    const inputs = xs.map((x) => tape.variable(x));
    const out = f(inputs);
    if (!(out instanceof Tracked && out.tag === tag)) return { value: out, gradient: xs.map(() => 0) };
    const adj = tape.backward(out.index);
    return { value: out.value, gradient: inputs.map((x) => reported(adj[x.index] as Num)) };
  } finally {
    endTag(tag);
  }
}

/** A derivative as every exact method reports it (ops.ts): a plain number finite or NaN. */
function reported(d: Num): Num {
  return typeof d === 'number' ? asDerivative(d) : d;
}

/** The directional derivative of `f` at `xs` along `v` by one forward pass: value and f′(xs)·v. */
export function nestedJvp(
  f: NestedFunction,
  xs: readonly Num[],
  v: readonly Num[],
): { value: Num; tangent: Num } {
  const tag = newTag();
  try {
    const out = f(xs.map((x, j) => (v[j] === 0 ? x : new TaggedDual(tag, x, v[j] as Num))));
    return { value: dropTag(out, tag), tangent: reported(tangentOf(out, tag)) };
  } finally {
    endTag(tag);
  }
}

/** A program as a function of nested numbers (its first output), for use inside nested derivatives. */
export function nestedFunction(f: Program): NestedFunction {
  return (xs) => evaluateNested(f, xs)[0] as Num;
}

/** Sums nested numbers left to right (0 for none). */
export function nestedSum(xs: readonly Num[]): Num {
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) s = i === 0 ? (xs[0] as Num) : NUM.add(s, xs[i] as Num);
  return s;
}
