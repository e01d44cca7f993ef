/**
 * Driving GradBench's C++ reference binaries beside difflab (the measuring half of the native comparison; the
 * rules, the sizes and difflab's side are in `gradbench/native`, the tables in `report/native`). A binary is run
 * as GradBench runs it: `<dir>/<module> <input file> <function>`.
 */
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GeneratedSize, generateInput, sizeLabel } from '../../../gradbench/generate.js';
import { htInput } from '../../../gradbench/ht-data.js';
import {
  HT_DATA_ENV,
  HT_DEFAULT_HANDS,
  HT_QUICK_HANDS,
  MAX_COMPARED_CHARS,
  NATIVE_DEFAULT_SIZES,
  NATIVE_ENV,
  NATIVE_QUICK_SIZES,
  type NativeComparison,
  type NativeMeasurement,
  parseTimings,
  type RunCounts,
  type ThreadTimes,
  timeDifflab,
  timing,
} from '../../../gradbench/native.js';
import type { Backend } from '../../../ir/differentiator.js';
import { DifflabError } from '../../../ir/errors.js';
import { GRADBENCH_EVALS } from '../../../workloads/gradbench/index.js';

/**
 * The modules with a binary in `dir`, or a one-line reason to skip when `dir` is missing or holds none of
 * `modules`.
 */
export function findNative(
  dir: string | undefined,
  modules: readonly string[],
): { dir: string; modules: string[] } | { skip: string } {
  if (dir === undefined || dir === '') {
    return {
      skip: `GradBench's C++ reference: no binaries given (--native <dir> or ${NATIVE_ENV}); skipped`,
    };
  }
  const found = modules.filter((m) => isExecutable(join(dir, m)));
  if (found.length === 0) {
    return { skip: `GradBench's C++ reference: no binaries in ${dir} (${modules.join(', ')}); skipped` };
  }
  return { dir, modules: found };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The calling thread's CPU time and its time ready but waiting for a CPU, from Linux's
 * `/proc/thread-self/schedstat`; undefined where there is none.
 */
export function threadTimes(): ThreadTimes | undefined {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    const t = { runNs: Number(run), waitNs: Number(wait) };
    return Number.isFinite(t.runNs) && Number.isFinite(t.waitNs) ? t : undefined;
  } catch {
    return undefined;
  }
}

/** What one run of a binary printed: its output line (unless too long) and its `evaluate` times. */
export interface NativeRun {
  /** The output line, undefined when longer than {@link MAX_COMPARED_CHARS}. */
  output?: string;
  outputChars: number;
  timesNs: number[];
  error?: string;
}

/** Runs `<dir>/<module> <file> <function>` on `input` (written to a temporary file), as GradBench does. */
export function runNative(
  dir: string,
  module: string,
  fn: string,
  input: unknown,
  timeoutMs = 0,
): Promise<NativeRun> {
  const tmp = mkdtempSync(join(tmpdir(), 'difflab-native-'));
  const file = join(tmp, 'input.json');
  writeFileSync(file, JSON.stringify(input));
  return new Promise<NativeRun>((resolve) => {
    const child = spawn(join(dir, module), [file, fn], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The output line can be hundreds of MB (ba's Jacobian): keep its chunks, and past the limit only count.
    const head: string[] = [];
    let outputChars = 0;
    let outputDone = false;
    let rest = '';
    const timingLines: string[] = [];
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!outputDone) {
        const nl = chunk.indexOf('\n');
        const part = nl < 0 ? chunk : chunk.slice(0, nl);
        outputChars += part.length;
        if (outputChars <= MAX_COMPARED_CHARS) head.push(part);
        if (nl < 0) return;
        outputDone = true;
        chunk = chunk.slice(nl + 1);
      }
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() as string;
      timingLines.push(...lines);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      if (stderr.length < 2000) stderr += c;
    });
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
            // A process the binary started could hold the pipes open after the kill: stop reading them.
            child.stdout.destroy();
            child.stderr.destroy();
          }, timeoutMs)
        : undefined;
    const finish = (run: NativeRun) => {
      if (timer) clearTimeout(timer);
      rmSync(tmp, { recursive: true, force: true });
      resolve(run);
    };
    child.on('error', (e) => finish({ outputChars, timesNs: [], error: `could not start: ${e.message}` }));
    child.on('close', (code, signal) => {
      timingLines.push(rest);
      const { timesNs, error } = parseTimings(timingLines);
      const run: NativeRun = { outputChars, timesNs };
      if (outputChars <= MAX_COMPARED_CHARS) run.output = head.join('');
      if (timedOut) run.error = `timed out after ${timeoutMs / 1000} s`;
      else if (code !== 0) run.error = `exit ${code ?? signal}: ${stderr.trim().slice(0, 300)}`;
      else if (error !== undefined) run.error = error;
      finish(run);
    });
  });
}

export interface NativeWorkloadOptions extends RunCounts {
  backends?: readonly Backend[];
  /** Kill a binary after this long (ms; 0: never). */
  timeoutMs?: number;
}

/**
 * One workload's functions, each by the C++ binary and by difflab (reverse mode) on each backend, with the
 * outputs compared.
 */
export async function measureWorkload(
  dir: string,
  size: GeneratedSize,
  options: NativeWorkloadOptions,
  base: unknown = generateInput(size),
): Promise<NativeMeasurement[]> {
  const ev = GRADBENCH_EVALS[size.eval];
  if (ev === undefined) throw new Error(`difflab has no eval ${size.eval}`);
  const input =
    base !== null && typeof base === 'object'
      ? { ...base, min_runs: options.minRuns, min_seconds: options.minSeconds }
      : base;
  const workload = ev.prepare(ev.read(base));
  const counts = { minRuns: options.minRuns, minSeconds: options.minSeconds };
  const out: NativeMeasurement[] = [];
  for (const fn of ev.functions) {
    const native = await runNative(dir, ev.name, fn, input, options.timeoutMs ?? 0);
    const golden =
      native.error !== undefined
        ? { unchecked: 'not compared: the C++ run failed' }
        : native.output === undefined
          ? { unchecked: `not compared: output of ${(native.outputChars / 1e6).toFixed(0)} MB` }
          : { output: JSON.parse(native.output) as unknown };
    const m: NativeMeasurement = {
      eval: ev.name,
      sizes: { ...size.sizes },
      function: fn,
      role: fn === ev.primal ? 'primal' : 'derivative',
      native: timing(native.timesNs, native.error),
      difflab: {},
    };
    for (const backend of options.backends ?? (['interpret', 'compile'] as const))
      m.difflab[backend] = timeDifflab(ev, workload, fn, backend, counts, golden, threadTimes);
    out.push(m);
  }
  return out;
}

export interface NativeComparisonOptions {
  /** The folder of the C++ binaries (already checked by {@link findNative}). */
  dir: string;
  quick?: boolean;
  /** The evals to run (default: every eval of the sizes that has a binary in `dir`, and ht with `htData`). */
  evals?: readonly string[];
  /** GradBench's `evals/ht/data` folder: ht runs only with it (its inputs are files, not generated). */
  htData?: string;
  minRuns?: number;
  minSeconds?: number;
  backends?: readonly Backend[];
  timeoutMs?: number;
  /** Called before each workload. */
  onWorkload?: (done: number, total: number, label: string) => void;
  /** Called after each workload with what was measured so far (to save partial results). */
  onMeasured?: (c: NativeComparison) => void;
  signal?: AbortSignal;
}

/**
 * ht's input for hand `hand` of GradBench's default variant (complicated, big model), read from GradBench's
 * `evals/ht/data` folder as its eval reads it; its sizes name the hand and its correspondences.
 */
export function htWorkload(dataDir: string, hand: number): { size: GeneratedSize; input: unknown } {
  const dir = join(dataDir, 'complicated_big');
  const read = (f: string) => {
    const path = join(dir, 'model', f);
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new DifflabError('invalid-argument', `ht data: cannot read ${path}`);
    }
  };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new DifflabError('invalid-argument', `ht data: no folder complicated_big in ${dataDir}`);
  }
  const name = names.find((f) => f.startsWith(`hand${hand}_`) && f.endsWith('.txt'));
  if (name === undefined)
    throw new DifflabError('invalid-argument', `ht data: no hand${hand}_*.txt in ${dir}`);
  const input = htInput(
    { bones: read('bones.txt'), vertices: read('vertices.txt'), triangles: read('triangles.txt') },
    readFileSync(join(dir, name), 'utf8'),
    true,
  );
  return { size: { eval: 'ht', sizes: { hand, c: input.data.correspondences.length } }, input };
}

/** Runs every workload of the chosen evals by the C++ reference and by difflab. */
export async function runNativeComparison(options: NativeComparisonOptions): Promise<NativeComparison> {
  const quick = options.quick ?? false;
  const sizes = quick ? NATIVE_QUICK_SIZES : NATIVE_DEFAULT_SIZES;
  const known = [...Object.keys(sizes), 'ht'];
  const unknown = (options.evals ?? []).filter((e) => !known.includes(e));
  if (unknown.length > 0) {
    throw new DifflabError(
      'invalid-argument',
      `no native workloads for ${unknown.join(', ')} (evals: ${known.join(', ')})`,
    );
  }
  const skipped: string[] = [];
  const wanted = options.evals ?? known;
  if (wanted.includes('ht') && options.htData === undefined && isExecutable(join(options.dir, 'ht'))) {
    skipped.push(`ht: no GradBench data folder given (--ht-data <evals/ht/data> or ${HT_DATA_ENV}); skipped`);
  }
  const evals = wanted.filter(
    (e) => isExecutable(join(options.dir, e)) && (e !== 'ht' || options.htData !== undefined),
  );
  const backends = [...(options.backends ?? (['interpret', 'compile'] as const))];
  const counts: RunCounts = {
    minRuns: options.minRuns ?? 3,
    minSeconds: options.minSeconds ?? (quick ? 0.2 : 1),
  };
  const c: NativeComparison = {
    settings: { quick, ...counts, backends, evals, loadAverage: loadavg().map((x) => Number(x.toFixed(2))) },
    measurements: [],
  };
  if (skipped.length > 0) c.settings.skipped = skipped;
  const hands = quick ? HT_QUICK_HANDS : HT_DEFAULT_HANDS;
  // A workload: generated from its sizes, or (ht) read from GradBench's data when it is its turn.
  const work: { label: string; load: () => { size: GeneratedSize; input: unknown } }[] = evals.flatMap((e) =>
    e === 'ht'
      ? hands.map((hand) => ({
          label: `ht complicated_big hand${hand}`,
          load: () => htWorkload(options.htData as string, hand),
        }))
      : (sizes[e] ?? []).map((s) => {
          const size = { eval: e, sizes: s };
          return { label: `${e} ${sizeLabel(size)}`, load: () => ({ size, input: generateInput(size) }) };
        }),
  );
  for (const [i, item] of work.entries()) {
    if (options.signal?.aborted) break;
    options.onWorkload?.(i, work.length, item.label);
    const { size, input } = item.load();
    c.measurements.push(
      ...(await measureWorkload(
        options.dir,
        size,
        {
          ...counts,
          backends,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        },
        input,
      )),
    );
    options.onMeasured?.(c);
  }
  options.onWorkload?.(work.length, work.length, 'done');
  return c;
}

/**
 * The report's native section: the comparison when `dir` holds binaries, else undefined (and `onSkip` hears
 * the one-line reason when a folder was given that holds none).
 */
export async function measureNative(options: {
  dir: string | undefined;
  quick: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, label: string) => void;
  onSkip?: (line: string) => void;
}): Promise<NativeComparison | undefined> {
  if (options.dir === undefined) return undefined;
  const found = findNative(options.dir, Object.keys(NATIVE_DEFAULT_SIZES));
  if ('skip' in found) {
    options.onSkip?.(found.skip);
    return undefined;
  }
  const htData = process.env[HT_DATA_ENV];
  return runNativeComparison({
    dir: found.dir,
    quick: options.quick,
    ...(htData ? { htData } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onWorkload: options.onProgress } : {}),
  });
}
