/**
 * The GradBench tool: one response per message, by the protocol. `GradbenchTool.handle` takes one line of
 * the eval's JSON and returns the one line to answer with; it never throws, so a malformed message gets an
 * answer and the session goes on. Reading standard input and writing standard output is the command
 * line's job (`src/cli/gradbench.ts`); logs go to the `log` callback (standard error there).
 */
import type { Backend, Method } from '../ir/differentiator.js';
import { DifflabError } from '../ir/errors.js';
import { GRADBENCH_EVALS } from '../workloads/gradbench/index.js';
import type { DerivativeEngine, GradbenchEval, WorkloadCost } from '../workloads/gradbench/types.js';
import { derivativeEngine } from './engine.js';
import { DEFAULT_LIMITS, type Limits, refuseBuild, refuseMethod } from './limits.js';

/** A timing entry of a response. */
export interface Timing {
  name: string;
  nanoseconds: number;
}

export interface ToolOptions {
  method?: Method;
  backend?: Backend;
  limits?: Limits;
  /** Diagnostics (never written to the protocol's output). */
  log?: (line: string) => void;
}

/** The prepared workload kept between the primal and derivative messages of the same input. */
interface Prepared {
  module: string;
  key: string;
  workload: unknown;
  /** The functions already run once by the compiled backend on this workload. */
  compiled: Set<string>;
}

/**
 * The repetition settings of an input: GradBench's min_runs and min_seconds (hello has neither), within the
 * limits' `runs` and `seconds` (a `budget` error past them, before any work).
 */
export function repetitions(
  input: unknown,
  limits: Pick<Limits, 'runs' | 'seconds'> = DEFAULT_LIMITS,
): { minRuns: number; minSeconds: number } {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return { minRuns: 1, minSeconds: 0 };
  const o = input as Record<string, unknown>;
  const minRuns = o.min_runs ?? 1;
  const minSeconds = o.min_seconds ?? 0;
  if (typeof minRuns !== 'number' || !Number.isInteger(minRuns) || minRuns < 1) {
    throw new DifflabError('invalid-argument', 'input min_runs: expected an integer ≥ 1');
  }
  if (typeof minSeconds !== 'number' || !Number.isFinite(minSeconds) || minSeconds < 0) {
    throw new DifflabError('invalid-argument', 'input min_seconds: expected a number ≥ 0');
  }
  if (minRuns > limits.runs) {
    throw new DifflabError(
      'budget',
      `input min_runs: ${minRuns} is over the limit of ${limits.runs} runs (each run is one timing in the answer)`,
    );
  }
  if (minSeconds > limits.seconds) {
    throw new DifflabError(
      'budget',
      `input min_seconds: ${minSeconds} is over the limit of ${limits.seconds} seconds (GradBench's time for one answer)`,
    );
  }
  return { minRuns, minSeconds };
}

/** The input without the repetition fields, as text: two messages with equal keys share a workload. */
function workloadKey(input: unknown): string {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return JSON.stringify(input);
  const { min_runs: _r, min_seconds: _s, ...rest } = input as Record<string, unknown>;
  return JSON.stringify(rest);
}

const nanoseconds = (ms: number) => Math.max(0, Math.round(ms * 1e6));

/** A GradBench tool session. */
export class GradbenchTool {
  readonly method: Method;
  readonly backend: Backend | undefined;
  private readonly limits: Limits;
  private readonly log: (line: string) => void;
  private prepared: Prepared | undefined;

  constructor(options: ToolOptions = {}) {
    this.method = options.method ?? 'reverse';
    this.backend = options.backend;
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.log = options.log ?? (() => {});
  }

  /** The response line (JSON, no newline) to one message line. Never throws. */
  handle(line: string): string {
    if (line.trim() === '') {
      return JSON.stringify({
        id: null,
        success: false,
        error: 'an empty line is not a message (one JSON object per line)',
      });
    }
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return JSON.stringify({ id: null, success: false, error: 'the message is not valid JSON' });
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      return JSON.stringify({ id: null, success: false, error: 'the message is not a JSON object' });
    }
    const m = message as Record<string, unknown>;
    const id = m.id ?? null;
    try {
      return echoId(JSON.stringify(this.respond(id, m)), id, line);
    } catch (e) {
      // A failure while building the response itself (never expected): still answer.
      return JSON.stringify({ id, success: false, error: errorText(e) });
    }
  }

  private respond(id: unknown, m: Record<string, unknown>): Record<string, unknown> {
    if (!Object.hasOwn(m, 'id')) return { id: null, success: false, error: 'the message has no id' };
    switch (m.kind) {
      case 'start':
        return {
          id,
          tool: 'difflab',
          config: { method: this.method, backend: this.backend ?? 'interpret' },
        };
      case 'define':
        return this.define(id, m.module);
      case 'evaluate':
        return this.evaluate(id, m);
      default:
        return { id };
    }
  }

  private define(id: unknown, module: unknown): Record<string, unknown> {
    if (typeof module !== 'string') return { id, success: false, error: 'define: module must be a string' };
    if (!Object.hasOwn(GRADBENCH_EVALS, module)) {
      return {
        id,
        success: false,
        error: `difflab has no module '${module}' (it has ${Object.keys(GRADBENCH_EVALS).join(', ')})`,
      };
    }
    return { id, success: true };
  }

  private evaluate(id: unknown, m: Record<string, unknown>): Record<string, unknown> {
    try {
      const { output, timings } = this.run(m);
      return { id, success: true, output, timings };
    } catch (e) {
      this.log(`evaluate ${String(m.module)}.${String(m.function)}: ${errorText(e)}`);
      return { id, success: false, error: errorText(e) };
    }
  }

  /** Runs an evaluate message: checks, prepares (once per workload), repeats, and converts the output. */
  run(m: Record<string, unknown>): { output: unknown; timings: Timing[] } {
    const { module, function: fn, input } = m;
    if (typeof module !== 'string' || !Object.hasOwn(GRADBENCH_EVALS, module)) {
      throw new DifflabError(
        'invalid-argument',
        `evaluate: unknown module ${JSON.stringify(module ?? null)}`,
      );
    }
    const ev = GRADBENCH_EVALS[module] as GradbenchEval;
    if (typeof fn !== 'string' || !ev.functions.includes(fn)) {
      throw new DifflabError(
        'invalid-argument',
        `evaluate: ${module} has no function ${JSON.stringify(fn ?? null)} (it has ${ev.functions.join(', ')})`,
      );
    }
    if (!Object.hasOwn(m, 'input'))
      throw new DifflabError('invalid-argument', 'evaluate: the message has no input');
    const { minRuns, minSeconds } = repetitions(input, this.limits);
    const timings: Timing[] = [];
    const engine = derivativeEngine({
      method: this.method,
      ...(this.backend === undefined ? {} : { backend: this.backend }),
      symbolicBudget: this.limits.symbolicNodes,
    });
    const workload = this.prepare(ev, fn, input, timings, engine);
    // Checked again on what was built (the estimate decided before building).
    this.refuse(ev, fn, ev.cost(workload));
    let raw: unknown;
    let total = 0;
    for (let runs = 0; runs < minRuns || total < minSeconds * 1000; runs++) {
      if (runs === this.limits.runs) {
        // Runs far shorter than min_seconds would otherwise pile up timings past what an answer can hold.
        throw new DifflabError(
          'budget',
          `min_seconds: ${minSeconds} s would take more than the limit of ${this.limits.runs} runs ` +
            `(${total.toFixed(1)} ms so far)`,
        );
      }
      // GradBench gives up on an answer after `seconds`: runs past it would answer no one, so the runs so far
      // decide, at their mean pace, whether min_runs of them fit.
      if (runs > 0 && Math.max(total, (total / runs) * minRuns) > this.limits.seconds * 1000) {
        throw new DifflabError(
          'budget',
          `min_runs: ${minRuns} runs would take longer than ${this.limits.seconds} s, GradBench's time for one ` +
            `answer (${runs} runs took ${(total / 1000).toFixed(3)} s)`,
        );
      }
      const t0 = performance.now();
      raw = ev.run(fn, workload, engine);
      const ms = performance.now() - t0;
      total += ms;
      timings.push({ name: 'evaluate', nanoseconds: nanoseconds(ms) });
    }
    return { output: ev.output(fn, raw, workload), timings };
  }

  /** Throws the reason if the method cannot run derivative function `fn` on a workload of this size. */
  private refuse(ev: GradbenchEval, fn: string, cost: WorkloadCost): void {
    if (fn === ev.primal) return;
    const refusal = refuseMethod(ev, fn, this.method, cost, this.limits);
    if (refusal !== undefined) throw new DifflabError('budget', refusal);
  }

  /**
   * The workload for this input: reused from the previous message if the input is the same, else built,
   * after checking from the input's sizes alone that it fits and that the method can run `fn` on it.
   */
  private prepare(
    ev: GradbenchEval,
    fn: string,
    input: unknown,
    timings: Timing[],
    engine: DerivativeEngine,
  ): unknown {
    const key = workloadKey(input);
    if (this.prepared?.module === ev.name && this.prepared.key === key) {
      // Refused before the untimed compile run, which would otherwise do the work the refusal avoids.
      this.refuse(ev, fn, ev.cost(this.prepared.workload));
      this.compile(ev, fn, this.prepared, timings, engine);
      return this.prepared.workload;
    }
    this.prepared = undefined;
    const t0 = performance.now();
    const checked = ev.read(input);
    const estimate = ev.estimate(checked);
    const refusal = refuseBuild(ev.name, estimate, this.limits);
    if (refusal !== undefined) throw new DifflabError('budget', refusal);
    this.refuse(ev, fn, estimate);
    const workload = ev.prepare(checked);
    timings.push({ name: 'prepare', nanoseconds: nanoseconds(performance.now() - t0) });
    this.prepared = { module: ev.name, key, workload, compiled: new Set() };
    this.refuse(ev, fn, ev.cost(workload));
    this.compile(ev, fn, this.prepared, timings, engine);
    return workload;
  }

  /**
   * With the compiled backend, one untimed run of `fn` generates and compiles its code once per workload,
   * reported as a `compile` timing, so the `evaluate` timings measure the generated code, not its making.
   */
  private compile(
    ev: GradbenchEval,
    fn: string,
    prepared: Prepared,
    timings: Timing[],
    engine: DerivativeEngine,
  ) {
    if (this.backend !== 'compile' || prepared.compiled.has(fn) || (ev.nested && fn !== ev.primal)) return;
    const t0 = performance.now();
    ev.run(fn, prepared.workload, engine);
    timings.push({ name: 'compile', nanoseconds: nanoseconds(performance.now() - t0) });
    prepared.compiled.add(fn);
  }
}

/** One line saying what went wrong. */
export function errorText(e: unknown): string {
  if (e instanceof DifflabError) return `${e.message} [${e.code}]`;
  if (e instanceof RangeError) return `out of range: ${e.message} (the workload is too large for difflab)`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * The response with the message's id as it was written. The protocol treats ids as opaque, and JSON.parse
 * reads an integer above 2^53 as a nearby double (9007199254740993 as 9007199254740992): echoed from the
 * double, the id would name another message. Every response starts with its id, so the id's own text replaces
 * the double's.
 */
export function echoId(response: string, id: unknown, line: string): string {
  if (typeof id !== 'number' || Number.isSafeInteger(id)) return response;
  const raw = topLevelNumber(line, 'id');
  const parsed = `{"id":${JSON.stringify(id)}`;
  if (raw === undefined || raw === String(id) || !response.startsWith(parsed)) return response;
  return `{"id":${raw}${response.slice(parsed.length)}`;
}

/**
 * The text of the number under `key` in the JSON object `line` (already parsed, so well formed), at its top
 * level; the last one where the key repeats, as JSON.parse reads it. A scan of the characters, not recursion.
 */
const NUMBER_AFTER_COLON = /\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;

function topLevelNumber(line: string, key: string): string | undefined {
  let depth = 0;
  let found: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      const start = i;
      for (i++; line[i] !== '"'; i++) if (line[i] === '\\') i++;
      if (depth !== 1 || JSON.parse(line.slice(start, i + 1)) !== key) continue;
      NUMBER_AFTER_COLON.lastIndex = i + 1;
      const value = NUMBER_AFTER_COLON.exec(line);
      if (value) found = value[1];
    }
  }
  return found;
}
