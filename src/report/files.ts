/**
 * Writing a report folder (the one part of src/report that touches the file system): report.md, results.json,
 * one CSV per section, report.html, and every chart as a standalone SVG in charts/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { renderSvg } from './chart.js';
import { reportHtml } from './html.js';
import { type MachineInfo, type Results, reportMarkdown, resultsJson, sectionViews } from './results.js';

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

/** Writes the report in the given formats into `dir` (created if needed); returns the files written. */
export async function writeReport(
  dir: string,
  r: Results,
  formats: readonly ReportFormat[] = REPORT_FORMATS,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    written.push(path);
  };
  const views = sectionViews(r);
  if (formats.includes('md')) await put('report.md', reportMarkdown(r));
  if (formats.includes('json')) await put('results.json', resultsJson(r));
  if (formats.includes('csv')) for (const s of views) if (s.csv !== '') await put(`${s.name}.csv`, s.csv);
  if (formats.includes('html') || formats.includes('svg')) {
    const svgs: Record<string, string> = {};
    for (const s of views)
      for (const [name, spec] of Object.entries(s.charts)) svgs[name] = await renderSvg(spec);
    if (formats.includes('svg')) {
      await mkdir(join(dir, 'charts'), { recursive: true });
      for (const [name, svg] of Object.entries(svgs)) await put(join('charts', `${name}.svg`), svg);
    }
    if (formats.includes('html')) await put('report.html', reportHtml(r, svgs));
  }
  return written;
}
