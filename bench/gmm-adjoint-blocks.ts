/**
 * A model of gmm's adjoint dot loops, to size one change before making it (docs/loops.md, "Not yet"):
 * `node build/bench/gmm-adjoint-blocks.js [d] [k] [n] [rounds]` after `npx tsc -p tsconfig.bench.json`.
 * Per point and component c, the loop the compiled sweep runs (emit.ts's jammedAdjoint): four rows of Q·z
 * together over their common terms, z꜀'s value and adjoint in registers, each l entry's adjoint loaded, added
 * to and stored once per row. Variants, timed alternated in one process (CPU ms per n points, medians):
 * - `points B`: B points per pass over l, each l entry's value and adjoint loaded once for the B points, which
 *   add their terms in point order (so the same sums, checked below);
 * - `slots B`: B points per component, one after the other (l_c's 16 KB stays in L1 across them: the same
 *   loads and stores, only fewer from memory);
 * - `after B`: per point only z's adjoints (each l value loaded, no l adjoint), and after every B points a pass
 *   adding their terms to l's adjoints in point order (each l adjoint loaded and stored once for them);
 * - `z points B`, `z copies B`: z's adjoints alone, B points per pass, each l value loaded once for the B
 *   points, or once per point from a copy of l of its own (as rows whose values each hold the captured l).
 */
import { median } from '../src/report/harness.js';

const d = Number(process.argv[2] ?? 64);
const k = Number(process.argv[3] ?? 100);
const n = Number(process.argv[4] ?? 1000);
const rounds = Number(process.argv[5] ?? 7);
const nl = (d * (d - 1)) / 2;
/** Distinct points' data (z and the rows' adjoints), cycled: a multiple of every B below. */
const POINTS = 8;

type Pass = (
  p: number,
  l: Float64Array,
  la: Float64Array,
  z: Float64Array,
  za: Float64Array,
  gu: Float64Array,
) => void;

/**
 * The loop over rows r0 > r1 > r2 > r3 of component c (down to r0 = 4; the rows below and each member's own
 * last terms are left out) over their common terms cc < r3; l's index of (r, cc) as gmm.ts's lIndex.
 */
function source(blocked: number, slots: number): string {
  const bs = Array.from({ length: blocked }, (_, b) => b);
  const js = [0, 1, 2, 3];
  const at = (b: number) => `((p + ${b}) % ${POINTS}) * ${k * d} + zc`;
  return `for (let c = 0; c < ${k}; c++) for (let s = 0; s < ${slots}; s++) {
const lb = c * ${nl}, zc = c * ${d}; p += s;
for (let r0 = ${d - 1}; r0 >= 4; r0 -= 4) {
${js.map((j) => bs.map((b) => `const g${j}_${b} = gu[${at(b)} + r0 - ${j}];`).join(' ')).join('\n')}
for (let cc = 0; cc < r0 - 3; cc++) {
const li0 = lb + cc * ${d} - (cc * (cc + 1)) / 2 + r0 - cc - 1;
${bs.map((b) => `const e${b} = z[${at(b)} + cc]; let a${b} = za[${at(b)} + cc];`).join(' ')}
${js.map((j) => `{ const li = li0 - ${j}; const v = l[li]; let u = la[li]; ${bs.map((b) => `u += g${j}_${b} * e${b}; a${b} += g${j}_${b} * v;`).join(' ')} la[li] = u; }`).join('\n')}
${bs.map((b) => `za[${at(b)} + cc] = a${b};`).join(' ')}
}
}
p -= s;
}`;
}

/**
 * `source`'s loop with z's adjoints alone (`zOnly`, B points' l reads from `l` or, with `copies`, from their own
 * copies `lb{b}`) or l's alone (the B points' terms added to each l adjoint in point order).
 */
function partSource(part: 'z' | 'l', blocked: number, copies = false): string {
  const bs = Array.from({ length: blocked }, (_, b) => b);
  const js = [0, 1, 2, 3];
  const at = (b: number) => `((p + ${b}) % ${POINTS}) * ${k * d} + zc`;
  const lOf = (b: number) => (copies ? `lc[${b}]` : 'l');
  const zTerm = (j: number) =>
    copies
      ? bs.map((b) => `a${b} += g${j}_${b} * ${lOf(b)}[li0 - ${j}];`).join(' ')
      : `{ const v = l[li0 - ${j}]; ${bs.map((b) => `a${b} += g${j}_${b} * v;`).join(' ')} }`;
  const lTerm = (j: number) =>
    `{ const li = li0 - ${j}; let u = la[li]; ${bs.map((b) => `u += g${j}_${b} * e${b};`).join(' ')} la[li] = u; }`;
  const inner =
    part === 'z'
      ? `${bs.map((b) => `let a${b} = za[${at(b)} + cc];`).join(' ')}
${js.map(zTerm).join('\n')}
${bs.map((b) => `za[${at(b)} + cc] = a${b};`).join(' ')}`
      : `${bs.map((b) => `const e${b} = z[${at(b)} + cc];`).join(' ')}
${js.map(lTerm).join('\n')}`;
  return `${copies ? 'const lc = [l, ...copies];' : ''}
for (let c = 0; c < ${k}; c++) {
const lb = c * ${nl}, zc = c * ${d};
for (let r0 = ${d - 1}; r0 >= 4; r0 -= 4) {
${js.map((j) => bs.map((b) => `const g${j}_${b} = gu[${at(b)} + r0 - ${j}];`).join(' ')).join('\n')}
for (let cc = 0; cc < r0 - 3; cc++) {
const li0 = lb + cc * ${d} - (cc * (cc + 1)) / 2 + r0 - cc - 1;
${inner}
}
}
}`;
}

/** A pass with, last, each point's copy of l (the `z copies` variant). */
type PartPass = (...args: [...Parameters<Pass>, copies: readonly Float64Array[]]) => void;

/** A pass over `step` points: its name, the pass, and which adjoints it computes (l's and z's, or z's). */
interface Variant {
  readonly name: string;
  readonly step: number;
  readonly pass: PartPass;
  readonly zOnly: boolean;
  readonly times: number[];
}

function variant(name: string, blocked: number, slots: number): Variant {
  const pass = new Function('p', 'l', 'la', 'z', 'za', 'gu', source(blocked, slots)) as Pass;
  return { name, step: blocked * slots, pass, zOnly: false, times: [] };
}

function partPass(part: 'z' | 'l', blocked: number, copies = false): PartPass {
  const params = ['p', 'l', 'la', 'z', 'za', 'gu', 'copies'];
  return new Function(...params, partSource(part, blocked, copies)) as PartPass;
}

/** Per point z's adjoints, and l's after every `blocked` points. */
function after(blocked: number): Variant {
  const zPass = partPass('z', 1);
  const lPass = partPass('l', blocked);
  const pass: PartPass = (p, l, la, z, za, gu, copies) => {
    for (let b = 0; b < blocked; b++) zPass(p + b, l, la, z, za, gu, copies);
    lPass(p, l, la, z, za, gu, copies);
  };
  return { name: `after ${blocked}`, step: blocked, pass, zOnly: false, times: [] };
}

function zPoints(blocked: number, copies: boolean): Variant {
  const name = `z ${copies ? 'copies' : 'points'} ${blocked}`;
  return { name, step: blocked, pass: partPass('z', blocked, copies), zOnly: true, times: [] };
}

const random = (size: number) => Float64Array.from({ length: size }, () => Math.random());
const l = random(k * nl);
const z = random(POINTS * k * d);
const gu = random(POINTS * k * d);
// Each point's own copy of l (for `z copies`), equal to it.
const copies = Array.from({ length: 3 }, () => l.slice());
const variants = [
  ...[1, 2, 4, 8].flatMap((b) => [
    variant(`points ${b}`, b, 1),
    ...(b > 1 ? [variant(`slots ${b}`, 1, b)] : []),
  ]),
  ...[2, 4, 8].map(after),
  ...[1, 2, 4, 8].map((b) => zPoints(b, false)),
  zPoints(4, true),
];

/** l's and z's adjoints after the n points (l's all zero for z's alone), and the CPU ms it took. */
function run(v: Variant): [Float64Array, Float64Array, number] {
  const la = new Float64Array(k * nl);
  const za = new Float64Array(POINTS * k * d);
  const start = process.cpuUsage();
  for (let p = 0; p < n; p += v.step) v.pass(p, l, la, z, za, gu, copies);
  const t = process.cpuUsage(start);
  return [la, za, (t.user + t.system) / 1000];
}

for (const v of variants) run(v);
const [reference, zReference] = run(variants[0] as Variant);
const differs = (a: Float64Array, b: Float64Array) => a.some((u, i) => !Object.is(u, b[i]));
for (let round = 0; round < rounds; round++) {
  for (const v of variants) {
    const [la, za, ms] = run(v);
    if (!v.zOnly && differs(la, reference)) throw new Error(`${v.name}: l's adjoints differ`);
    if (differs(za, zReference)) throw new Error(`${v.name}: z's adjoints differ`);
    v.times.push(ms);
  }
}
console.log(`gmm's adjoint dot loops, d = ${d}, k = ${k}, n = ${n}: CPU ms per call, median of ${rounds}`);
for (const v of variants) console.log(`${v.name.padEnd(10)} ${median(v.times).toFixed(2)}`);
