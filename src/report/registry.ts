/**
 * The report's sections, in report order: the command line, `runReport`, `writeReport`, the HTML page, the
 * Markdown report and the notebook display all loop over this list. A new section is a folder in `sections/`
 * that exports one {@link ReportSection}, and one line here.
 */
import type { ReportSection } from './section.js';
import { accuracySection } from './sections/accuracy/index.js';
import { gradbenchSection } from './sections/gradbench/index.js';
import { jacobianShapeSection } from './sections/jacobian-shape/index.js';
import { memorySection } from './sections/memory/index.js';
import { mixedSection } from './sections/mixed/index.js';
import { nativeSection } from './sections/native/index.js';
import { peersSection } from './sections/peers/index.js';
import { performanceSection } from './sections/performance/index.js';
import { scalingSection } from './sections/scaling/index.js';
import { sparsity as sparsitySection } from './sections/sparsity/index.js';
import { swellSection } from './sections/swell/index.js';

export const REPORT_SECTIONS: readonly ReportSection[] = [
  scalingSection,
  swellSection,
  accuracySection,
  jacobianShapeSection,
  mixedSection,
  memorySection,
  sparsitySection,
  gradbenchSection,
  nativeSection,
  performanceSection,
  peersSection,
];
