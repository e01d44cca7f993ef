/**
 * The peers section: the peer benchmark (`npm run bench:peers`, which needs the peers as dev dependencies)
 * read back from its files, not measured by the report.
 */
import type { ChartSpec } from '../../chart.js';
import type { ReportSection } from '../../section.js';
import { chartList } from '../../views.js';

/** The peer benchmark as the report reads it back: its Markdown and chart specs, and where it came from. */
export interface PeersSection {
  source: string;
  createdAt: string;
  markdown: string;
  charts: Record<string, ChartSpec>;
}

/** Reading the files needs Node: loaded only when the section runs, by a specifier browser bundlers leave alone. */
const READ = './read.js';

export const peersSection: ReportSection<PeersSection> = {
  name: 'peers',
  title: 'Peers: difflab against hand-written loops, TF.js, jax-js and mathjs',
  byDefault: true,
  async run(o) {
    if (o.peers === undefined) return undefined;
    const { readPeers } = (await import(READ)) as typeof import('./read.js');
    return readPeers(o.peers);
  },
  markdown: (p) =>
    `Measured by \`npm run bench:peers\` at ${p.createdAt} (read from ${p.source}).\n\n${p.markdown}`,
  csv: () => '',
  charts: (p) => chartList(p.charts),
  findings: () => [],
};
