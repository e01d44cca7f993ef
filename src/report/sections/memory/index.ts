/**
 * The memory section: what reverse mode holds for a gradient, against depth, and what a scan's checkpointing
 * trades for it (WORKED-EXAMPLES §8: training memory grows with depth because the forward pass's activations
 * are kept; checkpointing keeps some and recomputes the rest).
 *
 * (a) Bytes held against depth (memoryOf(stats).totalBytes: the tape, the loop bodies' tapes, what loops keep)
 * on a deep narrow mlp written out (flat) and as a scan over its layers, the logistic map (a scan over its
 * steps) and GradBench's lstm (a scan over the sequence), with the fitted power of depth.
 * (b) On scans at a fixed depth, each checkpointing strategy's bytes kept against the body's forward runs
 * (counted) and the gradient's time, beside Griewank's revolve curve (the fewest forward runs for the memory).
 *
 * No `node:` imports: this runs in a browser.
 */
import { generateInput } from '../../../gradbench/generate.js';
import { deepMlp, deepMlpPoint } from '../../../workloads/deep-mlp.js';
import { lstm } from '../../../workloads/gradbench/lstm.js';
import { logisticMap } from '../../../workloads/logistic-map.js';
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../../chart.js';
import { fitPower } from '../../fit.js';
import { growSizes, Progress } from '../../harness.js';
import type { Finding, ReportSection, SectionChart, SectionOptions } from '../../section.js';
import { csvText, mdTable } from '../../table.js';
import {
  type CheckpointRow,
  type DepthRow,
  depthRow,
  type MemoryCase,
  measureCheckpointing,
  type RevolvePoint,
  revolveCurve,
  revolveForwards,
  scanShapeOf,
  strategies,
} from './measure.js';

export * from './measure.js';

/** The deep mlp's width. */
const WIDTH = 4;
/** lstm's number of layers. */
const LSTM_LAYERS = 2;
/** Binomial strategies measured (besides ⌈log₂ n⌉), and revolve's curve. */
const SNAPSHOTS = [1, 2, 4, 8, 16, 32];
/** A strategy whose body runs exceed this many per iteration (by theory) is left out: it only takes time. */
const MAX_FORWARDS_PER_ITERATION = 40;

interface DepthWorkload {
  readonly name: string;
  /** What depth counts. */
  readonly depth: string;
  readonly quick: readonly number[];
  readonly full: readonly number[];
  build(depth: number): MemoryCase;
}

function lstmCase(length: number): MemoryCase {
  const w = lstm.prepare(lstm.read(generateInput({ eval: 'lstm', sizes: { l: LSTM_LAYERS, c: length } })));
  return { name: 'lstm', f: w.f, x: w.x };
}

const powers = (from: number, to: number) => {
  const out: number[] = [];
  for (let d = from; d <= to; d *= 2) out.push(d);
  return out;
};

/** The depth workloads, by name. */
export const DEPTH_WORKLOADS: readonly DepthWorkload[] = [
  {
    name: 'deep-mlp',
    depth: 'layers',
    quick: powers(4, 64),
    full: powers(16, 1024),
    build: (d) => ({ name: 'deep-mlp', f: deepMlp(d, WIDTH, 'flat'), x: deepMlpPoint(d, WIDTH) }),
  },
  {
    name: 'deep-mlp-scan',
    depth: 'layers',
    quick: powers(4, 64),
    full: powers(16, 1024),
    build: (d) => ({ name: 'deep-mlp-scan', f: deepMlp(d, WIDTH, 'scan'), x: deepMlpPoint(d, WIDTH) }),
  },
  {
    name: 'logistic-map',
    depth: 'steps',
    quick: powers(128, 2048),
    full: powers(1024, 131072),
    build: (d) => ({ name: 'logistic-map', f: logisticMap.build(d), x: logisticMap.point(d) }),
  },
  {
    name: 'lstm',
    depth: 'sequence length',
    quick: powers(16, 128),
    full: powers(64, 2048),
    build: lstmCase,
  },
];

/** The scans whose checkpointing is measured, at a fixed depth. */
const CHECKPOINT_CASES: readonly {
  name: string;
  quick: number;
  full: number;
  build(d: number): MemoryCase;
}[] = [
  { name: 'lstm', quick: 128, full: 1024, build: lstmCase },
  {
    name: 'logistic-map',
    quick: 1000,
    full: 10000,
    build: (d) => ({ name: 'logistic-map', f: logisticMap.build(d + 1), x: logisticMap.point(d + 1) }),
  },
  {
    name: 'deep-mlp-scan',
    quick: 64,
    full: 512,
    build: (d) => ({ name: 'deep-mlp-scan', f: deepMlp(d, WIDTH, 'scan'), x: deepMlpPoint(d, WIDTH) }),
  },
];

/** The power of depth that memory grows as, per workload. */
export interface DepthFit {
  workload: string;
  /** The exponent p of bytes ≈ c·depthᵖ (least squares on log–log axes). */
  slope: number;
  r2: number;
  /** Bytes per unit of depth between the first and the last depth measured. */
  bytesPerDepth: number;
}

export interface MemoryResult {
  quick: boolean;
  backend: 'compile';
  depth: DepthRow[];
  fits: DepthFit[];
  checkpoint: CheckpointRow[];
  revolve: RevolvePoint[];
  /** Strategies left out because theory puts them past MAX_FORWARDS_PER_ITERATION, per workload. */
  leftOut: string[];
  /** Whether the run was stopped before the end. */
  stopped: boolean;
}

function fitsOf(rows: readonly DepthRow[]): DepthFit[] {
  const names = [...new Set(rows.map((r) => r.workload))];
  return names.flatMap((workload) => {
    const rs = rows.filter((r) => r.workload === workload);
    const fit = fitPower(
      rs.map((r) => r.depth),
      rs.map((r) => r.bytes),
    );
    if (fit === null) return [];
    const a = rs[0] as DepthRow;
    const b = rs[rs.length - 1] as DepthRow;
    return [
      {
        workload,
        slope: fit.parameter,
        r2: fit.r2,
        bytesPerDepth: (b.bytes - a.bytes) / (b.depth - a.depth),
      },
    ];
  });
}

/**
 * Each depth workload grows its depth (`--sizes`) until measuring it has taken longer than `--budget`; then each
 * checkpointing case is timed (its sizes are fixed).
 */
async function run(options: SectionOptions): Promise<MemoryResult> {
  const quick = options.quick === true;
  const wanted = (name: string) => options.workloads === undefined || options.workloads.includes(name);
  const depthWork = DEPTH_WORKLOADS.filter((w) => wanted(w.name)).map((w) => ({
    w,
    depths: options.sizes ?? (quick ? w.quick : w.full),
  }));
  const cases = CHECKPOINT_CASES.filter((c) => wanted(c.name));
  const list = strategies(SNAPSHOTS);
  const progress = new Progress(
    depthWork.reduce((t, { depths }) => t + depths.length, 0) + cases.length * list.length,
    options.onProgress,
  );
  const result: MemoryResult = {
    quick,
    backend: 'compile',
    depth: [],
    fits: [],
    checkpoint: [],
    revolve: [],
    leftOut: [],
    stopped: false,
  };
  for (const { w, depths } of depthWork) {
    const grown = await growSizes(
      depths,
      (d) => {
        result.depth.push(depthRow(w.name, d, w.build(d), 'compile'));
        progress.step(`memory: ${w.name} at depth ${d}`);
      },
      options,
    );
    if (grown.budgetStop) {
      progress.drop(grown.budgetStop.dropped);
      options.onSkip?.(`memory: ${w.name} stopped at depth ${grown.budgetStop.size} (budget)`);
    }
    result.stopped ||= grown.aborted;
    if (grown.aborted) break;
  }
  const grown = result.stopped
    ? undefined
    : await growSizes(
        cases,
        async (c) => {
          const memoryCase = c.build(quick ? c.quick : c.full);
          const { n, carry } = scanShapeOf(memoryCase.f);
          const kept = list.filter(
            (s) =>
              s.checkpoint !== 'binomial' ||
              s.snapshots === undefined ||
              (s.snapshots + 1 < n &&
                revolveForwards(s.snapshots + 1, n) <= (MAX_FORWARDS_PER_ITERATION - 2) * n),
          );
          for (const s of list) if (!kept.includes(s)) result.leftOut.push(`${c.name}: ${s.label}`);
          const timing = { backend: 'compile' as const, minMs: quick ? 20 : 300, signal: options.signal };
          result.checkpoint.push(...(await measureCheckpointing(memoryCase, kept, timing)));
          progress.step(`memory: checkpointing ${c.name}`, list.length);
          const curve = Array.from({ length: 64 }, (_, k) => k + 1).filter(
            (s) => revolveForwards(s + 1, n) <= (MAX_FORWARDS_PER_ITERATION - 2) * n,
          );
          result.revolve.push(...revolveCurve(c.name, n, carry, curve));
        },
        { signal: options.signal },
      );
  result.stopped ||= grown?.aborted === true;
  result.fits = fitsOf(result.depth);
  return result;
}

const kib = (b: number) => (b / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 });
const fixed = (v: number, d: number) => v.toFixed(d);

function markdown(r: MemoryResult): string {
  const lines: string[] = [];
  lines.push(
    `Reverse mode's memory for one gradient, counted from the arrays it holds (\`memoryOf(stats)\`): the tape (a value and an adjoint per node, 16 bytes), each loop body's tape, and what a scan keeps for its backward sweep (carries, and store-all's every-iteration body values when they fit). Compiled backend${r.quick ? '; quick sizes' : ''}${r.stopped ? '; **stopped before the end**' : ''}.`,
    '',
    '### Memory against depth',
    '',
    `A deep mlp (width ${WIDTH}, tanh) written out layer by layer and as a scan over its layers, the logistic map (a scan over its steps) and GradBench's lstm (${LSTM_LAYERS} layers, a scan over the sequence); store-all checkpointing (the default).`,
    '',
    ...mdTable(
      ['workload', 'depth', 'bytes held (KiB)', 'tape (KiB)', 'body tapes (KiB)', 'kept by loops (KiB)'],
      r.depth.map((d) => [
        d.workload,
        String(d.depth),
        kib(d.bytes),
        kib(d.tapeBytes),
        kib(d.loopTapeBytes),
        kib(d.keptBytes),
      ]),
      (i) => i > 0,
    ),
    '',
    ...mdTable(
      ['workload', 'bytes ∝ depth^p: p', 'R²', 'bytes per unit of depth'],
      r.fits.map((f) => [f.workload, fixed(f.slope, 2), fixed(f.r2, 4), f.bytesPerDepth.toFixed(0)]),
      (i) => i > 0,
    ),
    '',
    "p ≈ 1: memory grows in proportion to depth, because every layer's (every step's) values are kept for the backward sweep. Small depths bend the fit below 1 where fixed costs (the parameters of the lstm, a body's tape) still weigh.",
    '',
    '### Checkpointing: memory against recomputation',
    '',
    "Each strategy of a scan at a fixed depth: the carries it holds at most at once (checkpoints + carries worked on), the bytes that makes, the body's forward runs per iteration (counted: the recording's, the backward steps', the recomputation) beside theory's count, and the gradient's median time. Theory: store-all n (when it keeps the body values), √n 3n − ⌈n/⌈√n⌉⌉, binomial with s snapshots 2n plus revolve's t·n − β(s + 2, t − 1), the fewest for s + 1 carries.",
    '',
    ...mdTable(
      [
        'workload',
        'n',
        'strategy',
        'carries held',
        'kept (KiB)',
        'forward runs ÷ n',
        'theory ÷ n',
        'time (ms)',
        'time ÷ store-all',
        'equals store-all to the bit',
      ],
      r.checkpoint.map((c) => {
        const all = r.checkpoint.find((a) => a.workload === c.workload && a.checkpoint === 'all');
        return [
          c.workload,
          String(c.n),
          c.strategy,
          `${c.checkpointCarries} + ${c.workingCarries}`,
          kib(c.keptBytes),
          fixed(c.bodyForwards / c.n, 2),
          fixed(c.theoryForwards / c.n, 2),
          fixed(c.ms, 2),
          all === undefined ? '—' : fixed(c.ms / all.ms, 2),
          c.sameAsStoreAll ? 'yes' : 'NO',
        ];
      }),
      (i) => i === 1 || (i >= 3 && i <= 8),
    ),
    '',
  );
  if (r.leftOut.length > 0) {
    lines.push(
      `Left out (theory puts them past ${MAX_FORWARDS_PER_ITERATION} forward runs per iteration): ${r.leftOut.join('; ')}.`,
      '',
    );
  }
  lines.push(
    "How to read it: moving left on the chart keeps fewer bytes and moving up recomputes more. Store-all keeps every carry (and the body values) and runs each body once; √n keeps ⌈√n⌉ carries twice over (the checkpoints and one segment) for about three runs per iteration; binomial checkpointing keeps a handful of carries, and the measured points sit on revolve's curve: no schedule with that many carries runs the body fewer times. Time follows the runs, less than in proportion where the store-all gradient is dominated by other costs.",
  );
  return lines.join('\n');
}

function csv(r: MemoryResult): string {
  const header = [
    'part',
    'workload',
    'depth',
    'strategy',
    'bytes',
    'tape_bytes',
    'loop_tape_bytes',
    'kept_bytes',
    'checkpoint_carries',
    'working_carries',
    'body_forwards',
    'theory_forwards',
    'ms',
    'same_as_store_all',
  ];
  const rows = [
    ...r.depth.map((d) => [
      'depth',
      d.workload,
      d.depth,
      'all',
      d.bytes,
      d.tapeBytes,
      d.loopTapeBytes,
      d.keptBytes,
      null,
      null,
      null,
      null,
      null,
      null,
    ]),
    ...r.checkpoint.map((c) => [
      'checkpoint',
      c.workload,
      c.n,
      c.strategy,
      c.totalBytes,
      null,
      null,
      c.keptBytes,
      c.checkpointCarries,
      c.workingCarries,
      c.bodyForwards,
      c.theoryForwards,
      c.ms,
      c.sameAsStoreAll ? 'yes' : 'no',
    ]),
  ];
  return csvText(header, rows);
}

/** The checkpointing charts' look, shared: a row of panels per workload, each with its own scales, and a
 * filled point per strategy told apart by colour and shape. */
const PANEL_PER_WORKLOAD = { row: { field: 'workload', type: 'nominal', title: null } } as const;
const OWN_SCALES = { scale: { x: 'independent', y: 'independent' } } as const;
const STRATEGY_POINT = { type: 'point', filled: true, size: 80 } as const;
const STRATEGY_KEYS = {
  color: { field: 'strategy', type: 'nominal', legend: { orient: 'bottom', columns: 2, labelLimit: 260 } },
  shape: { field: 'strategy', type: 'nominal' },
} as const;

/** Each checkpointing strategy's bytes kept against its gradient's median time, a panel per workload. */
export function checkpointTimeChart(rows: readonly CheckpointRow[]): ChartSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: 'Checkpointing: memory kept against gradient time',
    data: { values: rows },
    facet: PANEL_PER_WORKLOAD,
    spec: {
      width: 420,
      height: 180,
      mark: STRATEGY_POINT,
      encoding: {
        x: {
          field: 'keptBytes',
          type: 'quantitative',
          scale: { type: 'log' },
          title: 'bytes kept (log)',
        },
        y: { field: 'ms', type: 'quantitative', title: 'gradient (ms)' },
        ...STRATEGY_KEYS,
      },
    },
    resolve: OWN_SCALES,
  } as ChartSpec;
}

function charts(r: MemoryResult): SectionChart[] {
  const out: SectionChart[] = [];
  if (r.depth.length > 0) {
    const slopes = r.fits.map((f) => `${f.workload} ${f.slope.toFixed(2)}`).join(', ');
    out.push({
      name: 'memory-depth',
      caption: `Bytes reverse mode holds for one gradient against depth, log–log; fitted powers of depth: ${slopes}.`,
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        title: 'Reverse mode: bytes held against depth',
        width: 480,
        height: 320,
        data: { values: r.depth },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'depth', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'depth (log)' },
          y: { field: 'bytes', type: 'quantitative', scale: { type: 'log' }, title: 'bytes held (log)' },
          color: { field: 'workload', type: 'nominal' },
          tooltip: [
            { field: 'workload', type: 'nominal' },
            { field: 'depth', type: 'quantitative' },
            { field: 'bytes', type: 'quantitative' },
          ],
        },
      } as ChartSpec,
    });
  }
  if (r.checkpoint.length > 0) {
    const values = [
      ...r.revolve.map((p) => ({ ...p, strategy: 'revolve (theory)', kind: 'theory' })),
      ...r.checkpoint.map((c) => ({
        workload: c.workload,
        keptBytes: c.keptBytes,
        forwardsPerIteration: c.bodyForwards / c.n,
        strategy: c.strategy,
        kind: 'measured',
      })),
    ];
    out.push({
      name: 'memory-checkpoint',
      caption:
        "Each checkpointing strategy's bytes kept against the body's forward runs per iteration (measured points), and revolve's curve: the fewest runs for that many carries.",
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        title: 'Checkpointing: memory kept against recomputation',
        data: { values },
        facet: PANEL_PER_WORKLOAD,
        spec: {
          width: 420,
          height: 200,
          layer: [
            {
              transform: [{ filter: "datum.kind === 'theory'" }],
              mark: { type: 'line', color: '#999', strokeDash: [4, 3] },
              encoding: {
                x: { field: 'keptBytes', type: 'quantitative', scale: { type: 'log' } },
                y: { field: 'forwardsPerIteration', type: 'quantitative' },
              },
            },
            {
              transform: [{ filter: "datum.kind === 'measured'" }],
              mark: STRATEGY_POINT,
              encoding: {
                x: {
                  field: 'keptBytes',
                  type: 'quantitative',
                  scale: { type: 'log' },
                  title: 'bytes kept for the backward sweep (log)',
                },
                y: { field: 'forwardsPerIteration', type: 'quantitative', title: 'body forward runs ÷ n' },
                ...STRATEGY_KEYS,
                tooltip: [
                  { field: 'strategy', type: 'nominal' },
                  { field: 'keptBytes', type: 'quantitative' },
                  { field: 'forwardsPerIteration', type: 'quantitative', format: '.2f' },
                ],
              },
            },
          ],
        },
        resolve: OWN_SCALES,
      } as ChartSpec,
    });
    out.push({
      name: 'memory-checkpoint-time',
      caption:
        "Each checkpointing strategy's bytes kept against the gradient's median time (compiled backend).",
      spec: checkpointTimeChart(r.checkpoint),
    });
  }
  return out;
}

function findings(r: MemoryResult): Finding[] {
  const out: Finding[] = [];
  if (r.fits.length > 0) {
    const linear = r.fits.every((f) => Math.abs(f.slope - 1) <= 0.1);
    out.push({
      text: `Reverse mode's memory grows with depth: bytes ∝ depth^p with p = ${r.fits.map((f) => `${f.slope.toFixed(2)} (${f.workload})`).join(', ')}.`,
      verdict: linear ? 'holds' : 'fails',
    });
  }
  for (const name of [...new Set(r.checkpoint.map((c) => c.workload))]) {
    const rows = r.checkpoint.filter((c) => c.workload === name);
    const all = rows.find((c) => c.checkpoint === 'all');
    const sqrt = rows.find((c) => c.checkpoint === 'sqrt');
    const binomial = rows.find(
      (c) => c.checkpoint === 'binomial' && c.snapshots !== null && c.strategy.includes('log'),
    );
    if (all === undefined || sqrt === undefined) continue;
    const pct = (c: CheckpointRow) => `${((100 * c.keptBytes) / all.keptBytes).toPrecision(2)}%`;
    const tail =
      binomial === undefined
        ? ''
        : `; binomial with ${binomial.snapshots} snapshots keeps ${pct(binomial)} for ${(binomial.ms / all.ms).toFixed(1)}× (${(binomial.bodyForwards / all.bodyForwards).toFixed(1)}× the body runs)`;
    out.push({
      text: `${name} (n = ${all.n}): √n checkpointing keeps ${pct(sqrt)} of store-all's bytes for ${(sqrt.ms / all.ms).toFixed(1)}× the time (${(sqrt.bodyForwards / all.bodyForwards).toFixed(1)}× the body runs)${tail}.`,
    });
  }
  if (r.checkpoint.length > 0) {
    const exact = r.checkpoint.filter((c) => c.bodyForwards === c.theoryForwards).length;
    out.push({
      text: `Checkpointing's body forward runs equal theory's count (revolve's minimum for binomial) in ${exact} of ${r.checkpoint.length} cases.`,
      verdict: exact === r.checkpoint.length ? 'holds' : 'fails',
    });
    const same = r.checkpoint.filter((c) => c.sameAsStoreAll).length;
    out.push({
      text: `Every checkpointing strategy's gradient equals store-all's to the bit (${same} of ${r.checkpoint.length}).`,
      verdict: same === r.checkpoint.length ? 'holds' : 'fails',
    });
  }
  return out;
}

export const memorySection: ReportSection<MemoryResult> = {
  name: 'memory',
  title: 'Memory: reverse mode against depth, and checkpointing',
  byDefault: true,
  run,
  markdown,
  csv,
  charts,
  findings,
};
