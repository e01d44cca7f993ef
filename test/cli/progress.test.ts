/**
 * `difflab report` with standard error not a terminal (a pipe, as in CI or a log): one line per stage, each
 * section's start and its end with its elapsed time, and a last line on standard output that names
 * report.html and the headline result (the summary's first finding, as report.md has it).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { difflab } from './support.js';

test('a line per stage on a pipe, and the last line names report.html and the headline', async () => {
  const out = await mkdtemp(join(tmpdir(), 'difflab-progress-'));
  const r = difflab(['report', '--quick', '--sections', 'swell,native', '--format', 'md,html', '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  const elapsed = String.raw`\d+(\.\d)? s|\d+ min \d\d s`;
  expect(r.stderr.trimEnd().split('\n')).toEqual([
    'difflab report: [1/2] swell: started',
    expect.stringMatching(
      new RegExp(`^difflab report: \\[1/2\\] swell: done in (${elapsed}) \\((${elapsed}) in all\\)$`),
    ),
    'difflab report: [2/2] native: started',
    expect.stringMatching(/^difflab report: \[2\/2\] native: nothing to measure \(.* in all\)$/),
  ]);
  const md = await readFile(join(out, 'report.md'), 'utf8');
  const headline = md.split('\n## Summary\n\n- ')[1]?.split('\n')[0];
  expect(headline).toMatch(/^Holds: product: mathjs's derivative tree grows as K\^/);
  const last = r.stdout.trimEnd().split('\n').at(-1);
  expect(last).toBe(
    `wrote the report to ${out}/ (2 files); read ${join(out, 'report.html')}; headline: ${headline}`,
  );
}, 120_000);
