/**
 * The core runs unchanged in a browser: bundling src/index.ts for the browser platform (as the build does)
 * succeeds, and no module in it is a Node built-in or one of the parts allowed to touch them (src/cli, the
 * report's file writer). Biome's noNodejsModules rule says the same of each file in src/ as it is written.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, test } from 'vitest';
import { ROOT } from './support.js';

test('the library bundles for the browser with no Node built-ins and no file-writing modules', async () => {
  const result = await build({
    entryPoints: [join(ROOT, 'src', 'index.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((p) => p.startsWith('node:'))).toEqual([]);
  expect(
    inputs.filter((p) =>
      /^src\/(cli\/|report\/files\.ts|report\/sections\/native\/binaries\.ts|report\/sections\/peers\/read\.ts)/.test(
        p,
      ),
    ),
  ).toEqual([]);
  // The four methods, the IR, the workloads, the report sections and the displays are all inside.
  for (const folder of [
    'ir',
    'numeric',
    'symbolic',
    'forward',
    'reverse',
    'workloads',
    'report',
    'display',
  ]) {
    expect(
      inputs.some((p) => p.startsWith(`src/${folder}/`)),
      folder,
    ).toBe(true);
  }
  for (const dependency of ['mathjs', 'vega', 'vega-lite']) {
    expect(
      // Where node_modules is a link to a shared install, esbuild names its real path (../x/node_modules/...).
      inputs.some((p) => new RegExp(`(^|/)node_modules/${dependency}/`).test(p)),
      dependency,
    ).toBe(true);
  }
}, 60_000);
