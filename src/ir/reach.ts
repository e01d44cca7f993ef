/**
 * Which inputs of a program each of its outputs depends on, by the program's structure (not its numbers).
 *
 * The zero-factor rule (ops.ts) marks a tangent or adjoint that no seed reaches as −0. The compiled sweeps
 * without zero tests give the rule's numbers where they meet no ∞ or NaN, but start every tangent and adjoint
 * at +0, so they lose that mark. Inside one program that does not matter (the numbers are right), but a loop
 * body's tangents and adjoints cross into the next iteration and out to the shared inputs, where the mark
 * decides whether a zero meeting an infinite partial is NaN: the loop code sets the marks again from this.
 */
import { cachedFor } from './differentiator.js';
import type { Program } from './program.js';

const reaches = new WeakMap<Program, Uint8Array>();

/** Flags `[output · inputs + input]`: 1 where output k depends on input j through the program's nodes. */
export function dependence(f: Program): Uint8Array {
  return cachedFor(reaches, f, () => {
    const nIn = f.variables.length;
    const outs = f.outputs;
    const reach = new Uint8Array(outs.length * nIn);
    const mark = new Uint8Array(f.size);
    const set = (arg: number) => {
      mark[arg] = 1;
    };
    for (let k = 0; k < outs.length; k++) {
      mark.fill(0);
      mark[outs[k] as number] = 1;
      for (let i = f.size - 1; i >= f.opStart; i--) if (mark[i] === 1) f.forEachArg(i, set);
      for (let j = 0; j < nIn; j++) reach[k * nIn + j] = mark[f.inputStart + j] as number;
    }
    return reach;
  });
}
