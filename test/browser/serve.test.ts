/**
 * `difflab serve`, run as a user would (the built command in a subprocess): it serves the page and the browser
 * bundle and nothing else of the package, and the page it serves works in Chromium.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { difflab } from '../cli/support.js';
import { collectErrors, launchBrowser, ROOT, settled, skipBrowserTests } from './support.js';

const main = join(ROOT, 'dist', 'cli', 'main.js');

describe('difflab serve', () => {
  let child: ChildProcess;
  let url = '';

  beforeAll(async () => {
    if (!existsSync(main)) throw new Error('build first: npm run build (npm test does)');
    child = spawn(process.execPath, [main, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`no address printed; stderr: ${err}`)), 20_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      child.on('exit', (code) => reject(new Error(`difflab serve exited with ${code}: ${err}`)));
    });
  }, 30_000);

  afterAll(() => {
    child?.kill();
  });

  test('/ leads to the page, which imports the bundle it also serves', async () => {
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${url}site/`);
    const html = await page.text();
    expect(html).toContain('<title>difflab');
    const app = await fetch(`${url}site/app.js`);
    expect(await app.text()).toContain("from '../dist/browser/difflab.js'");
    const bundle = await fetch(`${url}dist/browser/difflab.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  test('nothing outside site/ and dist/browser/ is served', async () => {
    for (const path of ['package.json', 'dist/index.js', 'src/index.ts', 'site/../package.json']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404);
    }
  });

  test('the served page differentiates the lecture example in Chromium', async () => {
    if (skipBrowserTests()) return;
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const errors = collectErrors(page);
      await page.goto(url);
      await settled(page, errors);
      const reverse = await page.$$eval('.card[data-method=reverse] td[data-value]', (tds) =>
        tds.map((td) => Number(td.getAttribute('data-value'))),
      );
      expect(reverse).toEqual([52, 84]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test('a bad port is a usage error (exit 2, one line)', () => {
    const r = difflab(['serve', '--port', '70000']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--port must be an integer/);
  });
});
