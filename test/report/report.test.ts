/**
 * The report end to end: a quick run of every section, written to a folder in every format, and each file read
 * back (JSON parsed and compared, CSV and Markdown tables found, SVG charts rendered, HTML with charts inline).
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { machineInfo, writeReport } from '../../src/report/files.js';
import { parseResults, RESULTS_VERSION, type Results, resultsJson } from '../../src/report/results.js';
import { runAccuracy } from '../../src/report/sections/accuracy/accuracy.js';
import { runScaling } from '../../src/report/sections/scaling/scaling.js';
import { runSwell } from '../../src/report/sections/swell/swell.js';
import { difflab } from '../cli/support.js';
import { parseCsv } from '../support/csv.js';

let dir = '';
let results: Results;

beforeAll(async () => {
  results = {
    version: RESULTS_VERSION,
    createdAt: new Date().toISOString(),
    machine: machineInfo(),
    settings: { quick: true },
    interrupted: false,
    scaling: await runScaling({ quick: true, workloads: ['ridge'] }),
    swell: await runSwell({ quick: true }),
    accuracy: await runAccuracy({ quick: true }),
  };
  dir = await mkdtemp(join(tmpdir(), 'difflab-report-'));
  await writeReport(dir, results);
}, 120_000);

describe('the report folder', () => {
  test('results.json parses back to the same results, with the version and the machine', async () => {
    const back = parseResults(await readFile(join(dir, 'results.json'), 'utf8'));
    expect(back.version).toBe(RESULTS_VERSION);
    expect(back.machine.cores).toBeGreaterThan(0);
    expect(JSON.parse(resultsJson(back))).toEqual(JSON.parse(resultsJson(results)));
    expect(() => parseResults(JSON.stringify({ ...back, version: 99 }))).toThrow(/version 99/);
  });

  test('report.md holds every section, with the exponent table', async () => {
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/^# difflab benchmark report/);
    for (const title of ['## Scaling', '## Expression swell', '## Accuracy']) expect(md).toContain(title);
    expect(md).toMatch(/\|.*ridge.*\|.*reverse.*\|/);
  });

  test('one CSV per section, each with a header and as many fields in every record (RFC 4180)', async () => {
    for (const name of ['scaling', 'swell', 'accuracy']) {
      const records = parseCsv(await readFile(join(dir, `${name}.csv`), 'utf8'));
      expect(records.length).toBeGreaterThan(1);
      const width = (records[0] as string[]).length;
      for (const record of records) expect(record.length).toBe(width);
    }
  });

  test('every chart is a standalone SVG, and report.html inlines them beside HTML tables', async () => {
    const charts = await readdir(join(dir, 'charts'));
    expect(charts.length).toBeGreaterThanOrEqual(3);
    for (const c of charts) expect(await readFile(join(dir, 'charts', c), 'utf8')).toMatch(/^<svg[^>]*>/);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect((html.match(/<svg/g) ?? []).length).toBe(charts.length);
    expect(html).toContain('<table>');
    expect(html).not.toMatch(/<script/);
  });
});

describe('difflab report', () => {
  test('--quick writes the folder and says where', async () => {
    const out = await mkdtemp(join(tmpdir(), 'difflab-cli-report-'));
    const r = difflab([
      'report',
      '--quick',
      '--sections',
      'swell,accuracy',
      '--format',
      'md,json',
      '--out',
      out,
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`wrote the report to ${out}/`);
    expect((await readdir(out)).sort()).toEqual(['report.md', 'results.json']);
  });

  test('an unknown format is a usage error', () => {
    const r = difflab(['report', '--format', 'pdf']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--format: unknown pdf/);
  });
});

describe('a folder that cannot be made', () => {
  test('writeReport into /proc/x throws a coded error naming the path and the system error, at once', async () => {
    // Node's mkdir(path, { recursive: true }) never returns on /proc/x (Linux); the report makes folders one
    // level at a time.
    const bare: Results = {
      version: RESULTS_VERSION,
      createdAt: new Date().toISOString(),
      machine: machineInfo(),
      settings: { quick: true },
      interrupted: false,
    };
    await expect(writeReport('/proc/difflab-x/report', bare, ['md'])).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/cannot make the folder \/proc\/difflab-x\/report \(E[A-Z]+\)/),
    });
  });
});
