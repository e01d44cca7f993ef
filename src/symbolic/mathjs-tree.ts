/**
 * Iterative walks over mathjs expression trees: rewriting, sizing, and turning them into difflab programs.
 *
 * mathjs trees share node objects (toMathjs reuses one object per program node, and mathjs's derivative makes
 * shallow clones), so a tree is really a DAG of objects. Walks that visit each object once (rewrite, sizes)
 * memoise by object identity; the walk that flattens a tree for evaluation follows every occurrence, because
 * evaluating a tree costs its tree size. No walk recurses.
 */

import { DifflabError } from '../ir/errors.js';
import { Graph } from '../ir/graph.js';
import {
  type ConstantNode,
  FunctionNode,
  isConstantNode,
  isFunctionNode,
  isOperatorNode,
  isParenthesisNode,
  isSymbolNode,
  type MathNode,
  OperatorNode,
  ParenthesisNode,
  type SymbolNode,
} from '../ir/mathjs-lib.js';
import { CONST, forEachOp, OP_CODE, VAR } from '../ir/ops.js';
import { Program } from '../ir/program.js';

/** The argument nodes of a mathjs node (the function name of a FunctionNode is not one). */
export function childrenOf(node: MathNode): readonly MathNode[] {
  if (isOperatorNode(node) || isFunctionNode(node)) return node.args;
  if (isParenthesisNode(node)) return [node.content];
  return [];
}

/** The function name of a FunctionNode. */
export function functionName(node: FunctionNode): string {
  return (node.fn as unknown as SymbolNode).name;
}

/**
 * Visits every distinct node object reachable from `roots`, each after its children (postorder), each once.
 * `children` may add edges (a placeholder leaf standing for a subtree).
 */
export function postorderUnique(
  roots: readonly MathNode[],
  visit: (node: MathNode) => void,
  children: (node: MathNode) => readonly MathNode[] = childrenOf,
  seen: Set<MathNode> = new Set(),
): void {
  const stack: MathNode[] = [];
  const expanded: boolean[] = [];
  for (const root of roots) {
    stack.push(root);
    expanded.push(false);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top] as MathNode;
      if (expanded[top]) {
        stack.pop();
        expanded.pop();
        visit(node);
        continue;
      }
      if (seen.has(node)) {
        stack.pop();
        expanded.pop();
        continue;
      }
      seen.add(node);
      expanded[top] = true;
      const kids = children(node);
      for (let k = kids.length - 1; k >= 0; k--) {
        stack.push(kids[k] as MathNode);
        expanded.push(false);
      }
    }
  }
}

/**
 * A bottom-up tree rebuilder: `replace(original, newChildren)` may return a replacement node, or undefined to
 * keep the node (copied only if one of its children changed). Unchanged subtrees stay the same objects. The
 * rebuilder remembers what it did, so subtrees shared between calls (the function inside each of its
 * derivatives) are rebuilt once.
 */
export function rewriter(
  replace: (node: MathNode, children: readonly MathNode[]) => MathNode | undefined,
  children: (node: MathNode) => readonly MathNode[] = childrenOf,
): (roots: readonly MathNode[]) => MathNode[] {
  const done = new Map<MathNode, MathNode>();
  const seen = new Set<MathNode>();
  const visit = (node: MathNode) => {
    const old = children(node);
    const now = old.map((c) => done.get(c) as MathNode);
    const replaced = replace(node, now);
    if (replaced !== undefined) done.set(node, replaced);
    else if (now.every((c, k) => c === old[k])) done.set(node, node);
    else done.set(node, withChildren(node, now));
  };
  return (roots) => {
    postorderUnique(roots, visit, children, seen);
    return roots.map((r) => done.get(r) as MathNode);
  };
}

function withChildren(node: MathNode, args: readonly MathNode[]): MathNode {
  if (isOperatorNode(node))
    return new OperatorNode(node.op as never, node.fn as never, [...args], node.implicit);
  if (isFunctionNode(node)) return new FunctionNode(node.fn, [...args]);
  if (isParenthesisNode(node)) return new ParenthesisNode(args[0] as MathNode);
  return node;
}

export interface TreeSizes {
  /** Nodes of each tree, counting every occurrence of a shared object (parentheses not counted). */
  readonly sizes: readonly number[];
  /** Their sum. */
  readonly total: number;
  /** Distinct node objects reachable from the trees. */
  readonly objects: number;
}

/**
 * Tree sizes by one memoised pass over the distinct objects. Stops with `onOver(size)` as soon as one tree
 * (or the running total) exceeds `limit`, so sizing a tree that swelled past the budget costs little.
 */
export function treeSizes(
  trees: readonly MathNode[],
  limit = Number.POSITIVE_INFINITY,
  onOver?: (size: number) => never,
): TreeSizes {
  const size = new Map<MathNode, number>();
  postorderUnique(trees, (node) => {
    let s = isParenthesisNode(node) ? 0 : 1;
    for (const c of childrenOf(node)) s += size.get(c) as number;
    if (s > limit && onOver) onOver(s);
    size.set(node, s);
  });
  const sizes = trees.map((t) => size.get(t) as number);
  let total = 0;
  for (const s of sizes) {
    total += s;
    if (total > limit && onOver) onOver(total);
  }
  return { sizes, total, objects: size.size };
}

/** Difflab op codes of mathjs function names, by argument count. */
const FUNCTION_OPS = new Map<string, (number | undefined)[]>();
/** The codes of the unary ops. */
const UNARY_CODES = new Set<number>();

forEachOp((name, code, def) => {
  if (def.arity === 'n') return;
  if (def.arity === 1) UNARY_CODES.add(code);
  const put = (spelled: string) => {
    const byArity = FUNCTION_OPS.get(spelled) ?? [];
    byArity[def.arity] ??= code;
    FUNCTION_OPS.set(spelled, byArity);
  };
  const operatorFns = ['add', 'subtract', 'multiply', 'divide', 'unaryMinus', 'pow'];
  if (def.mathjs !== null && !operatorFns.includes(def.mathjs)) put(def.mathjs);
  if (!operatorFns.includes(name)) put(name);
});

const OPERATOR_OPS: Readonly<Record<string, number>> = {
  add: OP_CODE.add,
  subtract: OP_CODE.sub,
  multiply: OP_CODE.mul,
  divide: OP_CODE.div,
  unaryMinus: OP_CODE.neg,
  pow: OP_CODE.pow,
};

/** Names mathjs's simplify may leave as symbols for constants. */
const SYMBOL_CONSTANTS: Readonly<Record<string, number>> = {
  pi: Math.PI,
  e: Math.E,
  tau: 2 * Math.PI,
  phi: (1 + Math.sqrt(5)) / 2,
  Infinity: Number.POSITIVE_INFINITY,
  NaN: Number.NaN,
};

/**
 * The number a ConstantNode holds: Fraction and BigNumber converted, a complex value with an imaginary part
 * NaN (as in real arithmetic).
 */
function constantOf(node: ConstantNode): number {
  const v = node.value as unknown;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object') {
    const c = v as { re?: unknown; im?: unknown; valueOf(): unknown };
    if (typeof c.re === 'number' && typeof c.im === 'number') return c.im === 0 ? c.re : Number.NaN;
    return Number(c.valueOf()); // Fraction, BigNumber
  }
  throw new DifflabError('unsupported', `mathjs produced a constant difflab cannot use: ${String(v)}`);
}

/** Where {@link convertNode} puts what it makes: leaves, and ops over earlier results. */
interface Sink<R> {
  constant(value: number): R;
  variable(index: number): R;
  op(code: number, args: readonly R[]): R;
}

/**
 * One step of turning a mathjs node into difflab nodes, shared by the flattening and the hash-consing walks:
 * `args` are the results for the node's children.
 */
function convertNode<R>(
  node: MathNode,
  args: readonly R[],
  variables: ReadonlyMap<string, number>,
  sink: Sink<R>,
): R {
  if (isConstantNode(node)) return sink.constant(constantOf(node));
  if (isSymbolNode(node)) {
    const j = variables.get(node.name);
    if (j !== undefined) return sink.variable(j);
    const c = SYMBOL_CONSTANTS[node.name];
    if (c !== undefined) return sink.constant(c);
    throw new DifflabError('unsupported', `unexpected symbol '${node.name}' in a derivative tree`);
  }
  if (isParenthesisNode(node)) return args[0] as R;
  if (isOperatorNode(node)) {
    const fn = node.fn as string;
    if (fn === 'unaryPlus') return args[0] as R;
    const code = OPERATOR_OPS[fn];
    if (code === undefined)
      throw new DifflabError('unsupported', `operator '${node.op}' in a derivative tree`);
    if (fn === 'unaryMinus') return sink.op(code, args);
    // mathjs's + and * may take more than two arguments; they evaluate left to right.
    let acc = args[0] as R;
    for (let k = 1; k < args.length; k++) acc = sink.op(code, [acc, args[k] as R]);
    return acc;
  }
  if (isFunctionNode(node)) {
    const name = functionName(node);
    const code = FUNCTION_OPS.get(name)?.[args.length];
    if (code === undefined) {
      throw new DifflabError(
        'unsupported',
        `function '${name}' with ${args.length} argument(s) in a derivative tree`,
      );
    }
    return sink.op(code, args);
  }
  throw new DifflabError('unsupported', `${node.type} in a derivative tree`);
}

/**
 * Flattens trees into one program with tree semantics: every occurrence of a subtree becomes its own
 * operations, as evaluating a mathjs tree evaluates every occurrence (only leaves are shared). The program's
 * inputs are `variables`; its outputs are the trees' roots in order.
 */
export function flattenTrees(
  trees: readonly MathNode[],
  variables: readonly string[],
): Program<Float64Array> {
  const varIndex = new Map(variables.map((v, j) => [v, j]));
  const constants: number[] = [];
  const constIndex = new Map<number | string, number>();
  let op = new Uint8Array(1024);
  let a = new Int32Array(1024);
  let b = new Int32Array(1024);
  let nOps = 0;
  // References: k ≥ 0 is operation k; −(2c + 1) is constant c; −(2j + 2) is variable j.
  const sink: Sink<number> = {
    constant(value) {
      const key = Object.is(value, -0) ? '-0' : value;
      let c = constIndex.get(key);
      if (c === undefined) {
        c = constants.length;
        constants.push(value);
        constIndex.set(key, c);
      }
      return -(2 * c + 1);
    },
    variable: (j) => -(2 * j + 2),
    op(code, args) {
      if (nOps === op.length) {
        op = growTo(op, 2 * nOps);
        a = growTo(a, 2 * nOps);
        b = growTo(b, 2 * nOps);
      }
      op[nOps] = code;
      a[nOps] = args[0] as number;
      b[nOps] = args.length === 2 ? (args[1] as number) : 0;
      return nOps++;
    },
  };
  const outputs: number[] = [];
  const nodes: MathNode[] = [];
  const expanded: boolean[] = [];
  const values: number[] = [];
  for (const tree of trees) {
    nodes.push(tree);
    expanded.push(false);
    while (nodes.length > 0) {
      const top = nodes.length - 1;
      const node = nodes[top] as MathNode;
      const kids = childrenOf(node);
      if (!expanded[top] && kids.length > 0) {
        expanded[top] = true;
        for (let k = kids.length - 1; k >= 0; k--) {
          nodes.push(kids[k] as MathNode);
          expanded.push(false);
        }
        continue;
      }
      nodes.pop();
      expanded.pop();
      const args = values.splice(values.length - kids.length, kids.length);
      values.push(convertNode(node, args, varIndex, sink));
    }
    outputs.push(values.pop() as number);
  }
  const nConst = constants.length;
  const opStart = nConst + variables.length;
  const index = (ref: number) =>
    ref >= 0 ? opStart + ref : ref % 2 === -1 ? (-ref - 1) / 2 : nConst + (-ref - 2) / 2;
  const size = opStart + nOps;
  const P = { op: new Uint8Array(size), a: new Int32Array(size), b: new Int32Array(size) };
  for (let c = 0; c < nConst; c++) {
    P.op[c] = CONST;
    P.a[c] = c;
  }
  for (let j = 0; j < variables.length; j++) {
    P.op[nConst + j] = VAR;
    P.a[nConst + j] = j;
  }
  for (let k = 0; k < nOps; k++) {
    const code = op[k] as number;
    P.op[opStart + k] = code;
    P.a[opStart + k] = index(a[k] as number);
    P.b[opStart + k] = isUnary(code) ? 0 : index(b[k] as number);
  }
  return new Program({
    variables,
    op: P.op,
    a: P.a,
    b: P.b,
    args: new Int32Array(0),
    constants: Float64Array.from(constants),
    outputs: Int32Array.from(outputs, index),
    scalar: false,
  }) as Program<Float64Array>;
}

function isUnary(code: number): boolean {
  return UNARY_CODES.has(code);
}

/**
 * The size the trees would have as one hash-consed DAG (distinct subexpressions, as the graph engine would
 * store them): what common-subexpression elimination would leave of the mathjs derivative.
 */
export function hashConsedSize(trees: readonly MathNode[], variables: readonly string[]): number {
  const varIndex = new Map(variables.map((v, j) => [v, j]));
  const g = new Graph();
  const id = new Map<MathNode, number>();
  const sink: Sink<number> = {
    constant: (value) => g.constant(value),
    variable: (j) => g.variable(variables[j] as string),
    op: (code, args) => g.apply(code, args[0] as number, args.length === 2 ? (args[1] as number) : 0),
  };
  postorderUnique(trees, (node) => {
    const args = childrenOf(node).map((c) => id.get(c) as number);
    id.set(node, convertNode(node, args, varIndex, sink));
  });
  return g.size;
}

function growTo<A extends Uint8Array | Int32Array>(arr: A, n: number): A {
  const next = new (arr.constructor as new (n: number) => A)(n);
  next.set(arr);
  return next;
}
