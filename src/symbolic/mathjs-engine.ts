/**
 * The mathjs engine: each output of the program becomes a mathjs expression tree (`toMathjs`), mathjs's
 * `derivative()` differentiates it once per input, and the derivative trees are flattened into one difflab
 * program for evaluation.
 *
 * What mathjs 15's `derivative()` handles was found by experiment (test/symbolic/mathjs-rules.test.ts keeps
 * the findings true): + − × ÷ ^, unary minus, sqrt, cbrt, exp, log (one argument, or two with any base),
 * log10, the six trigonometric functions and their inverses, the six hyperbolic functions and their inverses,
 * and abs. It throws on expm1, log1p, log2, sign, max and min. Where its rule is wrong over the reals, or breaks
 * a kink convention, the function is rewritten before differentiating or the rule's output is repaired after:
 *
 * - expm1(u) → exp(u) − 1, log1p(u) → log(1 + u), log2(u) → log(u, 2): mathjs has no rule (the op table has
 *   no expansion for these either).
 * - acoth(u) → atanh(1/u) (the op table's own value rule): mathjs's rule has the wrong sign,
 *   d acoth(u) = −u′/(1 − u²) instead of u′/(1 − u²).
 * - sign(u) → a placeholder symbol, put back after differentiating: mathjs has no rule, and treating sign(u) as
 *   a constant gives exactly sign′ = 0. heaviside, relu, max and min use the op table's expansions, which are
 *   written with sign and abs, so heaviside′ = relu′(0) = 0 and ties of max/min split evenly.
 * - abs: mathjs writes d|u| = u′·|u|/u, which is NaN at u = 0. Its output `abs(u)/u` is replaced by `sign(u)`,
 *   so abs′(0) = 0 as in the op table. Only nodes that the abs rule made are touched (they are fresh objects
 *   whose argument is a fresh clone), never an abs(x)/x the user wrote.
 * - cbrt: mathjs writes d∛u = u′/(3·u^(2/3)); u^(2/3) is complex in mathjs and NaN in real arithmetic for
 *   u < 0. The rule's fresh `u^(2/3)` is replaced by `cbrt(u)^2`.
 * - x·x with both factors one object (toMathjs shares equal subtrees): mathjs's product rule tells factors
 *   apart by identity and would give d(x·x) = 2; the second factor becomes a shallow clone.
 * - sigmoid, softplus, dot and logsumexp use the op table's expansions (1/(1 + e^−u), log(1 + e^u), Σ xᵢyᵢ,
 *   log Σ e^xᵢ): that is what mathjs can differentiate, with the overflow of those formulas for large |u|.
 */

import { DifflabError } from '../ir/errors.js';
import { mathjsAlgebra, toMathjs } from '../ir/mathjs.js';
import {
  ConstantNode,
  derivative,
  FunctionNode,
  isConstantNode,
  isFunctionNode,
  isOperatorNode,
  isParenthesisNode,
  isSymbolNode,
  type MathNode,
  OperatorNode,
  SymbolNode,
  simplify,
} from '../ir/mathjs-lib.js';
import { metrics } from '../ir/metrics.js';
import { type Algebra, FIXED_OPS, type FixedOpDef, OP_NAMES, OPS, type OpName } from '../ir/ops.js';
import type { Program } from '../ir/program.js';
import {
  childrenOf,
  flattenTrees,
  functionName,
  hashConsedSize,
  postorderUnique,
  rewriter,
  treeSizes,
} from './mathjs-tree.js';
import { budgetError, DEFAULT_BUDGET, DEFAULT_SIMPLIFY_BUDGET } from './options.js';

/**
 * Depth beyond which mathjs is not even tried. mathjs's derivative and simplify recurse on the tree; in Node
 * (default stack) derivative overflows between about 1,000 and 2,300 levels depending on the operations,
 * which the caught RangeError reports. Past this limit no JavaScript engine's default stack suffices, so a
 * chain of a million operations is refused at once instead of after converting it.
 */
export const MATHJS_MAX_DEPTH = 10_000;

/**
 * Estimated bytes per mathjs node object, measured in V8: about 130 for an OperatorNode with its two-argument
 * array, 140 for a FunctionNode with its SymbolNode, 35 for a ConstantNode.
 */
export const MATHJS_NODE_BYTES = 128;

/** Ops left to mathjs's derivative(): it has a rule, and the rule is right over the reals (`trustMathjs`). */
function derivable(): OpName[] {
  return OP_NAMES.filter((name) => OPS[name].trustMathjs);
}

export interface MathjsDerivativeOptions {
  /** Run mathjs's simplify on each derivative tree (after the repairs). Default false. */
  simplify?: boolean;
  /** The most derivative-tree nodes (counting repeats), summed over all trees; default 1e6. */
  budget?: number;
  /** With `simplify`: the largest tree handed to mathjs's simplify (checked before it runs); default 1,000. */
  simplifyBudget?: number;
}

export interface MathjsDerivatives {
  /** `trees[i][j]` is ∂fᵢ/∂xⱼ as a mathjs tree, using only functions mathjs knows (sign for the kinks). */
  readonly trees: readonly (readonly MathNode[])[];
  /** The inputs xⱼ, in order. */
  readonly variables: readonly string[];
  /** The trees of f's outputs that were differentiated, with the rewrites above applied. */
  readonly functions: readonly MathNode[];
  /** Nodes of the function trees, counting repeats. */
  readonly functionTreeSize: number;
  /** Nodes of each derivative tree, counting every repeated subtree (as mathjs would print or evaluate it). */
  readonly sizes: readonly (readonly number[])[];
  /** Their sum. */
  readonly treeSize: number;
  /** Distinct nodes the derivative trees would have as one hash-consed DAG (what sharing would leave). */
  readonly dagSize: number;
  /** Distinct mathjs node objects in the derivative trees (mathjs shares unchanged subtrees by reference). */
  readonly objects: number;
  /** Of those, the objects differentiation created (not part of the function trees). */
  readonly created: number;
  readonly simplified: boolean;
}

/**
 * Differentiates every output of `f` with respect to every input with mathjs's `derivative()`, and returns
 * the derivative trees with their sizes.
 *
 * @example
 * const d = mathjsDerivatives(parse('x^2 * y'));
 * d.trees[0][0].evaluate({ x: 3, y: 2 }); // 12: ∂/∂x of x²y is 2xy, a mathjs tree
 * d.treeSize;                             // nodes of both trees, counting repeats
 * mathjsDerivatives(parse('x^2 * y'), { simplify: true }).treeSize; // after mathjs's simplify
 */
export function mathjsDerivatives(f: Program, options: MathjsDerivativeOptions = {}): MathjsDerivatives {
  const budget = options.budget ?? DEFAULT_BUDGET.mathjs;
  const simplified = options.simplify === true;
  const simplifyBudget = options.simplifyBudget ?? DEFAULT_SIMPLIFY_BUDGET;
  const { depth, treeSize: inputSize } = metrics(f);
  if (depth > MATHJS_MAX_DEPTH) throw tooDeep('derivative', depth);
  if (Number.isFinite(budget) && inputSize > BigInt(Math.floor(budget))) {
    throw budgetError(
      "the function's expression tree (what mathjs differentiates)",
      inputSize,
      budget,
      ", or use engine: 'graph', which keeps shared subexpressions shared",
      'has',
    );
  }
  const placeholders = new Placeholders(f.variables);
  const algebra = derivativeAlgebra(placeholders);
  const encoded = Array.from(f.outputs, (_, o) => toMathjs(f, o, algebra));
  // Every object of the function trees: derivative() builds new nodes around them and fresh clones of them.
  const inFunction = new Set<MathNode>();
  postorderUnique(encoded, () => {}, placeholders.children, inFunction);
  const repair = rewriter(
    (node, kids) => repairNode(node, kids, inFunction, placeholders),
    placeholders.children,
  );
  const functions = repair(encoded);

  const symbols = f.variables.map((name) => new SymbolNode(name));
  const trees: MathNode[][] = [];
  const sizes: number[][] = [];
  let total = 0;
  const over = (size: number): never => {
    throw budgetError('the mathjs derivative trees', total + size, budget, ", or use engine: 'graph'");
  };
  for (const fn of encoded) {
    const row: MathNode[] = [];
    const rowSizes: number[] = [];
    for (const x of symbols) {
      const raw = guard('derivative', depth, () => derivative(fn, x, { simplify: false }));
      let [d] = repair([raw]) as [MathNode];
      let size = treeSizes([d], budget - total, over).total;
      if (simplified) {
        // simplify's time grows far faster than the tree and cannot be interrupted: bounded before it runs.
        if (size > simplifyBudget) {
          throw budgetError(
            `a derivative tree given to mathjs's simplify`,
            size,
            simplifyBudget,
            ', or leave simplify off',
            'has',
            'simplifyBudget',
          );
        }
        d = guard('simplify', depth, () => simplify(d));
        size = treeSizes([d], budget - total, over).total;
      }
      total += size;
      row.push(d);
      rowSizes.push(size);
    }
    trees.push(row);
    sizes.push(rowSizes);
  }
  const flat = trees.flat();
  let created = 0;
  let objects = 0;
  postorderUnique(flat, (node) => {
    objects++;
    if (!inFunction.has(node)) created++;
  });
  return {
    trees,
    variables: f.variables,
    functions,
    functionTreeSize: treeSizes(functions).total,
    sizes,
    treeSize: total,
    dagSize: hashConsedSize(flat, f.variables),
    objects,
    created,
    simplified,
  };
}

export interface MathjsDerivativeProgram {
  readonly derivatives: MathjsDerivatives;
  /** The derivative trees flattened (tree semantics): inputs f's variables, outputs ∂fᵢ/∂xⱼ at i·n + j. */
  readonly program: Program<Float64Array>;
  /** Estimated bytes: mathjs node objects × {@link MATHJS_NODE_BYTES}, plus the flattened program. */
  readonly bytes: number;
}

/** The mathjs derivatives of f as one program that evaluates the Jacobian row by row. */
export function mathjsDerivativeProgram(
  f: Program,
  options: MathjsDerivativeOptions = {},
): MathjsDerivativeProgram {
  const derivatives = mathjsDerivatives(f, options);
  const program = flattenTrees(derivatives.trees.flat(), f.variables);
  return { derivatives, program, bytes: derivatives.objects * MATHJS_NODE_BYTES + program.bytes };
}

/**
 * sign(u) as placeholder symbols: mathjs's derivative treats them as constants (sign′ = 0) and copies them
 * wherever the value is needed; {@link repairNode} puts the sign back. Equal arguments share one placeholder.
 */
class Placeholders {
  private readonly prefix: string;
  private readonly byArgument = new Map<MathNode, SymbolNode>();
  /** The sign(u) node behind each placeholder name. */
  private readonly stood = new Map<string, MathNode>();

  constructor(variables: readonly string[]) {
    let prefix = 'sign_';
    while (variables.some((v) => v.startsWith(prefix))) prefix = `_${prefix}`;
    this.prefix = prefix;
  }

  sign(u: MathNode): SymbolNode {
    let symbol = this.byArgument.get(u);
    if (symbol === undefined) {
      symbol = new SymbolNode(`${this.prefix}${this.byArgument.size}`);
      this.byArgument.set(u, symbol);
      this.stood.set(symbol.name, new FunctionNode(new SymbolNode('sign'), [u]));
    }
    return symbol;
  }

  /** The node a placeholder stands for, if `node` is one. */
  standsFor(node: MathNode): MathNode | undefined {
    return isSymbolNode(node) ? this.stood.get(node.name) : undefined;
  }

  /** Children for walks: a placeholder's one child is the sign(u) it stands for. */
  readonly children = (node: MathNode): readonly MathNode[] => {
    const stood = this.standsFor(node);
    return stood === undefined ? childrenOf(node) : [stood];
  };
}

/** The mathjs algebra toMathjs writes the function with: mathjs's own functions, rewritten as described above. */
function derivativeAlgebra(placeholders: Placeholders): Algebra<MathNode> {
  const trusted = derivable();
  const base = mathjsAlgebra({ derivable: trusted });
  const a: Record<string, unknown> = { ...base };
  const A = a as unknown as Algebra<MathNode>;
  const rewrites: Partial<Record<OpName, (x: MathNode, y: MathNode) => MathNode>> = {
    expm1: (x) => A.sub(A.exp(x), A.num(1)),
    log1p: (x) => A.log(A.add(A.num(1), x)),
    log2: (x) => A.logb(x, A.num(2)),
    // mathjs's rules d log₁₀ u = u′/(u·log(10)) and d log(u, b) = u′/(u·log(b)) overflow to 0 for u > 7.8e307;
    // the rules for log(u) and a quotient do not.
    log10: (x) => A.div(A.log(x), A.num(Math.LN10)),
    logb: (x, b) => A.div(A.log(x), A.log(b)),
    acoth: (x) => A.atanh(A.div(A.num(1), x)),
    sign: (x) => placeholders.sign(x),
  };
  for (const name of FIXED_OPS) {
    const rule = rewrites[name];
    if (rule !== undefined) a[name] = rule;
    else if (!trusted.includes(name)) {
      const expand = (OPS[name] as FixedOpDef).expand;
      if (expand === undefined) throw new Error(`symbolic: no way to give mathjs the op '${name}'`);
      // Expansions go through this algebra, so their sign and abs get the treatment above.
      a[name] = (x: MathNode, y: MathNode) => expand(A, x, y);
    }
  }
  // mathjs's product rule tells the factors apart by object identity (`argInner === argOuter`), so for the
  // shared x·x that toMathjs makes it differentiates both factors at once: d(x·x) = 1·1 + 1·1. A shallow
  // clone of the second factor keeps them apart.
  a.mul = (x: MathNode, y: MathNode) => base.mul(x, x === y ? y.clone() : y);
  a.dot = (xs: readonly MathNode[]) => OPS.dot.expand(A, xs);
  a.logsumexp = (xs: readonly MathNode[]) => OPS.logsumexp.expand(A, xs);
  return A;
}

/**
 * The repairs, applied bottom-up to a derivative tree (`kids` are the repaired children): placeholders back
 * to sign(u); the abs rule's `abs(u)/u` to `sign(u)`; the cbrt rule's `u^(2/3)` to `cbrt(u)^2`.
 */
function repairNode(
  node: MathNode,
  kids: readonly MathNode[],
  inFunction: ReadonlySet<MathNode>,
  placeholders: Placeholders,
): MathNode | undefined {
  if (placeholders.standsFor(node) !== undefined) return kids[0];
  if (isAbsRule(node, inFunction)) {
    const abs = kids[0] as FunctionNode;
    return new FunctionNode(new SymbolNode('sign'), [abs.args[0] as MathNode]);
  }
  const hyperbolic = hyperbolicRule(node, inFunction);
  if (hyperbolic !== undefined) {
    const [outer, inner] = hyperbolic.plus ? ['cosh', 'asinh'] : ['sinh', 'acosh'];
    // √(u² − 1) = sinh(acosh |u|) for every real u (both NaN for |u| < 1): asec's and acsc's rules have it too.
    // u as repaired (the rewriter's kids: a placeholder inside u is put back).
    const square = (kids[0] as OperatorNode).args[0] as OperatorNode;
    const repaired = square.args[0] as MathNode;
    const u = hyperbolic.plus ? repaired : new FunctionNode(new SymbolNode('abs'), [repaired]);
    return new FunctionNode(new SymbolNode(outer), [new FunctionNode(new SymbolNode(inner), [u])]);
  }
  if (isCbrtRule(node, inFunction)) {
    return new OperatorNode('^', 'pow', [
      new FunctionNode(new SymbolNode('cbrt'), [kids[0] as MathNode]),
      new ConstantNode(2),
    ]);
  }
  return undefined;
}

/**
 * `abs(u′)/u″` as made by mathjs's abs rule: a new divide whose numerator is a new abs node, where u′ and u″ are
 * both new shallow clones of the same node (a clone of a user's abs(x)/x keeps the user's x, so it never
 * matches).
 */
function isAbsRule(node: MathNode, inFunction: ReadonlySet<MathNode>): boolean {
  if (!isOperatorNode(node) || node.fn !== 'divide' || node.args.length !== 2 || inFunction.has(node))
    return false;
  const [num, den] = node.args as [MathNode, MathNode];
  if (!isFunctionNode(num) || functionName(num) !== 'abs' || num.args.length !== 1 || inFunction.has(num))
    return false;
  const u = num.args[0] as MathNode;
  return !inFunction.has(u) && !inFunction.has(den) && sameClone(u, den);
}

/**
 * `sqrt(u^2 + 1)` or `sqrt(u^2 − 1)` as made by mathjs's asinh and acosh rules (and acsch's, asec's and
 * acsc's; new sqrt, sum, power and constants): its `u^2` overflows for |u| > 1.3e154 and the derivative
 * becomes 0. It is replaced by cosh(asinh(u)) or sinh(acosh(|u|)), equal for every real u, and finite up to
 * the largest double.
 * Returns whether the sign is +.
 */
function hyperbolicRule(node: MathNode, inFunction: ReadonlySet<MathNode>): { plus: boolean } | undefined {
  if (
    !isFunctionNode(node) ||
    functionName(node) !== 'sqrt' ||
    node.args.length !== 1 ||
    inFunction.has(node)
  )
    return undefined;
  const sum = node.args[0] as MathNode;
  if (!isOperatorNode(sum) || (sum.fn !== 'add' && sum.fn !== 'subtract') || inFunction.has(sum))
    return undefined;
  const [square, one] = sum.args as [MathNode, MathNode];
  if (!isConstantNode(one) || one.value !== 1 || inFunction.has(one)) return undefined;
  if (!isOperatorNode(square) || square.fn !== 'pow' || inFunction.has(square)) return undefined;
  const two = square.args[1] as MathNode;
  if (!isConstantNode(two) || two.value !== 2 || inFunction.has(two)) return undefined;
  return { plus: sum.fn === 'add' };
}

/** `u^(2/3)` as made by mathjs's cbrt rule: a new pow whose exponent is a new divide of new constants 2 and 3. */
function isCbrtRule(node: MathNode, inFunction: ReadonlySet<MathNode>): boolean {
  if (!isOperatorNode(node) || node.fn !== 'pow' || inFunction.has(node)) return false;
  const e = node.args[1];
  if (e === undefined || !isOperatorNode(e) || e.fn !== 'divide' || inFunction.has(e)) return false;
  const [p, q] = e.args as [MathNode, MathNode];
  return (
    isConstantNode(p) &&
    isConstantNode(q) &&
    !inFunction.has(p) &&
    !inFunction.has(q) &&
    p.value === 2 &&
    q.value === 3
  );
}

/** True when p and q are distinct shallow clones of one node: same kind and label, identical children. */
function sameClone(p: MathNode, q: MathNode): boolean {
  if (p === q || p.type !== q.type) return false;
  if (isSymbolNode(p)) return p.name === (q as SymbolNode).name;
  if (isConstantNode(p)) return Object.is(p.value, (q as ConstantNode).value);
  if (isOperatorNode(p) && (q as OperatorNode).fn !== p.fn) return false;
  if (isFunctionNode(p) && functionName(q as FunctionNode) !== functionName(p)) return false;
  if (isParenthesisNode(p)) return p.content === (q as typeof p).content;
  const a = childrenOf(p);
  const b = childrenOf(q);
  return a.length === b.length && a.every((c, k) => c === b[k]);
}

/** Runs a recursive mathjs routine, turning stack overflow into `too-deep` and other failures into DifflabErrors. */
function guard<T>(routine: 'derivative' | 'simplify', depth: number, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof DifflabError) throw e;
    if (e instanceof RangeError || (e as Error | undefined)?.name === 'InternalError')
      throw tooDeep(routine, depth, e);
    const message = e instanceof Error ? e.message : String(e);
    throw new DifflabError(
      routine === 'derivative' ? 'not-differentiable' : 'unsupported',
      `mathjs ${routine}: ${message}`,
      {
        cause: e,
      },
    );
  }
}

function tooDeep(routine: string, depth: number, cause?: unknown): DifflabError {
  return new DifflabError(
    'too-deep',
    `the expression is ${depth} operations deep, too deep for mathjs's recursive ${routine}(); ` +
      `use engine: 'graph', which does not recurse`,
    cause === undefined ? {} : { cause },
  );
}
