/**
 * Presentation sits on top: no method, and not the API over them, imports presentation code (`src/display/`) or
 * the report; the notebook display is attached in the layer above (`src/display/results.ts`). Checked two ways:
 * in the sources (every import of the lower layers, static or dynamic), and in a fresh Node process that loads
 * the built `dist/api.js` and `dist/index.js` and lists the modules they load (run `npm run build` first).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadedModules } from '../../bench/startup-modules.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');
const DRAWING = ['vega', 'vega-lite', 'marked'];

/** The layers below presentation: the IR, the sweeps, the four methods and what is built on them alone. */
const LOWER = [
  'ir',
  'sweeps',
  'numeric',
  'symbolic',
  'forward',
  'reverse',
  'nested',
  'api.ts',
  'transforms.ts',
  'options.ts',
  'gradcheck.ts',
];

function sources(path: string): string[] {
  const full = join(SRC, path);
  if (path.endsWith('.ts')) return [full];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(full, f));
}

/** The module specifiers a source file imports, statically or by `import()`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(
    /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g,
  )) {
    found.push((m[1] ?? m[2]) as string);
  }
  return found;
}

describe('presentation on top', () => {
  test('no source of the IR, the methods or the API imports display/ or report/', () => {
    const offending: string[] = [];
    for (const file of LOWER.flatMap(sources)) {
      for (const spec of importsOf(file)) {
        if (/(^|\/)(display|report)\//.test(spec)) offending.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  test('the import scan sees imports (it finds the display modules that src/display/results.ts imports)', () => {
    expect(importsOf(join(SRC, 'display', 'results.ts'))).toEqual(
      expect.arrayContaining(['./mime.js', '../api.js']),
    );
  });

  test('loading dist/api.js loads no Vega, Vega-Lite or marked, and no presentation or report module', () => {
    const r = loadedModules(['--input-type=module', '-e', "await import('./dist/api.js');"], ROOT);
    expect(r.status, r.stderr).toBe(0);
    expect(r.urls.some((u) => u.endsWith('/dist/api.js'))).toBe(true);
    expect(r.packages.filter((p) => DRAWING.includes(p))).toEqual([]);
    expect(r.urls.filter((u) => /\/dist\/(display|report)\//.test(u))).toEqual([]);
  });

  test('loading dist/index.js and computing a displayable comparison loads no Vega, Vega-Lite or marked', () => {
    const script =
      "const { compare, parse, JUPYTER_DISPLAY } = await import('./dist/index.js');" +
      "const rows = compare(parse('x^2'), [3]);" +
      "if (typeof rows[JUPYTER_DISPLAY] !== 'function' || !String(rows).includes('reverse')) process.exit(3);";
    const r = loadedModules(['--input-type=module', '-e', script], ROOT);
    expect(r.status, r.stderr).toBe(0);
    expect(r.packages.filter((p) => DRAWING.includes(p))).toEqual([]);
  });
});
