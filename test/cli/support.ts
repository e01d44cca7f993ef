/** Runs the built `difflab` command in a subprocess, as a user would. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export function difflab(args: string[], input?: string) {
  if (!existsSync(main)) throw new Error('build first: npm run build (npm test does)');
  const r = spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
