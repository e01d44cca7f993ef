/**
 * Size metrics of a program, computed on the DAG in one pass over the program order. A loop call counts
 * as what it would be unrolled: its tree size and depth come from running the loop over sizes instead of
 * values (one body at a time, so nothing is unrolled in memory), its operations from {@link unrolledOps}.
 */
import { capturedInput, rowArg, unrolledOps } from './loop.js';
import { CONST, LOOP, OP_NAMES, type OpName, VAR } from './ops.js';
import type { LoopCall, Program } from './program.js';

/**
 * Where tree sizes stop counting: 2^1024, past the largest double. Exact sizes of a deep DAG have as many bits
 * as it is deep, so summing them costs O(depth²) time and memory (a 40,000-deep logistic map took 20 s and
 * 2.4 GB); saturating here keeps every size to 1,025 bits and the pass O(n).
 */
export const TREE_SIZE_LIMIT: bigint = 2n ** 1024n;

/** `a + b`, saturated at {@link TREE_SIZE_LIMIT}. */
function addSizes(a: bigint, b: bigint): bigint {
  const s = a + b;
  return s > TREE_SIZE_LIMIT ? TREE_SIZE_LIMIT : s;
}

export interface Metrics {
  /** Distinct nodes: the size with sharing (the program's length). */
  dagSize: number;
  /**
   * Nodes of the tree the expression would be with no sharing, loops unrolled: exact up to
   * {@link TREE_SIZE_LIMIT} (far past 2^53), and equal to it when the tree is at least that large.
   */
  treeSize: bigint;
  /** Edges on the longest path from an output to a leaf (a leaf has depth 0), loops unrolled. */
  depth: number;
  /** Number of nodes of each kind ('const', 'var', 'loop' and each op name that occurs). */
  opCounts: Partial<Record<OpName | 'const' | 'var' | 'loop', number>>;
  /** Operations of one evaluation with loops unrolled (the DAG's operations when there are no loops). */
  unrolledOps: number;
}

/**
 * The size metrics of `f`: DAG size, tree size (counting every output's tree), depth and counts by op.
 * An n-ary node counts as one node of the tree, plus its arguments' trees.
 */
export function metrics(f: Program): Metrics {
  const opCounts: Partial<Record<OpName | 'const' | 'var' | 'loop', number>> = {};
  for (let i = 0; i < f.size; i++) {
    const code = f.op[i] as number;
    const name =
      code === CONST ? 'const' : code === VAR ? 'var' : code === LOOP ? 'loop' : (OP_NAMES[code] as OpName);
    opCounts[name] = (opCounts[name] ?? 0) + 1;
  }
  const inputs = f.variables.map(() => 1n);
  const { tree, depth: depthOf } = sizes(f, inputs, new Int32Array(inputs.length));
  let treeSize = 0n;
  let depth = 0;
  for (const o of f.outputs) {
    treeSize = addSizes(treeSize, tree[o] as bigint);
    depth = Math.max(depth, depthOf[o] as number);
  }
  return { dagSize: f.size, treeSize, depth, opCounts, unrolledOps: unrolledOps(f) };
}

/** Tree size and depth of every node of `p`, its inputs' trees having the given sizes and depths. */
function sizes(
  p: Program,
  inputTree: readonly bigint[],
  inputDepth: Int32Array,
): { tree: bigint[]; depth: Int32Array } {
  const tree = new Array<bigint>(p.size);
  const depth = new Int32Array(p.size);
  for (let i = 0; i < p.inputStart; i++) tree[i] = 1n;
  for (let k = 0; k < p.variables.length; k++) {
    tree[p.inputStart + k] = inputTree[k] as bigint;
    depth[p.inputStart + k] = inputDepth[k] as number;
  }
  for (let i = p.opStart; i < p.size; i++) {
    if (p.op[i] === LOOP) {
      if (p.b[i] === 0) loopSizes(p.calls[p.a[i] as number] as LoopCall, tree, depth);
      continue;
    }
    let t = 1n;
    let d = 0;
    p.forEachArg(i, (arg) => {
      t = addSizes(t, tree[arg] as bigint);
      d = Math.max(d, (depth[arg] as number) + 1);
    });
    tree[i] = t;
    depth[i] = d;
  }
  return { tree, depth };
}

/** A call's outputs' tree sizes and depths, as its unrolled form (`unroll`) would have them. */
function loopSizes(call: LoopCall, tree: bigint[], depth: Int32Array): void {
  const { loop, args, first } = call;
  const { body, n, carry: c, width, perStep } = loop;
  const t = new Array<bigint>(body.variables.length).fill(1n);
  const d = new Int32Array(body.variables.length);
  const arg = (j: number, k: number) => {
    t[k] = tree[args[j] as number] as bigint;
    d[k] = depth[args[j] as number] as number;
  };
  for (let k = 0; k < c; k++) arg(k, k);
  const cap = capturedInput(loop);
  for (let k = 0; k < loop.captured; k++) arg(c + k, cap + k);
  const sums = new Array<bigint>(perStep).fill(0n);
  const deepest = new Int32Array(perStep);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < width; k++) {
      // A data row's value is a constant (size 1); an expression row's is its argument's tree.
      if (loop.rowArgs) arg(rowArg(loop, i) + k, c + k);
      else {
        t[c + k] = 1n;
        d[c + k] = 0;
      }
    }
    const s = sizes(body, t, d);
    const outs = body.outputs;
    for (let k = 0; k < c; k++) {
      t[k] = s.tree[outs[k] as number] as bigint;
      d[k] = s.depth[outs[k] as number] as number;
    }
    for (let k = 0; k < perStep; k++) {
      const o = outs[c + k] as number;
      if (loop.kind === 'scan') {
        tree[first + c + i * perStep + k] = s.tree[o] as bigint;
        depth[first + c + i * perStep + k] = s.depth[o] as number;
      } else {
        sums[k] = addSizes(sums[k] as bigint, s.tree[o] as bigint);
        deepest[k] = Math.max(deepest[k] as number, s.depth[o] as number);
      }
    }
  }
  for (let k = 0; k < c; k++) {
    tree[first + k] = t[k] as bigint;
    depth[first + k] = d[k] as number;
  }
  if (loop.kind === 'map') {
    // The unrolled reduction: one n-ary node over the rows (a lone row's sum is the row itself; none is 0).
    const single = n === 1 && loop.reduce === 'sum';
    for (let k = 0; k < perStep; k++) {
      tree[first + k] = n === 0 ? 1n : single ? (sums[k] as bigint) : addSizes(1n, sums[k] as bigint);
      depth[first + k] = n === 0 ? 0 : single ? (deepest[k] as number) : (deepest[k] as number) + 1;
    }
  }
}
