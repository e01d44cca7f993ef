/**
 * Reach by structure (src/sweeps/zero-factor.ts): the one-pass unions (one set of inputs or 32 as bits) and the output-by-input flags of `dependence`
 * against a reference written here, a depth-first search from each output over the program's arguments.
 */
import { describe, expect, it } from 'vitest';
import { type Expr, mapReduce, type Program, program, variable, withGraph } from '../../src/index.js';
import {
  dependence,
  inputsReaching,
  outputsReachedBy,
  outputsReachedByLanes,
} from '../../src/sweeps/index.js';

/** Five outputs over six inputs, with shared subterms, a dead input and a loop call. */
function sample() {
  return withGraph(() => {
    const x = [0, 1, 2, 3, 4, 5].map((i) => variable(`x${i}`));
    const [a, b, c, d, e] = x as [Expr, Expr, Expr, Expr, Expr];
    const s = a.mul(b).sin();
    const m = mapReduce(3, (_row, i) => c.mul(i).exp());
    return program([s, s.add(c), m, d.sqrt(), b.sub(b).mul(e)], { variables: x });
  });
}

/** Flags `[output · inputs + input]` by a search from each output: the reference for reach.ts. */
function searched(f: Program): Uint8Array {
  const nIn = f.variables.length;
  const flags = new Uint8Array(f.outputs.length * nIn);
  f.outputs.forEach((o, k) => {
    const seen = new Set<number>();
    const stack = [o];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      if (seen.has(i)) continue;
      seen.add(i);
      if (i >= f.inputStart && i < f.inputStart + nIn) flags[k * nIn + i - f.inputStart] = 1;
      if (i >= f.opStart) f.forEachArg(i, (arg) => stack.push(arg));
    }
  });
  return flags;
}

describe('reach by structure', () => {
  const f = sample();
  const nIn = f.variables.length;
  const nOut = f.outputs.length;
  const flags = searched(f);

  it('dependence gives the searched flags', () => {
    expect(dependence(f)).toEqual(flags);
  });

  it('inputsReaching is the union of dependence’s rows, for every set of outputs', () => {
    for (let mask = 0; mask < 1 << nOut; mask++) {
      const outs = Uint8Array.from({ length: nOut }, (_, k) => (mask >> k) & 1);
      const want = Uint8Array.from({ length: nIn }, (_, j) => {
        let r = 0;
        for (let k = 0; k < nOut; k++) if (outs[k] === 1) r |= flags[k * nIn + j] as number;
        return r;
      });
      expect(inputsReaching(f, outs)).toEqual(want);
    }
  });

  it('outputsReachedBy is the union of dependence’s columns, for every set of inputs', () => {
    for (let mask = 0; mask < 1 << nIn; mask++) {
      const ins = Uint8Array.from({ length: nIn }, (_, j) => (mask >> j) & 1);
      const want = Uint8Array.from({ length: nOut }, (_, k) => {
        let r = 0;
        for (let j = 0; j < nIn; j++) if (ins[j] === 1) r |= flags[k * nIn + j] as number;
        return r;
      });
      expect(outputsReachedBy(f, ins)).toEqual(want);
    }
  });

  it('outputsReachedByLanes gives every set of inputs at once, one bit each (32 sets a call, bit 31 included)', () => {
    const sets = 1 << nIn;
    for (let s0 = 0; s0 < sets; s0 += 32) {
      // Bit j of input i's word: input i is in set s0 + j.
      const words = Int32Array.from({ length: nIn }, (_, i) => {
        let bits = 0;
        for (let j = 0; j < 32 && s0 + j < sets; j++) if (((s0 + j) >> i) & 1) bits |= 1 << j;
        return bits;
      });
      const got = outputsReachedByLanes(f, words);
      for (let j = 0; j < 32 && s0 + j < sets; j++) {
        const want = Uint8Array.from({ length: nOut }, (_, k) => {
          let r = 0;
          for (let i = 0; i < nIn; i++) if (((s0 + j) >> i) & 1) r |= flags[k * nIn + i] as number;
          return r;
        });
        expect(Uint8Array.from(got, (word) => (word >>> j) & 1)).toEqual(want);
      }
    }
  });

  it('the sample has what the checks need: a dead input, and reach by structure rather than by value', () => {
    // x5 reaches nothing; b − b still depends on b by structure (the flags are not about values).
    expect(inputsReaching(f, new Uint8Array(nOut).fill(1))).toEqual(Uint8Array.of(1, 1, 1, 1, 1, 0));
  });
});
