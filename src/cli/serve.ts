/**
 * `difflab serve`: serves the interactive page (the package's site/ folder, which imports the browser bundle
 * dist/browser/difflab.js) on a local port, read-only. Nothing else of the package is served.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './common.js';

export interface ServeArgs {
  port: number;
  host: string;
}

/** The package root: dist/cli/serve.js → ../.. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The only folders served. */
const SERVED = ['/site/', '/dist/browser/'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** The file for a request path, or undefined when the path is outside the served folders. */
function fileFor(path: string): string | undefined {
  const clean = normalize(path).split(sep).join('/');
  if (!SERVED.some((prefix) => clean.startsWith(prefix))) return undefined;
  return join(ROOT, clean.endsWith('/') ? `${clean}index.html` : clean);
}

export async function handler(args: ServeArgs): Promise<void> {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${args.port}`);
  }
  // Node listens on every interface when given no host: an empty --host must not widen what is served.
  if (args.host.trim() === '') {
    throw new UsageError(
      "--host must name an address (127.0.0.1 serves this machine only; 0.0.0.0 every interface), got ''",
    );
  }
  const bundle = join(ROOT, 'dist', 'browser', 'difflab.js');
  if (!(await stat(bundle).catch(() => undefined))) {
    throw new Error('the browser bundle dist/browser/difflab.js is missing: run npm run build');
  }
  const server = createServer(async (req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (path === '/' || path === '/index.html') {
      res.writeHead(302, { location: '/site/' }).end();
      return;
    }
    const file = fileFor(path);
    const body = file === undefined ? undefined : await readFile(file).catch(() => undefined);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res
      .writeHead(200, {
        'content-type': TYPES[extname(file as string)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      })
      .end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `port ${args.port} is in use: choose another with --port`
            : `cannot listen on ${args.host}:${args.port}: ${e.message}`,
        ),
      );
    });
    server.listen(args.port, args.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  process.stdout.write(`difflab page at http://${host}:${port}/ (Ctrl-C stops)\n`);
}
