/**
 * The accuracy section: how close finite differences come to the exact derivative, as a function of the step
 * h (the V of truncation error against rounding error), at their default steps, and what every method gives
 * on the registered workloads.
 *
 * No `node:` imports: this runs in a browser.
 */
import { methods } from '../../../api.js';
import { type Displayable, displaySection } from '../../../display/mime.js';
import { DifflabError } from '../../../ir/errors.js';
import { type Program, parse } from '../../../ir/index.js';
import { workloads as registry } from '../../../workloads/index.js';
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../../chart.js';
import { breathe, isAbort, Progress } from '../../harness.js';
import type { SectionOptions } from '../../section.js';
import { csvText, formatError, formatStep, mdTable } from '../../table.js';

export interface AccuracyPoint {
  /** A {@link TEST_FUNCTIONS} id. */
  fn: string;
  scheme: 'forward' | 'central' | 'complex';
  h: number;
  /** |g − f′(x)| / |f′(x)|; 0 when the difference is exact. */
  error: number;
}

export interface AccuracyDefault {
  fn: string;
  /** 'forward', 'central', 'complex' or 'richardson' (h is its first, largest step). */
  scheme: string;
  h: number;
  error: number;
}

export interface MethodAccuracy {
  workload: string;
  K: number;
  /** 'numeric (central)', 'symbolic (mathjs)', 'symbolic (graph)', 'forward', 'reverse', ... */
  method: string;
  /** ‖g − reference‖∞ / ‖reference‖∞ (absolute when the reference is 0); null when the method refused. */
  error: number | null;
  note?: string;
}

export interface AccuracySection {
  sweep: AccuracyPoint[];
  defaults: AccuracyDefault[];
  methods: MethodAccuracy[];
  /** Sweep steps `numeric` refused (below the spacing of doubles at x, so x + h = x), with the reason. */
  refused?: { fn: string; scheme: AccuracyPoint['scheme']; h: number; reason: string }[];
  /** True when the run was stopped by the signal before it finished. */
  aborted?: boolean;
}

/**
 * The report's options the section reads: `quick` (the method table at K = 8 instead of {@link ACCURACY_K}),
 * `signal` (stops early: the section holds what was measured until then and says it was stopped) and
 * `onProgress`. Its sizes are fixed: `--sizes` and `--budget` do not apply.
 */
export type AccuracyOptions = Pick<SectionOptions, 'quick' | 'signal' | 'onProgress'>;

/** A test function with its derivative in closed form. */
export interface TestFunction {
  id: string;
  /** For people, in mathjs syntax. */
  source: string;
  x: number;
  derivative: (x: number) => number;
  /** Where it comes from. */
  about: string;
}

/** The functions of the step sweep: classic examples whose derivatives are known in closed form. */
export const TEST_FUNCTIONS: readonly TestFunction[] = [
  {
    id: 'exp',
    source: 'exp(x)',
    x: 1,
    derivative: Math.exp,
    about: 'f′ = f',
  },
  {
    id: 'sin',
    source: 'sin(x)',
    x: 1,
    derivative: Math.cos,
    about: 'f′ = cos x',
  },
  {
    id: 'squire-trapp',
    source: 'exp(x) / sqrt(sin(x)^3 + cos(x)^3)',
    x: 1.5,
    // ln f = x − ½ ln(s³ + c³), so f′/f = 1 − (3s²c − 3c²s) / (2(s³ + c³)).
    derivative: (x) => {
      const s = Math.sin(x);
      const c = Math.cos(x);
      const d = s ** 3 + c ** 3;
      return (Math.exp(x) / Math.sqrt(d)) * (1 - (3 * s * s * c - 3 * c * c * s) / (2 * d));
    },
    about: 'Squire and Trapp 1998, the complex-step example',
  },
  {
    id: 'power',
    source: 'x^(9/2)',
    x: 1.5,
    derivative: (x) => 4.5 * x ** 3.5,
    about: 'f′ = 4.5 x^3.5',
  },
];

const EPS = Number.EPSILON;

/** The steps of the sweep: 10^(−k/2) from 10⁻¹ to 10⁻¹⁶ (to 10⁻²⁰ for the complex step, its default). */
export function sweepSteps(scheme: AccuracyPoint['scheme']): number[] {
  const last = scheme === 'complex' ? 40 : 32;
  const hs: number[] = [];
  for (let k = 2; k <= last; k++) hs.push(k % 2 === 0 ? Number(`1e-${k / 2}`) : 10 ** (-k / 2));
  return hs;
}

/** Each scheme's default step at x, as `numeric` takes it. */
export function defaultStep(scheme: string, x: number): number {
  const scale = Math.max(1, Math.abs(x));
  if (scheme === 'forward') return Math.sqrt(EPS) * scale;
  if (scheme === 'central') return Math.cbrt(EPS) * scale;
  if (scheme === 'complex') return 1e-20;
  return 0.1 * scale; // richardson's first step
}

/** The rule behind each default step, for people. */
const STEP_RULES: Record<string, string> = {
  forward: '√ε·max(1,|x|)',
  central: 'ε^(1/3)·max(1,|x|)',
  complex: '1e-20',
  richardson: '0.1·max(1,|x|), halved per level',
};

/** Errors below this (exact 0 included) are drawn at it on log scales. */
export const ERROR_FLOOR = 1e-17;

/** The method table's K (quick mode 8). */
export const ACCURACY_K = 32;
const QUICK_K = 8;

const SCHEMES = ['forward', 'central', 'complex'] as const;

/** The methods of the per-workload table, by label. */
const METHOD_RUNS: readonly (readonly [string, (f: Program, x: Float64Array) => Float64Array])[] = [
  ['numeric (forward)', (f, x) => methods.numeric.gradient(f, x, { scheme: 'forward' }).value],
  ['numeric (central)', (f, x) => methods.numeric.gradient(f, x, { scheme: 'central' }).value],
  ['numeric (complex)', (f, x) => methods.numeric.gradient(f, x, { scheme: 'complex' }).value],
  ['numeric (richardson)', (f, x) => methods.numeric.gradient(f, x, { scheme: 'richardson' }).value],
  ['symbolic (mathjs)', (f, x) => methods.symbolic.gradient(f, x, { engine: 'mathjs', cache: false }).value],
  ['symbolic (graph)', (f, x) => methods.symbolic.gradient(f, x, { engine: 'graph', cache: false }).value],
  ['forward', (f, x) => methods.forward.gradient(f, x).value],
  ['reverse', (f, x) => methods.reverse.gradient(f, x).value],
];

/** The method labels, in table order. */
export const ACCURACY_METHODS: readonly string[] = METHOD_RUNS.map(([label]) => label);

function relative(g: number, exact: number): number {
  return exact === 0 ? Math.abs(g) : Math.abs(g - exact) / Math.abs(exact);
}

/** ‖g − ref‖∞ / ‖ref‖∞ (absolute when ref is 0); NaN when g has a NaN. */
export function relativeInf(g: ArrayLike<number>, ref: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs((g[i] as number) - (ref[i] as number));
    if (Number.isNaN(d)) return Number.NaN;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(ref[i] as number));
  }
  return scale === 0 ? diff : diff / scale;
}

/** The first clause of an error message, prefixed by its code. */
function reason(e: unknown): string {
  if (e instanceof DifflabError) return `${e.code}: ${e.message.split(';')[0]}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs the step sweep on {@link TEST_FUNCTIONS}, the default-step errors (richardson included), and every
 * method at its default settings on every registered workload at K = {@link ACCURACY_K}. The section displays
 * itself in notebooks (see {@link displayAccuracy}).
 */
export async function runAccuracy(o: AccuracyOptions = {}): Promise<AccuracySection & Displayable> {
  const section: AccuracySection = { sweep: [], defaults: [], methods: [], refused: [] };
  const refused = section.refused ?? [];
  const progress = new Progress(TEST_FUNCTIONS.length + Object.keys(registry).length, o.onProgress);
  try {
    for (const t of TEST_FUNCTIONS) {
      await breathe(o.signal);
      const f = parse(t.source);
      const exact = t.derivative(t.x);
      for (const scheme of SCHEMES) {
        for (const h of sweepSteps(scheme)) {
          let g: number;
          try {
            g = methods.numeric.gradient(f, [t.x], { scheme, step: h }).value[0] as number;
          } catch (e) {
            refused.push({ fn: t.id, scheme, h, reason: reason(e) });
            continue;
          }
          section.sweep.push({ fn: t.id, scheme, h, error: relative(g, exact) });
        }
      }
      for (const scheme of [...SCHEMES, 'richardson'] as const) {
        const g = methods.numeric.gradient(f, [t.x], { scheme }).value[0] as number;
        section.defaults.push({ fn: t.id, scheme, h: defaultStep(scheme, t.x), error: relative(g, exact) });
      }
      progress.step(`accuracy: steps on ${t.id}`);
    }
    const K = o.quick === true ? QUICK_K : ACCURACY_K;
    for (const w of Object.values(registry)) {
      await breathe(o.signal);
      const f = w.build(K);
      const x = w.point(K);
      const ref = w.gradient(K, x);
      for (const [method, run] of METHOD_RUNS) {
        const row: MethodAccuracy = { workload: w.name, K, method, error: null };
        try {
          const e = relativeInf(run(f, x), ref);
          if (Number.isFinite(e)) row.error = e;
          else row.note = `non-finite result (${e})`;
        } catch (err) {
          row.note = reason(err);
        }
        section.methods.push(row);
      }
      progress.step(`accuracy: methods on ${w.name}`);
    }
  } catch (e) {
    if (!isAbort(e, o.signal)) throw e;
    section.aborted = true;
  }
  return displayAccuracy(section);
}

/**
 * Attaches the notebook display (the tables, the step-size V-curves and the per-method chart) and
 * `toString()` (the Markdown) to a section, e.g. one read back from results.json; returns it.
 */
export function displayAccuracy(s: AccuracySection): AccuracySection & Displayable {
  return displaySection(s, accuracyMarkdown, accuracyCharts);
}

/** The best (smallest-error) point of a scheme on a function; ties go to the larger h. */
export function bestStep(
  sweep: readonly AccuracyPoint[],
  fn: string,
  scheme: AccuracyPoint['scheme'],
): AccuracyPoint | undefined {
  let best: AccuracyPoint | undefined;
  for (const p of sweep) {
    if (p.fn !== fn || p.scheme !== scheme) continue;
    if (best === undefined || p.error < best.error || (p.error === best.error && p.h > best.h)) best = p;
  }
  return best;
}

/**
 * The largest h from which on (every smaller h, every function) the complex step's error is within 8ε, and
 * the worst error there; undefined when there is no such h.
 */
function complexFlat(sweep: readonly AccuracyPoint[]): { h: number; error: number } | undefined {
  const ps = sweep.filter((p) => p.scheme === 'complex');
  const hs = unique(ps.map((p) => p.h)).sort((a, b) => a - b);
  let found: { h: number; error: number } | undefined;
  let worst = 0;
  for (const h of hs) {
    const here = ps.filter((p) => p.h === h).map((p) => p.error);
    const e = Math.max(...here);
    if (!(e <= 8 * EPS)) break;
    worst = Math.max(worst, e);
    found = { h, error: worst };
  }
  return found;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function describe(fn: string): string {
  const t = TEST_FUNCTIONS.find((f) => f.id === fn);
  return t === undefined ? fn : `${t.source} at ${t.x}`;
}

/**
 * The section as Markdown: the functions, per function and scheme the best step and its error beside the
 * default step and its error, then the per-workload method table with the reasons for empty cells.
 */
export function accuracyMarkdown(s: AccuracySection): string {
  const out: string[] = [];
  if (s.aborted) out.push('**Stopped early**: the tables hold what was measured before the stop.', '');
  const fns = unique([...s.sweep.map((p) => p.fn), ...s.defaults.map((d) => d.fn)]);
  if (fns.length > 0) {
    out.push(
      '### Finite differences against the step h',
      '',
      'Relative error |g − f′(x)| / |f′(x)| of one derivative, against the closed form, for steps h = ' +
        '10^(−k/2) from 10⁻¹ down to 10⁻¹⁶ (10⁻²⁰ for the complex step). Forward and central differences ' +
        'trace a V: truncation error (O(h) forward, O(h²) central) falls as h shrinks until rounding error, ' +
        'about ε/h from subtracting nearly equal values, takes over. The complex step subtracts nothing, so ' +
        `it stays near ε all the way down. Default steps: forward ${STEP_RULES.forward}, central ` +
        `${STEP_RULES.central}, complex ${STEP_RULES.complex}; Richardson starts at ${STEP_RULES.richardson}. ` +
        `Errors of exactly 0 are shown as 0 and drawn at ${ERROR_FLOOR} on the log-scale charts.`,
      '',
    );
    const refusedSteps = s.refused ?? [];
    if (refusedSteps.length > 0) {
      const smallest = unique(
        refusedSteps.map(
          (r) =>
            `${describe(r.fn)}: h ≤ ${formatStep(Math.max(...refusedSteps.filter((q) => q.fn === r.fn).map((q) => q.h)))}`,
        ),
      );
      out.push(
        'Steps below half the spacing of doubles at x leave x + h = x; `numeric` divides by the step actually ' +
          `taken, so it refuses them (${refusedSteps.length} sweep points left out: ${smallest.join('; ')}).`,
        '',
      );
    }
    const header = ['function', 'scheme', 'best h', 'error at best h', 'default h', 'error at default h'];
    const rows: string[][] = [];
    for (const fn of fns) {
      for (const scheme of [...SCHEMES, 'richardson']) {
        const best =
          scheme === 'richardson' ? undefined : bestStep(s.sweep, fn, scheme as AccuracyPoint['scheme']);
        const d = s.defaults.find((x) => x.fn === fn && x.scheme === scheme);
        if (best === undefined && d === undefined) continue;
        rows.push([
          describe(fn),
          scheme,
          best ? formatStep(best.h) : '—',
          best ? formatError(best.error) : '—',
          d ? formatStep(d.h) : '—',
          d ? formatError(d.error) : '—',
        ]);
      }
    }
    out.push(...mdTable(header, rows, (i) => i >= 2), '');
    const worst = (scheme: AccuracyPoint['scheme']) =>
      Math.max(...fns.map((fn) => bestStep(s.sweep, fn, scheme)?.error ?? Number.NaN));
    const range = (scheme: AccuracyPoint['scheme']) => {
      const hs = fns.flatMap((fn) => {
        const b = bestStep(s.sweep, fn, scheme);
        return b ? [b.h] : [];
      });
      return hs.length === 0 ? '—' : `${formatStep(Math.min(...hs))}…${formatStep(Math.max(...hs))}`;
    };
    if (s.sweep.length > 0) {
      const flat = complexFlat(s.sweep);
      out.push(
        `Over the grid, the best steps are forward h ≈ ${range('forward')} (errors up to ` +
          `${formatError(worst('forward'))}) and central h ≈ ${range('central')} (up to ` +
          `${formatError(worst('central'))}); in the rounding regime the error is noise, so a lucky grid point ` +
          'can beat its neighbours and the default step alike.' +
          (flat === undefined
            ? ''
            : ` The complex step's error stays at or below ${formatError(flat.error)} for every h ≤ ${formatStep(flat.h)}.`) +
          " The defaults land near the bottom of each V; the exact optimum moves with the function's higher " +
          'derivatives, which a default step cannot know.',
        '',
      );
    }
  }

  if (s.methods.length > 0) {
    const Ks = unique(s.methods.map((m) => m.K));
    out.push(
      '### Every method on the workloads',
      '',
      `Relative error ‖g − reference‖∞ / ‖reference‖∞ of a full gradient at each method's default settings, ` +
        `at K = ${Ks.join(', ')}, against each workload's closed-form gradient; — where a method refused ` +
        '(reasons below).',
      '',
    );
    const labels = unique(s.methods.map((m) => m.method));
    const names = unique(s.methods.map((m) => m.workload));
    const rows = names.map((name) => [
      name,
      ...labels.map((label) => {
        const m = s.methods.find((x) => x.workload === name && x.method === label);
        return m === undefined ? '' : m.error === null ? '—' : formatError(m.error);
      }),
    ]);
    out.push(...mdTable(['workload', ...labels], rows, (i) => i > 0), '');
    const notes = s.methods.filter((m) => m.note !== undefined);
    if (notes.length > 0) {
      out.push(...notes.map((m) => `- ${m.workload} / ${m.method}: ${m.note}`), '');
    }
    const chaotic = s.methods.find(
      (m) => m.workload === 'logistic-map' && m.method === 'numeric (central)' && (m.error ?? 0) > 1e-3,
    );
    out.push(
      'The exact methods (forward, reverse, both symbolic engines) and the complex step agree with the ' +
        'references to a few ulps; central differences lose about a third of the digits, forward differences ' +
        'half' +
        (chaotic
          ? `; on the logistic map at K = ${chaotic.K}, a chaotic map whose derivative grows like 2^K, the ` +
            'default step, magnified about 2^K-fold on the way to the output, is far outside the range where ' +
            `the output is linear in x, and the error of the difference quotient is ${formatError(chaotic.error)}`
          : '') +
        '.',
      '',
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The CSV columns: one row per sweep point, default-step point and workload method. */
export const ACCURACY_CSV_COLUMNS = [
  'part',
  'fn_or_workload',
  'scheme_or_method',
  'K',
  'h',
  'error',
  'note',
] as const;

/**
 * One CSV table for the whole section: `part` is 'sweep' (fn, scheme, h, error), 'default' (fn, scheme, default
 * h, error) or 'method' (workload, method, K, error, note); empty fields where a column does not apply.
 */
export function accuracyCsv(s: AccuracySection): string {
  return csvText(ACCURACY_CSV_COLUMNS, [
    ...s.sweep.map((p) => ['sweep', p.fn, p.scheme, null, p.h, p.error, null]),
    ...s.defaults.map((d) => ['default', d.fn, d.scheme, null, d.h, d.error, null]),
    ...s.methods.map((m) => ['method', m.workload, m.method, m.K, null, m.error, m.note ?? null]),
  ]);
}

const floor = (e: number) => Math.max(e, ERROR_FLOOR);

/**
 * `accuracy-<fn>` per test function: error against h on log–log axes, one line per scheme, the default steps
 * as vertical rules; and `accuracy-methods`: each method's error per workload. Errors below
 * {@link ERROR_FLOOR} (exact 0 included) are drawn at the floor, as the titles say.
 */
export function accuracyCharts(s: AccuracySection): Record<string, ChartSpec> {
  const charts: Record<string, ChartSpec> = {};
  const color = {
    field: 'scheme',
    type: 'nominal' as const,
    scale: { domain: [...SCHEMES, 'richardson'] },
    legend: { title: 'scheme' },
  };
  for (const fn of unique(s.sweep.map((p) => p.fn))) {
    const values = s.sweep.filter((p) => p.fn === fn).map((p) => ({ ...p, shown: floor(p.error) }));
    const defaults = s.defaults
      .filter((d) => d.fn === fn && d.scheme !== 'richardson')
      .map((d) => ({ ...d, shown: floor(d.error) }));
    const x = {
      field: 'h',
      type: 'quantitative' as const,
      scale: { type: 'log' as const },
      axis: { title: 'step h', format: '.0e' },
    };
    const y = {
      field: 'shown',
      type: 'quantitative' as const,
      scale: { type: 'log' as const },
      axis: { title: 'relative error', format: '.0e' },
    };
    charts[`accuracy-${fn}`] = {
      $schema: VEGA_LITE_SCHEMA,
      title: {
        text: `${describe(fn)}: finite-difference error against the step`,
        subtitle: `dashed rules: default steps; errors below ${ERROR_FLOOR} (exact 0 included) drawn at ${ERROR_FLOOR}`,
      },
      width: 480,
      height: 320,
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y,
            color,
            tooltip: [
              { field: 'scheme', type: 'nominal' },
              { field: 'h', type: 'quantitative', format: '.1e' },
              { field: 'error', type: 'quantitative', format: '.2e' },
            ],
          },
        },
        {
          data: { values: defaults },
          mark: { type: 'rule', strokeDash: [4, 3] },
          encoding: {
            x,
            color,
            tooltip: [
              { field: 'scheme', type: 'nominal' },
              { field: 'h', type: 'quantitative', title: 'default h', format: '.1e' },
              { field: 'error', type: 'quantitative', title: 'error at default h', format: '.2e' },
            ],
          },
        },
      ],
    } as ChartSpec;
  }
  const measured = s.methods.filter((m) => m.error !== null);
  if (measured.length > 0) {
    charts['accuracy-methods'] = {
      $schema: VEGA_LITE_SCHEMA,
      title: {
        text: "Each method's gradient error at its default settings",
        subtitle: `errors below ${ERROR_FLOOR} (exact 0 included) drawn at ${ERROR_FLOOR}; refusals not shown`,
      },
      width: 480,
      height: { step: 22 },
      data: { values: measured.map((m) => ({ ...m, shown: floor(m.error as number) })) },
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        y: { field: 'workload', type: 'nominal', title: null, sort: null },
        x: {
          field: 'shown',
          type: 'quantitative',
          scale: { type: 'log' },
          axis: { title: 'relative error ‖g − reference‖∞ / ‖reference‖∞', format: '.0e' },
        },
        color: { field: 'method', type: 'nominal', scale: { domain: ACCURACY_METHODS } },
        shape: { field: 'method', type: 'nominal', scale: { domain: ACCURACY_METHODS } },
        tooltip: [
          { field: 'workload', type: 'nominal' },
          { field: 'method', type: 'nominal' },
          { field: 'K', type: 'quantitative' },
          { field: 'error', type: 'quantitative', format: '.2e' },
        ],
      },
    } as ChartSpec;
  }
  return charts;
}
