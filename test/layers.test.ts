/**
 * The layers' dependency line (docs/how-it-works.md, "Layers"): `ir` ← `sweeps` ← the four methods ← the rest.
 * Read from the sources: every relative import, static or by `import()`, resolved to the file it names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const METHODS = ['numeric', 'symbolic', 'forward', 'reverse'];

/** Every source file, as a path relative to src/ ('ir/ops.ts'). */
function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split('\\').join('/'));
}

/** The files under src/ that `text`, the source of `file`, imports by a relative specifier. */
function importedFiles(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(
    /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)|(?:^|\n)\s*import\s*'(\.[^']+)'/g,
  )) {
    const spec = (m[1] ?? m[2] ?? m[3]) as string;
    const target = relative(SRC, resolve(dirname(join(SRC, file)), spec))
      .split('\\')
      .join('/');
    found.push(target.replace(/\.js$/, '.ts'));
  }
  return found;
}

/** The top folder (or file) of a path relative to src/: 'ir', 'sweeps', 'api.ts'. */
const layerOf = (path: string) => path.split('/')[0] as string;

/** Every import that breaks a rule, as 'file imports target'. */
function violations(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    for (const target of importedFiles(file, text)) {
      const to = layerOf(target);
      const bad =
        // The IR imports nothing outside itself: not the sweeps, not the methods.
        (from === 'ir' && to !== 'ir') ||
        // The sweeps import only the IR.
        (from === 'sweeps' && to !== 'sweeps' && to !== 'ir') ||
        // The four method folders never import each other.
        (METHODS.includes(from) && METHODS.includes(to) && from !== to) ||
        // Outside forward/ and reverse/, their internals only through their index.
        ((to === 'forward' || to === 'reverse') && from !== to && target !== `${to}/index.ts`);
      if (bad) found.push(`${file} imports ${target}`);
    }
  }
  return found;
}

function readSources(): Map<string, string> {
  return new Map(sourceFiles().map((f) => [f, readFileSync(join(SRC, f), 'utf8')]));
}

describe('layers', () => {
  test('ir ← sweeps ← methods: no import breaks the line', () => {
    expect(violations(readSources())).toEqual([]);
  });

  test('the scan sees imports: the sweeps import the IR, and the methods the sweeps', () => {
    const files = readSources();
    const targets = (file: string) => importedFiles(file, files.get(file) as string).map(layerOf);
    expect(targets('sweeps/interpret/primal.ts')).toContain('ir');
    expect(targets('reverse/sweeps.ts')).toContain('sweeps');
    expect(targets('forward/index.ts')).toContain('sweeps');
  });

  test('each rule catches an import that breaks it', () => {
    const bad: [string, string][] = [
      ['ir/ops.ts', "import { sweepsFor } from '../sweeps/index.js';"],
      ['ir/graph.ts', "const m = await import('../reverse/index.js');"],
      ['sweeps/backend.ts', "import { forward } from '../forward/index.js';"],
      ['forward/index.ts', "import { reverse } from '../reverse/index.js';"],
      ['mixed/index.ts', "import { hvp } from '../reverse/hessian.js';"],
      ['sparse/compressed.ts', "export { traceForward } from '../forward/trace.js';"],
      ['sweeps/index.ts', "import '../reverse/index.js';"],
    ];
    for (const [file, line] of bad) {
      expect(violations(new Map([[file, line]])), `${file}: ${line}`).toHaveLength(1);
    }
    expect(violations(new Map([['mixed/index.ts', "import { hvp } from '../reverse/index.js';"]]))).toEqual(
      [],
    );
  });
});
