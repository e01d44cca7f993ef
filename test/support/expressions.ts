/**
 * Random differentiable expressions for property tests (fast-check), built with the builder. Each operation
 * is applied to an argument mapped into its domain (log to a² + ½, asin to 0.9·tanh a, ...), so the functions
 * are finite and smooth at any point in [−2, 2]ⁿ, except for the kinked ops, whose kinks are measure zero.
 */
import fc from 'fast-check';
import {
  constant,
  type Expr,
  max,
  min,
  type Program,
  program,
  sum,
  variable,
  withGraph,
} from '../../src/index.js';

export type Spec =
  | { kind: 'var'; index: number }
  | { kind: 'const'; value: number }
  | { kind: 'unary'; op: string; arg: Spec }
  | { kind: 'binary'; op: string; left: Spec; right: Spec }
  | { kind: 'sum'; args: Spec[] };

/** Unary ops with the map that keeps their argument in the domain. */
const UNARY: Record<string, (a: Expr) => Expr> = {
  neg: (a) => a.neg(),
  sqrt: (a) => a.mul(a).add(0.5).sqrt(),
  cbrt: (a) => a.add(3.5).cbrt(),
  exp: (a) => a.tanh().mul(3).exp(),
  expm1: (a) => a.tanh().mul(3).expm1(),
  log: (a) => a.mul(a).add(0.5).log(),
  log1p: (a) => a.mul(a).log1p(),
  log2: (a) => a.mul(a).add(0.5).log2(),
  log10: (a) => a.mul(a).add(0.5).log10(),
  sin: (a) => a.sin(),
  cos: (a) => a.cos(),
  tan: (a) => a.tanh().tan(),
  sec: (a) => a.tanh().sec(),
  csc: (a) => a.mul(a).add(0.3).csc(),
  cot: (a) => a.mul(a).add(0.3).cot(),
  asin: (a) => a.tanh().mul(0.9).asin(),
  acos: (a) => a.tanh().mul(0.9).acos(),
  atan: (a) => a.atan(),
  asec: (a) => a.mul(a).add(1.5).asec(),
  acsc: (a) => a.mul(a).add(1.5).acsc(),
  acot: (a) => a.mul(a).add(0.3).acot(),
  sinh: (a) => a.tanh().mul(3).sinh(),
  cosh: (a) => a.tanh().mul(3).cosh(),
  tanh: (a) => a.tanh(),
  sech: (a) => a.sech(),
  csch: (a) => a.mul(a).add(0.3).csch(),
  coth: (a) => a.mul(a).add(0.3).coth(),
  asinh: (a) => a.asinh(),
  acosh: (a) => a.mul(a).add(1.5).acosh(),
  atanh: (a) => a.tanh().mul(0.9).atanh(),
  asech: (a) => a.mul(a).add(1.2).div(a.mul(a).add(2)).asech(),
  acsch: (a) => a.mul(a).add(0.3).acsch(),
  acoth: (a) => a.mul(a).add(1.5).acoth(),
  sigmoid: (a) => a.sigmoid(),
  softplus: (a) => a.softplus(),
  abs: (a) => a.abs(),
  relu: (a) => a.relu(),
};

/** Binary ops with their domain maps. */
const BINARY: Record<string, (a: Expr, b: Expr) => Expr> = {
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b.mul(b).add(0.5)),
  pow: (a, b) => a.mul(a).add(0.5).pow(b.tanh().mul(2)),
  powi: (a) => a.pow(3),
  logb: (a, b) => a.mul(a).add(0.5).logb(b.mul(b).add(1.5)),
  max: (a, b) => max(a, b),
  min: (a, b) => min(a, b),
};

/** Ops with a kink: finite differences cannot match the exact methods at the kink. */
export const KINKED = new Set(['abs', 'relu', 'max', 'min']);

export function specArbitrary(nVars: number, depth = 4): fc.Arbitrary<Spec> {
  const leaf: fc.Arbitrary<Spec> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.integer({ min: 0, max: nVars - 1 }).map((index): Spec => ({ kind: 'var', index })),
    },
    {
      weight: 1,
      arbitrary: fc
        .double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true })
        .map((value): Spec => ({ kind: 'const', value: Math.round(value * 100) / 100 })),
    },
  );
  const { tree } = fc.letrec<{ tree: Spec }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', maxDepth: depth, withCrossShrink: true },
      leaf,
      fc.record({
        kind: fc.constant('unary' as const),
        op: fc.constantFrom(...Object.keys(UNARY)),
        arg: tie('tree'),
      }),
      fc.record({
        kind: fc.constant('binary' as const),
        op: fc.constantFrom(...Object.keys(BINARY)),
        left: tie('tree'),
        right: tie('tree'),
      }),
      fc.record({
        kind: fc.constant('sum' as const),
        args: fc.array(tie('tree'), { minLength: 2, maxLength: 4 }),
      }),
    ),
  }));
  return tree;
}

/** Builds a spec into an expression over variables x0, x1, ... (iteratively: specs are shallow anyway). */
export function buildSpec(spec: Spec, xs: readonly Expr[]): Expr {
  switch (spec.kind) {
    case 'var':
      return xs[spec.index] as Expr;
    case 'const':
      return constant(spec.value);
    case 'unary':
      return (UNARY[spec.op] as (a: Expr) => Expr)(buildSpec(spec.arg, xs));
    case 'binary':
      return (BINARY[spec.op] as (a: Expr, b: Expr) => Expr)(
        buildSpec(spec.left, xs),
        buildSpec(spec.right, xs),
      );
    case 'sum':
      return sum(spec.args.map((s) => buildSpec(s, xs)));
  }
}

/** True if the spec uses a kinked op. */
export function isKinked(spec: Spec): boolean {
  switch (spec.kind) {
    case 'var':
    case 'const':
      return false;
    case 'unary':
      return KINKED.has(spec.op) || isKinked(spec.arg);
    case 'binary':
      return KINKED.has(spec.op) || isKinked(spec.left) || isKinked(spec.right);
    case 'sum':
      return spec.args.some(isKinked);
  }
}

/** A program with the given outputs over n variables x0..x(n−1) (all listed, so the point has length n). */
export function programOf(specs: readonly Spec[], nVars: number): Program {
  return withGraph(() => {
    const xs = Array.from({ length: nVars }, (_, i) => variable(`x${i}`));
    return program(
      specs.map((s) => buildSpec(s, xs)),
      { variables: xs },
    );
  });
}

export const pointArbitrary = (n: number) =>
  fc.array(fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }), {
    minLength: n,
    maxLength: n,
  });

/** ‖a − b‖∞ ≤ rtol·max(‖b‖∞, 1) (norm-wise: a component that cancels to near zero is judged at the scale of the rest). */
export function closeNormwise(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number): boolean {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (Number.isNaN(x) !== Number.isNaN(y)) return false;
    if (Number.isNaN(y)) continue;
    diff = Math.max(diff, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(y));
  }
  return diff <= rtol * scale;
}
