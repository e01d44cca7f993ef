/**
 * The README's measured numbers are the committed results file's (`docs/results/readme.json`, written by
 * `npm run readme:results`): its generated blocks are exactly what the file renders to, and, read back as
 * numbers without the renderer, the headline ratios and the performance table equal the file's measurements to
 * their printed digits. Nothing is timed here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { HEADLINE_K, type ReadmeResults, readBlocks, readmeBlocks } from '../../bench/readme/render.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
const results = JSON.parse(readFileSync(`${ROOT}/docs/results/readme.json`, 'utf8')) as ReadmeResults;
const blocks = readBlocks(readme);

/** A printed figure ("1,531", "3.05") as a number, and half a unit of its last digit. */
function printed(text: string): { value: number; halfUlp: number } {
  const plain = text.replace(/,/g, '');
  const decimals = plain.includes('.') ? (plain.split('.')[1] as string).length : 0;
  return { value: Number(plain), halfUlp: 0.5 * 10 ** -decimals };
}

function expectPrinted(text: string, measured: number, what: string): void {
  const { value, halfUlp } = printed(text);
  expect(Math.abs(value - measured), `${what}: README ${text}, file ${measured}`).toBeLessThanOrEqual(
    halfUlp * 1.0001,
  );
}

describe('the README and docs/results/readme.json', () => {
  test('every generated block is what the results file renders to', () => {
    const expected = readmeBlocks(results);
    expect(Object.keys(blocks).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) expect(blocks[name], name).toBe(text);
  });

  test("the headline's ridge ratios at K = 1024 are the file's medians over f's", () => {
    const p50 = (method: string) =>
      results.scaling.points.find((p) => p.workload === 'ridge' && p.method === method && p.K === HEADLINE_K)
        ?.time.p50 as number;
    const headline = (blocks.headline ?? '').replace(/\n/g, ' ');
    const m =
      /costs ([\d.,]+)× the function by reverse mode, ([\d.,]+)× by forward mode and ([\d.,]+)× by central/.exec(
        headline,
      );
    expect(m, headline).not.toBeNull();
    const [, reverse, forward, central] = m as unknown as [string, string, string, string];
    expectPrinted(reverse, p50('reverse') / p50('f'), 'reverse / f');
    expectPrinted(forward, p50('forward') / p50('f'), 'forward / f');
    expectPrinted(central, p50('numeric') / p50('f'), 'central / f');
  });

  test("every cell of the performance table is the file's gradient / f ratio, interpreter / compiled", () => {
    const lines = (blocks.performance ?? '')
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| gradient'));
    const header = (blocks.performance ?? '').split('\n')[0] as string;
    const sizes = header
      .split('|')
      .slice(2, -1)
      .map((c) => Number(c.replace(/K =|,/g, '').trim()));
    expect(lines.length).toBe(results.performance.settings.workloads.length);
    let cells = 0;
    for (const line of lines) {
      const [workload, ...rest] = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()) as [string, ...string[]];
      rest.forEach((cell, k) => {
        const [interpreted, compiled] = cell.split(' / ') as [string, string];
        const row = (backend: string) =>
          results.performance.cheap.find(
            (c) => c.workload === workload && c.K === sizes[k] && c.backend === backend,
          );
        expectPrinted(
          interpreted,
          row('interpret')?.ratio as number,
          `${workload} K=${sizes[k]} interpreted`,
        );
        expectPrinted(compiled, row('compile')?.ratio as number, `${workload} K=${sizes[k]} compiled`);
        cells++;
      });
    }
    expect(cells).toBeGreaterThan(0);
  });

  test('the command that regenerates them is in the README and in package.json', () => {
    const scripts = (
      JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts['readme:results']).toContain('bench/readme/main.js');
    expect(readme).toContain('npm run readme:results');
    expect(results.command).toBe('npm run readme:results');
  });
});
