/**
 * Size metrics of a program, computed on the DAG in one pass over the program order.
 */
import { CONST, OP_NAMES, type OpName, VAR } from './ops.js';
import type { Program } from './program.js';

export interface Metrics {
  /** Distinct nodes: the size with sharing (the program's length). */
  dagSize: number;
  /** Nodes of the tree the expression would be with no sharing, exactly (it can exceed 2^53). */
  treeSize: bigint;
  /** Edges on the longest path from an output to a leaf (a leaf has depth 0). */
  depth: number;
  /** Number of nodes of each kind ('const', 'var' and each op name that occurs). */
  opCounts: Partial<Record<OpName | 'const' | 'var', number>>;
}

/**
 * The size metrics of `f`: DAG size, tree size (counting every output's tree), depth and counts by op.
 * An n-ary node counts as one node of the tree, plus its arguments' trees.
 */
export function metrics(f: Program): Metrics {
  const tree = new Array<bigint>(f.size);
  const depthOf = new Int32Array(f.size);
  const opCounts: Partial<Record<OpName | 'const' | 'var', number>> = {};
  for (let i = 0; i < f.size; i++) {
    const code = f.op[i] as number;
    const name = code === CONST ? 'const' : code === VAR ? 'var' : (OP_NAMES[code] as OpName);
    opCounts[name] = (opCounts[name] ?? 0) + 1;
    let t = 1n;
    let d = 0;
    f.forEachArg(i, (arg) => {
      t += tree[arg] as bigint;
      d = Math.max(d, (depthOf[arg] as number) + 1);
    });
    tree[i] = t;
    depthOf[i] = d;
  }
  let treeSize = 0n;
  let depth = 0;
  for (const o of f.outputs) {
    treeSize += tree[o] as bigint;
    depth = Math.max(depth, depthOf[o] as number);
  }
  return { dagSize: f.size, treeSize, depth, opCounts };
}
