/**
 * A scan's backward steps over the part of its body that the touched outputs reach. In ode's gradient of one
 * component, the adjoint of the last carry entry reaches, in the last step, the few entries RK4 couples it to,
 * and four more per step back: a few hundred of the body's 2.2·10⁶ nodes at n = 10⁵. A sweep over the whole
 * body computes zeros almost everywhere, and the passes over every carry and captured value around it cost
 * more than the reached part.
 *
 * Here a step walks from the touched outputs to the nodes they reach, computes those nodes' values in
 * ascending order and their adjoints in descending order by the interpreter's rules, and passes on only the
 * reached inputs' adjoints. These are the numbers of the interpreter's sweep over every node, to the bit: a node
 * no touched output reaches keeps an untouched adjoint there and sends nothing (the zero-factor rule,
 * src/ir/ops.ts), and an untouched adjoint added to a sum (a carry's, a captured value's) leaves it as it was.
 * Both backends run these steps where the reached part is small; the compiled sweeps over every node, where
 * it is not.
 */
import { cachedFor } from '../../ir/differentiator.js';
import { capturedInput, rowInput } from '../../ir/loop.js';
import {
  isUntouched,
  type NaryOpDef,
  NUMERIC_PARTIALS,
  OP_ARITY,
  OP_CODE,
  OP_DEFS,
  UNTOUCHED,
} from '../../ir/ops.js';
import type { LoopCall, Program } from '../../ir/program.js';
import { dotAdjoint, dotHalves, type Tape } from './adjoint.js';
import { primalNode, setIteration } from './primal.js';

type Rule = (x: number, y: number, z: number) => number;

const { sum: SUM, dot: DOT } = OP_CODE;

/**
 * The largest reached part, as a fraction of the body's operation nodes, that the steps over it run for: a node
 * costs them more (a lookup in a list, the op's rule called from the table) than the generated sweeps over
 * every node spend on one.
 */
const REACHED_FRACTION = 1 / 8;

/** The operation nodes the touched outputs reach, ascending, and the inputs they reach, ascending. */
export interface ReachedPart {
  readonly nodes: Int32Array;
  readonly inputs: Int32Array;
}

/** Per body, the walk's node marks (all 0 between walks) and its lists of reached operation nodes and inputs. */
interface Walk {
  readonly mark: Uint8Array;
  readonly nodes: Int32Array;
  readonly inputs: Int32Array;
}

const walks = new WeakMap<Program, Walk>();

function walkOf(body: Program): Walk {
  return cachedFor(walks, body, () => ({
    mark: new Uint8Array(body.size),
    nodes: new Int32Array(body.size - body.opStart),
    inputs: new Int32Array(body.opStart - body.inputStart),
  }));
}

/**
 * The part of `body` that outputs `outputs[0 .. count − 1]` (indices into body.outputs) depend on; undefined when
 * its operation nodes are more than {@link REACHED_FRACTION} of the body's (the walk stops there, so it never
 * costs more). The arrays are the body's own, valid until the next walk.
 */
export function reachedPart(body: Program, outputs: Int32Array, count: number): ReachedPart | undefined {
  const walk = walkOf(body);
  const { mark, nodes, inputs } = walk;
  const limit = Math.floor((body.size - body.opStart) * REACHED_FRACTION);
  const { inputStart, opStart } = body;
  let n = 0;
  let m = 0;
  let over = false;
  const reach = (node: number) => {
    if (node < inputStart || mark[node] === 1) return;
    mark[node] = 1;
    if (node < opStart) inputs[m++] = node;
    else if (n === limit) over = true;
    else nodes[n++] = node;
  };
  for (let k = 0; k < count; k++) reach(body.outputs[outputs[k] as number] as number);
  // Each listed node marks its arguments once: the list grows as it is read.
  for (let p = 0; p < n && !over; p++) body.forEachArg(nodes[p] as number, reach);
  if (over) {
    // The node that did not fit is marked but not listed: clear every mark (a walk this long ends the steps).
    mark.fill(0);
    return undefined;
  }
  for (let p = 0; p < n; p++) mark[nodes[p] as number] = 0;
  for (let p = 0; p < m; p++) mark[inputs[p] as number] = 0;
  return { nodes: nodes.subarray(0, n).sort(), inputs: inputs.subarray(0, m).sort() };
}

/**
 * The backward steps over the reached part of one scan call, iteration by iteration from the last, on the
 * state of its backward sweep (interpret/adjoint-loop.ts's backwardCall): the carry's adjoints `cbar` (untouched
 * where nothing reached), the captured values' sums `gCap`, and the enclosing program's values `v` and adjoints
 * `adj` (the per-iteration outputs'). Each step reads and writes only what its reached part holds, so `cbar`
 * is kept whole and the caller's sweep over every node may take over at any step.
 */
export class ReachedSteps {
  /** False once a step's reached part was too large: as the touched outputs mostly grow from one step to the
   * one before (ode's), the walks stop for the rest of the call. */
  private on: boolean;
  /** The carries whose adjoints in `cbar` are touched, ascending: `count` of them, or −1 before the first step. */
  private readonly carries: Int32Array;
  private count = -1;
  /** The touched outputs of a step (indices into the body's outputs), carries first. */
  private readonly outputs: Int32Array;

  constructor(
    private readonly call: LoopCall,
    private readonly tape: Tape,
    private readonly v: Float64Array,
    private readonly adj: Float64Array,
    private readonly cbar: Float64Array,
    private readonly gCap: Float64Array,
  ) {
    const { body, carry } = call.loop;
    this.on = body.calls.length === 0;
    this.carries = new Int32Array(carry);
    this.outputs = new Int32Array(body.outputs.length);
  }

  /**
   * Iteration i's backward step from its carry at `carries[at …]`: true when it ran over its reached part (the
   * row's adjoints are then in the tape's, untouched where not reached), false, with nothing done, when the
   * part is too large.
   */
  step(i: number, carries: Float64Array, at: number): boolean {
    if (!this.on) return false;
    const { call, cbar } = this;
    const { loop, first } = call;
    const { body, carry: c, perStep } = loop;
    const in0 = body.inputStart;
    if (this.count < 0) this.count = touchedCarries(cbar, this.carries);
    let m = 0;
    for (let p = 0; p < this.count; p++) this.outputs[m++] = this.carries[p] as number;
    const base = first + c + i * perStep;
    for (let k = 0; k < perStep; k++)
      if (!isUntouched(this.adj[base + k] as number)) this.outputs[m++] = c + k;
    const part = reachedPart(body, this.outputs, m);
    if (part === undefined) {
      this.on = false;
      return false;
    }
    const { values: bv, adjoints: badj } = this.tape;
    for (let p = 0; p < part.inputs.length; p++) {
      const k = (part.inputs[p] as number) - in0;
      if (k < c) bv[in0 + k] = carries[at + k] as number;
    }
    setIteration(call, this.v, bv, in0, i);
    for (let p = 0; p < part.nodes.length; p++) {
      const node = part.nodes[p] as number;
      primalNode(body, bv, node, body.op[node] as number);
    }
    startAdjoints(in0 + rowInput(loop), loop.width, part, badj);
    // The seeds, in the order of backwardCall's: the carries', then the iteration's outputs'.
    for (let p = 0; p < m; p++) {
      const k = this.outputs[p] as number;
      const o = body.outputs[k] as number;
      badj[o] = (badj[o] as number) + (k < c ? (cbar[k] as number) : (this.adj[base + k - c] as number));
    }
    reachedAdjoints(body, part.nodes, bv, badj);
    this.passOn(part.inputs, badj);
    return true;
  }

  /** The reached inputs' adjoints: the carries' into `cbar` (the others untouched), the captured values' summed. */
  private passOn(inputs: Int32Array, badj: Float64Array): void {
    const { cbar, gCap, carries } = this;
    const { body, carry: c } = this.call.loop;
    const in0 = body.inputStart;
    const cap = in0 + capturedInput(this.call.loop);
    for (let p = 0; p < this.count; p++) cbar[carries[p] as number] = UNTOUCHED;
    this.count = 0;
    for (let p = 0; p < inputs.length; p++) {
      const node = inputs[p] as number;
      if (node < in0 + c) {
        carries[this.count++] = node - in0;
        cbar[node - in0] = badj[node] as number;
      } else if (node >= cap && node < cap + gCap.length)
        gCap[node - cap] = (gCap[node - cap] as number) + (badj[node] as number);
    }
  }
}

/** Lists the carries whose adjoints in `cbar` are touched, ascending, into `into`; returns how many. */
function touchedCarries(cbar: Float64Array, into: Int32Array): number {
  let count = 0;
  for (let k = 0; k < cbar.length; k++) if (!isUntouched(cbar[k] as number)) into[count++] = k;
  return count;
}

/**
 * Sets untouched the adjoints a step reads before it writes them: its reached nodes and inputs, and every row
 * input (the caller passes every row entry's adjoint on). An output that is a constant node is seeded too, but
 * no one reads a constant's adjoint.
 */
function startAdjoints(r0: number, width: number, part: ReachedPart, badj: Float64Array): void {
  for (let p = 0; p < part.nodes.length; p++) badj[part.nodes[p] as number] = UNTOUCHED;
  for (let p = 0; p < part.inputs.length; p++) badj[part.inputs[p] as number] = UNTOUCHED;
  badj.fill(UNTOUCHED, r0, r0 + width);
}

/**
 * The backward sweep over `nodes`, last first, by the interpreter's rules (interpret/adjoint.ts's adjointNodes,
 * with each op's partials from the table: add's 1 and sub's −1 give there the numbers of its sums written out,
 * since a reached adjoint is never −0).
 */
function reachedAdjoints(body: Program, nodes: Int32Array, v: Float64Array, adj: Float64Array): void {
  const { op, a, b, args } = body;
  const c0 = body.inputStart;
  const halves = dotHalves(body);
  for (let p = nodes.length - 1; p >= 0; p--) {
    const i = nodes[p] as number;
    const g = adj[i] as number;
    if (isUntouched(g)) continue;
    const code = op[i] as number;
    const arity = OP_ARITY[code];
    if (arity === 1 || arity === 2) {
      const partials = NUMERIC_PARTIALS[code] as readonly Rule[];
      const xi = a[i] as number;
      const yi = arity === 2 ? (b[i] as number) : -1;
      const xv = v[xi] as number;
      const yv = arity === 2 ? (v[yi] as number) : 0;
      const z = v[i] as number;
      if (xi >= c0) adj[xi] = (adj[xi] as number) + (g * (partials[0] as Rule)(xv, yv, z) + 0);
      if (yi >= c0) adj[yi] = (adj[yi] as number) + (g * (partials[1] as Rule)(xv, yv, z) + 0);
    } else if (code === SUM) {
      const start = a[i] as number;
      for (let k = start; k < start + (b[i] as number); k++) {
        const xi = args[k] as number;
        if (xi >= c0) adj[xi] = (adj[xi] as number) + g;
      }
    } else if (code === DOT) {
      dotAdjoint(v, adj, args, a[i] as number, (b[i] as number) >> 1, g, c0, halves[i] as number);
    } else {
      const start = a[i] as number;
      const count = b[i] as number;
      const partial = (OP_DEFS[code] as NaryOpDef).numericPartial;
      const z = v[i] as number;
      for (let k = 0; k < count; k++) {
        const xi = args[start + k] as number;
        if (xi >= c0) adj[xi] = (adj[xi] as number) + (g * partial(v, args, start, count, z, k) + 0);
      }
    }
  }
}
