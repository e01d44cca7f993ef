/**
 * The interactive page (site/) in headless Chromium, driven as a person would: it opens on the lecture's
 * example, then expressions and points are typed into the form. Every figure is read back from the page (the
 * unrounded doubles sit in data-value attributes) and checked against independent references: the worked
 * example (L = 246, ∇L = [52, 84], the slide's intermediate values and adjoints), closed-form derivatives, sizes
 * counted by hand, and mathjs's own derivative(). Screenshots go to test-artifacts/browser/.
 */
import { derivative } from 'mathjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { methods, parse, toMathjs } from '../../src/index.js';
import { type OpenPage, openPage, screenshot, settled, skipBrowserTests } from './support.js';

const skip = skipBrowserTests();
const LECTURE = '(w1*1 + w2*2 - 0)^2 + 5*(w1^2 + w2^2)';

/** Each method's gradient, read from the cards, by variable. */
async function gradients(page: Page): Promise<Record<string, Record<string, number>>> {
  return page.$$eval('#methods .card', (cards) =>
    Object.fromEntries(
      cards.map((card) => [
        card.getAttribute('data-method'),
        Object.fromEntries(
          Array.from(card.querySelectorAll('td[data-variable]'), (td) => [
            td.getAttribute('data-variable'),
            Number(td.getAttribute('data-value')),
          ]),
        ),
      ]),
    ),
  );
}

/** A figure of one card (error, ops or time), unrounded. */
async function figure(page: Page, method: string, what: 'error-figure' | 'ops' | 'time'): Promise<number> {
  const value = await page.getAttribute(`.card[data-method=${method}] dd.${what}`, 'data-value');
  if (value === null || value === '') throw new Error(`the ${method} card shows no ${what}`);
  return Number(value);
}

/** Types an expression and a point into the form, key by key, and presses Enter. */
async function differentiate(page: Page, errors: string[], expr: string, point: string): Promise<void> {
  await page.evaluate(() => {
    document.body.dataset.state = 'typing';
  });
  for (const [selector, text] of [
    ['#expr', expr],
    ['#point', point],
  ] as const) {
    await page.fill(selector, '');
    await page.locator(selector).pressSequentially(text);
  }
  await page.press('#point', 'Enter');
  await settled(page, errors);
}

describe.skipIf(skip)('the difflab page in Chromium', () => {
  let opened: OpenPage | undefined;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    opened = await openPage('/site/');
    ({ page, errors } = opened);
  }, 60_000);

  afterAll(async () => {
    await opened?.close();
  });

  test('it opens on the lecture example: L = 246 and ∇L = [52, 84] by all four methods', async () => {
    expect(await page.getAttribute('body', 'data-state')).toBe('done');
    expect(Number(await page.getAttribute('#value', 'data-value'))).toBe(246);
    const g = await gradients(page);
    expect(Object.keys(g)).toEqual(['numeric', 'symbolic', 'forward', 'reverse']);
    for (const m of ['symbolic', 'forward', 'reverse']) expect(g[m]).toEqual({ w1: 52, w2: 84 });
    // Central differences of a quadratic: no truncation error, rounding about ε·L/h ≈ 3e-9.
    expect(Math.abs((g.numeric?.w1 as number) - 52)).toBeLessThan(1e-7);
    expect(Math.abs((g.numeric?.w2 as number) - 84)).toBeLessThan(1e-7);
    for (const m of ['symbolic', 'forward', 'reverse']) expect(await figure(page, m, 'error-figure')).toBe(0);
    const numericError = await figure(page, 'numeric', 'error-figure');
    expect(numericError).toBeGreaterThan(0);
    expect(numericError).toBeLessThan(1e-9);
    // The operation counts are deterministic (the README's table): the program's 10 op nodes and 20 edges give
    // reverse mode 10 + 2·20 = 50 and forward mode (one sweep of two directions) 10 + 20 + 2·20 = 70.
    const ops = { numeric: 40, symbolic: 86, forward: 70, reverse: 50 };
    for (const [m, count] of Object.entries(ops)) {
      expect(await figure(page, m, 'ops')).toBe(count);
      expect(await figure(page, m, 'time')).toBeGreaterThanOrEqual(0);
    }
    // One chart of the costs: a bar per method in each of its two panels.
    expect(await page.locator('#chart svg .mark-rect path').count()).toBe(8);
    await screenshot(page, 'site-lecture');
    expect(errors).toEqual([]);
  });

  test('the reverse-mode trace reads like the slide: a = wᵀx = 11, b² = 121, λ·wᵀw = 125; ∂L/∂b = 22, ∂L/∂d = 5', async () => {
    const steps = await page.$$eval('#forward-sweep tbody tr', (trs) =>
      trs.map((tr) => ({
        name: tr.getAttribute('data-step') as string,
        op: tr.querySelector('td.op')?.textContent ?? '',
        value: Number(tr.querySelector('td[data-value]')?.getAttribute('data-value')),
      })),
    );
    const adjoints = Object.fromEntries(
      await page.$$eval('#backward-sweep tbody tr', (trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-adjoint'),
          Number(tr.querySelector('td[data-value]')?.getAttribute('data-value')),
        ]),
      ),
    );
    const step = (value: number, op: RegExp) => {
      const s = steps.find((x) => x.value === value && op.test(x.op));
      expect(s, `a step ${op} with value ${value}`).toBeDefined();
      return s?.name as string;
    };
    const b = step(11, /- 0$/); // b = wᵀx − y
    const c = step(121, /\^2$/); // c = b²
    const d = step(25, /\+/); // d = wᵀw
    const e = step(125, /^5 \*/); // e = λd
    expect(steps.at(-1)?.value).toBe(246);
    expect([adjoints[c], adjoints[e], adjoints[b], adjoints[d]]).toEqual([1, 1, 22, 5]);
    expect([adjoints.w1, adjoints.w2]).toEqual([52, 84]);
  });

  test("tree against DAG: f has 21 tree nodes and 16 DAG nodes; mathjs's gradient tree is mathjs's own", async () => {
    const sizes = Object.fromEntries(
      await page.$$eval('#sizes tbody tr', (trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-size'),
          [
            Number(tr.querySelector('td.tree')?.getAttribute('data-value')),
            Number(tr.querySelector('td.dag')?.getAttribute('data-value')),
          ],
        ]),
      ),
    );
    // Counted by hand: the tree repeats w1, w2 and the constant 2; the DAG holds 2 variables, 4 constants, 10 ops.
    expect(sizes.f).toEqual([21, 16]);
    // mathjs's derivative() of the same expression, once per input, node counts summed.
    const tree = toMathjs(parse(LECTURE));
    const mathjsNodes = ['w1', 'w2']
      .map((v) => derivative(tree, v, { simplify: false }).filter(() => true).length)
      .reduce((s, n) => s + n, 0);
    expect(sizes.mathjs?.[0]).toBe(mathjsNodes);
    const graph = methods.symbolic.gradient(parse(LECTURE), [3, 4], { engine: 'graph' }).stats.details;
    expect(sizes.graph).toEqual([Number(graph.treeSize), graph.dagSize]);
    expect((sizes.graph?.[1] as number) < (sizes.mathjs?.[0] as number)).toBe(true);
  });

  test('typing a new function and point: the gradients match the closed form', async () => {
    await differentiate(page, errors, 'x^2 * sin(y) + exp(x*y)', 'x=0.5, y=1.5');
    const [x, y] = [0.5, 1.5];
    const exact = {
      x: 2 * x * Math.sin(y) + y * Math.exp(x * y),
      y: x * x * Math.cos(y) + x * Math.exp(x * y),
    };
    expect(Number(await page.getAttribute('#value', 'data-value'))).toBeCloseTo(
      x * x * Math.sin(y) + Math.exp(x * y),
      14,
    );
    const g = await gradients(page);
    for (const m of ['numeric', 'symbolic', 'forward', 'reverse']) {
      const tolerance = m === 'numeric' ? 1e-9 : 1e-15;
      for (const v of ['x', 'y'] as const) {
        const got = g[m]?.[v] as number;
        expect(Math.abs(got - exact[v]) / Math.abs(exact[v]), `${m} ∂f/∂${v}`).toBeLessThan(tolerance);
      }
    }
    const adjoints = await page.$$eval('#backward-sweep tr.input td[data-value]', (tds) =>
      tds.map((td) => Number(td.getAttribute('data-value'))),
    );
    expect(adjoints).toEqual([g.reverse?.x, g.reverse?.y]);
    await screenshot(page, 'site-typed');
    expect(errors).toEqual([]);
  });

  test('a syntax error is shown with its code and a caret, and the next good input clears it', async () => {
    await differentiate(page, errors, 'x + * 2', 'x=1');
    expect(await page.getAttribute('body', 'data-state')).toBe('error');
    expect(await page.isVisible('#error')).toBe(true);
    expect(await page.isVisible('#results')).toBe(false);
    const message = (await page.textContent('#error pre')) ?? '';
    expect(message).toMatch(/\[syntax\]/);
    expect(message).toContain('x + * 2\n    ^');
    await screenshot(page, 'site-error');

    await differentiate(page, errors, 'x^3', 'x=2');
    expect(await page.isVisible('#error')).toBe(false);
    expect((await gradients(page)).reverse).toEqual({ x: 12 });
  });

  test('a point that misses a variable says which', async () => {
    await differentiate(page, errors, 'x * y', 'x=1');
    expect(await page.textContent('#error pre')).toMatch(/no value for y/);
  });

  test('an example button: the kinks follow the documented conventions (relu′(0) = 0, abs′(0) = 0, max splits ties)', async () => {
    await page.evaluate(() => {
      document.body.dataset.state = 'typing';
    });
    await page.click('button.example:has-text("kinks")');
    await settled(page, errors);
    const g = await gradients(page);
    for (const m of ['symbolic', 'forward', 'reverse']) expect(g[m]).toEqual({ x: 0.5, y: 0.5 });
    expect(errors).toEqual([]);
  });
});
