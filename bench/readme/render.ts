/**
 * The README's measured numbers, written from the committed results file (`docs/results/readme.json`) into
 * the README between marker comments `<!-- results:NAME -->` and `<!-- /results:NAME -->`. Pure: no clock, no
 * files, so the test can check that the README says what the file holds.
 */
import type { GradbenchSection } from '../../src/report/sections/gradbench/gradbench.js';
import { CHEAP_BOUND, type PerformanceSection } from '../../src/report/sections/performance/performance.js';
import type { ScalingSection } from '../../src/report/sections/scaling/scaling.js';

/** What `npm run readme:results` measured, as committed. */
export interface ReadmeResults {
  version: 1;
  /** The command that produced the file. */
  command: string;
  date: string;
  machine: { cpus: number; cpu: string; node: string; loadBefore: number[]; loadAfter: number[] };
  scaling: ScalingSection;
  performance: PerformanceSection;
  gradbench: GradbenchSection;
}

/** The size workloads the headline's exponents are over (and the ones `readme:results` scales). */
export const HEADLINE_WORKLOADS = ['ridge', 'rosenbrock', 'product', 'logreg', 'mlp'] as const;
/** The K at which the headline compares a ridge gradient with f. */
export const HEADLINE_K = 1024;
/** The evals in the GradBench fixture table, in its order. */
const GRADBENCH_EVALS = ['llsq', 'lse', 'det', 'ode', 'gmm', 'lstm', 'kmeans', 'ba'] as const;
/** The sizes in the performance table's columns. */
export const PERFORMANCE_COLUMNS = [10, 1000, 100_000, 1_000_000] as const;

/** A figure to three significant digits at most (1.6, 2.45, 61, 643, 1,365). */
export function fig(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
  const s = x.toFixed(digits);
  const trimmed = digits > 0 && x >= 10 ? s.replace(/\.0$/, '') : s;
  return Number(trimmed) >= 1000 ? Number(trimmed).toLocaleString('en-US') : trimmed;
}

/** A range "a–b" of figures, or one figure when both ends print the same. */
function range(xs: readonly number[], format: (x: number) => string = fig): string {
  const lo = format(Math.min(...xs));
  const hi = format(Math.max(...xs));
  return lo === hi ? lo : `${lo}–${hi}`;
}

const two = (x: number) => x.toFixed(2);

function p50(s: ScalingSection, workload: string, method: string, K: number): number {
  const p = s.points.find((q) => q.workload === workload && q.method === method && q.K === K);
  if (p === undefined) throw new Error(`readme results: no ${workload} ${method} point at K = ${K}`);
  return p.time.p50;
}

function fitOf(s: ScalingSection, workload: string, method: string, quantity: 'ops' | 'time') {
  return s.fits.find((f) => f.workload === workload && f.method === method && f.quantity === quantity);
}

function exponents(s: ScalingSection, methods: readonly string[]): number[] {
  const out: number[] = [];
  for (const w of HEADLINE_WORKLOADS)
    for (const m of methods) {
      const f = fitOf(s, w, m, 'ops');
      if (f !== undefined) out.push(f.exponent);
    }
  if (out.length === 0) throw new Error(`readme results: no ops fit for ${methods.join(', ')}`);
  return out;
}

/** The opening paragraph's numbers. */
function headline(r: ReadmeResults): string {
  const s = r.scaling;
  const f = p50(s, 'ridge', 'f', HEADLINE_K);
  const ratio = (m: string) => `${fig(p50(s, 'ridge', m, HEADLINE_K) / f)}×`;
  const load = (xs: readonly number[]) => (xs[0] ?? Number.NaN).toFixed(1);
  return [
    `What the benchmarks show, measured by \`npm run readme:results\` on a ${r.machine.cpus}-core machine (load average`,
    `${load(r.machine.loadBefore)} when it started, ${load(r.machine.loadAfter)} when it ended): the operation count`,
    `of a full gradient grows with exponent ${range(exponents(s, ['reverse']), two)} in K by reverse mode and`,
    `${range(exponents(s, ['forward', 'numeric']), two)} by forward mode and finite differences (${HEADLINE_WORKLOADS.join(', ')}); at`,
    `K = ${HEADLINE_K.toLocaleString('en-US')} a ridge gradient costs ${ratio('reverse')} the function by reverse mode,`,
    `${ratio('forward')} by forward mode and ${ratio('numeric')} by central differences.`,
  ].join('\n');
}

function sizesLabel(s: ScalingSection, workload: string, method: string): string {
  const ks = s.points.filter((p) => p.workload === workload && p.method === method).map((p) => p.K);
  return `${Math.min(...ks)}…${Math.max(...ks)} (${ks.length})`;
}

/** The scaling bullet's table of fitted exponents, and how far symbolic differentiation got. */
function scaling(r: ReadmeResults): string {
  const s = r.scaling;
  const rows: [string, string][] = [
    ['ridge', 'numeric'],
    ['ridge', 'symbolic'],
    ['ridge', 'forward'],
    ['ridge', 'reverse'],
    ['rosenbrock', 'reverse'],
  ];
  const lines = [
    '| workload | method | ops exponent (R²) | time exponent (R²) | expected | verdict | sizes |',
  ];
  for (const [w, m] of rows) {
    const ops = fitOf(s, w, m, 'ops');
    const time = fitOf(s, w, m, 'time');
    if (ops === undefined || time === undefined) throw new Error(`readme results: no fit for ${w} ${m}`);
    const bad = [ops.agrees === false ? 'ops' : '', time.agrees === false ? 'time' : ''].filter(Boolean);
    const verdict = bad.length === 0 ? '✓' : `✗ (${bad.join(', ')})`;
    lines.push(
      `| ${w} | ${m} | ${two(ops.exponent)} (R² ${ops.r2.toFixed(3)}) | ${two(time.exponent)} (R² ${time.r2.toFixed(3)}) | ${ops.expected ?? '–'} | ${verdict} | ${sizesLabel(s, w, m)} |`,
    );
  }
  const sym = s.points
    .filter((p) => p.workload === 'ridge' && p.method === 'symbolic')
    .sort((a, b) => a.K - b.K);
  const [a, b] = sym.slice(-2);
  const tail =
    a !== undefined && b !== undefined
      ? `Symbolic differentiation reaches K = ${b.K} on ridge within its budget; between its two largest sizes its operation count grows with slope ${two(Math.log(b.ops / a.ops) / Math.log(b.K / a.K))}.`
      : 'Symbolic differentiation did not reach two sizes on ridge.';
  return ['```text', ...lines, '```', '', tail].join('\n');
}

/** The performance table (reverse-mode gradient over f, interpreter / compiled) and the lines under it. */
function performance(r: ReadmeResults): string {
  const p = r.performance;
  const cell = (w: string, K: number) => {
    const of = (b: string) => p.cheap.find((c) => c.workload === w && c.K === K && c.backend === b);
    const i = of('interpret');
    const c = of('compile');
    return i && c ? `${two(i.ratio)} / ${two(c.ratio)}` : '–';
  };
  const lines = [
    `| gradient / f | ${PERFORMANCE_COLUMNS.map((K, i) => (i === 0 ? `K = ${K}` : K.toLocaleString('en-US'))).join(' | ')} |`,
    `|---|${PERFORMANCE_COLUMNS.map(() => '---').join('|')}|`,
  ];
  for (const w of p.settings.workloads)
    lines.push(`| ${w} | ${PERFORMANCE_COLUMNS.map((K) => cell(w, K)).join(' | ')} |`);
  const worst = p.cheap.reduce((m, c) => (c.ratio > m.ratio ? c : m));
  const within = p.cheap.filter((c) => c.ratio <= CHEAP_BOUND).length;
  const verdict =
    within === p.cheap.length
      ? `Every ratio is within ${CHEAP_BOUND}`
      : `${within} of ${p.cheap.length} ratios are within ${CHEAP_BOUND}`;
  const backendWord = (b: string) => (b === 'compile' ? 'the compiled backend' : 'the interpreter');
  const fwd = (backend: string, chunked: boolean) =>
    range(
      p.forward.filter((f) => f.backend === backend && f.chunk > 1 === chunked).map((f) => f.perDirection),
    );
  const text = [
    `${verdict} (the largest, ${two(worst.ratio)}, is ${backendWord(worst.backend)} on ${worst.workload} at K = ${worst.K.toLocaleString('en-US')}).`,
    'The compiled ratios are over the compiled f, which is itself fast (see the peers below). Each time is the median',
    'of three rounds that alternate f and the gradient, and calls under 0.05 ms are timed in batches.',
    `Forward mode with the default chunk costs ${fwd('interpret', true)} evaluations of f per direction interpreted and`,
    `${fwd('compile', true)} compiled (unchunked: ${range(p.forward.filter((f) => f.chunk === 1).map((f) => f.perDirection))}).`,
  ];
  const scaleRows = p.scale;
  const compiled = scaleRows.find((s) => s.backend === 'compile');
  const interpreted = scaleRows.find((s) => s.backend === 'interpret');
  if (compiled !== undefined && interpreted !== undefined) {
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    text.push(
      `Ridge at K = ${compiled.K.toLocaleString('en-US')} has ${compiled.nodes.toLocaleString('en-US')} nodes: the program takes ${compiled.bytesPerNode.toFixed(1)} bytes per node`,
      `(${mib(compiled.programBytes)} MiB) and the tape ${mib(compiled.tapeBytes)} MiB; its gradient took ${fig(compiled.gradient)} ms compiled (${two(compiled.ratio)}× f)`,
      `and ${fig(interpreted.gradient)} ms interpreted (${two(interpreted.ratio)}× f).`,
    );
  }
  return [...lines, '', ...text].join('\n');
}

/** Reverse mode's derivative/primal ratios on GradBench's evals at the fixtures' shapes and larger. */
function gradbench(r: ReadmeResults): string {
  const rows = r.gradbench.rows.filter((x) => x.method === 'reverse' && x.ratio !== undefined);
  const fixture = (e: string) => {
    const ratios = rows.filter((x) => x.eval === e && x.scale === 'fixture').map((x) => x.ratio as number);
    return ratios.length === 0 ? '–' : range(ratios);
  };
  const table = [
    `| eval | ${GRADBENCH_EVALS.join(' | ')} |`,
    `|---|${GRADBENCH_EVALS.map(() => '---').join('|')}|`,
    `| derivative / primal | ${GRADBENCH_EVALS.map(fixture).join(' | ')} |`,
  ];
  const larger: string[] = [];
  for (const e of GRADBENCH_EVALS) {
    const mine = rows.filter((x) => x.eval === e && x.scale === 'larger');
    if (mine.length === 0) continue;
    const sizes = [...new Set(mine.map((x) => x.sizes))].join('; ');
    larger.push(`${e} ${range(mine.map((x) => x.ratio as number))} (${sizes})`);
  }
  return [...table, '', `On larger inputs of the same shapes: ${larger.join(', ')}.`].join('\n');
}

/** Every generated block by its marker name. */
export function readmeBlocks(r: ReadmeResults): Record<string, string> {
  return { headline: headline(r), scaling: scaling(r), performance: performance(r), gradbench: gradbench(r) };
}

/** A block between its markers; the markers' indentation (inside a list item) indents every line of it. */
const MARKER = /^( *)<!-- results:([a-z]+) -->\n([\s\S]*?)\n\1<!-- \/results:\2 -->/gm;

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');
const outdent = (text: string, by: string) =>
  text
    .split('\n')
    .map((line) => (line.startsWith(by) ? line.slice(by.length) : line))
    .join('\n');

/** The blocks the README holds now, by name, without the indentation of their markers. */
export function readBlocks(readme: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of readme.matchAll(MARKER)) out[m[2] as string] = outdent(m[3] as string, m[1] as string);
  return out;
}

/** The README with each block between its markers replaced; a block without markers is an error. */
export function writeBlocks(readme: string, blocks: Record<string, string>): string {
  const present = readBlocks(readme);
  for (const name of Object.keys(blocks)) {
    if (!(name in present)) throw new Error(`README has no <!-- results:${name} --> markers`);
  }
  return readme.replace(MARKER, (whole, by: string, name: string) =>
    name in blocks
      ? `${by}<!-- results:${name} -->\n${indent(blocks[name] as string, by)}\n${by}<!-- /results:${name} -->`
      : whole,
  );
}
