/**
 * Browser tests' helpers: a tiny static file server on 127.0.0.1 and an ephemeral port (serving the package
 * root, so pages import dist/browser/difflab.js as a web page would), and headless Chromium driven by
 * playwright-core. The browser is the system's Chromium (never a downloaded one). Without it, the tests fail
 * when CI is set and are skipped with a message otherwise.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** The package root (two folders up from here). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where screenshots go (ignored by git and Biome). */
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
export const BUNDLE = join(ROOT, 'dist', 'browser', 'difflab.js');

/** The Chromium binary: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or undefined when they can. In CI a missing browser or bundle is a
 * failure, not a skip.
 */
export function browserMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) {
    return `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  }
  if (!existsSync(BUNDLE)) return 'no browser bundle at dist/browser/difflab.js (npm run build)';
  return undefined;
}

/** Fails in CI, warns and returns true (skip) elsewhere, when the browser tests cannot run. */
export function skipBrowserTests(): boolean {
  const missing = browserMissing();
  if (missing === undefined) return false;
  if (process.env.CI) throw new Error(`browser tests cannot run in CI: ${missing}`);
  console.warn(`skipping the browser tests: ${missing}`);
  return true;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Serves the files under `root` on 127.0.0.1 at an ephemeral port; `/` redirects to `index`. */
export async function serveStatic(
  root: string,
  index = '/site/',
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path === '/') {
      res.writeHead(302, { location: index }).end();
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A headless Chromium with a fresh profile; `close()` also removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'difflab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Collects a page's uncaught errors and console errors, so a test can assert there were none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
  });
  return errors;
}

/** Saves a full-page screenshot as test-artifacts/browser/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Waits for the page to say it is done, failing fast on an uncaught error. */
export async function settled(page: Page, errors: string[], timeout = 30_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (errors.length > 0) throw new Error(errors.join('\n'));
    const state = await page.getAttribute('body', 'data-state');
    if (state === 'done' || state === 'error') return;
    if (Date.now() - start > timeout) throw new Error(`the page did not finish within ${timeout} ms`);
    await page.waitForTimeout(50);
  }
}

/** A page of this repository served on loopback and opened in Chromium, settled; `close` ends both. */
export interface OpenPage {
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

/** Serves the repository, launches Chromium, opens `path` and waits for the page to settle. */
export async function openPage(path: string): Promise<OpenPage> {
  const server = await serveStatic(ROOT);
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const errors = collectErrors(page);
  await page.goto(`${server.url}${path}`);
  await settled(page, errors);
  return {
    page,
    errors,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
