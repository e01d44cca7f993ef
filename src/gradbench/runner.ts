/**
 * The local runner: plays the eval's side of a session from a fixture against difflab's tool (in process,
 * through the same JSON lines as the protocol), checks every output by GradBench's rule and by the strict
 * one, and summarises each workload as one row: pass or fail, worst error, primal and derivative time and
 * their ratio.
 */
import type { Backend, Method } from '../ir/differentiator.js';
import { GRADBENCH_EVALS } from '../workloads/gradbench/index.js';
import {
  compareOutputs,
  GRADBENCH_TOLERANCE,
  helloClose,
  metric,
  relativeMetric,
  STRICT_TOLERANCE,
  type Verdict,
} from './check.js';
import type { Fixture } from './fixture.js';
import type { Limits } from './limits.js';
import { strictReference } from './references.js';
import { GradbenchTool, type Timing } from './tool.js';

export interface RunOptions {
  method?: Method;
  backend?: Backend;
  /** Override the fixture's min_runs and min_seconds (to measure with more repetitions). */
  minRuns?: number;
  minSeconds?: number;
  /** The tool's limits (default DEFAULT_LIMITS). */
  limits?: Limits;
  /** Called after each round (progress). */
  onRound?: (done: number, total: number) => void;
}

/** One evaluate and its checks. */
export interface RoundResult {
  function: string;
  description: string;
  success: boolean;
  error?: string;
  output?: unknown;
  timings: Timing[];
  /** Median `evaluate` time in nanoseconds (undefined on failure). */
  medianNs?: number;
  /** GradBench's check (undefined without a golden output). */
  gradbench?: Verdict;
  /** The strict check. */
  strict?: Verdict;
  /** Where the strict reference differs from the golden, why. */
  strictNote?: string;
}

/** One workload (a primal function and one derivative function on the same input). */
export interface WorkloadRow {
  eval: string;
  workload: string;
  method: Method;
  function: string;
  /** Passed GradBench's check (undefined: no golden output, or not run). */
  pass?: boolean;
  /** Passed the strict check. */
  strictPass?: boolean;
  /** The worst error in GradBench's metric over the workload's outputs. */
  worst?: number;
  primalNs?: number;
  derivativeNs?: number;
  /** derivative time / primal time. */
  ratio?: number;
  /** Why a function failed, if one did. */
  error?: string;
}

export interface RunResult {
  fixture: { eval: string; module: string };
  method: Method;
  backend: Backend;
  rounds: RoundResult[];
  rows: WorkloadRow[];
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** hello's verdict: closeness, reported in GradBench's metric for the worst error. */
function helloVerdict(expected: unknown, actual: unknown, strict: boolean): Verdict {
  if (typeof expected !== 'number' || typeof actual !== 'number') {
    return { pass: false, worst: Number.POSITIVE_INFINITY, mismatches: ['output: a number was expected'] };
  }
  const worst = strict
    ? relativeMetric(expected, actual, 1e-6 * Math.abs(expected))
    : metric(expected, actual);
  const pass = strict ? worst <= STRICT_TOLERANCE : helloClose(expected, actual);
  return { pass, worst, mismatches: pass ? [] : [`output: ${actual} vs ${expected}`] };
}

function withRepetitions(input: unknown, options: RunOptions): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const o = { ...(input as Record<string, unknown>) };
  if (options.minRuns !== undefined) o.min_runs = options.minRuns;
  if (options.minSeconds !== undefined) o.min_seconds = options.minSeconds;
  return o;
}

/** Plays the fixture's session against difflab's tool and checks every answer. */
export function runFixture(fixture: Fixture, options: RunOptions = {}): RunResult {
  const method = options.method ?? 'reverse';
  const tool = new GradbenchTool({
    method,
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  let id = 0;
  const send = (message: Record<string, unknown>) =>
    JSON.parse(tool.handle(JSON.stringify({ id: id++, ...message }))) as Record<string, unknown>;
  send({ kind: 'start', eval: fixture.eval });
  const defined = send({ kind: 'define', module: fixture.module });
  const rounds: RoundResult[] = [];
  fixture.rounds.forEach((r, i) => {
    const description = r.description ?? '';
    if (defined.success !== true) {
      rounds.push({
        function: r.function,
        description,
        success: false,
        error: String(defined.error ?? 'define failed'),
        timings: [],
      });
      return;
    }
    const response = send({
      kind: 'evaluate',
      module: fixture.module,
      function: r.function,
      input: withRepetitions(r.input, options),
      ...(r.description === undefined ? {} : { description: r.description }),
    });
    const timings = (response.timings ?? []) as Timing[];
    const result: RoundResult = {
      function: r.function,
      description,
      success: response.success === true,
      timings,
    };
    if (response.success === true) {
      result.output = response.output;
      result.medianNs = median(timings.filter((t) => t.name === 'evaluate').map((t) => t.nanoseconds));
      const hello = fixture.module === 'hello';
      if (Object.hasOwn(r, 'expected')) {
        result.gradbench = hello
          ? helloVerdict(r.expected, response.output, false)
          : compareOutputs(r.expected, response.output, GRADBENCH_TOLERANCE);
        const reference = strictReference(fixture.module, r.function, r.input);
        result.strict = hello
          ? helloVerdict(r.expected, response.output, true)
          : compareOutputs(reference?.expected ?? r.expected, response.output, STRICT_TOLERANCE, 'relative');
        if (reference) result.strictNote = reference.note;
      }
      send({
        kind: 'analysis',
        of: id - 1,
        valid: result.gradbench?.pass ?? true,
        ...(result.gradbench?.pass === false ? { error: result.gradbench.mismatches.join('; ') } : {}),
      });
    } else {
      result.error = String(response.error ?? 'failed');
    }
    rounds.push(result);
    options.onRound?.(i + 1, fixture.rounds.length);
  });
  return {
    fixture: { eval: fixture.eval, module: fixture.module },
    method,
    backend: options.backend ?? 'interpret',
    rounds,
    rows: workloadRows(fixture.module, method, rounds),
  };
}

/** Pairs each derivative round with the primal round of the same workload before it. */
function workloadRows(module: string, method: Method, rounds: readonly RoundResult[]): WorkloadRow[] {
  const ev = GRADBENCH_EVALS[module];
  const rows: WorkloadRow[] = [];
  let primal: RoundResult | undefined;
  for (const r of rounds) {
    if (ev !== undefined && r.function === ev.primal) {
      primal = r;
      continue;
    }
    const parts = primal ? [primal, r] : [r];
    const verdicts = (key: 'gradbench' | 'strict') => parts.map((p) => p[key]);
    const all = (vs: (Verdict | undefined)[]) =>
      parts.some((p) => !p.success)
        ? false
        : vs.every((v) => v !== undefined)
          ? vs.every((v) => v?.pass)
          : undefined;
    const worsts = verdicts('gradbench')
      .filter((v): v is Verdict => v !== undefined)
      .map((v) => v.worst);
    const row: WorkloadRow = {
      eval: module,
      workload: r.description || primal?.description || '',
      method,
      function: r.function,
    };
    const pass = all(verdicts('gradbench'));
    const strictPass = all(verdicts('strict'));
    if (pass !== undefined) row.pass = pass;
    if (strictPass !== undefined) row.strictPass = strictPass;
    if (worsts.length > 0) row.worst = Math.max(...worsts);
    if (primal?.medianNs !== undefined) row.primalNs = primal.medianNs;
    if (r.medianNs !== undefined) row.derivativeNs = r.medianNs;
    if (row.primalNs !== undefined && row.derivativeNs !== undefined && row.primalNs > 0)
      row.ratio = row.derivativeNs / row.primalNs;
    const failed = parts.find((p) => !p.success);
    if (failed) row.error = `${failed.function}: ${failed.error}`;
    rows.push(row);
  }
  return rows;
}
