/**
 * The browser bundle in headless Chromium: examples/browser.html imports dist/browser/difflab.js, computes the
 * lecture's example L(w) = (wᵀx − y)² + λ·wᵀw (x = [1, 2], y = 0, λ = 5) at w = [3, 4] by all four methods and
 * draws one chart. The numbers are read back from the page and checked against the worked example
 * (L = 246, ∇L = [52, 84]); the operation counts against the same library run in Node; a screenshot is saved
 * to test-artifacts/browser/.
 */
import { existsSync, statSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type OpenPage, openPage, screenshot, skipBrowserTests } from './support.js';

const skip = skipBrowserTests();

describe.skipIf(skip)('the browser bundle in Chromium', () => {
  let opened: OpenPage | undefined;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    opened = await openPage('/examples/browser.html');
    ({ page, errors } = opened);
  }, 60_000);

  afterAll(async () => {
    await opened?.close();
  });

  test('L(3, 4) = 246 and every method gives the gradient [52, 84]', async () => {
    expect(Number(await page.textContent('#value'))).toBe(246);
    const rows = await page.$$eval('#gradients tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')),
    );
    expect(rows.map((r) => r[0])).toEqual(['numeric', 'symbolic', 'forward', 'reverse']);
    for (const [method, g1, g2] of rows) {
      const g = [Number(g1), Number(g2)];
      if (method === 'numeric') {
        // Central differences of a quadratic have no truncation error; rounding leaves about ε·L/h ≈ 3e-9.
        expect(Math.abs((g[0] as number) - 52)).toBeLessThan(1e-7);
        expect(Math.abs((g[1] as number) - 84)).toBeLessThan(1e-7);
      } else {
        expect(g).toEqual([52, 84]);
      }
    }
  });

  test('the operation counts are the deterministic ones (the README: 40, 86, 70, 50)', async () => {
    const ops = await page.$$eval('#gradients tbody tr', (trs) =>
      trs.map((tr) => Number(tr.querySelector('td:last-child')?.textContent)),
    );
    expect(ops).toEqual([40, 86, 70, 50]);
  });

  test('one chart is drawn: an SVG with a bar per method, and a screenshot is saved', async () => {
    const bars = await page.$$eval('#chart svg .mark-rect path', (ps) =>
      ps.map((p) => {
        const box = (p as SVGGraphicsElement).getBBox();
        return { width: box.width, height: box.height };
      }),
    );
    expect(bars).toHaveLength(4);
    for (const b of bars) {
      expect(b.width).toBeGreaterThan(0);
      expect(b.height).toBeGreaterThan(0);
    }
    const shot = await screenshot(page, 'bundle-example');
    expect(existsSync(shot) && statSync(shot).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  });
});
