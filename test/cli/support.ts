/** Runs the built `difflab` command in a subprocess, as a user would. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The command under test: the build in dist/, or another build's main.js (to run a test against an old one). */
export const main =
  process.env.DIFFLAB_MAIN ?? fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Runs the command; `timeout` (ms) kills it, leaving status null, so a hang fails a test instead of stalling it. */
export function difflab(args: string[], input?: string, timeout?: number) {
  if (!existsSync(main)) throw new Error('build first: npm run build (npm test does)');
  const r = spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    input,
    ...(timeout === undefined ? {} : { timeout }),
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
