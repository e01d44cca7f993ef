/**
 * The zero-factor rule's invariant (src/ir/ops.ts), fuzzed over the whole op table at special points (±0, ±1,
 * ±∞, NaN, ±1e300, ±1e−300, the kinks): for every random expression, wherever two exact methods both return a
 * number it is the same number, and where one returns NaN so do the others. The methods: forward and reverse
 * mode on both backends, both symbolic engines, nested forward and reverse mode, and Dual numbers. The mathjs
 * engine differs by design in the cases {@link mathjsMayDiffer} lists, and only there.
 *
 * Expressions are packed 100 to a program (its outputs), so that generating and compiling code, and building
 * the symbolic derivatives, is paid once per hundred: a run checks 10,000 expressions.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  constant,
  dot,
  type Expr,
  graphDerivative,
  hessian,
  hvp,
  logsumexp,
  methods,
  Program,
  program,
  sum,
  variable,
  withGraph,
} from '../../src/index.js';
import {
  asDerivative,
  BINARY_OPS,
  type NaryOpDef,
  NUMERIC_PARTIALS,
  OP_ARITY,
  OP_DEFS,
  UNARY_OPS,
} from '../../src/ir/ops.js';
import { evaluateNested } from '../../src/nested/index.js';
import { endTag, type Num, newTag, TaggedDual, Tape, Tracked, tangentOf } from '../../src/nested/num.js';
import { primalSweep } from '../../src/sweeps/interpret/primal.js';
import { dualJacobian } from '../support/exact-methods.js';

type Spec =
  | { kind: 'var'; index: number }
  | { kind: 'const'; value: number }
  | { kind: 'op'; op: string; args: Spec[] };

/** Special values: zeros of both signs, ±1, the kinks, infinities, NaN, and the ends of the exponent range. */
const SPECIAL = [
  0,
  -0,
  1,
  -1,
  2,
  0.5,
  -0.5,
  3,
  1e300,
  -1e300,
  1e-300,
  -1e-300,
  Infinity,
  -Infinity,
  Number.NaN,
];
/** Constants in expressions: the same, but no NaN or ∞ (they would make almost every derivative NaN). */
const CONSTANTS = [0, 1, -1, 2, 0.5, 3, 1e300, 1e-300];

const NARY = ['sum', 'dot', 'logsumexp'] as const;

const specArbitrary: fc.Arbitrary<Spec> = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: 0, max: 1 }).map((index): Spec => ({ kind: 'var', index })),
    fc.constantFrom(...CONSTANTS).map((value): Spec => ({ kind: 'const', value })),
    fc.record({
      kind: fc.constant('op' as const),
      op: fc.constantFrom(...UNARY_OPS),
      args: fc.tuple(tie('spec')),
    }),
    fc.record({
      kind: fc.constant('op' as const),
      op: fc.constantFrom(...BINARY_OPS),
      args: fc.tuple(tie('spec'), tie('spec')),
    }),
    fc.record({
      kind: fc.constant('op' as const),
      op: fc.constantFrom(...NARY),
      args: fc.array(tie('spec'), { minLength: 2, maxLength: 4 }),
    }),
  ),
})).spec;

function build(spec: Spec, vars: readonly Expr[]): Expr {
  // An explicit stack: specs are shallow, but nothing here should recurse on a user's depth either.
  const done = new Map<Spec, Expr>();
  const stack: Spec[] = [spec];
  while (stack.length > 0) {
    const s = stack[stack.length - 1] as Spec;
    if (s.kind === 'var') done.set(s, vars[s.index] as Expr);
    else if (s.kind === 'const') done.set(s, constant(s.value));
    else {
      const pending = s.args.filter((a) => !done.has(a));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      const xs = s.args.map((a) => done.get(a) as Expr);
      const [x, y] = xs as [Expr, Expr];
      const methodsOf = x as unknown as Record<string, (...a: Expr[]) => Expr>;
      if (s.op === 'sum') done.set(s, sum(xs));
      else if (s.op === 'logsumexp') done.set(s, logsumexp(xs));
      else if (s.op === 'dot') {
        const h = Math.max(1, xs.length >> 1);
        const left = xs.slice(0, h);
        done.set(
          s,
          dot(
            left,
            xs
              .slice(h, h + left.length)
              .concat(left)
              .slice(0, left.length),
          ),
        );
      } else if ((BINARY_OPS as readonly string[]).includes(s.op))
        done.set(s, (methodsOf[s.op] as (a: Expr) => Expr).call(x, y));
      else done.set(s, (methodsOf[s.op] as () => Expr).call(x));
    }
    stack.pop();
  }
  return done.get(spec) as Expr;
}

function programOf(specs: readonly Spec[]): Program<Float64Array> {
  return withGraph(() => {
    const vars = [variable('x'), variable('y')];
    return program(
      specs.map((s) => build(s, vars)),
      { variables: vars },
    );
  }) as Program<Float64Array>;
}

/** A nested derivative as nestedGradient reports it (src/ir/ops.ts asDerivative): finite, or NaN. */
function reported(d: number): number {
  return Number.isFinite(d) ? d + 0 : Number.NaN;
}

/** ∂outputᵢ/∂xⱼ as rows, by nested forward mode: one tagged pass per input. */
function nestedForward(f: Program, x: readonly number[]): Float64Array[] {
  const rows = Array.from(f.outputs, () => new Float64Array(x.length));
  for (let j = 0; j < x.length; j++) {
    const tag = newTag();
    try {
      const outs = evaluateNested(
        f,
        x.map((v, k) => (k === j ? new TaggedDual(tag, v, 1) : v)),
      );
      outs.forEach((o, i) => {
        (rows[i] as Float64Array)[j] = reported(tangentOf(o, tag) as number);
      });
    } finally {
      endTag(tag);
    }
  }
  return rows;
}

/** The same by nested reverse mode: one tape, one backward sweep per output. */
function nestedReverse(f: Program, x: readonly number[]): Float64Array[] {
  const tag = newTag();
  try {
    const tape = new Tape(tag);
    const inputs = x.map((v) => tape.variable(v));
    return evaluateNested(f, inputs).map((o) => {
      if (!(o instanceof Tracked && o.tag === tag)) return new Float64Array(x.length);
      const adj = tape.backward(o.index);
      return Float64Array.from(inputs, (v) => reported(adj[v.index] as number));
    });
  } finally {
    endTag(tag);
  }
}

type JacobianBy = (f: Program, x: readonly number[]) => Float64Array[];

/** Ops the mathjs engine writes with others (mathjs has no rule): e^x overflows, and sign's rule drops a factor. */
const MATHJS_EXPANDED = new Set(['sigmoid', 'softplus', 'logsumexp', 'max', 'min', 'heaviside', 'relu']);
/** Ops whose rule in mathjs's derivative() is not the op table's: sign′ and abs′ are a structural 0 and sign (no
 * 0·∞), acosh′ = 1/√(x² − 1) is a number below 1 where acosh is not defined, acoth′ = −1/(1 − x²) differs at 0. */
const MATHJS_OWN_RULES = new Set(['sign', 'abs', 'acosh', 'acoth']);

/**
 * Where the mathjs engine's derivative may differ from the other methods' by design: an expression with an
 * op above; a power with a constant 0 base or exponent (mathjs's rule gives a structural 0, not 0·∞); or a point
 * with a coordinate of magnitude at most 1e−154, where mathjs's rules square it (d(u/v) = (u′v − uv′)/v²) and
 * the square underflows to 0.
 */
function mathjsMayDiffer(spec: Spec, x: readonly number[]): boolean {
  if (x.some((v) => v !== 0 && Math.abs(v) <= 1e-154)) return true;
  const stack: Spec[] = [spec];
  while (stack.length > 0) {
    const s = stack.pop() as Spec;
    if (s.kind !== 'op') continue;
    if (MATHJS_EXPANDED.has(s.op) || MATHJS_OWN_RULES.has(s.op)) return true;
    if (s.op === 'pow' && s.args.some((a) => a.kind === 'const' && a.value === 0)) return true;
    stack.push(...s.args);
  }
  return false;
}

const EXACT: Readonly<Record<string, JacobianBy>> = {
  reverse: (f, x) => methods.reverse.jacobian(f, x).value,
  'reverse (compiled)': (f, x) => methods.reverse.jacobian(f, x, { backend: 'compile' }).value,
  forward: (f, x) => methods.forward.jacobian(f, x).value,
  'forward (compiled)': (f, x) => methods.forward.jacobian(f, x, { backend: 'compile' }).value,
  'symbolic (graph)': (f, x) => methods.symbolic.jacobian(f, x, { engine: 'graph' }).value,
  'symbolic (mathjs)': (f, x) => methods.symbolic.jacobian(f, x, { engine: 'mathjs' }).value,
  'nested forward': nestedForward,
  'nested reverse': nestedReverse,
  Dual: dualJacobian,
};

/** |∂z/∂(argument k)| of node i at values v, or NaN where the partial is not finite (no path through it counts). */
function partialMagnitudes(f: Program, v: Float64Array, i: number): number[] {
  const code = f.op[i] as number;
  const arity = OP_ARITY[code] as number;
  const mag = (p: number) => (Number.isFinite(p) ? Math.abs(p) : Number.NaN);
  if (arity === 0) {
    const def = OP_DEFS[code] as NaryOpDef;
    const start = f.a[i] as number;
    const count = f.b[i] as number;
    const z = v[i] as number;
    return Array.from({ length: count }, (_, k) => mag(def.numericPartial(v, f.args, start, count, z, k)));
  }
  const x = v[f.a[i] as number] as number;
  const y = arity === 2 ? (v[f.b[i] as number] as number) : Number.NaN;
  const rules = NUMERIC_PARTIALS[code] as readonly ((x: number, y: number, z: number) => number)[];
  return rules.map((p) => mag(p(x, y, v[i] as number)));
}

/**
 * What rounding and overflow allow between two exact methods, per output and input: the sums over paths of
 * |∏ partials| that forward mode forms (from the input) and reverse mode forms (from the output), over finite
 * partials only (an infinite one gives NaN in every method alike). Where one passes 1e300, a method may overflow
 * where another does not, and the derivative is left unchecked; otherwise every term is bounded by them, and two
 * results may differ by rounding of the order of 10⁻¹² times the forward sum (cancellation: x/x·s at 1e−300
 * sums ±6e300 terms to 0 or 2, by the order).
 */
function tolerances(f: Program, x: readonly number[]): { scale: number[][]; overflow: boolean[][] } {
  const v = primalSweep(f, x, new Float64Array(f.size));
  const partials: number[][] = [];
  for (let i = f.opStart; i < f.size; i++) partials[i] = partialMagnitudes(f, v, i);
  // 0 and NaN (an infinite partial) add nothing.
  const add = (acc: Float64Array, k: number, term: number) => {
    if (term > 0) acc[k] = (acc[k] as number) + term;
  };
  const forward = x.map((_, j) => {
    const m = new Float64Array(f.size);
    m[f.inputStart + j] = 1;
    for (let i = f.opStart; i < f.size; i++) {
      const p = partials[i] as number[];
      f.forEachArg(i, (arg, k) => add(m, i, (p[k] as number) * (m[arg] as number)));
    }
    return m;
  });
  const scale: number[][] = [];
  const overflow: boolean[][] = [];
  f.outputs.forEach((o, r) => {
    // Reverse mode's sums from output o, and the largest of them and of forward mode's over the nodes that
    // reach o (behind a zero partial too: forward mode's overflow there meets the zero).
    const m = new Float64Array(f.size);
    const reached = new Uint8Array(f.size);
    m[o] = 1;
    reached[o] = 1;
    let worst = 1;
    const worstForward = x.map(() => 0);
    for (let i = o; i >= f.inputStart; i--) {
      if (reached[i] === 0) continue;
      forward.forEach((fm, j) => {
        worstForward[j] = Math.max(worstForward[j] as number, fm[i] as number);
      });
      if (i < f.opStart) continue;
      const g = m[i] as number;
      worst = Math.max(worst, g);
      const p = partials[i] as number[];
      f.forEachArg(i, (arg, k) => {
        reached[arg] = 1;
        add(m, arg, (p[k] as number) * g);
      });
    }
    scale[r] = forward.map((fm) => fm[o] as number);
    overflow[r] = worstForward.map((w) => !(worst < 1e300) || !(w < 1e300));
  });
  return { scale, overflow };
}

/**
 * Two derivatives agree: both NaN, or both numbers within rounding of the terms they sum. Below 1e−280 the
 * order of the products decides what underflows (y·(y·x/y) at y = 1e−300 is 1e−300 by forward mode, 0 by
 * reverse mode, whose y·y underflows first), so differences that small count as agreement.
 */
function agree(a: number, b: number, scale: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12 * scale + 1e-280;
}

const PROGRAMS = 100;
const PER_PROGRAM = 100;

/**
 * Runs check on `runs` random programs of PER_PROGRAM expressions each (output i is specs[i]), at a point of two
 * special values; the seed is fixed, so both orders see the same programs and points.
 */
function fuzz(runs: number, check: (specs: Spec[], f: Program<Float64Array>, x: number[]) => void): void {
  fc.assert(
    fc.property(
      fc.array(specArbitrary, { minLength: PER_PROGRAM, maxLength: PER_PROGRAM }),
      fc.tuple(fc.constantFrom(...SPECIAL), fc.constantFrom(...SPECIAL)),
      (specs, point) => {
        check(specs, programOf(specs), [...point]);
      },
    ),
    { numRuns: runs, seed: 20261207 },
  );
}

describe('the zero-factor rule: every exact method agrees at special points', () => {
  test(`${PROGRAMS * PER_PROGRAM} random expressions over the whole op table`, () => {
    const mismatches: string[] = [];
    let compared = 0;
    let overflowed = 0;
    let mathjsByDesign = 0;
    fuzz(PROGRAMS, (specs, f, x) => {
      const results = Object.entries(EXACT).map(([name, by]) => [name, by(f, x)] as const);
      const [, ref] = results[0] as readonly [string, Float64Array[]];
      const { scale, overflow } = tolerances(f, x);
      for (let i = 0; i < f.outputs.length; i++) {
        for (let j = 0; j < x.length; j++) {
          compared++;
          if ((overflow[i] as boolean[])[j]) {
            overflowed++;
            continue;
          }
          const r = (ref[i] as Float64Array)[j] as number;
          for (const [name, rows] of results) {
            const d = (rows[i] as Float64Array)[j] as number;
            if (agree(r, d, (scale[i] as number[])[j] as number)) continue;
            if (name === 'symbolic (mathjs)' && mathjsMayDiffer(specs[i] as Spec, x)) mathjsByDesign++;
            else
              mismatches.push(
                `${name} ${d} vs reverse ${r}: output ${i} ∂/∂x${j} at [${x}] of ${JSON.stringify(specs[i])}`,
              );
          }
        }
      }
    });
    expect({ count: mismatches.length, first: mismatches.slice(0, 40) }).toEqual({ count: 0, first: [] });
    // Overflow (an intermediate past 1e300) leaves a derivative unchecked; it must stay the exception.
    expect(overflowed).toBeLessThan(0.2 * compared);
    // The mathjs engine's differences by design: about 250 of the 20,000 derivatives (1.3%).
    expect(mathjsByDesign).toBeLessThan(0.02 * compared);
  });
});

/*
 * Second order. The invariant is the same, one level up: a Hessian is the derivative of the gradient that the
 * first-order sweeps compute, so every second-order method applies the zero-factor rule to that computation
 * (an adjoint, tangent, partial or partial's tangent that no seed reaches contributes nothing; every other
 * product is IEEE) and reports a non-finite entry as NaN. Then forward over reverse on typed arrays (`hessian`,
 * `hvp`) and the four nestings of nested forward and reverse mode agree: wherever two give a number it is the
 * same number, and where one gives NaN so do the others.
 */

/** Output o of f alone, as a scalar program (the Hessian calls take scalar functions). */
function outputOf(f: Program, o: number): Program<number> {
  return new Program({ ...f, outputs: Int32Array.of(f.outputs[o] as number), scalar: true });
}

/** ∂outputᵢ/∂xₖ as nested numbers (not reported: they carry the outer perturbations), by `mode`. */
function innerJacobian(f: Program, xs: readonly Num[], mode: 'forward' | 'reverse'): Num[][] {
  const rows = Array.from(f.outputs, () => new Array<Num>(xs.length).fill(0));
  if (mode === 'forward') {
    for (let k = 0; k < xs.length; k++) {
      const tag = newTag();
      try {
        const outs = evaluateNested(
          f,
          xs.map((v, j) => (j === k ? new TaggedDual(tag, v, 1) : v)),
        );
        outs.forEach((o, i) => {
          (rows[i] as Num[])[k] = tangentOf(o, tag);
        });
      } finally {
        endTag(tag);
      }
    }
    return rows;
  }
  const tag = newTag();
  try {
    const tape = new Tape(tag);
    const inputs = xs.map((v) => tape.variable(v));
    evaluateNested(f, inputs).forEach((o, i) => {
      if (!(o instanceof Tracked && o.tag === tag)) return;
      const adj = tape.backward(o.index);
      inputs.forEach((v, k) => {
        (rows[i] as Num[])[k] = adj[v.index] as Num;
      });
    });
    return rows;
  } finally {
    endTag(tag);
  }
}

/** Every output's Hessian (`[output][i][j]` = ∂²outputₒ/∂xⱼ∂xᵢ) by `outer` mode over `inner` mode, reported. */
function nestedHessians(
  f: Program,
  x: readonly number[],
  outer: 'forward' | 'reverse',
  inner: 'forward' | 'reverse',
): Float64Array[][] {
  const n = x.length;
  const H = Array.from(f.outputs, () => Array.from({ length: n }, () => new Float64Array(n)));
  const set = (o: number, i: number, j: number, d: Num) => {
    ((H[o] as Float64Array[])[i] as Float64Array)[j] = asDerivative(d as number);
  };
  if (outer === 'forward') {
    for (let j = 0; j < n; j++) {
      const tag = newTag();
      try {
        const rows = innerJacobian(
          f,
          x.map((v, k) => (k === j ? new TaggedDual(tag, v, 1) : v)),
          inner,
        );
        rows.forEach((row, o) => {
          row.forEach((d, i) => set(o, i, j, tangentOf(d, tag)));
        });
      } finally {
        endTag(tag);
      }
    }
    return H;
  }
  const tag = newTag();
  try {
    const tape = new Tape(tag);
    const inputs = x.map((v) => tape.variable(v));
    innerJacobian(f, inputs, inner).forEach((row, o) => {
      row.forEach((d, i) => {
        if (!(d instanceof Tracked && d.tag === tag)) return;
        const adj = tape.backward(d.index);
        inputs.forEach((v, j) => set(o, i, j, adj[v.index] as Num));
      });
    });
    return H;
  } finally {
    endTag(tag);
  }
}

/** The direction of the Hessian–vector products: both inputs seeded, so it is a sum of two columns. */
const HVP_DIRECTION = [1, -0.5];

type HessiansBy = (f: Program, x: readonly number[]) => Float64Array[][];

const SECOND_ORDER: Readonly<Record<string, HessiansBy>> = {
  'nested forward over forward': (f, x) => nestedHessians(f, x, 'forward', 'forward'),
  hessian: (f, x) => Array.from(f.outputs, (_, o) => hessian(outputOf(f, o), x, { allowNonFinite: true })),
  'nested forward over reverse': (f, x) => nestedHessians(f, x, 'forward', 'reverse'),
  'nested reverse over forward': (f, x) => nestedHessians(f, x, 'reverse', 'forward'),
  'nested reverse over reverse': (f, x) => nestedHessians(f, x, 'reverse', 'reverse'),
};

/** H·v from a Hessian's entries, under the rule: a NaN entry makes its row's product NaN. */
function timesDirection(H: readonly Float64Array[]): number[] {
  return H.map((row) => row.reduce((s, h, j) => s + h * (HVP_DIRECTION[j] as number), 0));
}

const SECOND_ORDER_PROGRAMS = 30;

describe('the zero-factor rule at second order: every Hessian method agrees at special points', () => {
  test(`${SECOND_ORDER_PROGRAMS * PER_PROGRAM} random expressions: hessian, hvp and nested derivatives`, () => {
    const mismatches: string[] = [];
    let compared = 0;
    let skipped = 0;
    fuzz(SECOND_ORDER_PROGRAMS, (specs, f, x) => {
      const results = Object.entries(SECOND_ORDER).map(([name, by]) => [name, by(f, x)] as const);
      const [refName, ref] = results[0] as readonly [string, Float64Array[][]];
      const n = x.length;
      const first = tolerances(f, x);
      // A Hessian is the Jacobian of the gradient: the bounds on rounding and overflow of its entries are
      // those of the first-order analysis run over the gradient's program (row o·n + i is ∂fₒ/∂xᵢ).
      const second = tolerances(graphDerivative(f).program, x);
      for (let o = 0; o < f.outputs.length; o++) {
        // An intermediate past 1e300 on a path may overflow in one order and not another.
        const overflowed = (i: number, j: number) =>
          (first.overflow[o] as boolean[])[i] || (second.overflow[o * n + i] as boolean[])[j];
        const scale = (i: number, j: number) => (second.scale[o * n + i] as number[])[j] as number;
        const Href = ref[o] as Float64Array[];
        const check = (name: string, what: string, r: number, d: number, s: number) => {
          compared++;
          if (!agree(r, d, s))
            mismatches.push(
              `${name} ${d} vs ${refName} ${r}: output ${o} ${what} at [${x}] of ${JSON.stringify(specs[o])}`,
            );
        };
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            if (overflowed(i, j)) {
              skipped++;
              continue;
            }
            for (const [name, Hs] of results) {
              const H = (Hs[o] as Float64Array[])[i] as Float64Array;
              check(
                name,
                `H[${i}][${j}]`,
                (Href[i] as Float64Array)[j] as number,
                H[j] as number,
                scale(i, j),
              );
            }
          }
        }
        const Hv = hvp(outputOf(f, o), x, HVP_DIRECTION, { allowNonFinite: true });
        timesDirection(Href).forEach((r, i) => {
          if ([0, 1].some((j) => overflowed(i, j))) return;
          const s = [0, 1].reduce((acc, j) => acc + scale(i, j) * Math.abs(HVP_DIRECTION[j] as number), 0);
          check('hvp', `(Hv)[${i}]`, r, Hv[i] as number, s);
        });
      }
    });
    expect({ count: mismatches.length, first: mismatches.slice(0, 40) }).toEqual({ count: 0, first: [] });
    // Overflow leaves an entry unchecked; it must stay the exception.
    expect(skipped).toBeLessThan(0.2 * (skipped + compared / Object.keys(SECOND_ORDER).length));
  });
});
