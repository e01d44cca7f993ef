/**
 * A fuzzer for the summed map's recording driver that reads adjoints off the body (loop.ts's adjointForms):
 * row entries whose adjoint is ±1 or ±z (z the output's value, exp's partial being its value) stored from the
 * value and tested by the sum of the z's, and captured values whose adjoint sum is ±(that sum) + 0. Random
 * bodies mostly of exp, add, sub and neg over the row entries and two captured values (the same one twice
 * among them), sometimes a mul or sin that breaks the forms; rows of the program's inputs, of data or of
 * expressions; the map alone, beside a second map, inside a scan, or reduced by logsumexp; random points with
 * NaN, ±∞, ±0 and values whose exps overflow the sum while each is finite; seeds ȳ of 1, ±0, negative, NaN,
 * ∞. The compiled gradient, vjp and Jacobian must have the interpreter's bits (Object.is per entry, NaN as
 * NaN), on the first call, on a second one and at other points with the drivers already built; the unrolled
 * program's bits where it does the same operations (one row, each leaf read once, the sum the output), its
 * numbers at ordinary points elsewhere. FUZZ_SEED and FUZZ_N (programs, 3000 by default) set another or a
 * longer run; FUZZ_SHAPES prints how many points ran by shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  constant,
  type Expr,
  logsumexp,
  mapReduce,
  methods,
  type Program,
  program,
  scan,
  sum,
  unroll,
  variable,
  withGraph,
} from '../../src/index.js';
import { close, sameBits, show } from './support/close.js';

type Leaf = 'r0' | 'r1' | 'c' | 'd' | 'k';
type Tree =
  | { readonly leaf: Leaf }
  | { readonly op: 'exp' | 'neg' | 'sin'; readonly a: Tree }
  | { readonly op: 'add' | 'sub' | 'mul' | 'sum' | 'lse'; readonly a: Tree; readonly b: Tree };

interface Spec {
  readonly n: number;
  readonly width: 1 | 2;
  /** The rows: the program's inputs, data, expressions of the inputs (x − v), or x₀ and x₁ in turn. */
  readonly rows: 'inputs' | 'data' | 'exprs' | 'repeat';
  /** Captured value c: w, √w or w·v. */
  readonly c: 'w' | 'sqrt' | 'wv';
  /** Captured value d: c itself (one captured value read twice), v, v − w, or the first input x₀ (a row entry too). */
  readonly d: 'c' | 'v' | 'vw' | 'x0';
  readonly body: Tree;
  readonly second: Tree;
  readonly outer: 's' | 'log' | 'square' | 'mulV' | 'exp';
  /** The map alone, beside a second (of another body or the same), inside a scan, or reduced by logsumexp. */
  readonly context: 'alone' | 'two' | 'twoSame' | 'scan' | 'lse';
  readonly data: readonly number[];
  /**
   * The variables' order: w, v, then the row inputs; those first; between w and v; or the row inputs alone (w
   * and v constants). The rows' run of inputs then starts at the first, ends at the last, or is all of them.
   */
  readonly order: 'wvx' | 'xwv' | 'wxv' | 'x';
}

const leaf = fc.constantFrom<Leaf>('r0', 'r0', 'r1', 'c', 'c', 'd', 'k').map((l): Tree => ({ leaf: l }));

/** Sums, differences and negations of leaves: the argument of an exp whose adjoints are ±z. */
const { lin } = fc.letrec<{ lin: Tree }>((tie) => ({
  lin: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'lin' },
    { arbitrary: leaf, weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('neg' as const), a: tie('lin') }), weight: 1 },
    {
      arbitrary: fc.record({
        op: fc.constantFrom('add' as const, 'sub' as const),
        a: tie('lin'),
        b: tie('lin'),
      }),
      weight: 3,
    },
  ),
}));

/** Any body of exp, add, sub, neg, and now and then mul, sin or an n-ary sum or logsumexp. */
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'tree' },
    { arbitrary: leaf, weight: 3 },
    {
      arbitrary: fc.record({
        op: fc.constantFrom('exp' as const, 'exp' as const, 'neg' as const, 'sin' as const),
        a: tie('tree'),
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        op: fc.constantFrom(
          'add' as const,
          'sub' as const,
          'add' as const,
          'sub' as const,
          'mul' as const,
          'sum' as const,
          'lse' as const,
        ),
        a: tie('tree'),
        b: tie('tree'),
      }),
      weight: 2,
    },
  ),
}));

/** A sum or difference of distinct leaves, some negated: each read once, so each adjoint ±z under an exp. */
const distinct: fc.Arbitrary<Tree> = fc
  .tuple(
    fc.shuffledSubarray<Leaf>(['r0', 'r1', 'c', 'd', 'k'], { minLength: 1 }),
    fc.array(fc.constantFrom('add' as const, 'sub' as const, 'negAdd' as const), {
      minLength: 5,
      maxLength: 5,
    }),
    fc.boolean(),
  )
  .map(([leaves, ops, negFirst]) => {
    let t: Tree = { leaf: leaves[0] as Leaf };
    if (negFirst) t = { op: 'neg', a: t };
    leaves.slice(1).forEach((l, k) => {
      const op = ops[k];
      t =
        op === 'negAdd'
          ? { op: 'neg', a: { op: 'add', a: t, b: { leaf: l } } }
          : { op: op as 'add' | 'sub', a: t, b: { leaf: l } };
    });
    return t;
  });
const expOf = fc.oneof(lin, distinct, distinct).map((a): Tree => ({ op: 'exp', a }));
/** A body: mostly ±exp(lin), sums and differences of such and of leaves, else any tree. */
const body: fc.Arbitrary<Tree> = fc.oneof(
  { arbitrary: expOf, weight: 4 },
  { arbitrary: expOf.map((a): Tree => ({ op: 'neg', a })), weight: 2 },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom('add' as const, 'sub' as const, 'sum' as const),
        expOf,
        fc.oneof(expOf, leaf, lin),
      )
      .chain(([op, a, b]) => fc.constantFrom<Tree>({ op, a, b }, { op, a: b, b: a })),
    weight: 3,
  },
  { arbitrary: fc.oneof(lin, distinct), weight: 1 },
  { arbitrary: tree, weight: 2 },
);

const SPECIAL = [
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  709,
  708,
  710,
  -1000,
  1e308,
  -1e308,
  1e-300,
];
/** Mostly ordinary numbers; the specials often, among them 708 and 709 whose exps overflow a sum of two. */
const number = fc.oneof(
  { arbitrary: fc.integer({ min: -192, max: 192 }).map((k) => k / 64), weight: 3 },
  { arbitrary: fc.constantFrom(...SPECIAL), weight: 2 },
);
const SEEDS = [1, 0, -0, -2, 0.5, Number.NaN, Number.POSITIVE_INFINITY];

const spec: fc.Arbitrary<Spec> = fc.record({
  n: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 2 },
    { arbitrary: fc.integer({ min: 4, max: 9 }), weight: 1 },
  ),
  width: fc.constantFrom(1 as const, 2 as const),
  rows: fc.constantFrom('inputs' as const, 'data' as const, 'exprs' as const, 'repeat' as const),
  c: fc.constantFrom('w' as const, 'sqrt' as const, 'wv' as const),
  d: fc.constantFrom('c' as const, 'v' as const, 'vw' as const, 'x0' as const),
  body,
  second: body,
  outer: fc.constantFrom('s' as const, 'log' as const, 'square' as const, 'mulV' as const, 'exp' as const),
  context: fc.constantFrom(
    'alone' as const,
    'alone' as const,
    'two' as const,
    'twoSame' as const,
    'scan' as const,
    'lse' as const,
  ),
  data: fc.array(number, { minLength: 18, maxLength: 18 }),
  order: fc.constantFrom('wvx' as const, 'xwv' as const, 'wxv' as const, 'x' as const),
});

/** The tree's expression, iteratively (a stack of the nodes still to build). */
function expr(t: Tree, at: Record<Leaf, Expr>): Expr {
  const built = new Map<Tree, Expr>();
  const stack: Tree[] = [t];
  while (stack.length > 0) {
    const u = stack[stack.length - 1] as Tree;
    if ('leaf' in u) {
      built.set(u, at[u.leaf]);
      stack.pop();
      continue;
    }
    const a = built.get(u.a);
    const b = 'b' in u ? built.get(u.b) : undefined;
    if (a === undefined) {
      stack.push(u.a);
      continue;
    }
    if ('b' in u && b === undefined) {
      stack.push(u.b);
      continue;
    }
    stack.pop();
    if (u.op === 'exp') built.set(u, a.exp());
    else if (u.op === 'neg') built.set(u, a.neg());
    else if (u.op === 'sin') built.set(u, a.sin());
    else if (u.op === 'add') built.set(u, a.add(b as Expr));
    else if (u.op === 'sub') built.set(u, a.sub(b as Expr));
    // n-ary nodes: a node read by one has no form.
    else if (u.op === 'sum') built.set(u, sum([a, b as Expr]));
    else if (u.op === 'lse') built.set(u, logsumexp([a, b as Expr]));
    else built.set(u, a.mul(b as Expr));
  }
  return built.get(t) as Expr;
}

/** Whether the body reads each leaf at most once (c and d one leaf where d is c). */
function readOnce(s: Spec): boolean {
  const count = new Map<string, number>();
  const stack: Tree[] = [s.body];
  while (stack.length > 0) {
    const u = stack.pop() as Tree;
    if ('leaf' in u) {
      const name = u.leaf === 'd' && s.d === 'c' ? 'c' : u.leaf === 'r1' && s.width === 1 ? 'r0' : u.leaf;
      count.set(name, (count.get(name) ?? 0) + 1);
    } else {
      stack.push(u.a);
      if ('b' in u) stack.push(u.b);
    }
  }
  return [...count.values()].every((k) => k <= 1);
}

/** Whether w and v are the program's variables (else constants): not where nothing else would be. */
const wv = (s: Spec) => s.order !== 'x' || s.rows === 'data' || s.n === 0;
const rowInputs = (s: Spec) =>
  s.rows === 'data' ? 0 : s.rows === 'repeat' ? Math.min(2, s.n * s.width) : s.n * s.width;
const variablesOf = (s: Spec) => (wv(s) ? 2 : 0) + rowInputs(s);

function build(s: Spec): Program<number> {
  return withGraph(() => {
    const w = wv(s) ? variable('w') : constant(0.75);
    const v = wv(s) ? variable('v') : constant(-0.25);
    const xs = Array.from({ length: rowInputs(s) }, (_, k) => variable(`x${k}`));
    const entries =
      s.rows === 'exprs'
        ? xs.map((x) => x.sub(v))
        : s.rows === 'repeat'
          ? Array.from({ length: s.n * s.width }, (_, k) => xs[k % 2] as Expr)
          : xs;
    const rows =
      s.rows === 'data'
        ? { data: Float64Array.from(s.data.slice(0, s.n * s.width)), width: s.width }
        : Array.from({ length: s.n }, (_, i) => entries.slice(i * s.width, (i + 1) * s.width));
    const map = (t: Tree, c: Expr, reduce: 'sum' | 'logsumexp' = 'sum') => {
      const d = s.d === 'c' ? c : s.d === 'v' ? v : s.d === 'x0' ? (xs[0] ?? v) : v.sub(w);
      return mapReduce(
        rows,
        // A map over no rows of inputs has rows of no entries: the body reads c in their place.
        (row) => expr(t, { r0: row[0] ?? c, r1: row[1] ?? row[0] ?? c, c, d, k: constant(0.5) }),
        { reduce },
      );
    };
    const c = s.c === 'w' ? w : s.c === 'sqrt' ? w.sqrt() : w.mul(v);
    const outer = (x: Expr) =>
      s.outer === 's'
        ? x
        : s.outer === 'log'
          ? x.log()
          : s.outer === 'square'
            ? x.mul(x)
            : s.outer === 'mulV'
              ? x.mul(v)
              : x.exp();
    let y: Expr;
    if (s.context === 'two') y = outer(map(s.body, c)).add(map(s.second, c));
    else if (s.context === 'twoSame') y = outer(map(s.body, c)).mul(map(s.body, c));
    else if (s.context === 'lse') y = outer(map(s.body, c, 'logsumexp'));
    else if (s.context === 'scan')
      // The map inside a scan's body, its captured value c the carry.
      y = scan(c, { data: Float64Array.of(1, -0.5), width: 1 }, (carry, [r]) =>
        outer(map(s.body, carry))
          .mul(r as Expr)
          .add(carry),
      ).carry;
    else y = outer(map(s.body, c));
    const variables = !wv(s)
      ? xs
      : s.order === 'xwv'
        ? [...xs, w, v]
        : s.order === 'wxv'
          ? [w, ...xs, v]
          : [w, v, ...xs];
    return program(y, { variables });
  });
}

let cases = 0;
const shapes = new Map<string, number>();

function check(s: Spec, points: readonly (readonly number[])[], ybar: number): void {
  if (s.context === 'lse' && s.n === 0) return;
  const f = build(s);
  for (const point of points) checkAt(s, f, point.slice(0, variablesOf(s)), ybar);
  const key = `${s.context}/${s.rows}`;
  shapes.set(key, (shapes.get(key) ?? 0) + 1);
}

/** Program `f` of spec `s` at `x`: its drivers built at the first point run again at the next. */
function checkAt(s: Spec, f: Program<number>, x: readonly number[], ybar: number): void {
  const at = `at ${show(x)}`;
  const grad = (p: Program<number>, backend: Backend) => methods.reverse.gradient(p, x, { backend }).value;
  const want = grad(f, 'interpret');
  // Twice: the first call builds the drivers, the second runs them as built.
  for (const round of [1, 2]) {
    const got = grad(f, 'compile');
    expect(sameBits(got, want), `gradient, call ${round}, ${at}: ${show(got)} against ${show(want)}`).toBe(
      true,
    );
  }
  const vjp = (backend: Backend) => methods.reverse.vjp(f, x, [ybar], { backend }).value;
  const vc = vjp('compile');
  const vi = vjp('interpret');
  expect(sameBits(vc, vi), `vjp ȳ = ${ybar} ${at}: ${show(vc)} against ${show(vi)}`).toBe(true);
  const jac = (backend: Backend) => methods.reverse.jacobian(f, x, { backend }).value[0] as Float64Array;
  const jc = jac('compile');
  const ji = jac('interpret');
  expect(sameBits(jc, ji), `jacobian ${at}: ${show(jc)} against ${show(ji)}`).toBe(true);
  // The unrolled program: the same operations where each row entry and captured value is read once, there is
  // at most one row, and the map's sum is the output (a body reading a node twice adds its terms in another
  // order when unrolled, 1 + z + z against z + z + 1; the recording scales a row's adjoint by the sum's ȳ
  // after the body's partials, (z·cos x)·v against (v·z)·cos x unrolled); elsewhere the same numbers at
  // ordinary points.
  const u = unroll(build(s));
  const gu = methods.reverse.gradient(u, x, { backend: 'interpret' }).value;
  if (
    s.n <= 1 &&
    s.rows !== 'exprs' &&
    s.rows !== 'repeat' &&
    s.outer === 's' &&
    s.context !== 'scan' &&
    s.context !== 'two' &&
    s.context !== 'twoSame' &&
    readOnce(s)
  )
    expect(sameBits(want, gu), `unrolled ${at}: ${show(want)} against ${show(gu)}`).toBe(true);
  else if (x.every((v) => Math.abs(v) <= 3) && s.data.every((v) => Math.abs(v) <= 3)) {
    const near = Array.from(want).every((d, k) => close(d, gu[k] as number, 1e-12, 1e-12));
    expect(near, `unrolled ${at}: ${show(want)} against ${show(gu)}`).toBe(true);
  }
  cases++;
}

describe('fuzz: adjoints read off the body (±1, ±z) in the compiled map recording', () => {
  it("the interpreter's bits for gradient, vjp and Jacobian; the unrolled program's where sums are short", () => {
    fc.assert(
      fc.property(
        spec,
        fc.array(fc.array(number, { minLength: 20, maxLength: 20 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...SEEDS),
        (s, points, y) => {
          check(s, points, y);
        },
      ),
      { numRuns: Number(process.env.FUZZ_N ?? 3000), seed: Number(process.env.FUZZ_SEED ?? 20261208) },
    );
    expect(cases).toBeGreaterThan(0);
    if (process.env.FUZZ_SHAPES) console.log(cases, Object.fromEntries(shapes));
  });
});
