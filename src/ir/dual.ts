/**
 * Dual numbers a + bε (ε² = 0), with every operation derived from the op table: the value from the value
 * rule, the tangent from the local partials. Forward mode exports them for direct use; forward-over-reverse
 * Hessians run the partial rules over them to get the partials' own tangents.
 */
import {
  type Algebra,
  type BinaryOpName,
  forEachOp,
  type NARY_OPS,
  type NaryOpName,
  NUMERIC_PARTIALS,
  OP_CODE,
  OPS,
  type UnaryOpName,
} from './ops.js';

type UnaryMethods = { [K in UnaryOpName]: () => Dual };
type BinaryMethods = { [K in BinaryOpName]: (other: Dual | number) => Dual };

/**
 * A dual number: a primal `value` and a `tangent` (its derivative along one direction).
 *
 * @example
 * const x = new Dual(2, 1);          // seed dx = 1
 * const y = x.mul(x).sin();          // sin(x²)
 * y.value;   // sin 4
 * y.tangent; // 2x cos(x²) = 4 cos 4
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the arithmetic methods are installed from the op table
export class Dual {
  constructor(
    readonly value: number,
    readonly tangent = 0,
  ) {}

  toString(): string {
    return `${this.value} + ${this.tangent}ε`;
  }
}
export interface Dual extends UnaryMethods, BinaryMethods {}

const lift = (x: Dual | number): Dual => (typeof x === 'number' ? new Dual(x, 0) : x);

/** The tangent contribution p·t, where a zero factor wins even against ∞ or NaN (as in the program sweeps). */
export function scaleTangent(p: number, t: number): number {
  return t === 0 || p === 0 ? 0 : p * t;
}

function applyUnary(name: UnaryOpName, x: Dual): Dual {
  const z = OPS[name].value(x.value, Number.NaN);
  const partial = NUMERIC_PARTIALS[OP_CODE[name]]?.[0] as (x: number, y: number, z: number) => number;
  return new Dual(z, x.tangent === 0 ? 0 : scaleTangent(partial(x.value, Number.NaN, z), x.tangent));
}

function applyBinary(name: BinaryOpName, x: Dual, y: Dual): Dual {
  const z = OPS[name].value(x.value, y.value);
  const [px, py] = NUMERIC_PARTIALS[OP_CODE[name]] as [
    (x: number, y: number, z: number) => number,
    (x: number, y: number, z: number) => number,
  ];
  const tx = x.tangent === 0 ? 0 : scaleTangent(px(x.value, y.value, z), x.tangent);
  const ty = y.tangent === 0 ? 0 : scaleTangent(py(x.value, y.value, z), y.tangent);
  return new Dual(z, tx + ty);
}

function applyNary(name: (typeof NARY_OPS)[number], xs: readonly Dual[]): Dual {
  const def = OPS[name];
  const v = Float64Array.from(xs, (d) => d.value);
  const idx = Int32Array.from(xs.keys());
  const z = def.value(v, idx, 0, xs.length);
  let t = 0;
  for (let k = 0; k < xs.length; k++) {
    const tk = (xs[k] as Dual).tangent;
    if (tk !== 0) t += scaleTangent(def.numericPartial(v, idx, 0, xs.length, z, k), tk);
  }
  return new Dual(z, t);
}

/** The algebra of dual numbers: run a partial rule over it to get the partial and its tangent. */
export const DUAL_ALGEBRA: Algebra<Dual> = { num: (c: number) => new Dual(c, 0) } as unknown as Algebra<Dual>;

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
