/**
 * A small program's Jacobian kernel: one generated function that runs its primal sweep and the adjoint sweeps
 * of all its outputs together, one lane of adjoints per output, every value and adjoint in a local. What a
 * stacked map's block Jacobian runs per row (sparse/blocks.ts): ba's reprojection body, two outputs, was a
 * primal sweep and two adjoint sweeps through the arrays per observation, each adjoint sweep computing the
 * partials (divisions, sin, cos, √) again.
 *
 * Each lane's statements are those of the untested adjoint sweep (emit.ts) seeded on that output, in the same
 * order: every adjoint starts at +0 (the seed 1 on its output), then gets the same additions of the same
 * products, with the partials computed once by the same expressions. So each lane's adjoints are that sweep's
 * to the bit wherever that sweep stands, and the kernel stands where every lane's inputs' adjoints are finite:
 * a NaN or ±∞ stored anywhere reaches an input's adjoint (as SweepOptions.noted says in emit.ts), and
 * where one did, the caller runs the sweeps it replaces instead.
 */
import { cachedFor } from '../../ir/differentiator.js';
import { FIXED_VALUE, NUMERIC_PARTIALS, OP_ARITY, OP_CODE } from '../../ir/ops.js';
import type { Program } from '../../ir/program.js';
import { literal, partialExprs, valueExpr } from './emit.js';
import { partialBindings } from './partials.js';
import { activity, adjointNeeds, isTwo } from './plan.js';

/**
 * Reads the inputs from `v` (at their node indices, as the sweeps' value arrays hold them) and writes lane r's
 * adjoint of the kernel's column c (an input) at `out[r · columns + c]`, as a derivative (asDerivative: + 0,
 * −0 to +0, every adjoint being finite where it stands). Returns false, with `out` holding garbage, where an
 * adjoint sweep it stands for stored a NaN or ±∞.
 */
export type JacobianKernel = (v: Float64Array, out: Float64Array) => boolean;

/**
 * The most adjoint statements (operations times lanes) a kernel is generated for; a larger program has none, its
 * caller runs the sweeps. Past about 1,400 V8 no longer optimised the function: random bodies of 250 ops and 6
 * outputs, or 180 and 9, took 1.4–1.7× the sweeps' time, where 300 ops and 4 outputs, 450 and 3, or 900 and 1
 * took a tenth of it (blockJacobian over 3,000 rows, CPU time, both builds alternated).
 */
export const KERNEL_STATEMENTS = 1000;

const kernels = new WeakMap<Program, Map<string, JacobianKernel | undefined>>();

/**
 * The program's Jacobian kernel for the inputs `columns` (input indices, in the order of `out`'s columns),
 * generated on first use; undefined for a program with loop calls, an n-ary operation (sum, dot, ...) or more
 * than {@link KERNEL_STATEMENTS} statements.
 */
export function jacobianKernel(f: Program, columns: readonly number[]): JacobianKernel | undefined {
  const byColumns = cachedFor(kernels, f, () => new Map<string, JacobianKernel | undefined>());
  const key = columns.join(',');
  if (!byColumns.has(key)) byColumns.set(key, fits(f) ? build(f, columns) : undefined);
  return byColumns.get(key);
}

function fits(f: Program): boolean {
  if (f.calls.length > 0) return false;
  for (let n = f.opStart; n < f.size; n++) if (OP_ARITY[f.op[n] as number] === 0) return false;
  return (f.size - f.opStart) * f.outputs.length <= KERNEL_STATEMENTS;
}

/** Puts `x`, `y` and `z` (a node's arguments and its value) into one of emit.ts's expressions. */
function fill(template: string, x: string, y: string, z: string): string {
  return template.replace(/\b[xyz]\b/g, (name) => (name === 'x' ? x : name === 'y' ? y : z));
}

function build(f: Program, columns: readonly number[]): JacobianKernel {
  const { op, a, b, outputs, inputStart, opStart } = f;
  const lanes = outputs.length;
  const active = activity(f);
  const need = adjointNeeds(f, active);
  const value = (n: number) =>
    n < inputStart ? literal(f.constants[n] as number) : n < opStart ? `x${n}` : `n${n}`;
  const adjoint = (n: number, r: number) => `a${n}_${r}`;
  const lines: string[] = [];
  // The op codes whose rules the source calls.
  const used = new Set<number>();
  for (let n = opStart; n < f.size; n++) used.add(op[n] as number);
  for (let n = inputStart; n < opStart; n++) lines.push(`const x${n} = v[${n}];`);
  // The values the partials read, as the tape's primal sweep computes them.
  for (let n = opStart; n < f.size; n++) {
    if (need[n] !== 1) continue;
    const code = op[n] as number;
    const square = code === OP_CODE.pow && isTwo(f, b[n] as number);
    const y = OP_ARITY[code] === 2 ? value(b[n] as number) : '0';
    lines.push(`const n${n} = ${fill(valueExpr(code, { square }), value(a[n] as number), y, '')};`);
  }
  // Every active node's adjoint in each lane, from +0 or the lane's seed.
  for (let n = inputStart; n < f.size; n++) {
    if (active[n] !== 1) continue;
    const starts = Array.from({ length: lanes }, (_, r) => `${adjoint(n, r)} = ${outputs[r] === n ? 1 : 0}`);
    lines.push(`let ${starts.join(', ')};`);
  }
  for (let n = f.size - 1; n >= opStart; n--) {
    if (active[n] !== 1) continue;
    const code = op[n] as number;
    const arity = OP_ARITY[code] as number;
    const square = code === OP_CODE.pow && isTwo(f, b[n] as number);
    const x = value(a[n] as number);
    const y = arity === 2 ? value(b[n] as number) : '0';
    const z = need[n] === 1 ? `n${n}` : 'NaN';
    // Toward x, then toward y, as the sweep's statement for the node (for x·x, both to the same adjoint).
    const toward = (arg: number, k: 0 | 1) => {
      if (active[arg] !== 1) return;
      const p = fill(partialExprs(code, { square })[k], x, y, z);
      const add = (r: number) =>
        p === '1'
          ? `${adjoint(arg, r)} += ${adjoint(n, r)};`
          : p === '-1'
            ? `${adjoint(arg, r)} -= ${adjoint(n, r)};`
            : `${adjoint(arg, r)} += ${adjoint(n, r)} * p${k};`;
      if (p !== '1' && p !== '-1') lines.push(`const p${k} = ${p};`);
      for (let r = 0; r < lanes; r++) lines.push(add(r));
    };
    lines.push('{');
    toward(a[n] as number, 0);
    if (arity === 2) toward(b[n] as number, 1);
    lines.push('}');
  }
  const stores: string[] = [];
  const checks: string[] = [];
  for (let r = 0; r < lanes; r++) {
    columns.forEach((k, c) => {
      stores.push(`out[${r * columns.length + c}] = ${adjoint(inputStart + k, r)} + 0;`);
    });
    for (let n = inputStart; n < opStart; n++) checks.push(`${adjoint(n, r)} - ${adjoint(n, r)}`);
  }
  lines.push(...stores, `return ${checks.length === 0 ? 'true' : `${checks.join(' + ')} === 0`};`);
  // The partials written out from the op table's rules where they can be (partials.ts), else the table's.
  const bindings = partialBindings(used);
  const source = `'use strict';\n${bindings.join('\n')}\nreturn function jacobian(v, out) {\n${lines.join('\n')}\n};`;
  return new Function('V', 'P', source)(FIXED_VALUE, NUMERIC_PARTIALS) as JacobianKernel;
}
