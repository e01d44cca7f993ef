/**
 * The HTML report as a researcher first sees it, in headless Chromium at a normal laptop viewport (1280×800):
 * the summary of findings and the table of contents are both on the first screen, every contents link leads to
 * a section, and no figure is wider than the page. The report is a real quick run of the scaling, swell and
 * accuracy sections. The screenshot goes to test-artifacts/browser/report.png.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { machineInfo, writeReport } from '../../src/report/files.js';
import { runReport } from '../../src/report/run.js';
import { ARTIFACTS, launchBrowser, serveStatic, skipBrowserTests } from './support.js';

const skip = skipBrowserTests();
const VIEWPORT = { width: 1280, height: 800 };

describe.skipIf(skip)('report.html in Chromium', () => {
  let page: Page;
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const results = await runReport({
      sections: ['scaling', 'swell', 'accuracy'],
      quick: true,
      workloads: ['ridge', 'product', 'logistic-map'],
      machine: machineInfo(),
    });
    const dir = await mkdtemp(join(tmpdir(), 'difflab-report-html-'));
    await writeReport(dir, results, ['html']);
    const server = await serveStatic(dir, '/report.html');
    const browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize(VIEWPORT);
    await page.goto(`${server.url}/report.html`);
    close = async () => {
      await browser.close();
      await server.close();
    };
  }, 180_000);

  afterAll(() => close());

  test('the summary and the table of contents are on the first screen', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png') });
    for (const selector of ['#summary', '#contents']) {
      const box = await page.locator(selector).boundingBox();
      expect(box, selector).not.toBeNull();
      if (box === null) continue;
      expect(box.x, selector).toBeGreaterThanOrEqual(0);
      expect(box.y, selector).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, selector).toBeLessThanOrEqual(VIEWPORT.width);
      expect(box.y + box.height, selector).toBeLessThanOrEqual(VIEWPORT.height);
    }
    // The summary holds every section's findings: swell's verdicts at least.
    expect(await page.locator('#summary li').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#summary .verdict').count()).toBeGreaterThanOrEqual(1);
  });

  test('each contents link leads to a section with that title', async () => {
    const links = await page.$$eval('#contents a', (as) =>
      as.map((a) => ({ href: a.getAttribute('href') ?? '', text: a.textContent ?? '' })),
    );
    expect(links.length).toBe(4);
    for (const { href, text } of links) {
      expect(await page.locator(`${href} > h2`).textContent()).toBe(text);
    }
  });

  test('no figure is cut off: each fits in the page, its caption in words under it', async () => {
    const figures = await page.$$eval('figure', (fs) =>
      fs.map((f) => {
        const svg = f.querySelector('svg')?.getBoundingClientRect();
        return {
          right: svg ? svg.right : Number.POSITIVE_INFINITY,
          page: document.documentElement.clientWidth,
          caption: f.querySelector('figcaption')?.textContent ?? '',
        };
      }),
    );
    expect(figures.length).toBeGreaterThanOrEqual(5);
    for (const f of figures) {
      expect(f.right).toBeLessThanOrEqual(f.page);
      expect(f.caption).toMatch(/^Figure \w+\.\d+\. \S+.* \S+/);
    }
  });
});
