/**
 * Writing the peer benchmark into a folder: `peers.md`, `peers.json`, `peers.csv`, and each chart as a
 * Vega-Lite spec (`charts/<name>.vl.json`) and a standalone SVG (`charts/<name>.svg`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderSvg } from '../../src/report/chart.js';
import { peersCharts, peersCsv, peersMarkdown } from './report.js';
import type { PeerResults } from './run.js';

/** Writes the results into `dir` (created if needed); returns the paths written. */
export async function writePeers(dir: string, r: PeerResults): Promise<string[]> {
  await mkdir(join(dir, 'charts'), { recursive: true });
  const written: string[] = [];
  const put = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    written.push(path);
  };
  await put('peers.md', peersMarkdown(r));
  await put('peers.json', `${JSON.stringify(r, null, 2)}\n`);
  await put('peers.csv', peersCsv(r));
  for (const [name, spec] of Object.entries(peersCharts(r))) {
    await put(join('charts', `${name}.vl.json`), `${JSON.stringify(spec, null, 2)}\n`);
    await put(join('charts', `${name}.svg`), await renderSvg(spec));
  }
  return written;
}
