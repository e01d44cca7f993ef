/**
 * The package's two entry points, as a user imports them from the build: `difflab` exports what a user calls
 * (the methods, `runReport`, `parseResults`, the section interface's registry) and none of the report's
 * internals; `difflab/report` exports those (each section's runner and views, the registry, `writeReport`).
 */
import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { ROOT } from '../browser/support.js';

/** The names `specifier` exports, imported by name from the built package in a fresh Node. */
function exportsOf(specifier: string): string[] {
  const script = `const m = await import('${specifier}'); console.log(JSON.stringify(Object.keys(m)));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

test('difflab exports the entry points and no report internals', () => {
  const names = exportsOf('difflab');
  for (const n of [
    'gradient',
    'methods',
    'parse',
    'workloads',
    'runReport',
    'parseResults',
    'REPORT_SECTIONS',
  ])
    expect(names, n).toContain(n);
  for (const n of [
    'scalingCsv',
    'swellCharts',
    'runScaling',
    'accuracyMarkdown',
    'displayScaling',
    'writeReport',
  ])
    expect(names, n).not.toContain(n);
});

test('difflab/report exports the sections, their runners and views, the registry and writeReport', () => {
  const names = exportsOf('difflab/report');
  for (const n of [
    'scalingSection',
    'runScaling',
    'scalingCsv',
    'swellCharts',
    'runAccuracy',
    'REPORT_SECTIONS',
    'runSections',
    'reportHtml',
    'writeReport',
  ])
    expect(names, n).toContain(n);
});
