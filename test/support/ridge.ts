/** The lecture's ridge loss at size K, with its closed-form gradient (from src/workloads). */
import { ridge as workload } from '../../src/workloads/index.js';

export const ridge = (K: number) => workload.build(K);
export const ridgeGradient = (K: number, w: ArrayLike<number>) => workload.gradient(K, w);
