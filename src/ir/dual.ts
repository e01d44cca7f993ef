/**
 * Dual numbers a + bε (ε² = 0), with every operation derived from the op table: the value from the value
 * rule, the tangent from the local partials. Forward mode exports them for direct use; forward-over-reverse
 * Hessians run the partial rules over them to get the partials' own tangents.
 *
 * They follow the zero-factor rule of the program sweeps (ops.ts): a tangent no seed reaches is −0
 * ({@link UNTOUCHED}) and contributes nothing; every other product is IEEE, so a reached zero tangent against
 * an infinite partial is NaN.
 */
import {
  type Algebra,
  type BinaryOpName,
  forEachOp,
  isUntouched,
  type NARY_OPS,
  type NaryOpName,
  NUMERIC_PARTIALS,
  OP_CODE,
  OPS,
  UNTOUCHED,
  type UnaryOpName,
} from './ops.js';

type UnaryMethods = { [K in UnaryOpName]: () => Dual };
type BinaryMethods = { [K in BinaryOpName]: (other: Dual | number) => Dual };

/**
 * A dual number: a primal `value` and a `tangent` (its derivative along one direction).
 *
 * A number mixed in, or a Dual made without a tangent or with a zero one, is a constant: its tangent is
 * untouched, as a zero component of forward mode's direction is (it contributes nothing, even against an
 * infinite partial).
 *
 * @example
 * const x = new Dual(2, 1);          // seed dx = 1
 * const y = x.mul(x).sin();          // sin(x²)
 * y.value;   // sin 4
 * y.tangent; // 2x cos(x²) = 4 cos 4
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the arithmetic methods are installed from the op table
export class Dual {
  readonly tangent: number;

  /** @param exact internal: keep a zero tangent's sign (+0 reached, −0 untouched), as the sweeps compute it. */
  constructor(
    readonly value: number,
    tangent = 0,
    exact = false,
  ) {
    this.tangent = tangent === 0 && !exact ? UNTOUCHED : tangent;
  }

  toString(): string {
    return `${this.value} + ${this.tangent + 0}ε`;
  }
}
export interface Dual extends UnaryMethods, BinaryMethods {}

/**
 * A dual number with its tangent as the sweeps hold it: −0 untouched, +0 a reached zero. The constructor
 * reads a zero tangent as no seed; computed tangents come through here.
 */
export function dualOf(value: number, tangent: number): Dual {
  return new Dual(value, tangent, true);
}

const lift = (x: Dual | number): Dual => (typeof x === 'number' ? dualOf(x, UNTOUCHED) : x);

/** `acc + p·t` under the zero-factor rule: `acc` unchanged when t is untouched (ops.ts `accumulate`). */
function addTerm(acc: number, p: number, t: number): number {
  return t === 0 && isUntouched(t) ? acc : acc + (p * t + 0);
}

type Partial = (x: number, y: number, z: number) => number;

function applyUnary(name: UnaryOpName, x: Dual): Dual {
  const z = OPS[name].value(x.value, Number.NaN);
  if (isUntouched(x.tangent)) return dualOf(z, UNTOUCHED);
  const partial = NUMERIC_PARTIALS[OP_CODE[name]]?.[0] as Partial;
  return dualOf(z, partial(x.value, Number.NaN, z) * x.tangent + 0);
}

function applyBinary(name: BinaryOpName, x: Dual, y: Dual): Dual {
  const z = OPS[name].value(x.value, y.value);
  const [px, py] = NUMERIC_PARTIALS[OP_CODE[name]] as [Partial, Partial];
  // Only a reached tangent's partial is evaluated, so that an untouched argument adds nothing.
  let t = UNTOUCHED;
  if (!isUntouched(x.tangent)) t = addTerm(t, px(x.value, y.value, z), x.tangent);
  if (!isUntouched(y.tangent)) t = addTerm(t, py(x.value, y.value, z), y.tangent);
  return dualOf(z, t);
}

function applyNary(name: (typeof NARY_OPS)[number], xs: readonly Dual[]): Dual {
  const def = OPS[name];
  const v = Float64Array.from(xs, (d) => d.value);
  const idx = Int32Array.from(xs.keys());
  const z = def.value(v, idx, 0, xs.length);
  let t = UNTOUCHED;
  for (let k = 0; k < xs.length; k++) {
    const tk = (xs[k] as Dual).tangent;
    if (!isUntouched(tk)) t = addTerm(t, def.numericPartial(v, idx, 0, xs.length, z, k), tk);
  }
  return dualOf(z, t);
}

/** The algebra of dual numbers: run a partial rule over it to get the partial and its tangent. */
export const DUAL_ALGEBRA: Algebra<Dual> = {
  num: (c: number) => dualOf(c, UNTOUCHED),
} as unknown as Algebra<Dual>;

// The methods and the algebra's functions, one per op (registered ops too).
forEachOp((name, _code, def) => {
  const a = DUAL_ALGEBRA as unknown as Record<string, unknown>;
  if (def.arity === 'n') {
    a[name] = (xs: readonly Dual[]) => applyNary(name as NaryOpName, xs);
    return;
  }
  if (def.arity === 1) {
    const op = name as UnaryOpName;
    a[name] = (x: Dual) => applyUnary(op, x);
    Object.defineProperty(Dual.prototype, name, {
      value(this: Dual) {
        return applyUnary(op, this);
      },
    });
    return;
  }
  const op = name as BinaryOpName;
  a[name] = (x: Dual, y: Dual) => applyBinary(op, x, y);
  Object.defineProperty(Dual.prototype, name, {
    value(this: Dual, other: Dual | number) {
      return applyBinary(op, this, lift(other));
    },
  });
});
