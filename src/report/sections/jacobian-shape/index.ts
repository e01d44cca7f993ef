/**
 * The Jacobian-shape section: what a full Jacobian of f: Rⁿ → Rᵐ costs by forward mode (tangent sweeps, one per
 * input direction or per chunk of them) against reverse mode (one adjoint sweep per output), over a grid of
 * (n, m), on a dense layer y = tanh(W x + b). The lectures' claim: forward mode wins when there are fewer inputs
 * than outputs, so the ratio forward/reverse crosses 1 on the line m = n.
 *
 * Per grid point it records both modes' operation counts (deterministic, `Stats.ops`) and sweeps, forward mode
 * without chunks (one direction per sweep, the textbook picture) as well, and the median wall-clock time. The
 * crossover is fitted as m = κ·n^β. On a few points it also checks every method's Jacobian against reverse
 * mode's, to a tolerance set per method.
 *
 * No `node:` imports: this runs in a browser.
 */
import { methods } from '../../../api.js';
import { defaultChunk } from '../../../forward/index.js';
import { DifflabError } from '../../../ir/errors.js';
import { METHODS, type Method, type Program, programCost } from '../../../ir/index.js';
import { storesPartials } from '../../../sweeps/index.js';
import { denseLayer } from '../../../workloads/jacobian.js';
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../../chart.js';
import { growSizes, Progress, type TimingOptions, timeCall } from '../../harness.js';
import type { Finding, ReportSection, SectionChart, SectionOptions } from '../../section.js';
import { csvText, formatError, mdTable } from '../../table.js';
import { type Crossover, fitCrossover, relativeError } from './measure.js';

/** One grid point: the dense layer n → m, both modes' counts and times. */
export interface ShapePoint {
  n: number;
  m: number;
  /** The program's primal operations and argument edges (ir/differentiator.ts `programCost`). */
  nodes: number;
  edges: number;
  /** Forward mode with its default chunk. */
  forwardOps: number;
  forwardSweeps: number;
  chunk: number;
  forwardMs: number;
  /** Forward mode with one direction per sweep. */
  unchunkedOps: number;
  unchunkedSweeps: number;
  reverseOps: number;
  /**
   * Reverse mode's operations on the nodes its adjoint sweeps reach: an adjoint sweep skips a node no seeded
   * output depends on (the zero-factor rule), so each sweep works on its output's ancestors only.
   */
  reverseReachedOps: number;
  reverseSweeps: number;
  reverseMs: number;
}

/** One method's Jacobian at one point against reverse mode's. */
export interface MethodCheck {
  n: number;
  m: number;
  method: Method;
  /** Normwise relative error against reverse mode; null when the method refused. */
  error: number | null;
  tolerance: number;
  ops: number | null;
  ms: number | null;
  failure?: string;
}

export interface JacobianShapeResult {
  points: ShapePoint[];
  checks: MethodCheck[];
  /** Where forward/reverse = 1, fitted from operations (default chunk, and one direction per sweep) and times. */
  crossover: { ops: Crossover | null; unchunked: Crossover | null; time: Crossover | null };
  aborted?: boolean;
}

/**
 * The tolerance of each method's Jacobian against reverse mode's, normwise relative. Forward mode applies the
 * same partials in another order: a few ulps. Symbolic evaluates derivative expressions (tanh′ written as
 * 1 − tanh² or sech²): a few ulps more. Central differences err by about h²·|f‴|/6 + ε/h with h = ε^(1/3)·|x|,
 * some 1e-11 here where |f‴| is of order 1: 1e-8 leaves room for curvature.
 */
export const TOLERANCE: Readonly<Record<Method, number>> = {
  reverse: 0,
  forward: 1e-14,
  symbolic: 1e-12,
  numeric: 1e-8,
};

const QUICK_GRID = [2, 4, 8, 16];
const FULL_GRID = [2, 4, 8, 16, 32, 64, 128];

/** The points where every method is checked (small: symbolic trees and finite differences grow fast). */
function checkPoints(grid: readonly number[]): [number, number][] {
  const small = grid.filter((v) => v <= 32);
  const lo = small[Math.max(0, small.length - 3)] ?? 2;
  const hi = small[small.length - 1] ?? 4;
  return lo === hi
    ? [[lo, hi]]
    : [
        [lo, hi],
        [hi, lo],
        [hi, hi],
      ];
}

/**
 * The grid grows by n (every m at each n), so that `--budget` stops growing n once measuring has taken longer;
 * then every method is checked at a few small points.
 */
async function run(options: SectionOptions): Promise<JacobianShapeResult> {
  const grid = [...(options.sizes ?? (options.quick ? QUICK_GRID : FULL_GRID))].sort((a, b) => a - b);
  const reps = options.quick ? 3 : 9;
  const chosen = options.methods ?? METHODS;
  const checks = checkPoints(grid);
  const progress = new Progress(grid.length * grid.length + checks.length, options.onProgress);
  const result: JacobianShapeResult = {
    points: [],
    checks: [],
    crossover: { ops: null, unchunked: null, time: null },
  };
  const timing = { samples: reps, signal: options.signal };
  const grown = await growSizes(
    grid,
    async (n) => {
      for (const m of grid) {
        result.points.push(await measurePoint(n, m, timing));
        progress.step(`dense ${n} → ${m}`);
      }
    },
    options,
  );
  if (grown.budgetStop) {
    progress.drop(grown.budgetStop.dropped * grid.length);
    options.onSkip?.(`jacobian-shape: n stopped at ${grown.budgetStop.size} (budget)`);
  }
  // Points past the budget are not checked either: the checks are chosen among the sizes measured (a budget
  // that stops n at 2 still checks every method at 2 → 2).
  const checkable =
    grown.budgetStop === undefined ? checks : grown.measured.length > 0 ? checkPoints(grown.measured) : [];
  progress.drop(checks.length - checkable.length);
  const checked = grown.aborted
    ? grown
    : await growSizes(
        checkable,
        ([n, m]) => {
          result.checks.push(...checkMethods(n, m, chosen));
          progress.step(`every method at ${n} → ${m}`);
        },
        { signal: options.signal },
      );
  if (checked.aborted) result.aborted = true;
  result.crossover = {
    ops: fitCrossover(result.points.map((p) => ({ ...p, ratio: p.forwardOps / p.reverseOps }))),
    unchunked: fitCrossover(result.points.map((p) => ({ ...p, ratio: p.unchunkedOps / p.reverseOps }))),
    time: fitCrossover(result.points.map((p) => ({ ...p, ratio: p.forwardMs / p.reverseMs }))),
  };
  return result;
}

/** Both modes at one grid point: counts from one call each, times as medians of `timing.samples` calls. */
async function measurePoint(n: number, m: number, timing: TimingOptions): Promise<ShapePoint> {
  const w = denseLayer(n, m);
  const fwd = methods.forward.jacobian(w.f, w.x).stats;
  const one = methods.forward.jacobian(w.f, w.x, { chunk: 1 }).stats;
  const rev = methods.reverse.jacobian(w.f, w.x).stats;
  const { nodes, edges } = programCost(w.f);
  return {
    n,
    m,
    nodes,
    edges,
    forwardOps: fwd.ops,
    forwardSweeps: fwd.forwardSweeps,
    chunk: defaultChunk(n),
    forwardMs: (await timeCall(() => methods.forward.jacobian(w.f, w.x), timing)).p50,
    unchunkedOps: one.ops,
    unchunkedSweeps: one.forwardSweeps,
    reverseOps: rev.ops,
    reverseReachedOps: reachedReverseOps(w.f),
    reverseSweeps: rev.reverseSweeps,
    reverseMs: (await timeCall(() => methods.reverse.jacobian(w.f, w.x), timing)).p50,
  };
}

/**
 * Reverse mode's count restricted to what its sweeps reach: the primal of every node and, with m ≥ 2 outputs,
 * every edge's partial once (stored, sweeps/interpret/stored.ts), then per output a multiply–add per edge among that
 * output's ancestors (one output: its partials and multiply–adds, N + 2E as `Stats.ops`).
 */
export function reachedReverseOps(f: Program): number {
  const reached = new Uint8Array(f.size);
  const { nodes, edges: all } = programCost(f);
  const stored = storesPartials(f, f.outputs.length, 'interpret', false);
  let ops = nodes + (stored ? all : 0);
  for (const o of f.outputs) {
    reached.fill(0);
    reached[o] = 1;
    for (let i = f.size - 1; i >= f.opStart; i--) {
      if (reached[i] !== 1) continue;
      let edges = 0;
      f.forEachArg(i, (arg) => {
        reached[arg] = 1;
        edges++;
      });
      ops += stored ? edges : 2 * edges;
    }
  }
  return ops;
}

/** Every chosen method's Jacobian at n → m against reverse mode's (a refusal is recorded, not thrown). */
function checkMethods(n: number, m: number, chosen: readonly Method[]): MethodCheck[] {
  const w = denseLayer(n, m);
  const reference = methods.reverse.jacobian(w.f, w.x).value;
  return chosen.map((method): MethodCheck => {
    const tolerance = TOLERANCE[method];
    try {
      const { value, stats } = methods[method].jacobian(w.f, w.x);
      return {
        n,
        m,
        method,
        error: relativeError(value, reference),
        tolerance,
        ops: stats.ops,
        ms: stats.time,
      };
    } catch (e) {
      if (!(e instanceof DifflabError)) throw e;
      return {
        n,
        m,
        method,
        error: null,
        tolerance,
        ops: null,
        ms: null,
        failure: `${e.code}: ${e.message}`,
      };
    }
  });
}

/** The claim's test on one ratio: below 1 wherever m ≥ 2n, above 1 wherever m ≤ n/2. */
function sidesHold(points: readonly ShapePoint[], ratio: (p: ShapePoint) => number): boolean {
  return points.every((p) => (p.m >= 2 * p.n ? ratio(p) < 1 : p.m <= p.n / 2 ? ratio(p) > 1 : true));
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '—');

function crossoverText(c: Crossover | null): string {
  return c === null
    ? 'not fitted (too few points)'
    : `m ≈ ${fmt(c.kappa)}·n^${fmt(c.beta)} (R² ${fmt(c.r2, 2)})`;
}

function markdown(r: JacobianShapeResult): string {
  const lines: string[] = [];
  lines.push(
    'The full Jacobian of y = tanh(W x + b), W fixed (m × n), by forward mode (one tangent sweep per chunk of ' +
      'input directions) and reverse mode (one adjoint sweep per output). Operations are the methods’ ' +
      'deterministic counts (`Stats.ops`: a sweep’s primal, partials and one multiply–add per edge and direction); ' +
      'times are medians. The theory: forward mode costs n sweeps, reverse mode m, so the ratio crosses 1 on m = n.',
    '',
    `- Crossover by operations, default chunk: ${crossoverText(r.crossover.ops)}`,
    `- Crossover by operations, one direction per sweep: ${crossoverText(r.crossover.unchunked)}`,
    `- Crossover by time, default chunk: ${crossoverText(r.crossover.time)}`,
    '',
    'A chunk of c directions shares one primal and one evaluation of the partials; reverse mode evaluates the ' +
      'partials once after its recording and keeps them (E doubles), so both pay one operation per edge per ' +
      'direction or adjoint. Forward mode pays its primal and partials once per chunk, reverse mode once in all: ' +
      'the crossover by operations lies on m = n while n fits one chunk and above it past that, further above ' +
      'without chunks (one primal and one evaluation of the partials per direction).',
    '',
    'Time follows another count. Each output of a dense layer depends on its own row only, and an adjoint sweep ' +
      'skips every node its output does not depend on (the zero-factor rule): reverse mode works on about one ' +
      'program’s edges in all, not m programs’ (column “rev ops reached”), plus a cheap test per skipped node. ' +
      'Forward mode’s tangents from any input reach every output, so it gets no such discount.',
    '',
  );
  lines.push(
    ...mdTable(
      [
        'n',
        'm',
        'nodes',
        'fwd sweeps',
        'rev sweeps',
        'fwd ops',
        'rev ops',
        'ops ratio',
        'unchunked ratio',
        'rev ops reached',
        'reached ratio',
        'fwd ms',
        'rev ms',
        'time ratio',
      ],
      r.points.map((p) => [
        String(p.n),
        String(p.m),
        String(p.nodes),
        `${p.forwardSweeps} (chunk ${p.chunk})`,
        String(p.reverseSweeps),
        String(p.forwardOps),
        String(p.reverseOps),
        fmt(p.forwardOps / p.reverseOps),
        fmt(p.unchunkedOps / p.reverseOps),
        String(p.reverseReachedOps),
        fmt(p.forwardOps / p.reverseReachedOps),
        fmt(p.forwardMs),
        fmt(p.reverseMs),
        fmt(p.forwardMs / p.reverseMs),
      ]),
    ),
  );
  if (r.checks.length > 0) {
    lines.push(
      '',
      'Every method’s Jacobian against reverse mode’s (normwise relative error, and the tolerance set for it):',
      '',
    );
    lines.push(
      ...mdTable(
        ['n', 'm', 'method', 'error', 'tolerance', 'within', 'ops'],
        r.checks.map((c) => [
          String(c.n),
          String(c.m),
          c.method,
          c.error === null ? `refused (${c.failure ?? ''})` : formatError(c.error),
          formatError(c.tolerance),
          c.error === null ? '—' : c.error <= c.tolerance ? '✓' : '✗',
          c.ops === null ? '—' : String(c.ops),
        ]),
      ),
    );
  }
  if (r.aborted) lines.push('', '_Stopped early: the table holds the points measured until then._');
  return lines.join('\n');
}

function csv(r: JacobianShapeResult): string {
  return csvText(
    [
      'n',
      'm',
      'nodes',
      'edges',
      'chunk',
      'forward_sweeps',
      'forward_ops',
      'unchunked_sweeps',
      'unchunked_ops',
      'reverse_sweeps',
      'reverse_ops',
      'reverse_reached_ops',
      'forward_ms',
      'reverse_ms',
    ],
    r.points.map((p) => [
      p.n,
      p.m,
      p.nodes,
      p.edges,
      p.chunk,
      p.forwardSweeps,
      p.forwardOps,
      p.unchunkedSweeps,
      p.unchunkedOps,
      p.reverseSweeps,
      p.reverseOps,
      p.reverseReachedOps,
      p.forwardMs,
      p.reverseMs,
    ]),
  );
}

/** A heatmap of log₂(forward/reverse) over (n, m) on log axes, with the line m = n and the fitted crossover. */
function heatmap(r: JacobianShapeResult, measure: 'ops' | 'time'): ChartSpec {
  const ratio = (p: ShapePoint) =>
    measure === 'ops' ? p.forwardOps / p.reverseOps : p.forwardMs / p.reverseMs;
  const cells = r.points.map((p) => ({
    n: p.n,
    m: p.m,
    n0: p.n / Math.SQRT2,
    n1: p.n * Math.SQRT2,
    m0: p.m / Math.SQRT2,
    m1: p.m * Math.SQRT2,
    ratio: ratio(p),
    log2ratio: Math.log2(ratio(p)),
  }));
  const sizes = r.points.map((p) => p.n).concat(r.points.map((p) => p.m));
  const lo = Math.min(...sizes) / Math.SQRT2;
  const hi = Math.max(...sizes) * Math.SQRT2;
  const fit = measure === 'ops' ? r.crossover.ops : r.crossover.time;
  const lines = [
    { line: 'theory m = n', n: lo, m: lo },
    { line: 'theory m = n', n: hi, m: hi },
  ];
  if (fit !== null) {
    for (const n of [lo, hi]) lines.push({ line: 'measured ratio = 1', n, m: fit.kappa * n ** fit.beta });
  }
  const axis = (title: string) => ({
    type: 'quantitative' as const,
    scale: { type: 'log' as const, base: 2, domain: [lo, hi] },
    axis: { title, values: [...new Set(sizes)].sort((a, b) => a - b) },
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `Forward/reverse ${measure === 'ops' ? 'operations' : 'time'} for the Jacobian of tanh(Wx + b)`,
      subtitle: 'log₂ ratio: blue where forward mode is cheaper, red where reverse mode is',
    },
    width: 360,
    height: 360,
    layer: [
      {
        data: { values: cells },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'n0', ...axis('inputs n') },
          x2: { field: 'n1' },
          y: { field: 'm0', ...axis('outputs m') },
          y2: { field: 'm1' },
          color: {
            field: 'log2ratio',
            type: 'quantitative',
            scale: { scheme: 'redblue', reverse: true, domainMid: 0 },
            legend: { title: 'log₂ fwd/rev' },
          },
          tooltip: [
            { field: 'n', type: 'quantitative' },
            { field: 'm', type: 'quantitative' },
            { field: 'ratio', type: 'quantitative', format: '.3g' },
          ],
        },
      },
      {
        data: { values: lines },
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'n', type: 'quantitative', scale: { type: 'log', base: 2, domain: [lo, hi] } },
          y: { field: 'm', type: 'quantitative', scale: { type: 'log', base: 2, domain: [lo, hi] } },
          strokeDash: { field: 'line', type: 'nominal', legend: { title: null } },
          color: { value: 'black' },
        },
      },
    ],
  } as ChartSpec;
}

function charts(r: JacobianShapeResult): SectionChart[] {
  if (r.points.length === 0) return [];
  return [
    {
      name: 'jacobian-shape-ops',
      caption:
        'log₂ of forward/reverse operations for the Jacobian of a dense layer over (n, m): the solid line is the theory’s crossover m = n, the dashed one where the measured ratio is 1.',
      spec: heatmap(r, 'ops'),
    },
    {
      name: 'jacobian-shape-time',
      caption:
        'The same ratio in wall-clock time (medians), with the theory’s line and the fitted crossover.',
      spec: heatmap(r, 'time'),
    },
  ];
}

function findings(r: JacobianShapeResult): Finding[] {
  if (r.points.length === 0) return [];
  const out: Finding[] = [];
  const ops = sidesHold(r.points, (p) => p.forwardOps / p.reverseOps);
  out.push({
    text: `Jacobian shape: forward/reverse operations cross 1 at ${crossoverText(r.crossover.ops)} (theory m = n); forward mode is cheaper wherever m ≥ 2n and reverse mode wherever m ≤ n/2: ${ops ? 'yes' : 'no'}.`,
    verdict: ops ? 'holds' : 'fails',
  });
  const time = sidesHold(r.points, (p) => p.forwardMs / p.reverseMs);
  out.push({
    text: `Jacobian shape: in time the crossover is ${crossoverText(r.crossover.time)}; forward faster wherever m ≥ 2n and reverse wherever m ≤ n/2: ${time ? 'yes' : 'no'}.`,
    verdict: time ? 'holds' : 'fails',
  });
  const bad = r.checks.filter((c) => c.error !== null && c.error > c.tolerance);
  if (r.checks.length > 0) {
    out.push({
      text: `Jacobian shape: ${r.checks.length - bad.length} of ${r.checks.length} Jacobians by ${[...new Set(r.checks.map((c) => c.method))].join(', ')} agree with reverse mode within their tolerances.`,
      verdict: bad.length === 0 ? 'holds' : 'fails',
    });
  }
  return out;
}

/** The section: forward against reverse mode over Jacobian shapes (n, m). */
export const jacobianShapeSection: ReportSection<JacobianShapeResult> = {
  name: 'jacobian-shape',
  title: 'Jacobians of every shape: forward against reverse mode',
  byDefault: true,
  run,
  markdown,
  csv,
  charts,
  findings,
};
