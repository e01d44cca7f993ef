/**
 * The expression-swell section: how big derivative expressions get when equal subterms are repeated (trees)
 * against when they are shared (DAGs).
 *
 * For each workload and size it records the function's tree and DAG sizes, the size of mathjs's derivative
 * trees (unsimplified and after mathjs's `simplify`), the size of the graph engine's derivative DAG (and the
 * tree that DAG would be unshared), and the reverse-mode tape (one slot per program node, so f.size). The
 * logistic map reproduces the swell of Baydin et al. 2018, "Automatic differentiation in machine learning: a
 * survey", Table 1, and carries on past the depth where mathjs gives up: mathjs's budget or too-deep error is
 * recorded in the row's notes, and larger sizes of that workload skip mathjs.
 *
 * No `node:` imports: this runs in a browser.
 */
import { type Displayable, displaySection } from '../../../display/mime.js';
import { DifflabError } from '../../../ir/errors.js';
import { hasLoops, unroll } from '../../../ir/loop.js';
import { metrics } from '../../../ir/metrics.js';
import { DEFAULT_BUDGET, graphDerivative, mathjsDerivatives } from '../../../symbolic/index.js';
import type { Workload } from '../../../workloads/index.js';
import { workloads as registry } from '../../../workloads/index.js';
import { type ChartSpec, VEGA_LITE_SCHEMA } from '../../chart.js';
import { fitGrowth } from '../../fit.js';
import { growSizes, Progress } from '../../harness.js';
import { csvText, mdTable } from '../../table.js';
import { power } from '../../views.js';

export interface SwellOptions {
  /** Workload names (keys of `workloads`). Default {@link SWELL_WORKLOADS}. */
  workloads?: readonly string[];
  /** Sizes per workload (K for a size workload, the depth n for a depth workload), ascending. */
  sizes?: Record<string, readonly number[]>;
  /** mathjs's node budget (derivative-tree nodes counting repeats). Default 1e6 (quick mode 1e5). */
  budget?: number;
  /**
   * mathjs's simplify is tried only when the unsimplified derivative trees have at most this many nodes
   * (it is slow, and its cost grows fast with the tree). Default {@link DEFAULT_SIMPLIFY_LIMIT}.
   */
  simplifyLimit?: number;
  /**
   * Per workload, in ms: once measuring its sizes has taken longer than this in all, the larger sizes are not
   * measured (the last row says so; the harness's `growSizes`). Default: no time limit (the node budget alone stops mathjs).
   */
  budgetMs?: number;
  /** For tests: smaller default sizes, budget and simplify limit (a whole quick run takes a few seconds). */
  quick?: boolean;
  /** Stops early (Ctrl-C): the section holds the rows measured until then and says it was stopped. */
  signal?: AbortSignal;
  /** Called after each size. */
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface SwellRow {
  workload: string;
  /** K for a size workload, the depth n for a depth workload. */
  n: number;
  /** Nodes of f as a tree (no sharing), exact, as a decimal string (it can pass 2^53). */
  fTree: string;
  /** Nodes of f as a DAG (the program's length). */
  fDag: number;
  /** Nodes of mathjs's derivative trees (all inputs), counting repeats; null where mathjs gave up. */
  mathjsTree: number | null;
  /** The same after mathjs's simplify; null where it was skipped or failed (see notes). */
  mathjsSimplified: number | null;
  /** Nodes of the graph engine's derivative program (with sharing). */
  graphDag: number | null;
  /** Nodes that derivative DAG would have as trees, exact, as a decimal string. */
  graphTree: string | null;
  /** Reverse mode's tape: one value slot per program node (f.size). */
  tape: number;
  /** Why a column is empty, e.g. 'mathjs: budget — the mathjs derivative trees reached 1.43e+6 nodes, …'. */
  notes: string[];
}

export interface SwellFit {
  workload: string;
  /** A {@link SwellColumn}. */
  column: string;
  model: 'power' | 'exponential';
  /** The power law's exponent, or the exponential's base. */
  parameter: number;
  r2: number;
  points: number;
}

export interface SwellSection {
  rows: SwellRow[];
  fits: SwellFit[];
  /** The limits the run used. */
  settings?: { budget: number; simplifyLimit: number };
  /** True when the run was stopped by the signal before it finished. */
  aborted?: boolean;
}

/** The size columns of a row, in table order, with their labels. */
export const SWELL_COLUMNS = {
  fTree: 'f tree',
  fDag: 'f DAG',
  mathjsTree: 'mathjs derivative tree',
  mathjsSimplified: 'mathjs simplified',
  graphDag: 'graph derivative DAG',
  graphTree: 'graph derivative as tree',
  tape: 'reverse tape',
} as const;

export type SwellColumn = keyof typeof SWELL_COLUMNS;

const COLUMNS = Object.keys(SWELL_COLUMNS) as SwellColumn[];

/** Short column names for the fit sentences. */
const SHORT: Record<SwellColumn, string> = {
  fTree: 'f tree',
  fDag: 'f DAG',
  mathjsTree: 'mathjs tree',
  mathjsSimplified: 'mathjs simplified',
  graphDag: 'graph DAG',
  graphTree: 'graph tree',
  tape: 'tape',
};

/** The default workloads: one size family with quadratic swell and two depth families with exponential swell. */
export const SWELL_WORKLOADS: readonly string[] = ['product', 'logistic-map', 'nested'];

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Default sizes: product K = 2…128 in powers of two; the logistic map to n = 32 and nested to n = 32 (mathjs
 * gives up near n = 15 and n = 10 at the default budget; the graph engine and the exact tree sizes go on).
 */
export const DEFAULT_SWELL_SIZES: Readonly<Record<string, readonly number[]>> = {
  product: [2, 4, 8, 16, 32, 64, 128],
  'logistic-map': [...range(1, 20), 24, 28, 32],
  nested: [...range(1, 12), 16, 20, 24, 32],
};

/** Quick-mode sizes (mathjs still gives up on both depth families, at the quick budget). */
export const QUICK_SWELL_SIZES: Readonly<Record<string, readonly number[]>> = {
  product: [2, 4, 8, 16, 32, 64, 128],
  'logistic-map': range(1, 12),
  nested: range(1, 8),
};

/**
 * Default simplify limit, in derivative-tree nodes. mathjs's simplify time depends on the shape as much as
 * the size: the logistic map's 1 023-node tree (n = 6) takes about a second, product's 496 nodes (K = 16)
 * a third of a second, but product's 1 128 nodes at K = 24 take half a minute (its flattening of long
 * products is exponential in their length), so sizes between the defaults' K = 16 and 32 would need a lower
 * limit.
 */
export const DEFAULT_SIMPLIFY_LIMIT = 1500;
const QUICK_SIMPLIFY_LIMIT = 500;
const QUICK_BUDGET = 1e5;

/**
 * Fits use the sizes from here on (K ≥ 16 for a size workload, n ≥ 8 for a depth workload), to keep the
 * small-size transients (constant offsets such as the graph DAG's 8n − 8) out of the exponents; where fewer
 * than {@link SWELL_FIT_MIN_POINTS} such sizes have a value, the largest {@link SWELL_FIT_MIN_POINTS}.
 */
export const SWELL_FIT_FROM: { readonly [K in Workload['kind']]: number } = { size: 16, depth: 8 };
export const SWELL_FIT_MIN_POINTS = 3;

/** Default sizes of a workload not in the tables above, by kind. */
function sizesFor(w: Workload, quick: boolean): readonly number[] {
  if (w.kind === 'depth') return quick ? range(1, 8) : range(1, 12);
  return quick ? [2, 4, 8, 16, 32] : [2, 4, 8, 16, 32, 64, 128];
}

/** The first clause of an error message (before the advice), prefixed by its code. */
function reason(e: unknown): string {
  if (e instanceof DifflabError) return `${e.code} — ${e.message.split(';')[0]}`;
  return e instanceof Error ? e.message : String(e);
}

/** Measures one workload at one size; `mathjsGaveUp` says why mathjs is not tried again. */
function measure(
  w: Workload,
  n: number,
  budget: number,
  simplifyLimit: number,
  mathjsGaveUp: string | undefined,
): SwellRow {
  // Swell is about expressions: a workload written with loops (the logistic map) is measured unrolled, the
  // program whose DAG, tree and tape the columns describe.
  const built = w.build(n);
  const f = hasLoops(built) ? unroll(built) : built;
  const m = metrics(f);
  const notes: string[] = [];
  let mathjsTree: number | null = null;
  let mathjsSimplified: number | null = null;
  if (mathjsGaveUp !== undefined) {
    notes.push(`mathjs: not tried (${mathjsGaveUp})`);
  } else {
    try {
      mathjsTree = mathjsDerivatives(f, { budget }).treeSize;
    } catch (e) {
      notes.push(`mathjs: ${reason(e)}`);
    }
    if (mathjsTree !== null) {
      if (mathjsTree > simplifyLimit) {
        notes.push(
          `mathjs simplify: skipped (tree of ${mathjsTree} nodes > simplify limit ${simplifyLimit})`,
        );
      } else {
        try {
          mathjsSimplified = mathjsDerivatives(f, {
            budget,
            simplify: true,
            simplifyBudget: simplifyLimit,
          }).treeSize;
        } catch (e) {
          notes.push(`mathjs simplify: ${reason(e)}`);
        }
      }
    }
  }
  let graphDag: number | null = null;
  let graphTree: string | null = null;
  try {
    const g = graphDerivative(f);
    graphDag = g.dagSize;
    graphTree = g.treeSize.toString();
  } catch (e) {
    notes.push(`graph: ${reason(e)}`);
  }
  return {
    workload: w.name,
    n,
    fTree: m.treeSize.toString(),
    fDag: m.dagSize,
    mathjsTree,
    mathjsSimplified,
    graphDag,
    graphTree,
    tape: f.size,
    notes,
  };
}

/**
 * Measures the swell of every workload at every size, smallest first, yielding to the event loop between
 * sizes. Once mathjs fails on a workload (budget, too deep), its larger sizes skip mathjs with a note. The
 * section displays itself in notebooks (see {@link displaySwell}).
 *
 * @example
 * const s = await runSwell({ workloads: ['logistic-map'], sizes: { 'logistic-map': [1, 2, 3, 4] } });
 * s.rows.map((r) => r.mathjsTree); // [1, 15, 55, 159]
 */
export async function runSwell(o: SwellOptions = {}): Promise<SwellSection & Displayable> {
  const quick = o.quick === true;
  const names = o.workloads ?? SWELL_WORKLOADS;
  const budget = o.budget ?? (quick ? QUICK_BUDGET : DEFAULT_BUDGET.mathjs);
  const simplifyLimit = o.simplifyLimit ?? (quick ? QUICK_SIMPLIFY_LIMIT : DEFAULT_SIMPLIFY_LIMIT);
  if (!(budget > 0))
    throw new DifflabError('invalid-argument', `swell: budget must be positive, got ${budget}`);
  if (!(simplifyLimit >= 0)) {
    throw new DifflabError('invalid-argument', `swell: simplifyLimit must be ≥ 0, got ${simplifyLimit}`);
  }
  const plan = names.map((name) => {
    const w = registry[name];
    if (w === undefined) {
      throw new DifflabError(
        'invalid-argument',
        `swell: unknown workload '${name}' (known: ${Object.keys(registry).join(', ')})`,
      );
    }
    const table = quick ? QUICK_SWELL_SIZES : DEFAULT_SWELL_SIZES;
    const sizes = [...(o.sizes?.[name] ?? table[name] ?? sizesFor(w, quick))].sort((a, b) => a - b);
    return { w, sizes };
  });
  const progress = new Progress(
    plan.reduce((t, p) => t + p.sizes.length, 0),
    o.onProgress,
  );
  const section: SwellSection = { rows: [], fits: [], settings: { budget, simplifyLimit } };
  for (const { w, sizes } of plan) {
    let gaveUp: string | undefined;
    const grown = await growSizes(
      sizes,
      (n) => {
        const row = measure(w, n, budget, simplifyLimit, gaveUp);
        if (row.mathjsTree === null && gaveUp === undefined) gaveUp = `gave up at ${variableOf(w)} = ${n}`;
        section.rows.push(row);
        progress.step(`swell ${w.name} ${variableOf(w)}=${n}`);
      },
      o,
    );
    if (grown.budgetStop) {
      section.rows
        .at(-1)
        ?.notes.push(
          `larger sizes not measured: measuring took ${Math.round(grown.budgetStop.spentMs)} ms in all > budget ${o.budgetMs} ms`,
        );
      progress.drop(grown.budgetStop.dropped);
    }
    if (grown.aborted) {
      section.aborted = true;
      break;
    }
  }
  section.fits = swellFits(section.rows);
  return displaySwell(section);
}

/**
 * Attaches the notebook display (the size tables and the charts) and `toString()` (the Markdown) to a section,
 * e.g. one read back from results.json; returns it.
 */
export function displaySwell(s: SwellSection): SwellSection & Displayable {
  return displaySection(s, swellMarkdown, swellCharts);
}

/** 'n' for a depth workload, 'K' otherwise. */
function variableOf(w: Workload | undefined): string {
  return w?.kind === 'depth' ? 'n' : 'K';
}

/** The value of a column as a number for fits and charts (null when missing). */
function columnValue(r: SwellRow, c: SwellColumn): number | null {
  const v = r[c];
  if (v === null) return null;
  return typeof v === 'string' ? Number(v) : v;
}

/**
 * Growth fits per workload and column (fitGrowth: the better of a power law and an exponential by R²), over
 * the sizes from {@link SWELL_FIT_FROM} on, or the largest {@link SWELL_FIT_MIN_POINTS} where fewer of those
 * have a value.
 */
export function swellFits(rows: readonly SwellRow[]): SwellFit[] {
  const fits: SwellFit[] = [];
  for (const name of workloadsOf(rows)) {
    const rs = rows.filter((r) => r.workload === name);
    for (const column of COLUMNS) {
      const from = fitFrom(name);
      let pts = rs
        .flatMap((r) => {
          const v = columnValue(r, column);
          return v === null ? [] : [[r.n, v] as const];
        })
        .sort((a, b) => a[0] - b[0]);
      const large = pts.filter(([n]) => n >= from);
      pts = large.length >= SWELL_FIT_MIN_POINTS ? large : pts.slice(-SWELL_FIT_MIN_POINTS);
      const fit = fitGrowth(
        pts.map(([n]) => n),
        pts.map(([, v]) => v),
      );
      if (fit === null) continue;
      fits.push({
        workload: name,
        column,
        model: fit.model,
        parameter: fit.parameter,
        r2: fit.r2,
        points: fit.points,
      });
    }
  }
  return fits;
}

/** Where a workload's fits start (by its kind; unknown workloads count as size workloads). */
function fitFrom(name: string): number {
  return SWELL_FIT_FROM[registry[name]?.kind ?? 'size'];
}

function workloadsOf(rows: readonly SwellRow[]): string[] {
  return [...new Set(rows.map((r) => r.workload))];
}

/** A fit for people: 'K^2.0' for a power law, '2.9ⁿ' or '2.9^K' for an exponential. */
export function formatFit(f: SwellFit, variable: string): string {
  if (f.model === 'power') return power(variable, f.parameter);
  return `${f.parameter.toFixed(2)}${variable === 'n' ? 'ⁿ' : `^${variable}`}`;
}

/** A size for the table: exact decimal (sizes past 10¹² also in exponent form). */
function formatSize(v: number | string | null): string {
  if (v === null) return '—';
  const s = String(v);
  return s.length > 12 ? `${s} (${Number(s).toExponential(2)})` : s;
}

/** One sentence on what a workload's rows show, from the data. */
function summary(name: string, rows: readonly SwellRow[], fits: readonly SwellFit[], x: string): string {
  const fitFor = (c: SwellColumn) => fits.find((f) => f.column === c);
  const parts: string[] = [];
  const tree = fitFor('mathjsTree');
  const dag = fitFor('graphDag');
  if (tree !== undefined && dag !== undefined) {
    parts.push(
      `mathjs's derivative tree grows like ${formatFit(tree, x)} while the graph engine's derivative DAG grows like ${formatFit(dag, x)} and the tape like ${formatFit(fitFor('tape') ?? dag, x)}`,
    );
  }
  if (x === 'n') {
    const step = (c: 'graphDag' | 'tape') => {
      const rs = rows.filter((r) => r[c] !== null);
      const a = rs.at(-2);
      const b = rs.at(-1);
      return a === undefined || b === undefined
        ? undefined
        : ((b[c] as number) - (a[c] as number)) / (b.n - a.n);
    };
    const g = step('graphDag');
    const t = step('tape');
    if (g !== undefined && t !== undefined) {
      parts.push(`per step of depth, the graph engine's DAG gains ${g} nodes and the tape ${t}`);
    }
  }
  const lastMathjs = [...rows].reverse().find((r) => r.mathjsTree !== null);
  const firstFail = rows.find((r) => r.mathjsTree === null);
  const last = rows.at(-1);
  if (firstFail !== undefined && last !== undefined) {
    const why = firstFail.notes.find((n) => n.startsWith('mathjs'))?.replace(/^mathjs: /, '') ?? 'no result';
    parts.push(
      `mathjs gave up at ${x} = ${firstFail.n} (${why.split(' — ')[0]})${
        lastMathjs ? `, after a ${lastMathjs.mathjsTree}-node tree at ${x} = ${lastMathjs.n}` : ''
      }; at ${x} = ${last.n} f's tree would have ${Number(last.fTree).toExponential(2)} nodes, while the graph engine's derivative DAG has ${last.graphDag ?? '—'} and the tape ${last.tape}`,
    );
  }
  if (parts.length === 0) return '';
  return `${name}: ${parts.join('; ')}.`;
}

/**
 * The section as Markdown: one table per workload (sizes by column, notes), the growth fits per column, and
 * what they show.
 */
export function swellMarkdown(s: SwellSection): string {
  const out: string[] = [];
  const settings = s.settings;
  out.push(
    'Sizes are node counts. "Tree" sizes count every repeated subterm (an expression printed or evaluated ' +
      'without sharing); "DAG" sizes count each distinct subterm once. The mathjs columns are the derivative ' +
      "trees of mathjs's `derivative()`, summed over the inputs" +
      (settings
        ? `, within a budget of ${settings.budget} nodes; simplify is tried up to ${settings.simplifyLimit} nodes`
        : '') +
      ". The graph columns are difflab's symbolic derivative built on the hash-consed DAG, and that DAG's size " +
      "unshared. The reverse tape holds one value per node of f's program.",
    '',
  );
  if (s.aborted) out.push('**Stopped early**: the tables hold what was measured before the stop.', '');
  if (s.rows.length === 0) out.push('No measurements.', '');
  for (const name of workloadsOf(s.rows)) {
    const w = registry[name];
    const x = variableOf(w);
    const rows = s.rows.filter((r) => r.workload === name);
    out.push(`### ${name}`, '');
    if (w !== undefined) out.push(`${w.description}.`, '');
    const header = [x, ...COLUMNS.map((c) => SWELL_COLUMNS[c]), 'notes'];
    const body = rows.map((r) => [String(r.n), ...COLUMNS.map((c) => formatSize(r[c])), r.notes.join('; ')]);
    out.push(...mdTable(header, body, (i) => i <= COLUMNS.length), '');
    const fits = s.fits.filter((f) => f.workload === name);
    if (fits.length > 0) {
      out.push(
        `Growth (least squares over ${x} ≥ ${fitFrom(name)}, or the largest ${SWELL_FIT_MIN_POINTS} sizes where fewer of those have a value; power law or exponential, whichever fits better): ` +
          fits
            .map(
              (f) =>
                `${SHORT[f.column as SwellColumn] ?? f.column} ~ ${formatFit(f, x)} (R² ${f.r2.toFixed(3)}, ${f.points} sizes)`,
            )
            .join(', ') +
          '.',
        '',
      );
    }
    const said = summary(name, rows, fits, x);
    if (said !== '') out.push(said, '');
  }
  if (s.rows.length > 0) {
    out.push(
      'What it shows: a tree repeats every shared subterm, so differentiating one makes copies of copies: ' +
        "product's K derivative trees each repeat the other K − 1 factors (Θ(K²) in all), and on the logistic " +
        'map and the nested chain, where each step uses the previous value two or three times, the function ' +
        "tree, mathjs's derivative tree and its simplified form grow by a constant factor per step (Baydin et " +
        'al. 2018, Table 1). Keeping the DAG shared removes the swell: the graph engine adds a constant number ' +
        "of nodes per step, like reverse mode's tape; only its unshared tree size explodes, which is the same " +
        'swell counted without sharing.',
      '',
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The CSV columns, one row per workload and size. */
export const SWELL_CSV_COLUMNS = [
  'workload',
  'n',
  'f_tree',
  'f_dag',
  'mathjs_tree',
  'mathjs_simplified',
  'graph_dag',
  'graph_tree',
  'tape',
  'notes',
] as const;

/** One row per workload and size (empty fields where a size is missing), notes joined with '; '. */
export function swellCsv(s: SwellSection): string {
  return csvText(
    SWELL_CSV_COLUMNS,
    s.rows.map((r) => [
      r.workload,
      r.n,
      r.fTree,
      r.fDag,
      r.mathjsTree,
      r.mathjsSimplified,
      r.graphDag,
      r.graphTree,
      r.tape,
      r.notes.join('; '),
    ]),
  );
}

/**
 * Per workload, `swell-<workload>`: every size column against n (or K), log y (log x for K), one line per
 * column: a self-contained Vega-Lite spec.
 */
export function swellCharts(s: SwellSection): Record<string, ChartSpec> {
  const charts: Record<string, ChartSpec> = {};
  for (const name of workloadsOf(s.rows)) {
    const w = registry[name];
    const x = variableOf(w);
    const values = s.rows
      .filter((r) => r.workload === name)
      .flatMap((r) =>
        COLUMNS.flatMap((c) => {
          const v = columnValue(r, c);
          return v === null || !(v > 0) ? [] : [{ n: r.n, column: SWELL_COLUMNS[c], size: v }];
        }),
      );
    charts[`swell-${name}`] = {
      $schema: VEGA_LITE_SCHEMA,
      title: `${name}: expression sizes against ${x === 'n' ? 'depth n' : 'K'} (log scale)`,
      width: 480,
      height: 320,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'n',
          type: 'quantitative',
          title: x === 'n' ? 'depth n' : 'K',
          ...(x === 'K' ? { scale: { type: 'log', base: 2 } } : {}),
        },
        y: { field: 'size', type: 'quantitative', scale: { type: 'log' }, title: 'nodes' },
        color: {
          field: 'column',
          type: 'nominal',
          scale: { domain: COLUMNS.map((c) => SWELL_COLUMNS[c]) },
          legend: { title: 'size' },
        },
        tooltip: [
          { field: 'column', type: 'nominal' },
          { field: 'n', type: 'quantitative', title: x },
          { field: 'size', type: 'quantitative', title: 'nodes' },
        ],
      },
    } as ChartSpec;
  }
  return charts;
}
