/**
 * The bridge to mathjs: its expression trees to programs (parse) and back (toMathjs).
 */

import { DifflabError } from './errors.js';
import { Graph } from './graph.js';
import { unrollFor } from './loop.js';
import {
  ConstantNode,
  FunctionNode,
  type MathNode,
  parse as mathjsParse,
  OperatorNode,
  SymbolNode,
} from './mathjs-lib.js';
import {
  type Algebra,
  BINARY_OPS,
  CONST,
  type FixedOpDef,
  forEachOp,
  NARY_OPS,
  type NaryOpDef,
  OP_ARITY,
  OP_CODE,
  OP_DEFS,
  OP_NAMES,
  OPS,
  type OpName,
  UNARY_OPS,
  VAR,
} from './ops.js';
import { buildProgram, type Program } from './program.js';

const OPERATOR_SYMBOL: Readonly<Record<string, string>> = {
  add: '+',
  subtract: '-',
  multiply: '*',
  divide: '/',
  unaryMinus: '-',
  pow: '^',
};

/** Names mathjs gives constants, as numbers (the caller's `constants` take precedence). */
const BUILTIN_CONSTANTS: Readonly<Record<string, number>> = {
  pi: Math.PI,
  PI: Math.PI,
  e: Math.E,
  E: Math.E,
  tau: 2 * Math.PI,
  phi: (1 + Math.sqrt(5)) / 2,
  LN2: Math.LN2,
  LN10: Math.LN10,
  LOG2E: Math.LOG2E,
  LOG10E: Math.LOG10E,
  SQRT1_2: Math.SQRT1_2,
  SQRT2: Math.SQRT2,
  Infinity: Number.POSITIVE_INFINITY,
  NaN: Number.NaN,
};

/** Function names accepted by `parse`, by arity ('n' for any), mapped to ops. */
const FUNCTIONS = new Map<string, Record<number | 'n', OpName>>();

forEachOp((name, _code, def) => {
  const put = (spelled: string, arity: number | 'n') => {
    const entry = FUNCTIONS.get(spelled) ?? ({} as Record<number | 'n', OpName>);
    entry[arity] = name;
    FUNCTIONS.set(spelled, entry);
  };
  if (def.arity === 'n') {
    // dot is left out: in mathjs it is the dot product of two vectors, which difflab does not parse.
    if (name !== 'dot') put(name, 'n');
    return;
  }
  put(def.mathjs ?? name, def.arity);
  if (def.mathjs !== null && def.mathjs !== name && !(def.mathjs in OPERATOR_SYMBOL)) put(name, def.arity);
});

/** Operators of mathjs that difflab does not take, with the reason given to the user. */
function unsupportedOperator(fn: string, op: string): string {
  if (fn === 'to') return "unit conversion ('to') is not supported: difflab works on plain numbers";
  if (['equal', 'unequal', 'smaller', 'larger', 'smallerEq', 'largerEq', 'compare'].includes(fn)) {
    return `comparison '${op}' is not supported: difflab functions are real-valued`;
  }
  if (['and', 'or', 'xor', 'not'].includes(fn)) return `logical operator '${op}' is not supported`;
  return `operator '${op}' (${fn}) is not supported`;
}

/** What to say about a mathjs node type outside difflab's scalar language. */
const UNSUPPORTED_NODE: Readonly<Record<string, string>> = {
  AccessorNode: 'property access is not supported',
  ArrayNode: 'matrices and vectors are not supported: write one expression per output',
  AssignmentNode: 'assignments are not supported: pass values with options.constants or at evaluation',
  BlockNode: 'multiple statements are not supported: pass an array of sources for several outputs',
  ConditionalNode: "the conditional operator '? :' is not supported",
  FunctionAssignmentNode: 'function definitions are not supported',
  IndexNode: 'indexing is not supported',
  ObjectNode: 'objects are not supported',
  RangeNode: 'ranges are not supported',
  RelationalNode: 'comparisons are not supported: difflab functions are real-valued',
};

export interface ParseOptions {
  /** Names bound to numbers: they become constants, not variables. */
  constants?: Readonly<Record<string, number>>;
  /** The input order (every variable of the function, each once); otherwise the order of first appearance. */
  variables?: readonly string[];
}

/**
 * Parses mathjs syntax into a program. An array of sources gives a function with one output per source.
 * Every op-table function is accepted under its mathjs name; `sigmoid`, `relu`, `softplus`, `heaviside`,
 * `logsumexp` and n-ary `sum` extend mathjs's syntax.
 *
 * @example
 * const f = parse('(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)');
 * f.variables; // ['w1', 'w2']
 */
export function parse(source: string, options?: ParseOptions): Program<number>;
export function parse(sources: readonly string[], options?: ParseOptions): Program<Float64Array>;
export function parse(
  sources: string | readonly string[],
  options: ParseOptions = {},
): Program<number> | Program<Float64Array> {
  const scalar = !Array.isArray(sources);
  const list = (scalar ? [sources] : sources) as readonly string[];
  if (list.length === 0) throw new DifflabError('invalid-argument', 'parse: no sources given');
  const constants = { ...BUILTIN_CONSTANTS, ...(options.constants ?? {}) };
  for (const [name, value] of Object.entries(options.constants ?? {})) {
    if (typeof value !== 'number') {
      throw new DifflabError('invalid-argument', `constant '${name}' must be a number, got ${typeof value}`);
    }
  }
  const g = new Graph();
  const outputs = list.map((source) => parseInto(g, source, constants));
  return buildProgram(g, outputs, scalar, {
    source: scalar ? (sources as string) : list,
    ...(options.variables ? { variables: options.variables } : {}),
  });
}

function parseTree(source: string): MathNode {
  if (typeof source !== 'string') {
    throw new DifflabError('invalid-argument', `parse: expected a string, got ${typeof source}`);
  }
  if (source.trim() === '') throw new DifflabError('syntax', 'empty expression', { source, position: 0 });
  try {
    return mathjsParse(source);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new DifflabError('too-deep', 'expression too deeply nested for the mathjs parser', {
        source,
        cause: e,
      });
    }
    const char = (e as { char?: unknown }).char;
    const position = typeof char === 'number' ? Math.max(0, char - 1) : undefined;
    const message = (e as Error).message.replace(/\s*\(char \d+\)$/, '');
    throw new DifflabError('syntax', `syntax error: ${message}`, { source, position, cause: e });
  }
}

function parseInto(g: Graph, source: string, constants: Readonly<Record<string, number>>): number {
  const root = parseTree(source);
  const fail = (
    code: 'unknown-function' | 'unsupported' | 'arity',
    message: string,
    near?: string,
  ): never => {
    const at = near === undefined ? -1 : source.indexOf(near);
    throw new DifflabError(code, message, at >= 0 ? { source, position: at } : { source });
  };
  // Postorder walk with an explicit stack; `values` holds the node ids of finished children.
  const work: { node: MathNode; expanded: boolean }[] = [{ node: root, expanded: false }];
  const values: number[] = [];
  while (work.length > 0) {
    const item = work.pop() as { node: MathNode; expanded: boolean };
    const node = item.node;
    const children = childrenOf(node, fail);
    if (!item.expanded && children.length > 0) {
      work.push({ node, expanded: true });
      for (let k = children.length - 1; k >= 0; k--)
        work.push({ node: children[k] as MathNode, expanded: false });
      continue;
    }
    const args = values.splice(values.length - children.length, children.length);
    values.push(build(g, node, args, constants, fail));
  }
  return values[0] as number;
}

type Fail = (code: 'unknown-function' | 'unsupported' | 'arity', message: string, near?: string) => never;

function childrenOf(node: MathNode, fail: Fail): readonly MathNode[] {
  switch (node.type) {
    case 'OperatorNode':
    case 'FunctionNode':
      return (node as OperatorNode | FunctionNode).args;
    case 'ParenthesisNode':
      return [(node as unknown as { content: MathNode }).content];
    case 'ConstantNode':
    case 'SymbolNode':
      return [];
    default:
      return fail('unsupported', UNSUPPORTED_NODE[node.type] ?? `${node.type} is not supported`);
  }
}

function build(
  g: Graph,
  node: MathNode,
  args: number[],
  constants: Readonly<Record<string, number>>,
  fail: Fail,
) {
  switch (node.type) {
    case 'ParenthesisNode':
      return args[0] as number;
    case 'ConstantNode': {
      const value = (node as ConstantNode).value as unknown;
      if (typeof value === 'number') return g.constant(value);
      if (typeof value === 'string')
        return fail('unsupported', `strings are not supported: "${value}"`, `"${value}`);
      return fail(
        'unsupported',
        `the constant ${String(value)} is not supported: difflab works on numbers`,
        String(value),
      );
    }
    case 'SymbolNode': {
      const name = (node as SymbolNode).name;
      if (Object.hasOwn(constants, name)) return g.constant(constants[name] as number);
      if (name === 'i') return fail('unsupported', "complex numbers ('i') are not supported", name);
      return g.variable(name);
    }
    case 'OperatorNode': {
      const { fn, op } = node as OperatorNode;
      const name = fn as string;
      if (name === 'unaryPlus') return args[0] as number;
      if (name === 'add' && args.length > 2) return g.applyN(OP_CODE.sum, args);
      const opName = OPERATOR_OP[name];
      if (opName === undefined) return fail('unsupported', unsupportedOperator(name, op), op);
      return applyChecked(g, opName, args, fail);
    }
    case 'FunctionNode': {
      // `a.sin(x)` calls a property: its fn is an AccessorNode whose name is 'sin'.
      const fn = (node as FunctionNode).fn as MathNode;
      if (fn.type !== 'SymbolNode')
        return fail('unsupported', UNSUPPORTED_NODE[fn.type] ?? `${fn.type} is not supported`);
      const fnName = (node as FunctionNode).fn.name;
      const entry = FUNCTIONS.get(fnName);
      if (entry === undefined) return fail('unknown-function', `unknown function '${fnName}'`, `${fnName}(`);
      const opName = entry[args.length] ?? entry.n;
      if (opName === undefined) {
        // max and min take any number of arguments in mathjs: fold them pairwise.
        if ((fnName === 'max' || fnName === 'min') && args.length >= 1) {
          return args.reduce((acc, x) => g.apply(OP_CODE[fnName], acc, x));
        }
        const arities = Object.keys(entry).join(' or ');
        return fail('arity', `${fnName} takes ${arities} argument(s), got ${args.length}`, `${fnName}(`);
      }
      return applyChecked(g, opName, args, fail);
    }
    default:
      return fail('unsupported', `${node.type} is not supported`);
  }
}

const OPERATOR_OP: Readonly<Record<string, OpName>> = {
  add: 'add',
  subtract: 'sub',
  multiply: 'mul',
  divide: 'div',
  unaryMinus: 'neg',
  pow: 'pow',
};

function applyChecked(g: Graph, opName: OpName, args: number[], fail: Fail): number {
  const code = OP_CODE[opName];
  const arity = OP_ARITY[code] as number;
  if (arity === 0) {
    if (args.length === 0) return fail('arity', `${opName} needs at least one argument`, `${opName}(`);
    if (opName === 'sum' && args.length === 1) return args[0] as number;
    return g.applyN(code, args);
  }
  if (args.length !== arity) return fail('arity', `${opName} takes ${arity} argument(s), got ${args.length}`);
  return g.apply(code, args[0] as number, args[1] ?? 0);
}

/** The algebra of mathjs nodes. With `derivable`, ops that mathjs's derivative() lacks are expanded. */
export function mathjsAlgebra(options: { derivable?: readonly string[] } = {}): Algebra<MathNode> {
  const keep = (name: OpName) => options.derivable === undefined || options.derivable.includes(name);
  const a: Record<string, unknown> = {
    num: (c: number) =>
      c < 0 || Object.is(c, -0)
        ? new OperatorNode('-', 'unaryMinus', [new ConstantNode(-c)])
        : new ConstantNode(c),
  };
  for (const name of [...UNARY_OPS, ...BINARY_OPS]) {
    const def = OPS[name] as FixedOpDef;
    a[name] = (...xs: MathNode[]) => {
      if (def.mathjs !== null && (keep(name) || def.expand === undefined)) return mathjsNode(def.mathjs, xs);
      if (def.expand === undefined) throw new Error(`op ${name} has neither a mathjs name nor an expansion`);
      return def.expand(algebra, xs[0] as MathNode, xs[1] as MathNode);
    };
  }
  for (const name of NARY_OPS) {
    const def = OPS[name] as NaryOpDef;
    // mathjs's add needs two or more arguments: a sum of fewer is its expansion (the term, or 0).
    a[name] = (xs: readonly MathNode[]) =>
      name === 'sum' && xs.length >= 2
        ? new OperatorNode('+', 'add', xs.slice() as [MathNode, MathNode])
        : def.expand(algebra, xs);
  }
  const algebra = a as Algebra<MathNode>;
  return algebra;
}

function mathjsNode(fn: string, shared: MathNode[]): MathNode {
  // Shared subtrees are the same objects, which is how the tree stays as small as the DAG. But mathjs's
  // derivative() tells a product's factors apart by identity, so x·x with one object for both factors
  // differentiates to 2 instead of 2x: give each repeated argument of one node its own (shallow) copy.
  const args = shared.map((a, k) => (shared.indexOf(a) < k ? a.clone() : a));
  const sym = OPERATOR_SYMBOL[fn];
  if (sym !== undefined) return new OperatorNode(sym as never, fn as never, args);
  return new FunctionNode(new SymbolNode(fn), args);
}

/** The default algebra, made again when `registerOp` has added an op since (mathjsAlgebra reads the table). */
let defaultAlgebra = { ops: 0, algebra: undefined as Algebra<MathNode> | undefined };

function defaultMathjsAlgebra(): Algebra<MathNode> {
  if (defaultAlgebra.algebra === undefined || defaultAlgebra.ops !== OP_NAMES.length) {
    defaultAlgebra = { ops: OP_NAMES.length, algebra: mathjsAlgebra() };
  }
  return defaultAlgebra.algebra as Algebra<MathNode>;
}

/**
 * The equivalent mathjs expression tree of output `output` of a program (default 0). Shared nodes become
 * repeated subtrees, as a tree must; the repeated subtrees are the same (immutable) node objects, so the tree
 * costs memory in proportion to the DAG. Operations mathjs lacks (sigmoid, relu, ...) are written out with
 * ones it has.
 */
export function toMathjs(
  f: Program,
  output = 0,
  algebra: Algebra<MathNode> = defaultMathjsAlgebra(),
): MathNode {
  f = unrollFor(f, 'toMathjs');
  const root = f.outputs[output];
  if (root === undefined) throw new DifflabError('invalid-argument', `the function has no output ${output}`);
  const nodes: MathNode[] = new Array(root + 1);
  for (let i = 0; i <= root; i++) {
    const code = f.op[i] as number;
    if (code === CONST) nodes[i] = algebra.num(f.constants[f.a[i] as number] as number);
    else if (code === VAR) nodes[i] = new SymbolNode(f.variables[f.a[i] as number] as string);
    else {
      const name = OP_NAMES[code] as OpName;
      const def = OP_DEFS[code] as FixedOpDef | NaryOpDef;
      const args: MathNode[] = [];
      f.forEachArg(i, (arg) => args.push(nodes[arg] as MathNode));
      nodes[i] =
        def.arity === 'n'
          ? algebra[name as 'sum'](args)
          : def.arity === 1
            ? algebra[name as 'exp'](args[0] as MathNode)
            : algebra[name as 'add'](args[0] as MathNode, args[1] as MathNode);
    }
  }
  return nodes[root] as MathNode;
}
