/**
 * The narrowest cut of a program between its inputs and its outputs: a minimum vertex separator of the DAG,
 * by max-flow/min-cut on the split-vertex graph (Menger). Each node v on a path from an input to an output
 * becomes v_in → v_out with capacity 1; each argument edge u → v becomes u_out → v_in with unbounded capacity;
 * a super-source feeds the inputs' v_in and the outputs' v_out drain to a super-sink. The maximum flow is the
 * number of vertex-disjoint input–output paths, and the nodes whose split edge crosses the minimum cut are a
 * separator of that size: every path from an input to an output passes through one of them.
 *
 * A loop call (a map or scan, src/ir/loop.ts) is one vertex whose capacity is its number of outputs: the cut
 * may pass through it (then all its outputs are cut nodes) but not inside it.
 *
 * Edmonds–Karp with breadth-first searches over typed arrays: no recursion. Every augmenting path crosses a
 * split edge, so each adds at least one unit; there are at most min(n, m) of them (the inputs are a cut), each
 * an O(V + E) search.
 */
import { LOOP, type LoopCall, type Program } from '../ir/index.js';
import { reachesOutputs } from '../sweeps/index.js';

/** A minimum vertex separator of a program, in program order. */
export interface Cut {
  /** The separating nodes (program indices), ascending. */
  readonly nodes: Int32Array;
  /** Nodes of the split-vertex graph's searches visited, all searches together (the cost of finding the cut). */
  readonly visits: number;
}

const INF = 0x3fffffff;

/** The nodes on some path from an input to an output: reached from an input and reaching an output. */
export function pathNodes(f: Program): Uint8Array {
  const from = new Uint8Array(f.size);
  for (let i = f.inputStart; i < f.opStart; i++) from[i] = 1;
  for (let i = f.opStart; i < f.size; i++) {
    f.forEachArg(i, (arg) => {
      if (from[arg] === 1) from[i] = 1;
    });
  }
  const to = reachesOutputs(f);
  const on = new Uint8Array(f.size);
  for (let i = 0; i < f.size; i++) on[i] = from[i] === 1 && to[i] === 1 ? 1 : 0;
  return on;
}

/** A flow network in adjacency lists over typed arrays; edge e's reverse is e ^ 1. */
class Network {
  readonly head: Int32Array;
  to: Int32Array;
  next: Int32Array;
  cap: Int32Array;
  edges = 0;

  constructor(vertices: number, expectedEdges: number) {
    this.head = new Int32Array(vertices).fill(-1);
    const size = Math.max(16, 2 * expectedEdges);
    this.to = new Int32Array(size);
    this.next = new Int32Array(size);
    this.cap = new Int32Array(size);
  }

  /** An edge u → v of capacity c and its residual twin v → u of capacity 0. */
  add(u: number, v: number, c: number): void {
    if (this.edges + 2 > this.to.length) this.grow();
    this.link(u, v, c);
    this.link(v, u, 0);
  }

  private link(u: number, v: number, c: number): void {
    const e = this.edges++;
    this.to[e] = v;
    this.cap[e] = c;
    this.next[e] = this.head[u] as number;
    this.head[u] = e;
  }

  private grow(): void {
    const size = this.to.length * 2;
    const copy = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.to = copy(this.to);
    this.next = copy(this.next);
    this.cap = copy(this.cap);
  }
}

/**
 * A minimum vertex separator between f's inputs and outputs. Of the minimum ones it returns the one nearest
 * the inputs (the nodes whose v_in the last search reaches and whose v_out it does not).
 */
export function minimumCut(f: Program): Cut {
  const on = pathNodes(f);
  // A loop call is one vertex (its first output's), as wide as its outputs: a cut through it cuts them all.
  for (let i = f.opStart; i < f.size; i++) if (on[i] === 1 && f.op[i] === LOOP) on[callOf(f, i).first] = 1;
  // Vertex 2k is node k's v_in and 2k + 1 its v_out; the source and sink come last.
  const source = 2 * f.size;
  const sink = source + 1;
  const net = new Network(sink + 1, f.size + f.args.length);
  for (let i = f.inputStart; i < f.size; i++) {
    if (on[i] !== 1) continue;
    const loop = f.op[i] === LOOP;
    if (loop && callOf(f, i).first !== i) continue;
    net.add(2 * i, 2 * i + 1, loop ? callOf(f, i).loop.outputs : 1);
    if (i < f.opStart) net.add(source, 2 * i, INF);
    f.forEachArg(i, (arg) => {
      if (on[arg] === 1) net.add(2 * vertexOf(f, arg) + 1, 2 * i, INF);
    });
  }
  for (const o of f.outputs) if (on[o] === 1) net.add(2 * vertexOf(f, o) + 1, sink, INF);

  const parent = new Int32Array(sink + 1);
  const queue = new Int32Array(sink + 1);
  let visits = 0;
  for (;;) {
    const reached = search(net, source, sink, parent, queue);
    visits += reached.visited;
    if (!reached.found) break;
    // The path's bottleneck: 1 at a node, a loop call's width at a call.
    let flow = INF;
    for (let v = sink; v !== source; v = net.to[(parent[v] as number) ^ 1] as number)
      flow = Math.min(flow, net.cap[parent[v] as number] as number);
    for (let v = sink; v !== source; ) {
      const e = parent[v] as number;
      net.cap[e] = (net.cap[e] as number) - flow;
      net.cap[e ^ 1] = (net.cap[e ^ 1] as number) + flow;
      v = net.to[e ^ 1] as number;
    }
  }
  // After the last search, parent[v] ≠ UNSEEN marks the vertices the source still reaches.
  const nodes: number[] = [];
  for (let i = f.inputStart; i < f.size; i++) {
    if (on[i] !== 1 || (parent[2 * i] as number) === UNSEEN || (parent[2 * i + 1] as number) !== UNSEEN)
      continue;
    if (f.op[i] !== LOOP) nodes.push(i);
    else for (let k = 0; k < callOf(f, i).loop.outputs; k++) nodes.push(i + k);
  }
  return { nodes: Int32Array.from(nodes), visits };
}

/** The loop call an output node of code LOOP belongs to. */
function callOf(f: Program, i: number): LoopCall {
  return f.calls[f.a[i] as number] as LoopCall;
}

/** The vertex of node i: its own, or for a loop call's output the call's (its first output's). */
function vertexOf(f: Program, i: number): number {
  return f.op[i] === LOOP ? callOf(f, i).first : i;
}

const UNSEEN = -2;

/** A breadth-first search of the residual network; `parent[v]` is the edge into v (−1 at the source). */
function search(
  net: Network,
  source: number,
  sink: number,
  parent: Int32Array,
  queue: Int32Array,
): { found: boolean; visited: number } {
  parent.fill(UNSEEN);
  parent[source] = -1;
  let read = 0;
  let write = 0;
  queue[write++] = source;
  while (read < write) {
    const u = queue[read++] as number;
    for (let e = net.head[u] as number; e !== -1; e = net.next[e] as number) {
      const v = net.to[e] as number;
      if ((net.cap[e] as number) <= 0 || parent[v] !== UNSEEN) continue;
      parent[v] = e;
      if (v === sink) return { found: true, visited: read };
      queue[write++] = v;
    }
  }
  return { found: false, visited: read };
}
