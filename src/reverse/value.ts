/**
 * A dynamic, PyTorch-like face of reverse mode for notebooks: scalars that compute their value eagerly and
 * record the operation into the shared IR, so `.backward()` can run the tape and fill `.grad` of the leaves.
 */
import {
  applyNary,
  applyOp,
  type BinaryOpName,
  DifflabError,
  Expr,
  forEachOp,
  Graph,
  program,
  type UnaryOpName,
} from '../ir/index.js';
import { backward as backwardSweep, record, tapeFor } from '../sweeps/index.js';

type UnaryMethods = { [K in UnaryOpName]: () => Value };
type BinaryMethods = { [K in BinaryOpName]: (other: Value | number) => Value };

/** Values record into their own graph; leaves are its variables, found again by name at backward time. */
let graph = new Graph();
/** Leaf data by variable name: kept even after the leaf object is dropped, since expressions may still use it. */
const leafData = new Map<string, number>();
/** The leaf objects, held weakly, whose `.grad` a backward sweep fills. */
const leaves = new Map<string, WeakRef<Value>>();
const forget = new FinalizationRegistry<string>((name) => leaves.delete(name));
let nextLeaf = 0;

/**
 * A scalar that remembers how it was computed.
 *
 * @example
 * const x = leaf(3);
 * const y = x.mul(x).add(x.sin());
 * y.backward();
 * x.grad; // 2·3 + cos 3
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the arithmetic methods are installed from the op table
export class Value {
  /** ∂(what `.backward()` was called on)/∂(this), accumulated over backward calls (leaves only). */
  grad = 0;

  /** @internal use {@link leaf} and the arithmetic methods. */
  constructor(
    /** The primal value. */
    readonly data: number,
    /** The recorded expression. */
    readonly expr: Expr,
    /** A label for display. */
    readonly label?: string,
  ) {}

  /** True for values made by {@link leaf} (the ones whose `.grad` backward fills). */
  get isLeaf(): boolean {
    return this.expr.op === 'var';
  }

  /** Reverse mode from this value: adds ∂this/∂leaf · seed to every leaf's `.grad`. */
  backward(seed = 1): void {
    backward([this], [seed]);
  }

  /** Sets `.grad` back to 0. */
  zeroGrad(): void {
    this.grad = 0;
  }

  toString(): string {
    return `Value(${this.data}${this.grad !== 0 ? `, grad=${this.grad}` : ''})`;
  }
}
export interface Value extends UnaryMethods, BinaryMethods {}

/** A new leaf: an input whose `.grad` the backward sweep fills. */
export function leaf(data: number, label?: string): Value {
  if (typeof data !== 'number')
    throw new DifflabError('invalid-argument', `leaf: expected a number, got ${typeof data}`);
  const name = `%${nextLeaf++}`;
  const v = new Value(data, new Expr(graph, graph.variable(name)), label);
  leafData.set(name, data);
  leaves.set(name, new WeakRef(v));
  forget.register(v, name);
  return v;
}

/** Starts a fresh recording graph, releasing everything recorded so far (old values can no longer be combined). */
export function resetValues(): void {
  graph = new Graph();
  leafData.clear();
  leaves.clear();
}

const exprOf = (v: Value | number): Expr | number => {
  if (typeof v === 'number') return v;
  if (!(v instanceof Value)) throw new DifflabError('invalid-argument', 'expected a Value or a number');
  if (v.expr.graph !== graph) {
    throw new DifflabError(
      'graph-mismatch',
      'this value was recorded before resetValues() and cannot be combined',
    );
  }
  return v.expr;
};
const dataOf = (v: Value | number): number => (typeof v === 'number' ? v : v.data);

// One method per fixed-arity op, registered ops too.
forEachOp((name, _code, def) => {
  if (def.arity === 'n') return;
  const op = name as UnaryOpName | BinaryOpName;
  Object.defineProperty(Value.prototype, name, {
    value:
      def.arity === 1
        ? function (this: Value) {
            return new Value(def.value(this.data, Number.NaN), applyOp(op, exprOf(this)));
          }
        : function (this: Value, other: Value | number) {
            const e = exprOf(other);
            return new Value(def.value(this.data, dataOf(other)), applyOp(op, exprOf(this), e));
          },
  });
});

/** Σ values as one n-ary node. */
export function sumValues(values: readonly (Value | number)[]): Value {
  if (values.length === 0) return new Value(0, new Expr(graph, graph.constant(0)));
  const data = values.reduce<number>((s, v) => s + dataOf(v), 0);
  const exprs = values.map(exprOf);
  if (exprs.every((e) => typeof e === 'number'))
    return new Value(data, new Expr(graph, graph.constant(data)));
  return new Value(data, values.length === 1 ? (exprs[0] as Expr) : applyNary('sum', exprs));
}

/**
 * Reverse mode from several outputs with a cotangent each (a vector–Jacobian product, like
 * `torch.autograd.backward(outputs, grad_tensors)`): adds Σⱼ uⱼ ∂outputⱼ/∂leaf to every leaf's `.grad`.
 */
export function backward(outputs: readonly Value[], cotangent: readonly number[]): void {
  if (outputs.length !== cotangent.length) {
    throw new DifflabError(
      'invalid-argument',
      `backward: ${outputs.length} outputs but ${cotangent.length} cotangents`,
    );
  }
  const exprs = outputs.map((o) => exprOf(o) as Expr);
  const f = program(exprs);
  const found = f.variables.map((name) => leaves.get(name)?.deref());
  const x = f.variables.map((name) => leafData.get(name) as number);
  const tape = tapeFor(f);
  record(f, x, tape);
  backwardSweep(f, tape, (adj) => {
    cotangent.forEach((u, j) => {
      const node = f.outputs[j] as number;
      adj[node] = (adj[node] as number) + u;
    });
  });
  found.forEach((v, k) => {
    if (v !== undefined) v.grad += tape.adjoints[f.inputStart + k] as number;
  });
}
