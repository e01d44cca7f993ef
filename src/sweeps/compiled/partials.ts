/**
 * An op's local partial as a function of the generated code, written out from the op table's rule. The table's
 * numeric partial runs the rule over the number algebra, one call through the algebra object per operation of
 * the rule; here the rule runs once over an algebra of source text, and each repeated subterm is computed once
 * (tanh's sech x · sech x calls sech once). Every operation is the number algebra's (the op's value rule,
 * which for add, sub, mul, div and neg is the operator), so the partial is the table's to the bit; a function
 * that differs from the table's at a sample of ordinary and special points is not used.
 */
import {
  FIXED_VALUE,
  type FixedOpDef,
  NUMERIC_PARTIALS,
  OP_ARITY,
  OP_CODE,
  OP_DEFS,
  OP_NAMES,
} from '../../ir/ops.js';

/** A generated partial: its source, a function declaration named `name`, and the ops whose value rules it calls. */
export interface PartialSource {
  readonly source: string;
  readonly calls: ReadonlySet<number>;
  /** Whether it returns z, the op's value, itself (exp's). */
  readonly isValue: boolean;
}

/** Source that evaluates to exactly `c` (a rule's constant). */
function numberSource(c: number): string {
  if (Object.is(c, -0)) return '(-0)';
  if (Number.isNaN(c)) return 'NaN';
  if (!Number.isFinite(c)) return c > 0 ? 'Infinity' : '(-Infinity)';
  return c < 0 ? `(${String(c)})` : String(c);
}

const INFIX: Readonly<Record<number, string>> = {
  [OP_CODE.add as number]: '+',
  [OP_CODE.sub as number]: '-',
  [OP_CODE.mul as number]: '*',
  [OP_CODE.div as number]: '/',
};

class RuleText {
  readonly lines: string[] = [];
  readonly calls = new Set<number>();
  private readonly named = new Map<string, string>();

  /** The name of a local holding `expr`, computed once. */
  term(expr: string): string {
    let name = this.named.get(expr);
    if (name === undefined) {
      name = `t${this.named.size}`;
      this.named.set(expr, name);
      this.lines.push(`const ${name} = ${expr};`);
    }
    return name;
  }
}

/** Thrown by the text algebra's n-ary ops: such a rule keeps the table's function. */
class Unsupported extends Error {}

function textAlgebra(text: RuleText): Record<string, unknown> {
  const algebra: Record<string, unknown> = { num: numberSource };
  OP_NAMES.forEach((name, code) => {
    const arity = OP_ARITY[code];
    const infix = INFIX[code];
    if (arity === 0)
      algebra[name] = () => {
        throw new Unsupported();
      };
    else if (name === 'neg') algebra[name] = (x: string) => text.term(`-${x}`);
    else if (infix !== undefined) algebra[name] = (x: string, y: string) => text.term(`${x} ${infix} ${y}`);
    else
      algebra[name] = (x: string, y?: string) => {
        text.calls.add(code);
        // The number algebra passes NaN as a unary rule's second argument.
        return text.term(`V${code}(${x}, ${y ?? 'NaN'})`);
      };
  });
  return algebra;
}

const SAMPLES = [0, -0, 1, -1, 0.5, -2.5, 3, 1e-300, 1e300, -1e300, Infinity, -Infinity, Number.NaN];

type Numeric = (x: number, y: number, z: number) => number;

/** Whether `fn` gives `want`'s bits at every pair of sample points (z the op's value there). */
function agrees(code: number, fn: Numeric, want: Numeric): boolean {
  const value = FIXED_VALUE[code] as (x: number, y: number) => number;
  const ys = OP_ARITY[code] === 2 ? SAMPLES : [0];
  for (const x of SAMPLES)
    for (const y of ys) {
      const z = value(x, y);
      const got = fn(x, y, z);
      const expected = want(x, y, z);
      if (!(Object.is(got, expected) || (Number.isNaN(got) && Number.isNaN(expected)))) return false;
    }
  return true;
}

const cache = new Map<string, PartialSource | undefined>();

/**
 * Op `code`'s partial `k` as `function name(x, y, z) { … }` over the value rules `V{c}` of the ops it calls;
 * undefined where the table's partial is hand-written, the rule reaches an n-ary op, or the result differs.
 */
export function partialSource(code: number, k: number, name: string): PartialSource | undefined {
  const key = `${code}:${k}:${name}`;
  if (cache.has(key)) return cache.get(key);
  const made = makePartial(code, k, name);
  cache.set(key, made);
  return made;
}

function makePartial(code: number, k: number, name: string): PartialSource | undefined {
  if (OP_ARITY[code] === 0) return undefined;
  const def = OP_DEFS[code] as FixedOpDef;
  if (def.numericPartials !== undefined) return undefined;
  const rule = def.partials[k];
  if (rule === undefined) return undefined;
  const text = new RuleText();
  let result: string;
  try {
    result = String(rule(textAlgebra(text) as never, 'x' as never, 'y' as never, 'z' as never));
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  const body = `${text.lines.join(' ')} return ${result};`;
  const source = `function ${name}(x, y, z) { ${body} }`;
  // The same function over the value table, checked against the table's partial.
  const fn = new Function(
    'V',
    `'use strict'; return (x, y, z) => { ${body.replace(/\bV(\d+)\(/g, 'V[$1](')} };`,
  )(FIXED_VALUE) as Numeric;
  const want = (NUMERIC_PARTIALS[code] as readonly Numeric[])[k] as Numeric;
  return agrees(code, fn, want)
    ? { source, calls: text.calls, isValue: result === 'z' && text.lines.length === 0 }
    : undefined;
}

/**
 * The declarations generated code needs to call the value rules `V{code}` and partials `P{code}_{k}` of the
 * fixed-arity ops `codes`: each partial written out where {@link partialSource} can, else bound to the table's
 * (`P[code][k]`); the value rules of the ops the written partials call are bound too. The code is built by
 * `new Function('V', 'P', …)` over FIXED_VALUE and NUMERIC_PARTIALS (or names them so).
 */
export function partialBindings(codes: Iterable<number>): string[] {
  const bound = new Set<number>();
  const called = new Set<number>();
  const lines: string[] = [];
  for (const code of codes) {
    const arity = OP_ARITY[code] as number;
    if (arity === 0) continue;
    bound.add(code);
    lines.push(`const V${code} = V[${code}];`);
    for (let k = 0; k < arity; k++) {
      const written = partialSource(code, k, `P${code}_${k}`);
      if (written === undefined) lines.push(`const P${code}_${k} = P[${code}][${k}];`);
      else {
        lines.push(written.source);
        for (const c of written.calls) called.add(c);
      }
    }
  }
  for (const code of called) if (!bound.has(code)) lines.push(`const V${code} = V[${code}];`);
  return lines;
}
