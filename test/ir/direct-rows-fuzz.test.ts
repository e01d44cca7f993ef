/**
 * A fuzzer for the gradient's summed maps that keep their rows' adjoints in the program's adjoints
 * (adjoint-loop.ts's directRun, the scaling left to the derivatives' pass, zeroAdjoints around the kept runs,
 * the recording's sums tested once after the last row). Random programs of one or two maps over runs of the
 * inputs (offset, with a gap, overlapping, adjacent, width 1 or 2), whose sums feed nonlinear ops, with the
 * inputs also read before and after the maps, captured by them, and inside scans and a logsumexp; random points
 * with NaN, ±∞, ±0 and overflowing values in single entries. Each gradient, called again and again on one
 * program between its vjp, Jacobian and Hessian, must have the bits of the vjp with cotangent 1 on a program
 * built apart (whose recording keeps the rows in arrays of their own), on both backends, and the unrolled
 * program's numbers at ordinary points and its NaNs where no entry is large and finite. FUZZ_SEED and FUZZ_N
 * (programs, 250 by default) set another or a longer run.
 */
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  type Expr,
  hessian,
  mapReduce,
  methods,
  type Program,
  program,
  scan,
  unroll,
  variable,
  withGraph,
} from '../../src/index.js';
import { asDerivatives } from '../../src/ir/ops.js';
import { close, sameBits, show } from './support/close.js';
import { type Rng, seeded } from './support/random.js';

const BACKENDS: readonly Backend[] = ['interpret', 'compile'];

interface MapSpec {
  readonly from: number;
  readonly to: number;
  readonly width: 1 | 2;
  readonly body: number;
  /** 'y', an input's index, 'prev' (the previous map's or the scan's value), or 'none'. */
  readonly captured: 'y' | 'prev' | 'none' | number;
  readonly outer: number;
  readonly before: boolean;
}

interface ExtraSpec {
  readonly kind: 'mulY' | 'sin' | 'scanMax' | 'scanCap' | 'lse';
  readonly k: number;
  readonly from: number;
  readonly to: number;
  readonly before: boolean;
}

interface Spec {
  readonly n: number;
  /** Where y sits among the inputs: before x_gap (a gap in the run of inputs), n puts it last. */
  readonly gap: number;
  readonly maps: readonly MapSpec[];
  readonly extras: readonly ExtraSpec[];
  readonly join: readonly ('add' | 'mul')[];
  /** The order the terms are joined in (a permutation), so an extra term may sit above a map or below it. */
  readonly order: readonly number[];
}

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;

function run(rng: Rng, n: number, width: 1 | 2): [number, number] {
  const from = int(rng, 0, n);
  let to = int(rng, from, n);
  if (width === 2 && (to - from) % 2 === 1) to--;
  return [from, to];
}

function randomSpec(rng: Rng): Spec {
  // Mostly a few inputs; sometimes enough for the derivatives' pass's groups of four and a tail.
  const n = rng() < 0.8 ? int(rng, 1, 8) : int(rng, 9, 13);
  const maps: MapSpec[] = [];
  for (let m = 0, count = rng() < 0.4 ? 1 : 2; m < count; m++) {
    const width = rng() < 0.25 ? 2 : 1;
    const last = maps[m - 1];
    // A second map often over a run next to the first one's (adjacent or apart), else anywhere.
    const [from, to] =
      last !== undefined && rng() < 0.5
        ? last.from >= n - last.to
          ? [0, last.from - ((last.from % width) as number)]
          : [last.to, last.to + (((n - last.to) / width) | 0) * width]
        : rng() < 0.5
          ? [0, width === 2 ? n - (n % 2) : n]
          : run(rng, n, width);
    const captured = pick(rng, ['y', 'prev', 'none', int(rng, 0, n - 1)] as const);
    maps.push({
      from,
      to,
      width,
      body: int(rng, 0, 11),
      captured,
      outer: int(rng, 0, 6),
      before: rng() < 0.5,
    });
  }
  const extras: ExtraSpec[] = [];
  for (let e = 0; e < int(rng, 0, 3); e++) {
    const [from, to] = run(rng, n, 1);
    extras.push({
      kind: pick(rng, ['mulY', 'sin', 'scanMax', 'scanCap', 'lse'] as const),
      k: int(rng, 0, n - 1),
      from,
      to: Math.max(to, from + 1 <= n ? from + 1 : to),
      before: rng() < 0.5,
    });
  }
  const join = Array.from({ length: maps.length + extras.length }, (): 'add' | 'mul' =>
    rng() < 0.7 ? 'add' : 'mul',
  );
  const order = Array.from({ length: join.length }, (_, k) => k);
  for (let k = order.length - 1; k > 0; k--) {
    const j = int(rng, 0, k);
    [order[k], order[j]] = [order[j] as number, order[k] as number];
  }
  return { n, gap: int(rng, 0, n), maps, extras, join, order };
}

/** A map's body on row entries r (one or two) and captured value c. */
function body(kind: number, r: Expr[], c: Expr | undefined, y: Expr): Expr {
  // A map over no rows has rows of no entries: its body reads the captured value alone.
  if (r.length === 0) return (c ?? y).mul(2);
  const [a, b] = r as [Expr, Expr | undefined];
  const cc = c ?? a.mul(0.5);
  switch (kind) {
    case 0:
      return a.sub(cc).exp();
    case 1:
      return a.mul(a).mul(cc);
    case 2:
      return a.mul(cc);
    case 3:
      return a.sin().add(c ?? 1);
    case 4:
      return a.sqrt().mul(cc);
    case 5:
      return a.max(cc);
    case 6:
      // The second entry unread where there is one: its adjoint stays untouched.
      return b === undefined ? a.mul(a).sub(1) : a.mul(a).sub(cc);
    case 7:
      return b === undefined ? a.exp().mul(cc) : a.mul(b).mul(cc);
    case 8:
      return b === undefined ? a.mul(cc).add(a) : b.sub(a).mul(cc);
    case 9:
      // The row entry itself: the body's output is its input.
      return a;
    case 10:
      // No row entry read.
      return (c ?? y).mul(3);
    default:
      return a.log();
  }
}

/** What a map's sum feeds. */
function outer(kind: number, s: Expr, y: Expr): Expr {
  switch (kind) {
    case 0:
      return s.log();
    case 1:
      return s.sqrt();
    case 2:
      return s.mul(y);
    case 3:
      return s.exp();
    case 4:
      return s.mul(s);
    case 5:
      // Read only by a scan's per-step output that nothing uses: the map's sum is never reached.
      return scan(y, { data: Float64Array.of(1, 2), width: 1 }, (c, [r]) => ({
        carry: c.mul(r as Expr),
        out: [s.mul(r as Expr)],
      })).carry;
    default:
      return s;
  }
}

function build(spec: Spec): Program<number> {
  return withGraph(() => {
    const xs = Array.from({ length: spec.n }, (_, k) => variable(`x${k}`));
    const y = variable('y');
    const variables = [...xs.slice(0, spec.gap), y, ...xs.slice(spec.gap)];
    const terms: { e: Expr; before: boolean }[] = [];
    let prev: Expr = y;
    for (const ex of spec.extras) {
      const part = xs.slice(ex.from, ex.to);
      const xk = xs[ex.k] as Expr;
      let e: Expr;
      if (ex.kind === 'mulY') e = y.mul(xk);
      else if (ex.kind === 'sin') e = xk.sin();
      else if (ex.kind === 'scanMax' && part.length > 1) {
        e = scan(
          part[0] as Expr,
          part.slice(1).map((x) => [x]),
          (m, [x]) => m.max(x as Expr),
        ).carry;
        prev = e;
      } else if (ex.kind === 'scanCap')
        e = scan(y, { data: Float64Array.of(1, -2, 0.5), width: 1 }, (c, [r]) =>
          c.mul(r as Expr).add(xk),
        ).carry;
      else if (ex.kind === 'lse' && part.length > 0)
        e = mapReduce(
          part.map((x) => [x]),
          ([x]) => (x as Expr).mul(y),
          { reduce: 'logsumexp' },
        );
      else e = xk.mul(xk);
      terms.push({ e, before: ex.before });
    }
    for (const m of spec.maps) {
      const part = xs.slice(m.from, m.to);
      const rows: Expr[][] = [];
      for (let k = 0; k + m.width <= part.length; k += m.width) rows.push(part.slice(k, k + m.width));
      const c =
        m.captured === 'y'
          ? y
          : m.captured === 'prev'
            ? prev
            : m.captured === 'none'
              ? undefined
              : xs[m.captured];
      const s = mapReduce(rows, (r) => body(m.body, r, c, y));
      const e = outer(m.outer, s, y);
      prev = s;
      terms.push({ e, before: m.before });
    }
    // Joined in a random order: a term `before` goes first in its operation, so its nodes come before the rest.
    let total = (terms[spec.order[0] as number] as { e: Expr }).e;
    for (let k = 1; k < terms.length; k++) {
      const { e, before } = terms[spec.order[k] as number] as { e: Expr; before: boolean };
      const op = spec.join[k];
      total = before
        ? op === 'add'
          ? e.add(total)
          : e.mul(total)
        : op === 'add'
          ? total.add(e)
          : total.mul(e);
    }
    return program(total, { variables });
  });
}

const SPECIAL = [
  0,
  -0,
  1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e200,
  -1e200,
  710,
  1e-300,
];

function randomPoint(rng: Rng, size: number): number[] {
  const x = Array.from({ length: size }, () => Math.round((rng() * 4 - 2) * 64) / 64);
  const r = rng();
  // Mostly ordinary points; else one special entry, or several.
  if (r < 0.45) return x;
  if (r < 0.85) x[int(rng, 0, size - 1)] = pick(rng, SPECIAL);
  else for (let k = 0; k < size; k++) if (rng() < 0.4) x[k] = pick(rng, SPECIAL);
  return x;
}

describe('fuzz: the gradient of summed maps kept in the program adjoints', () => {
  it("the vjp's bits on a program built apart, both backends equal, the unrolled program's numbers", () => {
    const rng = seeded(Number(process.env.FUZZ_SEED ?? 20261207));
    let cases = 0;
    for (let p = 0; p < Number(process.env.FUZZ_N ?? 250); p++) {
      const spec = randomSpec(rng);
      const f = build(spec);
      const apart = build(spec);
      const unrolled = unroll(apart);
      const size = f.variables.length;
      for (let q = 0; q < 5; q++) {
        const x = randomPoint(rng, size);
        const at = `spec ${JSON.stringify(spec)} at ${show(x)}`;
        const got: Float64Array[] = [];
        for (const backend of BACKENDS) {
          const g = methods.reverse.gradient(f, x, { backend }).value;
          const want = asDerivatives(methods.reverse.vjp(apart, x, [1], { backend }).value);
          expect(sameBits(g, want), `${backend} ${at}: ${show(g)} against the vjp's ${show(want)}`).toBe(
            true,
          );
          got.push(g);
          cases++;
          // Other sweeps on the same program between its gradients: their recordings replace the gradient's.
          const r = rng();
          if (r < 0.2) {
            const v = methods.reverse.vjp(f, x, [1], { backend }).value;
            const vApart = methods.reverse.vjp(apart, x, [1], { backend }).value;
            expect(sameBits(v, vApart), `vjp ${backend} ${at}`).toBe(true);
          } else if (r < 0.35) {
            const J = methods.reverse.jacobian(f, x, { backend }).value[0] as Float64Array;
            const JApart = methods.reverse.jacobian(apart, x, { backend }).value[0] as Float64Array;
            expect(sameBits(J, JApart), `jacobian ${backend} ${at}`).toBe(true);
          } else if (r < 0.4 && size <= 6) {
            const H = hessian(f, x, { allowNonFinite: true }).flatMap((row) => Array.from(row));
            const HApart = hessian(apart, x, { allowNonFinite: true }).flatMap((row) => Array.from(row));
            expect(sameBits(H, HApart), `hessian ${at}`).toBe(true);
          }
          if (rng() < 0.1) {
            // A checked gradient between them (its recording keeps every row apart), thrown or not.
            try {
              methods.reverse.gradient(f, x, { backend, check: true });
            } catch (e) {
              expect(String(e)).toMatch(/DifflabError|non-finite|NaN|∞/);
            }
          }
          if (rng() < 0.15) {
            // A gradient that throws after its sweeps (its out of the wrong length) leaves nothing for the next.
            const other = backend === 'compile' ? 'interpret' : 'compile';
            const bad = { backend: other, out: new Float64Array(size + 1) } as const;
            expect(() => methods.reverse.gradient(f, x, bad)).toThrow(/out has length/);
          }
          // The same gradient again, into an out of its own: nothing left over from the calls before.
          const out = new Float64Array(size).fill(Number.NaN);
          const again = methods.reverse.gradient(f, x, { backend, out }).value;
          expect(again, 'out').toBe(out);
          expect(sameBits(again, g), `${backend} again ${at}`).toBe(true);
        }
        expect(sameBits(got[0] as Float64Array, got[1] as Float64Array), `backends ${at}`).toBe(true);
        // The unrolled program sums the same terms in another order: the same numbers to rounding at ordinary
        // points (huge entries cancel differently: 1e200/3 − 1e200/3 + 1.8 is 1.8 or 0), the same NaNs where no
        // finite entry is large enough to overflow in one order and not in another.
        const g = got[0] as Float64Array;
        const u = methods.reverse.gradient(unrolled, x, { backend: 'interpret' }).value;
        if (x.every((v) => Math.abs(v) <= 2)) {
          const near = Array.from(g).every((d, k) => close(d, u[k] as number, 1e-12, 1e-12));
          expect(near, `${at}: ${show(g)} against unrolled ${show(u)}`).toBe(true);
        } else if (x.every((v) => !Number.isFinite(v) || Math.abs(v) <= 2)) {
          const nans = Array.from(g).every((d, k) => Number.isNaN(d) === Number.isNaN(u[k] as number));
          expect(nans, `${at}: ${show(g)} against unrolled ${show(u)}`).toBe(true);
        }
      }
    }
    expect(cases).toBe(Number(process.env.FUZZ_N ?? 250) * 5 * 2);
  });
});

describe("a logsumexp map's seed ȳ·e^(y − z) + 0: a zero weight under a negative ȳ is reached, as the unrolled node's", () => {
  it('lse(xᵢ·y)·2y at y < 0 and x₀ = ∞: ∂/∂y = 0·∞ = NaN, as unrolled, in the gradient, vjp and Jacobian', () => {
    // x₀·y = −∞ weighs e^(−∞ − z) = 0, times ȳ = 2y < 0: −0 without the + 0, which left the row untouched.
    const f = withGraph(() => {
      const y = variable('y');
      const xs = Array.from({ length: 3 }, (_, k) => variable(`x${k}`));
      const l = mapReduce(
        xs.map((x) => [x]),
        ([x]) => (x as Expr).mul(y),
        { reduce: 'logsumexp' },
      );
      return program(l.mul(y.mul(2)), { variables: [y, ...xs] });
    });
    const u = unroll(f);
    for (const x of [
      [-0.859375, Number.POSITIVE_INFINITY, 1.984375, 1.765625],
      [0.5, Number.NEGATIVE_INFINITY, 1, 2],
      [-0.5, 1, Number.POSITIVE_INFINITY, 2],
      [-0.5, 1, 2, 3],
    ]) {
      for (const backend of BACKENDS) {
        const want = methods.reverse.gradient(u, x, { backend }).value;
        const g = methods.reverse.gradient(f, x, { backend }).value;
        expect(sameBits(g, want), `${backend} at ${show(x)}: ${show(g)} against unrolled ${show(want)}`).toBe(
          true,
        );
        const v = methods.reverse.vjp(f, x, [1], { backend }).value;
        expect(sameBits(v, methods.reverse.vjp(u, x, [1], { backend }).value), `vjp ${backend}`).toBe(true);
        const J = methods.reverse.jacobian(f, x, { backend }).value[0] as Float64Array;
        expect(sameBits(J, methods.reverse.jacobian(u, x, { backend }).value[0] as Float64Array)).toBe(true);
      }
    }
  });
});
