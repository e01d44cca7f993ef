/**
 * The GradBench evals, each written once with difflab's builder: hello, llsq, lse, det, ode, kmeans, gmm,
 * lstm, ba, ht, particle and saddle.
 */
import { ba } from './ba.js';
import { det } from './det.js';
import { gmm } from './gmm.js';
import { hello } from './hello.js';
import { ht } from './ht.js';
import { kmeans } from './kmeans.js';
import { llsq } from './llsq.js';
import { lse } from './lse.js';
import { lstm } from './lstm.js';
import { ode } from './ode.js';
import { particle } from './particle.js';
import { saddle } from './saddle.js';
import type { GradbenchEval } from './types.js';

export type { BuildEstimate, DerivativeEngine, GradbenchEval, WorkloadCost } from './types.js';
export { ba, det, gmm, hello, ht, kmeans, llsq, lse, lstm, ode, particle, saddle };

/** Every eval by name, in GradBench's order of growing difficulty. */
export const GRADBENCH_EVALS: Readonly<Record<string, GradbenchEval>> = {
  hello,
  llsq,
  lse,
  det,
  ode,
  kmeans,
  gmm,
  lstm,
  ba,
  ht,
  particle,
  saddle,
} as Record<string, GradbenchEval>;
