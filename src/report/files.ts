/**
 * Writing a report folder (the one part of src/report that touches the file system): report.md, results.json,
 * one CSV per section, report.html, and every chart as a standalone SVG in charts/.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DifflabError } from '../ir/errors.js';
import { renderSvg } from './chart.js';
import { reportHtml } from './html.js';
import { REPORT_SECTIONS } from './registry.js';
import { type MachineInfo, type Results, reportMarkdown, resultsJson, sectionViews } from './results.js';
import type { ReportSection } from './section.js';

export type ReportFormat = 'md' | 'json' | 'csv' | 'html' | 'svg';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'json', 'csv', 'html', 'svg'];

/** The machine this process runs on. */
export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
  };
}

/**
 * Creates the folder `dir` and its missing parents, one at a time: Node's `mkdir(path, { recursive: true })`
 * never returns on some paths (/proc/x, on Linux). A path that cannot be a folder is an `invalid-argument`
 * error naming it and the system's error code.
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  try {
    if (missing.length === 0 && !statSync(d).isDirectory())
      throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    for (const m of missing.reverse()) mkdirSync(m);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new DifflabError('invalid-argument', `cannot make the folder ${dir} (${code})`, { cause: e });
  }
}

/**
 * Writes the report in the given formats into `dir` (created if needed), with the views of `sections` (default:
 * the registry's); returns the files written.
 */
export async function writeReport(
  dir: string,
  r: Results,
  formats: readonly ReportFormat[] = REPORT_FORMATS,
  sections: readonly ReportSection[] = REPORT_SECTIONS,
): Promise<string[]> {
  makeFolder(dir);
  const written: string[] = [];
  const put = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    written.push(path);
  };
  const views = sectionViews(r, sections);
  if (formats.includes('md')) await put('report.md', reportMarkdown(r, sections));
  if (formats.includes('json')) await put('results.json', resultsJson(r));
  if (formats.includes('csv')) for (const s of views) if (s.csv !== '') await put(`${s.name}.csv`, s.csv);
  if (formats.includes('html') || formats.includes('svg')) {
    const svgs: Record<string, string> = {};
    for (const s of views) for (const c of s.charts) svgs[c.name] = await renderSvg(c.spec);
    if (formats.includes('svg')) {
      makeFolder(join(dir, 'charts'));
      for (const [name, svg] of Object.entries(svgs)) await put(join('charts', `${name}.svg`), svg);
    }
    if (formats.includes('html')) await put('report.html', reportHtml(r, svgs, sections));
  }
  return written;
}
