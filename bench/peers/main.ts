/**
 * The peer benchmark: `npm run bench:peers -- [out-dir] [options]`. Runs the four workloads by the hand-written
 * loops, difflab and the peers (the JavaScript ones in this process; PyTorch in a Python child, when the Python
 * in `DIFFLAB_PYTHON`, default `/usr/bin/python3`, can import torch: otherwise it is skipped), prints the
 * headline table and writes the report folder (default `difflab-report/peers`).
 *
 * Options: `--sizes 10,100,1000,100000`, `--headline 100000`, `--workloads ridge,logreg`,
 * `--contenders tfjs,jax,pytorch,pytorch-scalar` (the hand-written f always runs), `--budget 2000` (ms per
 * call), `--time 250` (ms of tinybench per measurement), `--quick` (sizes 10,1000,10000 and short measurements).
 */
import { DifflabError } from '../../src/index.js';
import { parseCommandLine } from './args.js';
import { writePeers } from './files.js';
import { headlineTable } from './report.js';
import { DEFAULT_CALL_BUDGET_MS, type PeerOptions, runPeers } from './run.js';

async function main(): Promise<void> {
  let out: string;
  let options: PeerOptions;
  try {
    ({ out, options } = parseCommandLine(process.argv.slice(2)));
  } catch (e) {
    if (!(e instanceof DifflabError)) throw e;
    process.stderr.write(`bench:peers: ${e.message} [${e.code}]\n`);
    process.exitCode = 2;
    return;
  }
  const budget = options.callBudgetMs ?? DEFAULT_CALL_BUDGET_MS;
  process.stderr.write(`peer benchmark: per-call budget ${budget} ms, writing to ${out}\n`);
  const r = await runPeers({ ...options, log: (line) => process.stderr.write(`  ${line}\n`) });
  const K = r.settings.headlineK.toLocaleString('en-US');
  process.stdout.write(`\nTime ÷ hand-written f at K = ${K} (medians):\n\n${headlineTable(r).join('\n')}\n`);
  process.stdout.write(`\nMedian times at K = ${K}:\n\n${headlineTable(r, 'time').join('\n')}\n`);
  try {
    const written = await writePeers(out, r);
    process.stdout.write(`\n${r.seconds.toFixed(0)} s; wrote ${written.length} files to ${out}\n`);
  } catch (e) {
    process.stderr.write(`bench:peers: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

await main();
