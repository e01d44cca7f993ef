/**
 * What each method can do in reasonable time and memory, decided up front from sizes, so that the tool
 * answers `success: false` with the reason instead of running for hours or running out of memory.
 *
 * Work is counted in program operations plus edges ("steps"): a primal evaluation costs nodes + edges steps,
 * a reverse-mode gradient about three times that, a forward-mode gradient one tangent step per input and
 * step, central differences two evaluations per input, a forward-over-forward Hessian diagonal one nested
 * pass (about 30 times slower per step, objects rather than typed arrays) per input.
 */
import type { Method } from '../ir/differentiator.js';
import type { BuildEstimate, GradbenchEval, WorkloadCost } from '../workloads/gradbench/types.js';

/** The limits; every figure is a count of steps or nodes, not a time, so decisions are the same everywhere. */
export interface Limits {
  /** The most program nodes a workload may build (memory: about 50 bytes each with the graph and tape). */
  buildNodes: number;
  /** The most program edges (arguments) a workload may build (about 8 bytes each). */
  buildEdges: number;
  /** The most steps one run of a derivative function may take (about a minute at this machine's pace). */
  work: number;
  /** The most DAG nodes the symbolic method may build for one derivative. */
  symbolicNodes: number;
  /** The most bytes of data arrays a workload may allocate beside its program. */
  dataBytes: number;
  /**
   * The most runs one evaluate may take: each run is one timing in the response line, so `min_runs: 1e15`
   * would fill memory before answering. Also bounds the runs `min_seconds` asks for.
   */
  runs: number;
  /**
   * The largest `min_seconds` accepted, and the longest the runs of one evaluate may take whatever `min_runs`
   * asks: GradBench's own limit on one response is 600 seconds.
   */
  seconds: number;
}

export const DEFAULT_LIMITS: Limits = {
  buildNodes: 2e7,
  buildEdges: 1.2e8,
  work: 3e10,
  symbolicNodes: 1e7,
  dataBytes: 2e9,
  runs: 1e5,
  seconds: 600,
};

const NESTED_FACTOR = 30;

const fmt = (x: number) => (x < 1e6 ? String(Math.round(x)) : x.toExponential(1));

/** Why the workload cannot be built, or undefined if it can. */
export function refuseBuild(name: string, estimate: BuildEstimate, limits: Limits): string | undefined {
  // A program with loops builds its bodies once: memory follows the built size, not the operations run.
  const built = estimate.built ?? estimate.nodes;
  const builtEdges = estimate.built === undefined ? estimate.edges : 2 * estimate.built;
  if (built > limits.buildNodes || builtEdges > limits.buildEdges) {
    return (
      `${name}: this workload's program would have about ${fmt(built)} operations and ` +
      `${fmt(builtEdges)} edges, over difflab's limits of ${fmt(limits.buildNodes)} and ` +
      `${fmt(limits.buildEdges)} (memory); not attempted`
    );
  }
  if ((estimate.dataBytes ?? 0) > limits.dataBytes) {
    return (
      `${name}: this workload's data would take about ${fmt(estimate.dataBytes ?? 0)} bytes, over difflab's ` +
      `limit of ${fmt(limits.dataBytes)}; not attempted`
    );
  }
  return undefined;
}

/** The steps one run of derivative function `fn` takes by `method`. */
export function derivativeWork(ev: GradbenchEval, fn: string, method: Method, c: WorkloadCost): number {
  const size = c.nodes + c.edges;
  const perEvaluation = (() => {
    if (ev.name === 'kmeans' && fn === 'dir') {
      if (method === 'forward') return NESTED_FACTOR * c.inputs * size;
      if (method === 'numeric') return 4 * c.inputs * size;
      return 6 * size;
    }
    switch (method) {
      case 'reverse':
        return (1 + 2 * c.outputs) * size;
      case 'forward':
        return c.inputs * size;
      case 'numeric':
        return 2 * c.inputs * size;
      case 'symbolic':
        return 4 * c.outputs * size;
    }
  })();
  return c.evaluations * perEvaluation;
}

/** Why `method` cannot run derivative function `fn` on this workload, or undefined if it can. */
export function refuseMethod(
  ev: GradbenchEval,
  fn: string,
  method: Method,
  c: WorkloadCost,
  limits: Limits,
): string | undefined {
  if (ev.nested) {
    if (method === 'numeric' || method === 'symbolic') {
      return (
        `${ev.name}: the functions ff, fr, rf and rr name nested forward and reverse modes; ` +
        `the ${method} method has no nested form here (run the tool with --method reverse or forward)`
      );
    }
    return undefined;
  }
  if (method === 'symbolic' && 3 * c.outputs * (c.nodes + c.edges) > limits.symbolicNodes) {
    return (
      `${ev.name}: the symbolic derivative would have about ${fmt(3 * c.outputs * (c.nodes + c.edges))} ` +
      `DAG nodes, over the budget of ${fmt(limits.symbolicNodes)}; not attempted`
    );
  }
  const work = derivativeWork(ev, fn, method, c);
  if (work > limits.work) {
    const why =
      method === 'forward' || method === 'numeric'
        ? ` (${c.inputs} inputs × a program of ${fmt(c.nodes + c.edges)} steps: cost grows with the inputs)`
        : '';
    return (
      `${ev.name}: ${fn} by the ${method} method would take about ${fmt(work)} steps${why}, ` +
      `over the limit of ${fmt(limits.work)} (minutes per run); not attempted`
    );
  }
  return undefined;
}
