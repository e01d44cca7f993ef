/**
 * The two parts of a program split at a cut: the inner program (the inputs → the cut nodes) and the outer
 * program (the cut nodes, as its inputs → the outputs). Each is a program of its own, so forward and reverse
 * mode run on it unchanged.
 */
import { CONST, DifflabError, LOOP, type LoopCall, OP_ARITY, Program, VAR } from '../ir/index.js';

/**
 * The program computing `outputs` of f from `inputs` (nodes of f that become the new program's inputs, in
 * order, named `names`): the nodes the outputs need, found by one descending pass that stops at the inputs.
 * Every variable of f the outputs need must be among the inputs (a cut separates them from the outputs).
 */
export function subprogram(
  f: Program,
  inputs: readonly number[],
  names: readonly string[],
  outputs: readonly number[],
): Program<Float64Array> {
  const isInput = new Int32Array(f.size).fill(-1);
  inputs.forEach((node, k) => {
    isInput[node] = k;
  });
  const needed = new Uint8Array(f.size);
  for (const o of outputs) needed[o] = 1;
  for (let i = f.size - 1; i >= 0; i--) {
    if (needed[i] !== 1 || (isInput[i] as number) >= 0) continue;
    if (f.op[i] === VAR) {
      throw new DifflabError(
        'invalid-argument',
        `internal: the part needs input '${f.variables[f.a[i] as number]}', which the cut should separate`,
      );
    }
    // A loop call's outputs stay together (consecutive nodes of one call): one needed, all needed.
    if (f.op[i] === LOOP) {
      const call = f.calls[f.a[i] as number] as LoopCall;
      needed.fill(1, call.first, call.first + call.loop.outputs);
    }
    f.forEachArg(i, (arg) => {
      needed[arg] = 1;
    });
  }
  // New indices: the constants, then the inputs in the given order, then the operations in f's order.
  const index = new Int32Array(f.size).fill(-1);
  let next = 0;
  const constants: number[] = [];
  for (let i = 0; i < f.inputStart; i++) {
    if (needed[i] !== 1 || (isInput[i] as number) >= 0) continue;
    index[i] = next++;
    constants.push(f.constants[f.a[i] as number] as number);
  }
  for (const node of inputs) index[node] = next++;
  const ops: number[] = [];
  let argCount = 0;
  for (let i = f.opStart; i < f.size; i++) {
    if (needed[i] !== 1 || (isInput[i] as number) >= 0) continue;
    index[i] = next++;
    ops.push(i);
    if (f.op[i] !== LOOP && OP_ARITY[f.op[i] as number] === 0) argCount += f.b[i] as number;
  }
  const size = next;
  const op = new Uint8Array(size);
  const a = new Int32Array(size);
  const b = new Int32Array(size);
  const args = new Int32Array(argCount);
  for (let k = 0; k < constants.length; k++) {
    op[k] = CONST;
    a[k] = k;
  }
  inputs.forEach((_, k) => {
    op[constants.length + k] = VAR;
    a[constants.length + k] = k;
  });
  let argNext = 0;
  const calls: LoopCall[] = [];
  for (const i of ops) {
    const j = index[i] as number;
    const code = f.op[i] as number;
    op[j] = code;
    if (code === LOOP) {
      // Outputs of one call are consecutive here as in f: the first opens the call, the others follow it.
      const call = f.calls[f.a[i] as number] as LoopCall;
      if (f.b[i] === 0) {
        calls.push({
          loop: call.loop,
          args: Int32Array.from(call.args, (arg) => index[arg] as number),
          first: j,
        });
      }
      a[j] = calls.length - 1;
      b[j] = f.b[i] as number;
      continue;
    }
    const arity = OP_ARITY[code] as number;
    if (arity === 0) {
      const start = f.a[i] as number;
      const count = f.b[i] as number;
      a[j] = argNext;
      b[j] = count;
      for (let k = 0; k < count; k++) args[argNext++] = index[f.args[start + k] as number] as number;
    } else {
      a[j] = index[f.a[i] as number] as number;
      if (arity === 2) b[j] = index[f.b[i] as number] as number;
    }
  }
  return new Program({
    variables: names,
    op,
    a,
    b,
    args,
    constants: Float64Array.from(constants),
    outputs: Int32Array.from(outputs, (o) => index[o] as number),
    scalar: false,
    calls,
  }) as Program<Float64Array>;
}
