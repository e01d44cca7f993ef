/**
 * Reading the peer benchmark's results back from the files `npm run bench:peers` writes (the one part of the
 * peers section that touches the file system).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ChartSpec } from '../../chart.js';
import type { PeersSection } from './index.js';

/**
 * The peer benchmark's results in `file` (peers.json, with peers.md and charts/*.vl.json beside it), or
 * undefined when there is no such file.
 */
export function readPeers(file: string): PeersSection | undefined {
  if (!existsSync(file)) return undefined;
  const dir = dirname(file);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { createdAt?: string };
  const mdFile = join(dir, 'peers.md');
  // The section brings its own title: drop the file's first heading.
  const markdown = existsSync(mdFile) ? readFileSync(mdFile, 'utf8').replace(/^# .*\n+/, '') : '';
  const charts: Record<string, ChartSpec> = {};
  for (const name of ['peers-ratio', 'peers-time']) {
    const spec = join(dir, 'charts', `${name}.vl.json`);
    if (existsSync(spec)) charts[name] = JSON.parse(readFileSync(spec, 'utf8')) as ChartSpec;
  }
  return { source: file, createdAt: json.createdAt ?? 'unknown', markdown, charts };
}
