/**
 * A program evaluated over nested numbers: the same ascending loop as the primal sweep, with every operation
 * taken from the nested-number algebra, so a program built with the builder can sit inside nested
 * derivatives (its inputs carrying the perturbations of any number of enclosing forward or reverse passes).
 */
import { DifflabError } from '../ir/errors.js';
import { unrollFor } from '../ir/loop.js';
import { CONST, forEachOp, OP_ARITY, VAR } from '../ir/ops.js';
import type { Program } from '../ir/program.js';
import { NUM, type Num } from './num.js';

type NumOp = (x: Num, y?: Num) => Num;
type NaryNumOp = (xs: readonly Num[]) => Num;
/** Each op's function on nested numbers, by code (registered ops too). */
const OP_ON_NUMS: NumOp[] = [];
forEachOp((name, code) => {
  OP_ON_NUMS[code] = NUM[name] as NumOp;
});

/** Evaluates every output of `f` at nested numbers `xs` (in `f.variables` order). */
export function evaluateNested(f: Program, xs: readonly Num[]): Num[] {
  f = unrollFor(f, 'nested differentiation');
  if (xs.length !== f.variables.length) {
    throw new DifflabError(
      'bad-point',
      `the point has ${xs.length} values but the function has ${f.variables.length} variables`,
    );
  }
  const v = new Array<Num>(f.size);
  for (let i = 0; i < f.opStart; i++) {
    const code = f.op[i] as number;
    if (code === CONST) v[i] = f.constants[f.a[i] as number] as number;
    else if (code === VAR) v[i] = xs[f.a[i] as number] as Num;
  }
  const { op, a, b, args } = f;
  for (let i = f.opStart; i < f.size; i++) {
    const code = op[i] as number;
    const arity = OP_ARITY[code];
    const fn = OP_ON_NUMS[code] as NumOp;
    if (arity === 1) v[i] = fn(v[a[i] as number] as Num);
    else if (arity === 2) v[i] = fn(v[a[i] as number] as Num, v[b[i] as number] as Num);
    else {
      const start = a[i] as number;
      const list: Num[] = [];
      for (let k = 0; k < (b[i] as number); k++) list.push(v[args[start + k] as number] as Num);
      // The list is passed whole: a spread of a wide node's arguments would overflow the stack.
      v[i] = (fn as unknown as NaryNumOp)(list);
    }
  }
  return Array.from(f.outputs, (o) => v[o] as Num);
}
