#!/usr/bin/env node
/**
 * Builds the browser bundle: the whole library (src/index.ts, with mathjs, Vega and Vega-Lite inside) as one
 * minified ES module, dist/browser/difflab.js, with its source map. esbuild bundles for the browser platform,
 * so a `node:` import anywhere in the library fails the build. Prints the bundle's size, raw and gzipped.
 *
 * Usage: node scripts/build-browser.mjs
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'browser', 'difflab.js');

await mkdir(dirname(outfile), { recursive: true });
const result = await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});

const builtins = Object.keys(result.metafile.inputs).filter((p) => p.startsWith('node:'));
if (builtins.length > 0) {
  console.error(`the browser bundle must not import Node built-ins: ${builtins.join(', ')}`);
  process.exit(1);
}

const code = await readFile(outfile);
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(
  `dist/browser/difflab.js: ${kib(code.length)} (${kib(gzipSync(code).length)} gzipped), ` +
    `${Object.keys(result.metafile.inputs).length} modules`,
);
