/** The native section: GradBench's C++ reference binaries timed beside difflab's reverse mode. */
import type { Finding, ReportSection } from '../../section.js';
import {
  fmtRatio,
  type NativeSection,
  nativeCsv,
  nativeMarkdown,
  nativeRows,
  nativeSummary,
} from './native.js';

/**
 * Driving the binaries needs Node (child processes, temporary files): that module is loaded only when the
 * section runs, through a specifier that bundlers for the browser do not follow.
 */
const BINARIES = './binaries.js';

/** Per eval, difflab's derivative time over the C++ time on the last backend measured (compile by default). */
export function nativeFindings(s: NativeSection): Finding[] {
  const backend = s.settings.backends[s.settings.backends.length - 1];
  if (backend === undefined) return [];
  const summary = nativeSummary(nativeRows(s.measurements, s.settings.backends), s.settings.backends);
  const parts = summary.flatMap((row) => {
    const r = row.backends[backend]?.derivativeRatio;
    return r === undefined ? [] : [`${row.eval} ${fmtRatio(r)}×`];
  });
  if (parts.length === 0) return [];
  return [
    {
      text: `Against GradBench's C++ reference, difflab's derivative time (${backend} backend, median per eval) is ${parts.join(', ')} the C++ time.`,
    },
  ];
}

export const nativeSection: ReportSection<NativeSection> = {
  name: 'native',
  title: 'GradBench against native code: difflab beside GradBench’s C++ reference',
  byDefault: true,
  async run(o) {
    if (o.native === undefined) return undefined;
    const { measureNative } = (await import(BINARIES)) as typeof import('./binaries.js');
    return measureNative({
      dir: o.native,
      quick: o.quick ?? false,
      signal: o.signal,
      onProgress: o.onProgress,
      onSkip: o.onSkip,
    });
  },
  markdown: nativeMarkdown,
  csv: nativeCsv,
  charts: () => [],
  findings: nativeFindings,
};
