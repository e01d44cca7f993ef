#!/usr/bin/env node
// Writes GradBench's ht workloads as JSON Lines of evaluate messages (objective, then jacobian, per hand
// file), read from a GradBench checkout's evals/ht/data, for `difflab gradbench run`. Needs `npm run build`.
//
// Usage: node scripts/ht-data.mjs <evals/ht/data> <simple|complicated> <small|big> <min> <max> [--trim] [--first K] [--expect BIN]
// --trim keeps only the vertices and triangles the correspondences use (the outputs are unchanged);
// --first K keeps the first K correspondences only (a smaller workload of the same data);
// --expect BIN adds each output of GradBench's C++ reference binary BIN (its `ht`, run as GradBench's eval runs
// it: BIN input.json function) as the line's `expected`, for `difflab gradbench run` to check against.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { htInput, trimHtInput } from '../dist/gradbench/index.js';

const [root, variant, model, min, max, ...flags] = process.argv.slice(2);
if (root === undefined || !['simple', 'complicated'].includes(variant) || !['small', 'big'].includes(model)) {
  process.stderr.write(
    'usage: node scripts/ht-data.mjs <data dir> <simple|complicated> <small|big> <min> <max> [--trim] [--first K] [--expect BIN]\n',
  );
  process.exit(2);
}
const dir = join(root, `${variant}_${model}`);
const read = (f) => readFileSync(join(dir, 'model', f), 'utf8');
const files = { bones: read('bones.txt'), vertices: read('vertices.txt'), triangles: read('triangles.txt') };
const e = flags.indexOf('--expect');
const reference = e >= 0 ? flags[e + 1] : undefined;
const scratch = reference === undefined ? undefined : mkdtempSync(join(tmpdir(), 'ht-'));
/** The reference's output: the first line it prints (timings follow). */
function expected(input, fn) {
  const file = join(scratch, 'input.json');
  writeFileSync(file, JSON.stringify(input));
  const text = execFileSync(reference, [file, fn], { maxBuffer: 1 << 30 }).toString();
  return JSON.parse(text.slice(0, text.indexOf('\n')));
}
let id = 0;
for (let i = Number(min); i <= Number(max); i++) {
  const name = readdirSync(dir).find((f) => f.startsWith(`hand${i}_`) && f.endsWith('.txt'));
  if (name === undefined) continue;
  let input = htInput(files, readFileSync(join(dir, name), 'utf8'), variant === 'complicated');
  const k = flags.indexOf('--first');
  if (k >= 0) {
    const first = Number(flags[k + 1]);
    const d = input.data;
    input = {
      ...input,
      data: { ...d, correspondences: d.correspondences.slice(0, first), points: d.points.slice(0, first) },
      us: input.us.slice(0, first),
    };
  }
  if (flags.includes('--trim')) input = trimHtInput(input);
  const description = `${variant}_${model}/${name.replace(/\.txt$/, '')}`;
  for (const fn of ['objective', 'jacobian']) {
    const message = {
      id: id++,
      kind: 'evaluate',
      module: 'ht',
      function: fn,
      description,
      input: { ...input, min_runs: 1, min_seconds: 0 },
    };
    if (reference !== undefined) message.expected = expected(message.input, fn);
    process.stdout.write(`${JSON.stringify(message)}\n`);
  }
}
if (scratch !== undefined) rmSync(scratch, { recursive: true });
