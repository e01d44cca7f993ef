/**
 * What start-up loads: the library and the command line load only what they use. Vega and Vega-Lite load when
 * a chart is drawn, marked when HTML is written, mathjs when an expression is parsed. Start-up time itself is
 * measured by `npm run bench:startup`, not asserted here.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadedModules } from '../../bench/startup-modules.js';
import { main } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRAWING = ['vega', 'vega-lite', 'marked'];

/** The packages among `names` that a node process run with `args` loads. */
function loads(args: readonly string[], names: readonly string[]): string[] {
  const r = loadedModules(args, ROOT);
  expect(r.status, r.stderr).toBe(0);
  return r.packages.filter((p) => names.includes(p));
}

describe('the module graph at start-up', () => {
  test("import { gradient } from 'difflab' (the built dist/index.js) loads no Vega, Vega-Lite, marked or tinybench", () => {
    const script = "import { gradient, parse } from 'difflab'; gradient(parse('x^2'), [3]);";
    expect(loads(['--input-type=module', '-e', script], [...DRAWING, 'mathjs', 'tinybench'])).toEqual([
      'mathjs',
    ]);
  });

  test('difflab --help loads neither mathjs nor the drawing packages, nor any of the methods', () => {
    const r = loadedModules([main, '--help'], ROOT);
    expect(r.status).toBe(0);
    expect(r.packages.filter((p) => [...DRAWING, 'mathjs', 'tinybench', 'cli-progress'].includes(p))).toEqual(
      [],
    );
    const own = r.urls.filter((u) => u.includes('/dist/') && !u.includes('/node_modules/'));
    // The entry point, the commands' options and the few small modules they name: nothing else of difflab.
    const allowed = new Set([
      'cli/main.js',
      'cli/commands.js',
      'cli/errors.js',
      'cli/options.js',
      'ir/errors.js',
      'ir/ops.js',
      'ir/domain.js',
      'ir/differentiator.js',
      'numeric/options.js',
      'suggest.js',
    ]);
    expect(own.map((u) => u.replace(/.*\/dist\//, '')).filter((m) => !allowed.has(m))).toEqual([]);
  });

  test('difflab grad loads mathjs (to parse) and no drawing package; a chart draws with Vega when asked', () => {
    expect(loads([main, 'grad', 'x^2', '--at', 'x=3'], [...DRAWING, 'mathjs'])).toEqual(['mathjs']);
    const script =
      "import { renderSvg, VEGA_LITE_SCHEMA } from 'difflab';" +
      "const svg = await renderSvg({ $schema: VEGA_LITE_SCHEMA, data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } });" +
      "if (!svg.startsWith('<svg')) process.exit(3);";
    expect(loads(['--input-type=module', '-e', script], ['vega', 'vega-lite'])).toEqual([
      'vega',
      'vega-lite',
    ]);
  });
});
