/**
 * The peer benchmark's run: for each workload and K, every contender is prepared, checked against the
 * reference (the workload's closed-form gradient, or difflab's interpreted f), and timed if it agrees, all in
 * one process. Fast contenders are timed in interleaved rounds (each round visits every one of them), so that
 * a change in the machine's load falls on all of them; slow ones are timed directly. A contender whose
 * projected time at the next K passes the per-call budget stops there.
 *
 * A contender in another process (PyTorch, in a Python child: `Prepared.remote`) cannot be called
 * synchronously, so it is not timed around `run()` here: it times its own calls with its own clock and reports
 * the total of a batch, one request (one round trip) per batch, which is left out of the time. Its batches,
 * rounds and slow samples follow the same rules as the others' (see `batchForTimed`, `sampleRoundTimed`,
 * `sampleSlowTimed` in measure.ts), and its answer is checked the same way before it is timed.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../../src/index.js';
import { machineInfo } from '../../src/report/files.js';
import type { MachineInfo } from '../../src/report/results.js';
import {
  type Contender,
  checkK,
  PEER_WORKLOADS,
  type PeerWorkload,
  type Prepared,
  workloadOf,
} from './contender.js';
import { difflabContenders, programFor, releasePrograms } from './difflab.js';
import { handF, handGradient } from './hand.js';
import { jaxContender } from './jax.js';
import { mathjsContender } from './mathjs.js';
import {
  batchFor,
  batchForTimed,
  batchOf,
  DEFAULT_TIMING,
  median,
  type Precision,
  relativeError,
  sampleRound,
  sampleRoundTimed,
  sampleSlow,
  sampleSlowTimed,
  type TimingOptions,
  TOLERANCE,
} from './measure.js';
import { pytorchContender, pytorchScalarContender } from './pytorch.js';
import { tfjsContender } from './tfjs.js';

/** Every contender, in table order: the floor, difflab, then the peers. */
export const CONTENDERS: readonly Contender[] = [
  handF,
  handGradient,
  ...difflabContenders,
  tfjsContender,
  jaxContender,
  pytorchContender,
  pytorchScalarContender,
  mathjsContender,
];

/** Bumped whenever the shape of {@link PeerResults} changes. */
export const PEER_RESULTS_VERSION = 1;

/** The K the headline table is taken at. */
export const HEADLINE_K = 100_000;

/** The sizes of a default run. */
export const DEFAULT_SIZES: readonly number[] = [10, 100, 1_000, 100_000];

/** A projected call longer than this (ms) is not run. */
export const DEFAULT_CALL_BUDGET_MS = 2_000;

export interface PeerOptions {
  workloads?: readonly PeerWorkload[];
  sizes?: readonly number[];
  /** Contender ids (default all); the hand-written f is always run, since every ratio is to it. */
  contenders?: readonly string[];
  /** The contenders to choose from, in table order (default {@link CONTENDERS}; the hand-written f is added). */
  lineup?: readonly Contender[];
  headlineK?: number;
  /** A contender whose projected call time passes this (ms) is skipped at that K and beyond. */
  callBudgetMs?: number;
  timing?: Partial<TimingOptions>;
  /** Progress lines, one per measurement. */
  log?: (line: string) => void;
}

/** One contender on one workload at one K. */
export interface PeerMeasurement {
  workload: PeerWorkload;
  K: number;
  contender: string;
  /**
   * `timed`: checked and timed. `disagrees`: its answer is off the reference by more than the tolerance, so
   * it was not timed. `skipped`: the projected time is past the budget. `failed`: it threw.
   */
  status: 'timed' | 'disagrees' | 'skipped' | 'failed';
  /** Relative error against the reference (see `relativeError`). */
  error?: number;
  tolerance?: number;
  /** Median time of one call, ms. */
  median?: number;
  samples?: number;
  batch?: number;
  /** median / the hand-written f's median at the same workload and K. */
  ratio?: number;
  /** Why it was skipped or failed. */
  note?: string;
}

/** A contender as the results describe it. */
export interface ContenderInfo {
  id: string;
  label: string;
  computes: 'f' | 'gradient';
  precision: Precision;
}

export interface PeerResults {
  version: typeof PEER_RESULTS_VERSION;
  createdAt: string;
  machine: MachineInfo;
  /** The peers' package versions. */
  packages: Record<string, string>;
  settings: {
    workloads: PeerWorkload[];
    sizes: number[];
    headlineK: number;
    callBudgetMs: number;
    timing: TimingOptions;
  };
  contenders: ContenderInfo[];
  measurements: PeerMeasurement[];
  /** Wall-clock seconds the run took. */
  seconds: number;
}

/** The installed version of a package (read from its package.json next to its entry point). */
function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    let dir = dirname(fileURLToPath(import.meta.resolve(name)));
    for (let i = 0; i < 4; i++) {
      try {
        const pkg = require(join(dir, 'package.json')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version !== undefined) return pkg.version;
      } catch {
        // no package.json at this level: go up
      }
      dir = dirname(dir);
    }
  } catch {
    // not resolvable
  }
  return 'unknown';
}

/** float32's smallest normal number, 2⁻¹²⁶. */
const FLOAT32_MIN_NORMAL = 2 ** -126;

/** A reason for a disagreement that the reference alone shows (float32 underflow), or undefined. */
function whyOff(c: Contender, reference: ArrayLike<number>): string | undefined {
  let scale = 0;
  for (let i = 0; i < reference.length; i++) scale = Math.max(scale, Math.abs(reference[i] as number));
  if (c.precision !== 'float32' || scale === 0 || scale >= FLOAT32_MIN_NORMAL) return undefined;
  return `the reference's largest entry, ${scale.toExponential(1)}, is below float32's smallest normal number (1.2e-38): float32 underflows`;
}

/** One measurement in a few words, for the progress log. */
function describe(m: PeerMeasurement): string {
  const error = m.error === undefined ? '' : `, error ${m.error.toExponential(1)}`;
  switch (m.status) {
    case 'timed':
      return `${formatMs(m.median ?? Number.NaN)}${m.ratio === undefined ? '' : `, ${m.ratio.toPrecision(3)}× f`}${error}`;
    case 'disagrees':
      return `disagrees with the reference${error}${m.note === undefined ? '' : ` (${m.note})`}`;
    case 'skipped':
      return `skipped (${m.note})`;
    case 'failed':
      return `failed: ${m.note}`;
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toPrecision(3)} s` : `${ms.toPrecision(3)} ms`;
}

/**
 * The contenders that can run here, in order: each one with an `availability` check is asked (once), and one
 * that is unavailable is left out, with one log line per reason (the two PyTorch contenders share theirs).
 * The versions the available ones report are added to `packages`.
 */
async function availableOf(
  contenders: readonly Contender[],
  packages: Record<string, string>,
  log: (line: string) => void,
): Promise<Contender[]> {
  const out: Contender[] = [];
  const left = new Map<string, string[]>();
  for (const c of contenders) {
    if (c.availability === undefined) {
      out.push(c);
      continue;
    }
    let reason: string;
    try {
      const a = await c.availability();
      if (a.available) {
        Object.assign(packages, a.packages);
        out.push(c);
        continue;
      }
      reason = a.reason;
    } catch (e) {
      reason = e instanceof Error ? e.message : String(e);
    }
    left.set(reason, [...(left.get(reason) ?? []), c.id]);
  }
  for (const [reason, ids] of left) log(`skipping ${ids.join(', ')}: ${reason}`);
  return out;
}

/**
 * Runs the peer benchmark, and then closes every contender of the lineup that holds something across sizes
 * (the PyTorch child process), whether the run finished or threw.
 */
export async function runPeers(options: PeerOptions = {}): Promise<PeerResults> {
  try {
    return await measurePeers(options);
  } finally {
    // Each close is on its own: one that fails does not keep the others from closing.
    await Promise.allSettled((options.lineup ?? CONTENDERS).map((c) => c.close?.()));
  }
}

async function measurePeers(options: PeerOptions): Promise<PeerResults> {
  const started = performance.now();
  const workloads = [...(options.workloads ?? PEER_WORKLOADS)];
  const sizes = [...new Set(options.sizes ?? DEFAULT_SIZES)].sort((a, b) => a - b);
  for (const K of sizes) checkK(K);
  const headlineK =
    options.headlineK ?? (sizes.includes(HEADLINE_K) ? HEADLINE_K : (sizes.at(-1) ?? HEADLINE_K));
  const chosen = options.contenders;
  const lineup = options.lineup ?? CONTENDERS;
  const timing: TimingOptions = { ...DEFAULT_TIMING, ...options.timing };
  const callBudgetMs = options.callBudgetMs ?? DEFAULT_CALL_BUDGET_MS;
  const log = options.log ?? (() => {});
  const peerPackages: Record<string, string> = {};
  const contenders = await availableOf(
    [
      ...(lineup.includes(handF) ? [] : [handF]),
      ...lineup.filter((c) => c === handF || chosen === undefined || chosen.includes(c.id)),
    ],
    peerPackages,
    log,
  );
  const measurements: PeerMeasurement[] = [];

  for (const workload of workloads) {
    // Per contender: the last size it was timed at, to project the next; or why it stopped.
    const last = new Map<string, { K: number; median: number }>();
    const stopped = new Map<string, string>();
    for (const K of sizes) {
      const fail = (m: PeerMeasurement, e: unknown) => {
        m.status = 'failed';
        m.note = e instanceof Error ? e.message : String(e);
        stopped.set(m.contender, `failed at K = ${K}`);
      };
      const reference = workloadOf(workload).gradient(K, workloadOf(workload).point(K));
      const referenceF = evaluate(programFor(workload, K), workloadOf(workload).point(K));
      const here: PeerMeasurement[] = [];
      // Fast calls wait for the interleaved rounds below, with their samples so far.
      const fast: { m: PeerMeasurement; prepared: Prepared; batch: number; samples: number[] }[] = [];
      for (const c of contenders) {
        const m: PeerMeasurement = { workload, K, contender: c.id, status: 'skipped' };
        measurements.push(m);
        here.push(m);
        const stop = stopped.get(c.id);
        const prev = last.get(c.id);
        const projected = prev === undefined ? 0 : prev.median * (K / prev.K) ** c.growth;
        if (stop !== undefined || projected > callBudgetMs) {
          m.note =
            stop ?? `projected ${formatMs(projected)} per call, past the ${formatMs(callBudgetMs)} budget`;
          stopped.set(c.id, stop ?? `stopped at K = ${prev?.K} (next size projected past the budget)`);
          continue;
        }
        let prepared: Prepared | undefined;
        try {
          prepared = await c.prepare(workload, K);
          const remote = prepared.remote;
          let answer: number | ArrayLike<number>;
          let firstMs: number;
          if (remote === undefined) {
            const t0 = performance.now();
            answer = prepared.run();
            firstMs = performance.now() - t0;
          } else {
            ({ answer, ms: firstMs } = await remote.answer());
          }
          m.tolerance = TOLERANCE[c.precision];
          m.error = relativeError(answer, c.computes === 'f' ? referenceF : reference);
          // A first call can hold one-off work (difflab generating code, jax-js tracing): when it was slow, a
          // second call decides whether the call is slow.
          if (m.error <= m.tolerance && firstMs >= timing.slowMs && firstMs < timing.slowTotalMs) {
            if (remote === undefined) {
              const t0 = performance.now();
              prepared.run();
              firstMs = performance.now() - t0;
            } else firstMs = await remote.timed(1);
          }
          if (!(m.error <= m.tolerance)) {
            m.status = 'disagrees';
            m.note = whyOff(c, c.computes === 'f' ? [referenceF] : reference);
          } else if (firstMs >= timing.slowMs) {
            const samples =
              remote === undefined
                ? sampleSlow(prepared.run, firstMs, timing)
                : await sampleSlowTimed(remote.timed, firstMs, timing);
            m.status = 'timed';
            m.median = median(samples);
            m.samples = samples.length;
            m.batch = 1;
          } else {
            const batch =
              remote === undefined
                ? batchFor(prepared.run, timing)
                : await batchForTimed(remote.timed, timing);
            fast.push({ m, prepared, batch, samples: [] });
            prepared = undefined; // disposed after the rounds
          }
        } catch (e) {
          fail(m, e);
        } finally {
          prepared?.dispose?.();
        }
      }
      for (let round = 0; round < timing.rounds; round++) {
        for (const f of fast) {
          if (f.m.status === 'failed') continue;
          try {
            const remote = f.prepared.remote;
            const samples =
              remote === undefined
                ? await sampleRound(f.prepared.run, f.batch, timing)
                : await sampleRoundTimed(remote.timed, f.batch, timing);
            for (const t of samples) f.samples.push(t);
            f.batch = batchOf(median(samples), timing);
          } catch (e) {
            fail(f.m, e);
          }
        }
      }
      for (const f of fast) {
        f.prepared.dispose?.();
        if (f.m.status === 'failed') continue;
        f.m.status = 'timed';
        f.m.median = median(f.samples);
        f.m.samples = f.samples.length;
        f.m.batch = f.batch;
      }
      const floor = here.find((m) => m.contender === handF.id)?.median;
      for (const m of here) {
        if (m.status === 'timed' && m.median !== undefined) {
          last.set(m.contender, { K, median: m.median });
          if (floor !== undefined) m.ratio = m.median / floor;
        }
        log(`${workload} K=${K} ${m.contender}: ${describe(m)}`);
      }
    }
    releasePrograms();
  }

  return {
    version: PEER_RESULTS_VERSION,
    createdAt: new Date().toISOString(),
    machine: machineInfo(),
    packages: {
      '@tensorflow/tfjs': packageVersion('@tensorflow/tfjs'),
      '@jax-js/jax': packageVersion('@jax-js/jax'),
      mathjs: packageVersion('mathjs'),
      tinybench: packageVersion('tinybench'),
      ...peerPackages,
    },
    settings: { workloads, sizes, headlineK, callBudgetMs, timing },
    contenders: contenders.map(({ id, label, computes, precision }) => ({ id, label, computes, precision })),
    measurements,
    seconds: (performance.now() - started) / 1000,
  };
}
