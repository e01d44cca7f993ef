/**
 * `difflab gradbench run`, as a user runs it: a table of verdicts, and an exit status a script can gate on.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { difflab } from '../cli/support.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.json`, import.meta.url));

describe('difflab gradbench run', () => {
  it('exits 0 when every check passes, with a row per function', () => {
    const r = difflab(['gradbench', 'run', fixture('llsq')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/llsq\s+n=17,m=8\s+gradient\s+reverse\s+pass\s+pass/);
  });

  it('exits 1 when a function is refused or a check fails', () => {
    // Finite differences cannot run particle's nested modes: every function is refused.
    const r = difflab(['gradbench', 'run', '--method', 'numeric', fixture('particle')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAIL');
  });
});
