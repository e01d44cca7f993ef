/**
 * The summed map's recording driver with locals is primed on no rows before its first call, so V8's feedback
 * for the statements after its loop comes from that priming. Where it said "small integer" for a sum that real
 * rows make a double, the code V8 compiled during the first long call deoptimised there. Run on the build in
 * dist/ (as the CLI tests are), in a process of its own with `--trace-deopt`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const index = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

// lse's program as GradBench's eval builds it (a scan of max, a map of exp over the inputs), 100 gradients.
const script = `
const d = await import(${JSON.stringify(index)});
const n = 20000;
const xs = Array.from({ length: n }, (_, i) => d.variable('x' + i));
const rows = xs.map((x) => [x]);
const a = d.scan(xs[0], rows.slice(1), (m, [x]) => m.max(x)).carry;
const s = d.mapReduce(rows, ([x]) => x.sub(a).exp());
const f = d.program(a.add(s.log()), { variables: xs });
const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
let g;
for (let k = 0; k < 100; k++) g = d.gradient(f, x, { method: 'reverse', backend: 'compile' });
console.log(JSON.stringify({ sum: g.reduce((p, q) => p + q, 0), n: g.length }));
`;

describe('the summed map recording driver with locals', () => {
  it('does not deoptimise after its loop in the first long calls', () => {
    if (!existsSync(index)) throw new Error('build first: npm run build (npm test does)');
    const r = spawnSync(process.execPath, ['--trace-deopt', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    // The softmax sums to 1 (the script ran the gradient it was meant to).
    const last = JSON.parse(lines.filter((l) => l.startsWith('{')).at(-1) as string);
    expect(last.n).toBe(20000);
    expect(last.sum).toBeCloseTo(1, 10);
    expect(lines.filter((l) => /deoptimizing \S+ <JSFunction mapGradient/.test(l))).toEqual([]);
  }, 120_000);
});
