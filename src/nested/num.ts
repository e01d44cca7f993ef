/**
 * Nested numbers: the values that nested differentiation computes with, and their arithmetic.
 *
 * A {@link Num} is a plain number, a tagged dual number ({@link TaggedDual}: forward mode) or a tracked value
 * ({@link Tracked}: reverse mode, recorded on a {@link Tape}). Every derivative invocation takes a fresh
 * perturbation tag, larger than every tag alive (Siskind and Pearlmutter's epsilons, ForwardDiff.jl's tags).
 * A value with tag t holds, in its components, only values with smaller tags, so a nested number is a tower
 * with the newest perturbation outermost. An operation looks at the largest tag among its arguments: the
 * arguments carrying it are differentiated with respect to it, the others are constants to it, and the
 * components are combined by the same arithmetic one level down. That is what keeps an inner derivative from
 * mistaking an outer perturbation for its own (perturbation confusion).
 *
 * Every operation takes its value and partials from the op table: on plain numbers the value rule and the
 * numeric partials (with their floating-point repairs), otherwise the generic partial rules run over this
 * algebra, so derivatives of derivatives come from the same rules.
 */
import { DifflabError } from '../ir/errors.js';
import {
  type Algebra,
  type BinaryOpName,
  type FixedOpDef,
  forEachOp,
  type NaryOpDef,
  type NaryOpName,
  NUMERIC_PARTIALS,
  OP_CODE,
  OPS,
  type UnaryOpName,
} from '../ir/ops.js';

/** A number that may carry perturbations of any number of nested derivative invocations. */
export type Num = number | TaggedDual | Tracked;

/**
 * The tags alive now: tags are handed out once, in increasing order, and die when their derivative invocation
 * returns. Only the live ones are kept, so a long session holds as many as its deepest nesting.
 */
const alive = new Set<number>();
let lastTag = 0;

/** A fresh perturbation tag, larger than every tag handed out before. */
export function newTag(): number {
  alive.add(++lastTag);
  return lastTag;
}

/** Ends a tag: a value carrying it that escaped its derivative invocation can no longer be combined. */
export function endTag(tag: number): void {
  alive.delete(tag);
}

/** A dual number value + tangent·ε_tag, where value and tangent carry only smaller tags. */
export class TaggedDual {
  constructor(
    readonly tag: number,
    readonly value: Num,
    readonly tangent: Num,
  ) {}
}

/** A value recorded as entry `index` of a reverse-mode tape; `value` carries only smaller tags. */
export class Tracked {
  constructor(
    readonly tag: number,
    readonly value: Num,
    readonly tape: Tape,
    readonly index: number,
  ) {}
}

/**
 * A reverse-mode tape for one tag: per entry, the entries it was computed from and the local partials
 * (nested numbers, so that the backward sweep's arithmetic is itself differentiable by outer tags).
 */
export class Tape {
  /** Argument entries, flat; entry e's are at `start[e] .. start[e + 1] − 1`. */
  private readonly from: number[] = [];
  private readonly partials: Num[] = [];
  private readonly start: number[] = [0];

  constructor(readonly tag: number) {}

  /** Number of entries. */
  get size(): number {
    return this.start.length - 1;
  }

  /** A new input entry (no arguments). */
  variable(value: Num): Tracked {
    this.start.push(this.from.length);
    return new Tracked(this.tag, value, this, this.size - 1);
  }

  /** A new entry computed from `args` with local partials `partials`. */
  push(value: Num, args: readonly number[], partials: readonly Num[]): Tracked {
    for (let k = 0; k < args.length; k++) {
      this.from.push(args[k] as number);
      this.partials.push(partials[k] as Num);
    }
    this.start.push(this.from.length);
    return new Tracked(this.tag, value, this, this.size - 1);
  }

  /**
   * The backward sweep from entry `output` seeded with `seed`: the adjoint of every entry, as nested numbers
   * (they carry the outer tags that the partials carry). One descending loop, no recursion.
   */
  backward(output: number, seed: Num = 1): Num[] {
    // The zero-factor rule (ops.ts): an entry no adjoint reaches (undefined here) contributes nothing; a reached
    // one, zero or not, contributes g·p in IEEE arithmetic.
    const adj = new Array<Num | undefined>(this.size).fill(undefined);
    adj[output] = seed;
    for (let e = output; e >= 0; e--) {
      const g = adj[e];
      if (g === undefined) continue;
      const end = this.start[e + 1] as number;
      for (let k = this.start[e] as number; k < end; k++) {
        const arg = this.from[k] as number;
        const term = NUM.mul(g, this.partials[k] as Num);
        const prev = adj[arg];
        adj[arg] = prev === undefined ? term : NUM.add(prev, term);
      }
    }
    return adj.map((g) => (g === undefined ? 0 : g));
  }
}

/** The tag of a nested number (0 for a plain number). */
export function tagOf(x: Num): number {
  return typeof x === 'number' ? 0 : x.tag;
}

/** The plain number at the bottom of the tower (every perturbation dropped): what comparisons use. */
export function primal(x: Num): number {
  let v = x;
  while (typeof v !== 'number') v = v.value;
  return v;
}

/** `x` with the perturbation of `tag` dropped (x itself if its tag is smaller). */
export function dropTag(x: Num, tag: number): Num {
  return typeof x !== 'number' && x.tag === tag ? x.value : x;
}

/** The tangent of `x` along tag `tag` (0 if x does not carry it). */
export function tangentOf(x: Num, tag: number): Num {
  return x instanceof TaggedDual && x.tag === tag ? x.tangent : 0;
}

function checkAlive(tag: number): void {
  if (!alive.has(tag)) {
    throw new DifflabError(
      'invalid-argument',
      'a value carrying the perturbation of a derivative that has returned was used afterwards (an escaped perturbation)',
    );
  }
}

type Rule = (x: number, y: number, z: number) => number;

/** A unary or binary op on nested numbers (`y` is ignored for unary ops). */
function applyFixed(name: UnaryOpName | BinaryOpName, x: Num, y: Num): Num {
  const def = OPS[name] as FixedOpDef;
  const tx = tagOf(x);
  const ty = def.arity === 2 ? tagOf(y) : 0;
  if (tx === 0 && ty === 0) return def.value(x as number, y as number);
  const tag = tx > ty ? tx : ty;
  checkAlive(tag);
  const xv = tx === tag ? (x as TaggedDual | Tracked).value : x;
  const yv = ty === tag ? (y as TaggedDual | Tracked).value : y;
  const z = applyFixed(name, xv, yv);
  const plain = typeof xv === 'number' && typeof yv === 'number' && typeof z === 'number';
  const numeric = NUMERIC_PARTIALS[OP_CODE[name]] as readonly Rule[];
  const partial = (k: number): Num =>
    plain
      ? (numeric[k] as Rule)(xv as number, yv as number, z as number)
      : (def.partials[k] as FixedOpDef['partials'][number])(NUM, xv, yv, z);
  const top = tx === tag ? x : y;
  if (top instanceof TaggedDual) {
    // Only the arguments carrying the tag have a tangent (the zero-factor rule, ops.ts): the others are
    // untouched and contribute nothing; at least one carries it.
    let t: Num | undefined;
    if (tx === tag) t = addScaled(t, partial(0), (x as TaggedDual).tangent);
    if (ty === tag) t = addScaled(t, partial(1), (y as TaggedDual).tangent);
    return new TaggedDual(tag, z, t as Num);
  }
  const tape = (top as Tracked).tape;
  const args: number[] = [];
  const partials: Num[] = [];
  if (tx === tag) {
    args.push((x as Tracked).index);
    partials.push(partial(0));
  }
  if (ty === tag) {
    args.push((y as Tracked).index);
    partials.push(partial(1));
  }
  return tape.push(z, args, partials);
}

/** t + p·d for a reached tangent d, in IEEE arithmetic (t undefined: nothing yet). */
function addScaled(t: Num | undefined, p: Num, d: Num): Num {
  const pd = NUM.mul(p, d);
  return t === undefined ? pd : NUM.add(t, pd);
}

/** An n-ary reduction on nested numbers. */
function applyNary(name: NaryOpName, xs: readonly Num[]): Num {
  const def = OPS[name] as NaryOpDef;
  let tag = 0;
  for (const x of xs) {
    const t = tagOf(x);
    if (t > tag) tag = t;
  }
  if (tag === 0) {
    const v = Float64Array.from(xs as readonly number[]);
    return def.value(v, Int32Array.from(v.keys()), 0, v.length);
  }
  checkAlive(tag);
  const vs = xs.map((x) => dropTag(x, tag));
  const z = applyNary(name, vs);
  const partial = (k: number): Num => def.partial(NUM, vs, z, k);
  const top = xs.find((x) => tagOf(x) === tag) as TaggedDual | Tracked;
  if (top instanceof TaggedDual) {
    let t: Num | undefined;
    xs.forEach((x, k) => {
      if (tagOf(x) === tag) t = addScaled(t, partial(k), (x as TaggedDual).tangent);
    });
    return new TaggedDual(tag, z, t as Num);
  }
  const args: number[] = [];
  const partials: Num[] = [];
  xs.forEach((x, k) => {
    if (tagOf(x) === tag) {
      args.push((x as Tracked).index);
      partials.push(partial(k));
    }
  });
  return top.tape.push(z, args, partials);
}

/**
 * The algebra of nested numbers: one function per op-table operation (and `num`). Partial rules run over it
 * give partials that carry the outer perturbations, which is what makes derivatives nest.
 */
export const NUM: Algebra<Num> = { num: (c: number) => c } as unknown as Algebra<Num>;

forEachOp((name, _code, def) => {
  const a = NUM as unknown as Record<string, unknown>;
  if (def.arity === 'n') a[name] = (xs: readonly Num[]) => applyNary(name as NaryOpName, xs);
  else {
    const op = name as UnaryOpName | BinaryOpName;
    a[name] =
      def.arity === 1 ? (x: Num) => applyFixed(op, x, Number.NaN) : (x: Num, y: Num) => applyFixed(op, x, y);
  }
});
