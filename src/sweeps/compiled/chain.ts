/**
 * Chains of products, c_r = c_{r−1} · y_r (Π wᵢ, compounding): their adjoint chain, ∂/∂c_{r−1} = ḡ_r · y_r,
 * does not read the chain's values. So the adjoint sweep (without zero tests) runs the chain's values again
 * from its start beside its adjoints from its end, two independent chains of multiplications in one loop where
 * one would wait on the other; halfway, each meets the other's stored half and gives the y's their adjoints
 * ḡ_r · c_{r−1} (see chainAdjointSource). The values are the primal sweep's expressions, so its bits; the
 * adjoints are the carried adjoints' assignments (see setAdjoint in emit.ts). The primal sweep of a gradient
 * then leaves the chain out (see chainNodes).
 */
import { OP_CODE } from '../../ir/ops.js';
import type { Program } from '../../ir/program.js';
import type { Loop, Segment } from './plan.js';

/** A loop of one product node whose argument `carried` (0 for the first, 1 for the second) is the previous
 * repetition's node, and whose other argument is node `yBase + r·yStride`, before the loop. */
export interface ProductChain {
  readonly loop: Loop;
  readonly carried: 0 | 1;
  readonly yBase: number;
  readonly yStride: number;
}

/**
 * The loop as a chain of products, or undefined: every node but the last used by the next link alone, and
 * every other factor an active node computed before the loop and used by its link alone.
 */
export function productChain(
  f: Program,
  loop: Loop,
  uses: Int32Array,
  active: Uint8Array,
): ProductChain | undefined {
  const { start, period, reps } = loop;
  if (period !== 1 || f.op[start] !== OP_CODE.mul) return undefined;
  const a = f.a[start] as number;
  const b = f.b[start] as number;
  const da = loop.da[0] as number;
  const db = loop.db[0] as number;
  let carried: 0 | 1;
  if (a === start - 1 && da === 1) carried = 0;
  else if (b === start - 1 && db === 1) carried = 1;
  else return undefined;
  const [yBase, yStride] = carried === 0 ? [b, db] : [a, da];
  for (let r = 0; r < reps; r++) {
    const y = yBase + r * yStride;
    if (y >= start || active[y] !== 1 || uses[y] !== 1) return undefined;
    if (r + 1 < reps && uses[start + r] !== 1) return undefined;
  }
  if (active[start - 1] !== 1) return undefined;
  return { loop, carried, yBase, yStride };
}

/**
 * The chain's nodes whose values the adjoint sweep computes again (all but the last), so that the primal sweep
 * of a gradient can leave them out.
 */
export function chainNodes(
  f: Program,
  segments: readonly Segment[],
  uses: Int32Array,
  active: Uint8Array,
): number[] {
  const nodes: number[] = [];
  for (const seg of segments) {
    if (seg.kind !== 'loop' || productChain(f, seg, uses, active) === undefined) continue;
    for (let r = 0; r + 1 < seg.reps; r++) nodes.push(seg.start + r);
  }
  return nodes;
}

/**
 * The chain's adjoint code without zero tests. R links, c_j = c_{j−1}·y_j from c_{−1} (the node before the
 * loop), ḡ_{R−1} from `adj`, ḡ_{r−1} = ḡ_r·y_r; y_r's adjoint is ḡ_r·c_{r−1}, and c_{−1}'s gets ḡ₀·y₀.
 *
 * One pass runs c forwards and ḡ backwards. In its first half (H = ⌈R/2⌉ steps) each is stored: c_j in `v`, ḡ_r
 * in `scratch` (a vector of R). In its second half (written out two steps at a time) each step meets a stored
 * partner: forwards y_j gets ḡ_j·c_{j−1} with ḡ_j stored, backwards y_r gets ḡ_r·c_{r−1} with c_{r−1} stored.
 * For odd R the middle y is left, and done after. Every y_r is used by link r alone (see productChain), so its
 * adjoint is written as 0 + ḡ_r·c_{r−1} (0 + turns a −0 into +0, as adding to an adjoint that starts at +0
 * does), in any order.
 *
 * Only the first half's values reach `v`: the interpreter, where it takes over, computes them all again
 * (interpret/adjoint.ts's backward). The ḡ in `scratch` are not tested for NaN: a NaN ḡ_r makes y_r's adjoint NaN,
 * which is.
 */
export function chainAdjointSource(chain: ProductChain, scratch: string): string {
  const { loop, carried, yBase, yStride } = chain;
  const { start, reps: R } = loop;
  const H = (R + 1) >> 1;
  const yAt = (r: string) => `${yBase} + (${r}) * ${yStride}`;
  const y = (r: string) => `v[${yAt(r)}]`;
  const link = (j: string) => (carried === 0 ? `ch * ${y(j)}` : `${y(j)} * ch`);
  // A forward step (y_j's adjoint, then c_j) and a backward step (y_r's adjoint, then ḡ_{r−1} unless r is 0).
  const forward = (j: string) => `adj[${yAt(j)}] = 0 + ${scratch}[${j}] * ch; ch = ${link(j)};`;
  const backward = (r: string, last: string) =>
    `adj[${yAt(r)}] = 0 + cg * v[${start - 1} + ${r}]; ${last}cg = cg * ${y(r)};`;
  const first = (j: string, r: string) =>
    `ch = ${link(j)}; v[${start} + ${j}] = ch; ${scratch}[${r}] = cg; cg = cg * ${y(r)};`;
  const middle =
    R % 2 === 1 ? `adj[${yAt(String(H - 1))}] = 0 + ${scratch}[${H - 1}] * v[${start + H - 2}];` : '';
  return `{ let ch = v[${start - 1}];
let cg = adj[${start + R - 1}];
let j = 0;
for (const e = once ? Math.min(2, ${H - 1}) : ${H - 1}; j < e; j += 2) {
const r = ${R - 1} - j;
${first('j', 'r')}
${first('j + 1', 'r - 1')}
}
if (j < ${H}) { const r = ${R - 1} - j; ${first('j', 'r')} }
j = ${H};
let r = ${R - 1 - H};
for (const e = once ? Math.max(r - 2, 1) : 1; r > e; j += 2, r -= 2) {
${forward('j')} ${backward('r', '')}
${forward('j + 1')} ${backward('r - 1', '')}
}
for (const e = once ? Math.min(j + 1, ${R}) : ${R}; j < e; j++, r--) {
${forward('j')} ${backward('r', 'if (r > 0) ')}
}
${middle}
adj[${start - 1}] += cg * ${y('0')}; }`;
}
