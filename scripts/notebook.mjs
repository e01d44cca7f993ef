#!/usr/bin/env node
/**
 * Executes the example notebook end to end in Jupyter with Deno's kernel, so that it cannot rot:
 * `deno jupyter --install` registers the kernel (in a private, temporary Jupyter data folder), then
 * `jupyter nbconvert` executes every cell and saves the outputs (its ExecutePreprocessor, extended in
 * late_outputs.py to keep outputs the Deno kernel sends after a cell's idle message). Fails if a cell fails,
 * if a code cell that ends in an expression shows nothing, or if the outputs lack the tables (text/html,
 * text/markdown), charts (image/svg+xml) and Vega-Lite specs the notebook shows.
 *
 * Usage:
 *   node scripts/notebook.mjs             writes the executed copy to test-artifacts/notebook/difflab.ipynb
 *   node scripts/notebook.mjs --inplace   saves the outputs into examples/difflab.ipynb itself
 *
 * Needs `npm run build` first (the notebook imports the built package) and Jupyter's nbconvert (Debian:
 * apt-get install -y jupyter-nbconvert jupyter-client python3-nbclient). Deno comes from the npm dev dependency.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const notebook = join(root, 'examples', 'difflab.ipynb');
const inplace = process.argv.includes('--inplace');
const outDir = inplace ? join(root, 'examples') : join(root, 'test-artifacts', 'notebook');
const executed = join(outDir, 'difflab.ipynb');
const deno = join(root, 'node_modules', '.bin', 'deno');

/** Stops with one clear line on standard error. */
function fail(message) {
  console.error(`notebook: ${message}`);
  process.exit(1);
}

/** Runs a command, failing with its output when it does not succeed. */
function run(command, args, env) {
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) fail(`cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

if (!existsSync(join(root, 'dist', 'index.js'))) fail('the package is not built: run npm run build first');
if (!existsSync(deno)) fail('no deno in node_modules/.bin: run npm ci (deno is a dev dependency)');
const jupyter = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
if (jupyter.error || jupyter.status !== 0) {
  fail(
    "Jupyter's nbconvert is not installed (Debian: apt-get install -y jupyter-nbconvert jupyter-client python3-nbclient)",
  );
}

// The kernel goes into a temporary data folder: Deno writes kernelspecs under $XDG_DATA_HOME/jupyter, and
// JUPYTER_PATH makes nbconvert look there first, so the user's own Jupyter setup is neither needed nor touched.
const data = await mkdtemp(join(tmpdir(), 'difflab-jupyter-'));
try {
  const env = {
    PYTHONPATH: [join(root, 'scripts'), process.env.PYTHONPATH].filter(Boolean).join(':'),
    XDG_DATA_HOME: data,
    JUPYTER_PATH: join(data, 'jupyter'),
    NO_COLOR: '1',
    DENO_NO_UPDATE_CHECK: '1',
    DENO_NO_PROMPT: '1',
  };
  run(deno, ['jupyter', '--install', '--quiet'], env);
  await mkdir(outDir, { recursive: true });
  const started = performance.now();
  run(
    'jupyter',
    [
      'nbconvert',
      '--to',
      'notebook',
      // --execute, with ExecutePreprocessor extended to keep the outputs Deno's kernel sometimes sends after a
      // cell's idle message (see scripts/late_outputs.py).
      '--NotebookExporter.preprocessors=["late_outputs.LateOutputExecutePreprocessor"]',
      '--LateOutputExecutePreprocessor.enabled=True',
      '--ExecutePreprocessor.kernel_name=deno',
      '--ExecutePreprocessor.timeout=600',
      '--output-dir',
      outDir,
      '--output',
      'difflab.ipynb',
      notebook,
    ],
    env,
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);

  const nb = JSON.parse(await readFile(executed, 'utf8'));
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  const counts = {};
  for (const cell of code) {
    for (const out of cell.outputs) {
      if (out.output_type === 'error') fail(`a cell failed: ${out.ename}: ${out.evalue}`);
      for (const type of Object.keys(out.data ?? {})) counts[type] = (counts[type] ?? 0) + 1;
    }
  }
  const unexecuted = code.filter((c) => c.execution_count === null).length;
  if (unexecuted > 0) fail(`${unexecuted} code cells were not executed`);
  // Every cell but the imports shows something: a result that went missing fails the run.
  const source = (c) => (Array.isArray(c.source) ? c.source.join('') : c.source);
  const silent = code.filter((c) => !/^\s*import\b/.test(source(c)) && c.outputs.length === 0);
  if (silent.length > 0) {
    fail(`cells without output: ${silent.map((c) => JSON.stringify(source(c).slice(0, 40))).join(', ')}`);
  }
  for (const type of ['text/html', 'text/markdown', 'image/svg+xml', 'application/vnd.vegalite.v5+json']) {
    if (!counts[type]) fail(`no cell output holds ${type}`);
  }
  const summary = Object.entries(counts)
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  console.log(
    `${relative(root, executed)}: ${code.length} code cells ran in ${seconds} s; outputs: ${summary}`,
  );
} finally {
  await rm(data, { recursive: true, force: true });
}
