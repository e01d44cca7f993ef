/**
 * What `jacobian --sparse` and `hessian --sparse` share: the sparse workload `--workload` names, at `--size`.
 */
import type { Program } from '../ir/program.js';
import { sparseWorkload } from '../sparse/workloads.js';
import { UsageError } from './errors.js';

/** Workload `name`'s program and point at size K (--size, 1000 by default), if it is a workload of `kind`. */
export function workloadAt(
  name: string,
  kind: 'jacobian' | 'hessian',
  K = 1000,
): { f: Program; x: Float64Array; K: number } {
  const w = sparseWorkload(name);
  if (w === undefined || w.kind !== kind)
    throw new UsageError(`unknown ${kind === 'jacobian' ? 'Jacobian' : 'Hessian'} workload '${name}'`);
  return { f: w.build(K), x: w.point(K), K };
}
