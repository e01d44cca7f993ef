/**
 * Tiering: for a large program without loops, the compiled backend runs the interpreter until its generated
 * code is faster, as a JavaScript engine runs bytecode until its optimised code is ready.
 *
 * Why: V8 optimises a function only after it has run for a while, and then compiles it on a background thread,
 * which for large straight-line functions takes long. Until then the generated code runs in V8's bytecode
 * interpreter at about 70 ns a statement, far slower than difflab's own interpreter, which V8 optimised long
 * ago. Measured on GradBench det at ℓ = 9 (4,088 nodes, no loops; docs/loops.md): the compiled gradient took
 * 700 µs a call for its first 250 calls and settled at 15 µs after about 5,000, against 40 µs interpreted; ht's
 * Jacobian took 25 ms at first, 0.94 ms after 400 calls, against 1.12 ms interpreted.
 *
 * So each sweep of such a program times its calls (once the interpreter's speed is known, one interpreted
 * call in {@link TIME_EVERY}, the others counted at its median). The interpreter runs them; the generated
 * code runs as a trial whenever the time spent in trials is at most {@link TRIAL_SHARE} of the interpreter's,
 * so a run is never more than that share slower than the interpreter's; once the last {@link DECIDE_AFTER}
 * trials are all faster than the interpreter's median, the generated code runs every call. The two give the
 * same numbers to the last bit, so which one runs changes only the time. The first trial, which generates the
 * code, comes once its expected cost is within that share too, and counts among the trials' time, and not before
 * the interpreter has run {@link FIRST_TRIAL_MS}: a shorter run cannot gain from the trials, and the share
 * accrued until then is spent at once (trial after trial), so a long run's generated code wins about as soon as
 * if the trials had begun at the start. A program whose generated code is loops and short straight runs (fewer
 * than {@link TIER_MIN_NODES} nodes) runs it from the first call: V8 optimises a running loop within a few
 * iterations, and small functions soon.
 */
import { type Backend, cachedFor } from '../../ir/differentiator.js';
import type { Program } from '../../ir/program.js';
import { compiled } from './index.js';

/** Programs with fewer operation nodes run their generated code from the first call. */
export const TIER_MIN_NODES = 200;
/** The most time trials of the generated code take, as a share of the interpreter's time. */
export const TRIAL_SHARE = 0.2;
/**
 * About what generating and priming the code costs per node (ms): 25–50 µs measured on ht's residuals (12,733
 * nodes in 29 programs took 652 ms on a busy machine). The first trial waits until it is within the trials'
 * share of the interpreter's time.
 */
export const BUILD_MS_PER_NODE = 0.03;
/**
 * The interpreter's time (ms) before the first trial. det's generated code needs 0.3 s (primal, ℓ = 9) to some
 * seconds of trials, about 1,000–5,000 calls, before V8 has optimised it (docs/loops.md), so a run of a second or
 * two cannot gain from trials, which only cost it: in GradBench's one-second runs the compiled backend's median
 * was the interpreter's, its CPU time 1.10× a primal and 1.16× a gradient at ℓ = 9, up to 1.6× in a process (V8
 * compiling the generated code on other threads). V8 warms the code by the calls it runs, not by the time that
 * passes, so trials spaced out while they lose would only stretch the warm-up. Trials that begin later but spend
 * the share accrued since the start do not delay a long run's hand-over as long as its warm-up takes more than
 * {@link TRIAL_SHARE} of this.
 */
export const FIRST_TRIAL_MS = 2000;
/** Consecutive trials faster than the interpreter's median before the generated code takes over. */
export const DECIDE_AFTER = 3;
/** The interpreter's last call times kept for its median, and its first calls left out of it. */
const WINDOW = 15;
const WARM_UP = 2;
/**
 * Once the window is full, one interpreted call in this many is timed; the others count at the window's median,
 * which is computed again once the window has turned over. With one call in 8 timed, the window sorted after each
 * and three lookups a call, the tier cost about 150 ns a call (bench/tier.ts), 1.1% of det's primal at ℓ = 9
 * (13.7 µs); now 25–35 ns.
 */
export const TIME_EVERY = 32;

/** One sweep's choice between the interpreter and its generated code, and what it has measured. */
export class Tier {
  private compiledWon = false;
  private trialMs = 0;
  private interpretedMs = 0;
  private interpretedCalls = 0;
  private trials = 0;
  private wins = 0;
  private readonly recent: number[] = [];
  /** The median of `recent`, computed when first needed after it changed (NaN until then). */
  private recentMedian = Number.NaN;
  /** Interpreted calls timed into `recent`. */
  private timedCalls = 0;
  /** Interpreted calls since the last timed one. */
  private sinceTimed = 0;

  /**
   * `buildMs`: about what generating the code will take; `firstTrialMs`: the interpreter's time before the first
   * trial ({@link FIRST_TRIAL_MS}).
   */
  constructor(
    private readonly buildMs: number,
    private readonly firstTrialMs = FIRST_TRIAL_MS,
  ) {}

  /** Whether this call runs the generated code. */
  compiled(): boolean {
    if (this.compiledWon) return true;
    // The first trial (which builds the code) comes once the interpreter has run firstTrialMs and the build is
    // within the share; the others once the interpreter's own first, slower calls have left its window, so that
    // its median is its running speed.
    if (this.trials === 0) {
      return this.interpretedMs >= this.firstTrialMs && TRIAL_SHARE * this.interpretedMs >= this.buildMs;
    }
    const known = this.recent.length >= WINDOW || (this.recent.length >= 3 && this.interpretedMs >= 100);
    return known && this.trialMs <= TRIAL_SHARE * this.interpretedMs;
  }

  /** Records a call's time (ms) and which code ran it. */
  record(compiled: boolean, ms: number): void {
    if (this.compiledWon) return;
    if (!compiled) {
      this.interpretedCalls++;
      this.interpretedMs += ms;
      // The interpreter's own first calls are slower (V8 adapts it to the program): not its running speed.
      if (this.interpretedCalls <= WARM_UP) return;
      this.recent.push(ms);
      if (this.recent.length > WINDOW) this.recent.shift();
      // The median follows each call while the window fills, then each turn of the window.
      if (++this.timedCalls <= WINDOW || this.timedCalls % WINDOW === 0) this.recentMedian = Number.NaN;
      return;
    }
    this.trials++;
    this.trialMs += ms;
    // The first trial generates and primes the code: its time is no measure of the code's speed.
    if (this.trials === 1) return;
    this.wins = ms < this.interpreterMedian() ? this.wins + 1 : 0;
    if (this.wins >= DECIDE_AFTER) this.compiledWon = true;
  }

  /**
   * For a call {@link compiled} gave to the interpreter: true when it need not be timed ({@link TIME_EVERY}),
   * and then it is counted at the interpreter's median; false when it is to be timed and {@link record}ed.
   */
  untimed(): boolean {
    if (this.recent.length < WINDOW || ++this.sinceTimed >= TIME_EVERY) {
      this.sinceTimed = 0;
      return false;
    }
    this.interpretedCalls++;
    this.interpretedMs += this.interpreterMedian();
    return true;
  }

  private interpreterMedian(): number {
    if (Number.isNaN(this.recentMedian)) this.recentMedian = median(this.recent);
    return this.recentMedian;
  }

  /** The interpreter's time (ms) before the first trial. */
  get firstTrialAfter(): number {
    return this.firstTrialMs;
  }

  /** Trials of the generated code so far. */
  get trialCount(): number {
    return this.trials;
  }

  /** Whether the generated code runs every call now. */
  get settled(): boolean {
    return this.compiledWon;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The calls tiered separately: each runs its own generated code, or the same code a different number of times. */
export type TierKind = 'primal' | 'gradient' | 'reverse' | 'tangent';

/** Per program, its tiers by kind and width, or null when its straight runs are too small to tier. */
const tiers = new WeakMap<Program, Map<string, Tier> | null>();
let enabled = true;
let buildMsPerNode = BUILD_MS_PER_NODE;
let firstTrialMs = FIRST_TRIAL_MS;

/**
 * Per program, the most nodes of straight runs in the generated code it runs: its compiled plan's (loops
 * rerolled from the trace excluded), or for a program with loop calls (whose own nodes the interpreter runs)
 * its largest loop body's, nested bodies included.
 */
const straight = new WeakMap<Program, number>();

function straightNodes(f: Program): number {
  return cachedFor(straight, f, () => {
    let most = 0;
    const stack = [f];
    while (stack.length > 0) {
      const p = stack.pop() as Program;
      if (p.calls.length > 0) {
        for (const c of p.calls) stack.push(c.loop.body);
        continue;
      }
      let n = 0;
      for (const s of compiled(p).segments) if (s.kind !== 'loop') n += s.end - s.start;
      most = Math.max(most, n);
    }
    return most;
  });
}

/**
 * The call's tier, or undefined when the generated code runs every call: fewer than {@link TIER_MIN_NODES}
 * nodes in the straight runs of its generated code (loops, whose drivers V8 optimises soon), or tiering off.
 * `width` tells apart calls of one kind that do different amounts of work (directions, cotangents). The wait
 * before the first trial is {@link FIRST_TRIAL_MS} over `width`: V8 optimises a function after about as many
 * runs whatever calls them, so the generated code of a call that runs its sweep `width` times (ht's Jacobian,
 * one backward sweep per output) is warm after that many times fewer calls.
 */
export function tierOf(f: Program, kind: TierKind, width = 0): Tier | undefined {
  if (!enabled) return undefined;
  // One lookup: the sweeps call this every time (bench/tier.ts).
  const byKind = cachedFor(tiers, f, () =>
    straightNodes(f) < TIER_MIN_NODES ? null : new Map<string, Tier>(),
  );
  if (byKind === null) return undefined;
  const key = width === 0 ? kind : `${kind}/${width}`;
  let tier = byKind.get(key);
  if (tier === undefined) {
    tier = new Tier(straightNodes(f) * buildMsPerNode, firstTrialMs / Math.max(1, width));
    byKind.set(key, tier);
  }
  return tier;
}

/**
 * Runs one call of a sweep on the backend its tier picks: `run('interpret')` or `run('compile')`, timed.
 * Anything but the compiled backend, or a call its tier does not cover, runs as asked.
 */
export function tiered<T>(
  f: Program,
  kind: TierKind,
  width: number,
  backend: Backend,
  run: (backend: Backend) => T,
): T {
  const tier = backend === 'compile' ? tierOf(f, kind, width) : undefined;
  // One call of `run` whichever code runs, as in the gradient's tiering (src/reverse/sweeps.ts). With a second
  // call for the untimed interpreted calls, V8 optimised `run` on its own rather than inline it, inlined the
  // interpreter's sweep into it until its inlining budget ran out just before the node loop, which then ran as
  // a function of its own: det's primal at ℓ = 9 took 14.8 µs a call against the interpreter backend's 13.7 µs
  // until the first trial made V8 compile it again (docs/loops.md).
  const tiering = tier !== undefined && !tier.settled;
  const useCompiled = tiering ? tier.compiled() : backend === 'compile';
  const timed = tiering && (useCompiled || !tier.untimed());
  const t0 = timed ? performance.now() : 0;
  const out = run(useCompiled ? 'compile' : 'interpret');
  if (timed) tier.record(useCompiled, performance.now() - t0);
  return out;
}

/**
 * @internal Turns tiering off (the generated code runs every call) or on again: for tests that check the
 * generated code itself, whatever its speed, and for tiering's own tests, which also set the build cost
 * assumed per node and the interpreter's time before the first trial for the tiers made from then on. Returns
 * the previous setting.
 */
export function setTiering(on: boolean, msPerNode = BUILD_MS_PER_NODE, firstTrial = FIRST_TRIAL_MS): boolean {
  const was = enabled;
  enabled = on;
  buildMsPerNode = msPerNode;
  firstTrialMs = firstTrial;
  return was;
}
