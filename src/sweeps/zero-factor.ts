/**
 * The zero-factor rule (ops.ts) where the sweeps meet generated code, in one place: the guards that decide
 * whether generated code's result stands, and the marks a loop body's tangents and adjoints get again where
 * they cross its boundary.
 *
 * The rule marks a tangent or adjoint that no seed reaches as −0. The compiled sweeps skip zero factors (the
 * tangent sweep) or have no zero tests (the adjoint sweep): they give the rule's numbers where they meet no ∞
 * or NaN, which the guards check, but start every tangent and adjoint at +0, so they lose that mark. Inside one
 * program that does not matter (the numbers are right), but a loop body's tangents and adjoints cross into the
 * next iteration and out to the shared inputs, where the mark decides whether a zero meeting an infinite
 * partial is NaN: the loop code sets the marks again from the body's structure (reach.ts). sweepsFor
 * (backend.ts) applies the guards.
 */
import { cachedFor } from '../ir/differentiator.js';
import { capturedInput, rowArg, rowInput } from '../ir/loop.js';
import { isUntouched, UNTOUCHED } from '../ir/ops.js';
import type { LoopCall, Program } from '../ir/program.js';
import type { CompiledProgram } from './compiled/index.js';
import type { ForwardWork } from './interpret/tangent.js';
import { inputsReaching, outputsReachedByLanes } from './reach.js';

/*
 * The guards: whether generated code's result stands (the adjoint sweep's own is CompiledProgram's
 * untestedAdjoint, which the tangent sweep's guard runs). Then the marks on a loop body's output lanes.
 */

const guardAdjoints = new WeakMap<Program, Float64Array>();

/** @internal The adjoints the compiled tangent sweep's guard runs on, one array per program. */
export function guardAdjoint(f: Program): Float64Array {
  return cachedFor(guardAdjoints, f, () => new Float64Array(f.size));
}

/**
 * Whether the compiled tangent sweep's lanes are the zero-factor rule's (ops.ts). The generated code skips
 * every zero factor, reached or not; that differs from the rule only where a zero meets ∞ or NaN. So its
 * lanes stand when the seeds and the outputs' lanes are finite and every local partial on an edge into a node
 * that depends on an input is finite, which the compiled adjoint sweep without zero tests tells at the cost
 * of one sweep (it stores a NaN or ±∞ in an input's adjoint exactly when it meets such a partial). Otherwise
 * the interpreter runs the sweep again.
 */
export function compiledTangentStands(
  f: Program,
  program: CompiledProgram,
  work: ForwardWork,
  memo: PointMemo = {},
): boolean {
  const { v, t, width: c } = work;
  for (let k = f.inputStart * c; k < f.opStart * c; k++) if (!Number.isFinite(t[k])) return false;
  for (const o of f.outputs) for (let j = 0; j < c; j++) if (!Number.isFinite(t[o * c + j])) return false;
  if (memo.partialsFinite !== undefined) return memo.partialsFinite;
  memo.partialsFinite = program.untestedAdjoint(v, guardAdjoint(f), (a) => {
    for (const o of f.outputs) a[o] = 1;
  });
  return memo.partialsFinite;
}

/**
 * What one point's sweeps can share: whether every local partial is finite there (the compiled sweep's guard,
 * one adjoint sweep per point rather than per chunk of directions).
 */
export interface PointMemo {
  partialsFinite?: boolean;
}

/**
 * @internal The zero-factor rule's marks on a loop body's output lanes, which cross into the next iteration or out of
 * the loop: the compiled sweep writes ±0 for a lane no seeded input reaches, where the rule has −0. A nonzero
 * lane is reached; a zero one is −0 unless an input whose lane is reached feeds that output (reach.ts).
 * Only the lanes of inputs `0 .. varying − 1` may have changed since the last marks on `work` (by default all;
 * {@link forgetMarks} before a loop call's first iteration).
 */
export function markOutputs(f: Program, work: ForwardWork, varying = f.variables.length): void {
  const { t, width: c } = work;
  const outs = f.outputs;
  // Lanes in groups of 32, one bit each (outputsReachedByLanes).
  for (let g = 0; g < c; g += 32) {
    const w = Math.min(32, c - g);
    let reached: Int32Array | undefined;
    for (let k = 0; k < outs.length; k++) {
      const base = (outs[k] as number) * c + g;
      for (let j = 0; j < w; j++) {
        if (t[base + j] !== 0) continue;
        reached ??= reachedOutputs(f, work, g, w, varying);
        t[base + j] = ((reached[k] as number) >>> j) & 1 ? 0 : UNTOUCHED;
      }
    }
  }
}

/** Per work arrays and group of 32 lanes: the inputs each lane seeded when the outputs reached were last found, and those outputs. */
const laneReach = new WeakMap<ForwardWork, { seeded: Int32Array; reached: Int32Array }[]>();

/** @internal Drops the marks' memory of `work`'s input lanes: every input's lane may have changed. */
export function forgetMarks(work: ForwardWork): void {
  laneReach.delete(work);
}

/**
 * The outputs of `f` that an input seeded in lanes `g .. g + w − 1` reaches, a bit per lane (one pass over the
 * body for them all), kept while the seeded inputs stay the same: in a loop they change only while a direction
 * spreads through the carry, and a body's outputs-by-inputs flags (lstm's 57 × 323) cost more to read per
 * iteration than its sweep.
 */
function reachedOutputs(f: Program, work: ForwardWork, g: number, w: number, varying: number): Int32Array {
  const { t, width: c } = work;
  const groups = cachedFor(laneReach, work, () => []);
  let memo = groups[g >> 5];
  const nIn = f.variables.length;
  let same = memo !== undefined;
  const seeded = memo?.seeded ?? new Int32Array(nIn);
  for (let i = 0; i < (memo === undefined ? nIn : varying); i++) {
    const base = (f.inputStart + i) * c + g;
    let bits = 0;
    for (let j = 0; j < w; j++) if (!isUntouched(t[base + j] as number)) bits |= 1 << j;
    if (seeded[i] !== bits) {
      seeded[i] = bits;
      same = false;
    }
  }
  if (memo === undefined || !same) {
    memo = { seeded, reached: outputsReachedByLanes(f, seeded) };
    groups[g >> 5] = memo;
  }
  return memo.reached;
}

/*
 * The zero-factor rule across a body's boundary (ops.ts): an adjoint that leaves a body for the next
 * iteration, or for the captured values and rows outside, must still say whether a seeded output reached it
 * (−0 if not), as a node's adjoint does in the unrolled program. The compiled sweep without zero tests starts
 * every adjoint at +0, which gives the rule's numbers when it meets no ∞ or NaN but not that mark: the inputs'
 * marks are set again from the body's structure (reach.ts) and the outputs the seed touched.
 */

/** A body-sized array of untouched adjoints on which seeds are tried, to see which outputs they touch. */
const probes = new WeakMap<Program, Float64Array>();

/** Which of the body's outputs `seed` touches (writes an adjoint that is not −0 to). */
export function seededOutputs(body: Program, seed: (adj: Float64Array) => void): Uint8Array {
  const probe = cachedFor(probes, body, () => new Float64Array(body.size).fill(UNTOUCHED));
  seed(probe);
  const outs = body.outputs;
  const touched = new Uint8Array(outs.length);
  for (let k = 0; k < outs.length; k++) touched[k] = isUntouched(probe[outs[k] as number] as number) ? 0 : 1;
  for (let k = 0; k < outs.length; k++) probe[outs[k] as number] = UNTOUCHED;
  return touched;
}

/** Per body, the last touched outputs asked about and the inputs they reach (iterations ask the same again). */
const lastReach = new WeakMap<Program, { touched: Uint8Array; reached: Uint8Array }>();

/** Which of the body's inputs the touched outputs reach (flags by input): one pass over the body per pattern. */
export function reachedInputs(body: Program, touched: Uint8Array): Uint8Array {
  const last = lastReach.get(body);
  if (last !== undefined && sameFlags(last.touched, touched)) return last.reached;
  const reached = inputsReaching(body, touched);
  lastReach.set(body, { touched: touched.slice(), reached });
  return reached;
}

function sameFlags(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Marks the body's inputs' adjoints: −0 where no touched output reaches the input, never −0 where one does.
 * A nonzero adjoint is reached; only a zero one needs the body's structure.
 */
export function markInputs(body: Program, adj: Float64Array, touched: Uint8Array): void {
  let reached: Uint8Array | undefined;
  for (let j = 0; j < body.variables.length; j++) {
    const i = body.inputStart + j;
    if (adj[i] !== 0) continue;
    reached ??= reachedInputs(body, touched);
    adj[i] = reached[j] === 1 ? 0 : UNTOUCHED;
  }
}

/**
 * The same marks on every row's gradient, `rows[i·w + k]` for body input `r + k`: one pass per row entry, not a
 * remainder per value (lse's 1.28M rows).
 */
export function markRows(rows: Float64Array, reached: Uint8Array, r: number, w: number): void {
  for (let k = 0; k < w; k++) {
    if (reached[r + k] === 1) for (let j = k; j < rows.length; j += w) rows[j] = (rows[j] as number) + 0;
    else for (let j = k; j < rows.length; j += w) rows[j] = UNTOUCHED;
  }
}

/** The same marks on a sum over iterations, `into[k]` for body input `from + k`. */
export function markSums(into: Float64Array, reached: Uint8Array, from: number): void {
  for (let k = 0; k < into.length; k++)
    into[k] = reached[from + k] === 1 ? (into[k] as number) + 0 : UNTOUCHED;
}

/**
 * Whether a scan's backward driver may run, whose sweep without zero tests keeps no marks between iterations:
 * where every output of every iteration is touched (the carries' adjoints `cbar`, the per-step ones at
 * adj[from .. to)) and every carry reached, so every carry's adjoint is touched, as the driver computes it.
 * Then the inputs every output reaches; else undefined.
 */
export function drivenReach(
  body: Program,
  cbar: Float64Array,
  adj: Float64Array,
  from: number,
  to: number,
): Uint8Array | undefined {
  // The adjoints first: where one is untouched (ode's gradient of one component) the body is not walked.
  for (let k = 0; k < cbar.length; k++) if (isUntouched(cbar[k] as number)) return undefined;
  for (let k = from; k < to; k++) if (isUntouched(adj[k] as number)) return undefined;
  const reached = reachedInputs(body, new Uint8Array(body.outputs.length).fill(1));
  for (let k = 0; k < cbar.length; k++) if (reached[k] !== 1) return undefined;
  return reached;
}

/**
 * After a scan's backward driver (which keeps no marks): the carries' and captured values' adjoint sums marked
 * as the structure says, and a reached row's adjoint touched even where it is 0 (the driver adds only the
 * nonzero ones).
 */
export function markDriven(
  loop: LoopCall['loop'],
  args: Int32Array,
  adj: Float64Array,
  cbar: Float64Array,
  gCap: Float64Array,
  reached: Uint8Array,
): void {
  markSums(cbar, reached, 0);
  markSums(gCap, reached, capturedInput(loop));
  const r = rowInput(loop);
  for (let i = 0; loop.rowArgs && i < loop.n; i++) {
    const base = rowArg(loop, i);
    for (let k = 0; k < loop.width; k++) {
      const arg = args[base + k] as number;
      if (reached[r + k] === 1) adj[arg] = (adj[arg] as number) + 0;
    }
  }
}
