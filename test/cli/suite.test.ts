/**
 * `difflab bench`, `swell` and `report` as subprocesses: JSON output checked against the deterministic counts,
 * and Ctrl-C during a report still writes what was measured.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { methods } from '../../src/index.js';
import { ridge } from '../../src/workloads/index.js';
import { difflab } from './support.js';

describe('difflab bench', () => {
  test('--json: one point per method and size, with the library’s operation counts', () => {
    const r = difflab([
      'bench',
      '--quick',
      '--workloads',
      'ridge',
      '--sizes',
      '8,16',
      '--methods',
      'forward,reverse',
      '--json',
    ]);
    expect(r.status).toBe(0);
    const section = JSON.parse(r.stdout);
    for (const K of [8, 16]) {
      for (const method of ['forward', 'reverse'] as const) {
        const point = section.points.find(
          (p: { K: number; method: string }) => p.K === K && p.method === method,
        );
        const f = ridge.build(K);
        expect(point.ops).toBe(methods[method].gradient(f, ridge.point(K)).stats.ops);
      }
    }
  });

  test('without --json it prints the tables, and no progress bar when output is piped', () => {
    const r = difflab(['bench', '--quick', '--workloads', 'ridge', '--sizes', '8,16,32,64']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\| ridge \| reverse \|/);
    expect(r.stderr).toBe('');
  });
});

describe('difflab swell', () => {
  test('--json: the product table with f’s tree and DAG sizes in closed form', () => {
    const r = difflab(['swell', '--quick', '--workloads', 'product', '--json']);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout).rows as {
      workload: string;
      n: number;
      fTree: string;
      fDag: number;
      tape: number;
    }[];
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows) {
      // Π wᵢ as a chain of K − 1 products over K variables: 2K − 1 nodes, tree and DAG alike.
      expect(row.fDag).toBe(2 * row.n - 1);
      expect(BigInt(row.fTree)).toBe(BigInt(2 * row.n - 1));
      expect(row.tape).toBe(2 * row.n - 1);
    }
  });
});

describe('difflab report', () => {
  test('Ctrl-C stops the run and still writes what was measured, marked interrupted', async () => {
    const out = await mkdtemp(join(tmpdir(), 'difflab-interrupt-'));
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const child = spawn(process.execPath, [main, 'report', '--out', out, '--format', 'json'], {
      stdio: 'pipe',
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    setTimeout(() => child.kill('SIGINT'), 3000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).toContain('stopping; writing what was measured');
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    expect(results.interrupted).toBe(true);
    expect(results.scaling.points.length).toBeGreaterThan(0);
  });

  test('the performance section, and a peer benchmark found beside the report, go into report.md', async () => {
    const out = await mkdtemp(join(tmpdir(), 'difflab-perf-'));
    await mkdir(join(out, 'peers', 'charts'), { recursive: true });
    await writeFile(join(out, 'peers', 'peers.json'), JSON.stringify({ createdAt: '2026-01-02T03:04:05Z' }));
    await writeFile(
      join(out, 'peers', 'peers.md'),
      '# Peers\n\n| workload | jax-js |\n| --- | ---: |\n| ridge | 3.03 |\n',
    );
    const r = difflab([
      'report',
      '--quick',
      '--sections',
      'performance,peers',
      '--workloads',
      'ridge',
      '--out',
      out,
      '--format',
      'md,json',
    ]);
    expect(r.status).toBe(0);
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Performance: reverse mode against the function, on each backend');
    expect(md).toContain('| ridge | 10 |');
    expect(md).toContain('## Peers: difflab against hand-written loops, TF.js, jax-js and mathjs');
    expect(md).toContain('Measured by `npm run bench:peers` at 2026-01-02T03:04:05Z');
    expect(md).toContain('| ridge | 3.03 |');
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    for (const row of results.performance.cheap) expect(row.error).toBeLessThan(1e-13);

    const missing = difflab([
      'report',
      '--quick',
      '--sections',
      'performance',
      '--out',
      out,
      '--peers',
      join(out, 'none.json'),
    ]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--peers: no file');
  });
});
