/**
 * Printing program nodes in mathjs syntax, for error messages, traces and reports. Iterative, and capped in
 * length: a subterm whose text grows past the cap prints as `…`, so a shared DAG never prints exponentially.
 */
import { CONST, LOOP, OP_ARITY, OP_DEFS, OP_NAMES, type OpName, VAR } from './ops.js';
import type { LoopCall, Program } from './program.js';

const INFIX: Partial<Record<OpName, { sym: string; prec: number }>> = {
  add: { sym: '+', prec: 1 },
  sub: { sym: '-', prec: 1 },
  mul: { sym: '*', prec: 2 },
  div: { sym: '/', prec: 2 },
  pow: { sym: '^', prec: 4 },
};
const PREC_NEG = 3;
const PREC_ATOM = 5;

/** Prints a number so that mathjs reads it back as the same double. */
export function formatNumber(c: number): string {
  if (Number.isNaN(c)) return 'NaN';
  if (c === Number.POSITIVE_INFINITY) return 'Infinity';
  if (c === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(c, -0)) return '-0';
  return String(c);
}

/** The name a function-call op prints under (its mathjs name, or difflab's own). */
function callName(name: OpName): string {
  if (name === 'logb') return 'log';
  const def = OP_DEFS[OP_NAMES.indexOf(name)];
  return def?.mathjs && !INFIX[name] && name !== 'neg' && name !== 'sum' ? def.mathjs : name;
}

/**
 * Prints node `root` of program `p` in mathjs syntax. `names` may give some nodes a name to print instead of
 * their expression (as a trace does: `a`, `b`, ...).
 */
export function formatNode(
  p: Program,
  root: number,
  options: { maxLength?: number; names?: ReadonlyMap<number, string> } = {},
): string {
  const maxLength = options.maxLength ?? 200;
  // Mark the cone of `root`: every argument has a smaller index, so one descending pass suffices.
  const inCone = new Uint8Array(root + 1);
  inCone[root] = 1;
  for (let i = root; i >= p.opStart; i--) {
    if ((inCone[i] === 1 && !options.names?.has(i)) || i === root) {
      // A call's later outputs reach its arguments through its first (one visit of them per call).
      if (p.op[i] === LOOP && p.b[i] !== 0) inCone[i - (p.b[i] as number)] = 1;
      else p.forEachArg(i, (arg) => (inCone[arg] = 1));
    }
  }
  const text = new Map<number, string>();
  const prec = new Map<number, number>();
  for (let i = 0; i <= root; i++) {
    if (inCone[i] !== 1) continue;
    const named = i !== root ? options.names?.get(i) : undefined;
    if (named !== undefined) {
      text.set(i, named);
      prec.set(i, PREC_ATOM);
      continue;
    }
    const [s, pr] = formatOne(p, i, text, prec);
    text.set(i, s.length > maxLength ? '…' : s);
    prec.set(i, s.length > maxLength ? PREC_ATOM : pr);
  }
  return text.get(root) ?? '…';
}

function formatOne(
  p: Program,
  i: number,
  text: ReadonlyMap<number, string>,
  prec: ReadonlyMap<number, number>,
): [string, number] {
  const code = p.op[i] as number;
  if (code === CONST) {
    const c = p.constants[p.a[i] as number] as number;
    return [formatNumber(c), c < 0 || Object.is(c, -0) ? PREC_NEG : PREC_ATOM];
  }
  if (code === VAR) return [p.variables[p.a[i] as number] as string, PREC_ATOM];
  if (code === LOOP) return [formatLoopOutput(p, i, text), PREC_ATOM];
  const name = OP_NAMES[code] as OpName;
  const arg = (k: number) => {
    const j = argAt(p, i, k);
    return { s: text.get(j) ?? '…', pr: prec.get(j) ?? PREC_ATOM };
  };
  const infix = INFIX[name];
  if (infix) {
    const x = arg(0);
    const y = arg(1);
    // Left-associative + − * /: the right operand needs parentheses at equal precedence (for + and * too:
    // in floating point x + (y + z) is not (x + y) + z). Right-associative ^: the left operand needs them.
    const leftParen = name === 'pow' ? x.pr <= infix.prec : x.pr < infix.prec;
    const rightParen = name === 'pow' ? y.pr < infix.prec : y.pr <= infix.prec;
    const l = leftParen ? `(${x.s})` : x.s;
    const r = rightParen ? `(${y.s})` : y.s;
    return [name === 'pow' ? `${l}^${r}` : `${l} ${infix.sym} ${r}`, infix.prec];
  }
  if (name === 'neg') {
    const x = arg(0);
    return [x.pr < PREC_ATOM ? `-(${x.s})` : `-${x.s}`, PREC_NEG];
  }
  const count = OP_ARITY[code] === 0 ? (p.b[i] as number) : (OP_ARITY[code] as number);
  const parts: string[] = [];
  for (let k = 0; k < count; k++) parts.push(arg(k).s);
  // An empty sum or dot product (the algebras can build one) is 0.
  if ((name === 'sum' || name === 'dot') && count === 0) return ['0', PREC_ATOM];
  if (name === 'sum') {
    // Summed left to right, so a later term that is itself a sum keeps its parentheses.
    const terms = parts.map((s, k) => (k > 0 && arg(k).pr <= 1 ? `(${s})` : s));
    return [terms.join(' + '), 1];
  }
  if (name === 'dot') {
    // Printed as the sum of products it stands for, which parses back.
    const half = count >> 1;
    const terms: string[] = [];
    for (let k = 0; k < half; k++) {
      const x = arg(k);
      const y = arg(k + half);
      terms.push(`${x.pr < 2 ? `(${x.s})` : x.s}*${y.pr <= 2 ? `(${y.s})` : y.s}`);
    }
    return [terms.join(' + '), 1];
  }
  return [`${callName(name)}(${parts.join(', ')})`, PREC_ATOM];
}

/** The `k`-th argument index of op node `i`. */
export function argAt(p: Program, i: number, k: number): number {
  const arity = OP_ARITY[p.op[i] as number] as number;
  if (arity === 0) return p.args[(p.a[i] as number) + k] as number;
  return (k === 0 ? p.a[i] : p.b[i]) as number;
}

/** A step of a sweep as a trace shows it: the node, the name the trace gives it, and its operation. */
export interface TraceStepName {
  node: number;
  /** a, b, c, ... (skipping the function's own variable names). */
  name: string;
  /** The operation in terms of the inputs and earlier steps' names, e.g. `a - 0`. */
  expression: string;
}

/** A trace step's expression longer than this prints as '…' (as formatNode's default maxLength). */
const TRACE_MAX_LENGTH = 200;

/**
 * Names every operation node of `f` in evaluation order as a lecture's slide does (a, b, ..., z, a1, b1, ...,
 * never one of the function's variable names) and prints each in terms of the earlier names.
 */
export function traceSteps(f: Program): TraceStepName[] {
  const taken = new Set(f.variables);
  const steps: TraceStepName[] = [];
  let counter = 0;
  const nextName = () => {
    for (;;) {
      const round = Math.floor(counter / 26);
      const name = String.fromCharCode(97 + (counter % 26)) + (round === 0 ? '' : String(round));
      counter++;
      if (!taken.has(name)) return name;
    }
  };
  // Every argument of a step is an input, a constant or an earlier (named) step, so each step is printed from
  // its arguments' text alone: O(N) in all (formatNode per step walked the whole program before it, O(N²)).
  const text = new Map<number, string>();
  const prec = new Map<number, number>();
  for (let i = 0; i < f.opStart; i++) {
    const [s, pr] = formatOne(f, i, text, prec);
    text.set(i, s);
    prec.set(i, pr);
  }
  for (let i = f.opStart; i < f.size; i++) {
    const name = nextName();
    const [s] = formatOne(f, i, text, prec);
    steps.push({ node: i, name, expression: s.length > TRACE_MAX_LENGTH ? '…' : s });
    text.set(i, name);
    prec.set(i, PREC_ATOM);
  }
  return steps;
}

/**
 * A loop call's output, as `map_sum(3 rows; mu, s)`, `map_logsumexp(...)[1]` (output 1 of several),
 * `scan(20 steps; x0, r).carry[0]` or `scan(...).out[4][0]` (iteration 4's first output), and a stacked map's
 * `map(5 rows; p0, q0, …)[4][1]` (row 4's second output).
 */
function formatLoopOutput(p: Program, i: number, text: ReadonlyMap<number, string>): string {
  const call = p.calls[p.a[i] as number] as LoopCall;
  const { loop } = call;
  const k = p.b[i] as number;
  const shown = Array.from(call.args.subarray(0, 4), (j) => text.get(j) ?? '…');
  const args =
    call.args.length > 4 ? `${shown.join(', ')}, … (${call.args.length} arguments)` : shown.join(', ');
  if (loop.kind === 'map') {
    const head = `map_${loop.reduce}(${loop.n} row${loop.n === 1 ? '' : 's'}; ${args})`;
    return loop.perStep === 1 ? head : `${head}[${k}]`;
  }
  // A scan with no carry is a stacked map (mapRows): row i's outputs.
  if (loop.carry === 0) {
    return `map(${loop.n} row${loop.n === 1 ? '' : 's'}; ${args})[${Math.floor(k / loop.perStep)}][${k % loop.perStep}]`;
  }
  const head = `scan(${loop.n} step${loop.n === 1 ? '' : 's'}; ${args})`;
  if (k < loop.carry) return `${head}.carry[${k}]`;
  const j = k - loop.carry;
  return `${head}.out[${Math.floor(j / loop.perStep)}][${j % loop.perStep}]`;
}
