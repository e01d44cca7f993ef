/**
 * Every exact way difflab computes a gradient: forward and reverse mode on both backends, the two symbolic
 * engines, nested forward and reverse mode over the program, and the exported Dual numbers. Tests that hold a
 * property across methods loop over this.
 */
import { Dual, methods, type Program } from '../../src/index.js';
import { DUAL_ALGEBRA } from '../../src/ir/dual.js';
import { asDerivative, CONST, OP_ARITY, OP_NAMES, VAR } from '../../src/ir/ops.js';
import { evaluateNested, type Num, nestedGradient } from '../../src/nested/index.js';

export type GradientBy = (f: Program, x: readonly number[]) => Float64Array;

function nested(mode: 'forward' | 'reverse'): GradientBy {
  return (f, x) => {
    const g = nestedGradient((xs: readonly Num[]) => evaluateNested(f, xs)[0] as Num, x, mode).gradient;
    return Float64Array.from(g, (t) => t as number);
  };
}

type DualOp = (...args: unknown[]) => Dual;
const DUAL_OPS = OP_NAMES.map((name) => (DUAL_ALGEBRA as unknown as Record<string, DualOp>)[name] as DualOp);

/** ∂outputᵢ/∂xⱼ as rows, with the program evaluated over Dual numbers: one pass per input. */
export function dualJacobian(f: Program, x: readonly number[]): Float64Array[] {
  const rows = Array.from(f.outputs, () => new Float64Array(x.length));
  for (let j = 0; j < x.length; j++) {
    const v = new Array<Dual>(f.size);
    for (let i = 0; i < f.opStart; i++) {
      const code = f.op[i] as number;
      const k = f.a[i] as number;
      // A constant, and an input other than the seeded one, is a Dual without a tangent.
      if (code === CONST) v[i] = new Dual(f.constants[k] as number);
      else if (code === VAR) v[i] = new Dual(x[k] as number, k === j ? 1 : 0);
    }
    for (let i = f.opStart; i < f.size; i++) {
      const code = f.op[i] as number;
      const op = DUAL_OPS[code] as DualOp;
      const arity = OP_ARITY[code] as number;
      if (arity === 0) {
        const start = f.a[i] as number;
        v[i] = op(Array.from(f.args.subarray(start, start + (f.b[i] as number)), (k) => v[k] as Dual));
      } else v[i] = op(v[f.a[i] as number], arity === 2 ? v[f.b[i] as number] : undefined);
    }
    f.outputs.forEach((o, r) => {
      (rows[r] as Float64Array)[j] = asDerivative((v[o] as Dual).tangent);
    });
  }
  return rows;
}

export const EXACT_METHODS: Readonly<Record<string, GradientBy>> = {
  forward: (f, x) => methods.forward.gradient(f, x).value,
  'forward (compiled)': (f, x) => methods.forward.gradient(f, x, { backend: 'compile' }).value,
  reverse: (f, x) => methods.reverse.gradient(f, x).value,
  'reverse (compiled)': (f, x) => methods.reverse.gradient(f, x, { backend: 'compile' }).value,
  'symbolic (graph)': (f, x) => methods.symbolic.gradient(f, x, { engine: 'graph' }).value,
  'symbolic (mathjs)': (f, x) => methods.symbolic.gradient(f, x, { engine: 'mathjs' }).value,
  'nested forward': nested('forward'),
  'nested reverse': nested('reverse'),
  Dual: (f, x) => dualJacobian(f, x)[0] as Float64Array,
};
