/**
 * Which inputs of a program each of its outputs depends on, by the program's structure (not its numbers).
 *
 * The zero-factor rule (ops.ts) marks a tangent or adjoint that no seed reaches as −0. The compiled sweeps
 * without zero tests give the rule's numbers where they meet no ∞ or NaN, but start every tangent and adjoint
 * at +0, so they lose that mark. Inside one program that does not matter (the numbers are right), but a loop
 * body's tangents and adjoints cross into the next iteration and out to the shared inputs, where the mark
 * decides whether a zero meeting an infinite partial is NaN: the loop code sets the marks again from this
 * (zero-factor.ts).
 */
import { cachedFor } from '../ir/differentiator.js';
import type { Program } from '../ir/program.js';

const reaches = new WeakMap<Program, Uint8Array>();

/** Flags `[output · inputs + input]`: 1 where output k depends on input j through the program's nodes. */
export function dependence(f: Program): Uint8Array {
  return cachedFor(reaches, f, () => {
    const nIn = f.variables.length;
    const outs = f.outputs;
    const reach = new Uint8Array(outs.length * nIn);
    const mark = new Uint8Array(f.size);
    for (let k = 0; k < outs.length; k++) {
      mark.fill(0);
      mark[outs[k] as number] = 1;
      markReaching(f, mark);
      reach.set(mark.subarray(f.inputStart, f.inputStart + nIn), k * nIn);
    }
    return reach;
  });
}

/** Flags by node: 1 where the node reaches an output through the program's nodes (the outputs included). */
export function reachesOutputs(f: Program): Uint8Array {
  const mark = new Uint8Array(f.size);
  for (const o of f.outputs) mark[o] = 1;
  markReaching(f, mark);
  return mark;
}

/** Marks every node that reaches a marked one: one descending pass, each marked node marking its arguments. */
function markReaching(f: Program, mark: Uint8Array): void {
  const set = (arg: number) => {
    mark[arg] = 1;
  };
  for (let i = f.size - 1; i >= f.opStart; i--) if (mark[i] === 1) f.forEachArg(i, set);
}

/** Per program, a visit list and node marks for {@link inputsReaching}, all marks 0 between calls. */
const walks = new WeakMap<Program, { mark: Uint8Array; visit: Int32Array }>();

/**
 * Flags by input: 1 where the input reaches one of the flagged outputs through the program's nodes: the union
 * of {@link dependence}'s rows without building them (a body with thousands of outputs and inputs, ode's,
 * would need outputs × inputs flags). A walk from the flagged outputs through the nodes they reach, so its
 * cost is that of the reached part: a scan's backward sweep asks once per iteration, and in ode's gradient of
 * one component the reached part is a few hundred of the body's 220,000 nodes (n = 10,000).
 */
export function inputsReaching(f: Program, outputs: Uint8Array): Uint8Array {
  const { mark, visit } = cachedFor(walks, f, () => ({
    mark: new Uint8Array(f.size),
    visit: new Int32Array(f.size),
  }));
  let count = 0;
  const reach = (node: number) => {
    if (mark[node] === 1) return;
    mark[node] = 1;
    visit[count++] = node;
  };
  for (let k = 0; k < outputs.length; k++) if (outputs[k] === 1) reach(f.outputs[k] as number);
  // Each marked node is listed once and its arguments marked once: the list grows as it is read.
  for (let p = 0; p < count; p++) {
    const node = visit[p] as number;
    if (node >= f.opStart) f.forEachArg(node, reach);
  }
  const reached = mark.slice(f.inputStart, f.inputStart + f.variables.length);
  for (let p = 0; p < count; p++) mark[visit[p] as number] = 0;
  return reached;
}

/** Flags by output: 1 where one of the flagged inputs reaches the output. One ascending pass over the program. */
export function outputsReachedBy(f: Program, inputs: Uint8Array): Uint8Array {
  // One set of inputs: bit 0 of the sets' pass.
  const reached = outputsReachedByLanes(f, Int32Array.from(inputs));
  const out = new Uint8Array(reached.length);
  for (let k = 0; k < reached.length; k++) out[k] = (reached[k] as number) & 1;
  return out;
}

/**
 * {@link outputsReachedBy} for up to 32 sets of inputs at once: bit j of `inputs[i]` flags input i in set j, and
 * bit j of the result's entry k that output k is reached from set j. One ascending pass over the program (a
 * tangent sweep's lanes are its sets: the inputs each lane seeds).
 */
export function outputsReachedByLanes(f: Program, inputs: Int32Array): Int32Array {
  const mark = new Int32Array(f.size);
  mark.set(inputs, f.inputStart);
  let any = 0;
  const read = (arg: number) => {
    any |= mark[arg] as number;
  };
  for (let i = f.opStart; i < f.size; i++) {
    any = 0;
    f.forEachArg(i, read);
    mark[i] = any;
  }
  return Int32Array.from(f.outputs, (o) => mark[o] as number);
}
