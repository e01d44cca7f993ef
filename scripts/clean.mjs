#!/usr/bin/env node
/**
 * Removes a build's output folder before the build, so that a module moved or deleted in src/ leaves no stale
 * compiled copy behind in dist/, which the package ships.
 *
 * Usage: node scripts/clean.mjs <folder>...   (folders relative to the project root)
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const folder of process.argv.slice(2)) rmSync(join(root, folder), { recursive: true, force: true });
