import { logisticMap } from './logistic-map.js';
import { logreg } from './logreg.js';
import { mlp } from './mlp.js';
import { nested } from './nested.js';
import { product } from './product.js';
import { ridge } from './ridge.js';
import { rosenbrock } from './rosenbrock.js';
import type { Workload } from './workload.js';

export { GRADBENCH_EVALS, type GradbenchEval } from './gradbench/index.js';
export { logisticMap } from './logistic-map.js';
export { LOGREG_OBJECTS, logreg, logregData } from './logreg.js';
export { type MlpLayout, mlp, mlpData, mlpLayout, mlpParameters } from './mlp.js';
export { nested } from './nested.js';
export { product } from './product.js';
export { ridge, ridgeData } from './ridge.js';
export { rosenbrock } from './rosenbrock.js';
export type { Workload } from './workload.js';

/** The workloads by name, in the order reports list them: the size families, then the depth families. */
export const workloads: Readonly<Record<string, Workload>> = {
  ridge,
  product,
  rosenbrock,
  logreg,
  mlp,
  'logistic-map': logisticMap,
  nested,
};
