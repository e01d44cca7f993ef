/**
 * Which modules a Node process loads: runs `node --import <hook> ...args` with a module hook that appends the
 * URL of every module it loads to a file, and returns those URLs. Shared by the start-up benchmark (to say what
 * each command loads) and by the test that checks `import 'difflab'` loads no drawing or Markdown package.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The hook: runs in the loader's thread, so it writes to a file named by the environment. */
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  const result = await next(url, context);
  appendFileSync(process.env.DIFFLAB_MODULE_LOG, url + '\\n');
  return result;
}`;

const REGISTER = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

export interface LoadedModules {
  status: number | null;
  stderr: string;
  /** Every module URL loaded, in load order. */
  urls: string[];
  /** The npm packages among them (`vega`, `@scope/name`), each once, in load order. */
  packages: string[];
}

/** Runs node with `args` (a script and its arguments, or `--input-type=module -e ...`) and logs its modules. */
export function loadedModules(args: readonly string[], cwd?: string): LoadedModules {
  const dir = mkdtempSync(join(tmpdir(), 'difflab-modules-'));
  const log = join(dir, 'modules.txt');
  try {
    const r = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, ...args],
      { encoding: 'utf8', cwd, env: { ...process.env, DIFFLAB_MODULE_LOG: log } },
    );
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      // Nothing was loaded through the hook (the process failed before its first import).
    }
    const urls = text.split('\n').filter((u) => u !== '');
    return { status: r.status, stderr: r.stderr, urls, packages: packagesOf(urls) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The package names in module URLs (the part after the last node_modules/), each once. difflab's
 * `ir/mathjs-bundle.cjs` counts as mathjs: it loads mathjs's single-file build by `require`, which the module
 * hook (ES modules only) does not see.
 */
export function packagesOf(urls: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const url of urls) {
    const m = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) seen.add(m[1] as string);
    else if (url.endsWith('/ir/mathjs-bundle.cjs')) seen.add('mathjs');
  }
  return [...seen];
}
