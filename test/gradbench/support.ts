/** The public GradBench fixtures, kept beside the tests. */
import { readFileSync } from 'node:fs';
import { type Fixture, parseFixture } from '../../src/gradbench/index.js';

export const EVALS = [
  'hello',
  'llsq',
  'lse',
  'det',
  'ode',
  'kmeans',
  'gmm',
  'lstm',
  'ba',
  'particle',
  'saddle',
] as const;

/** A public fixture by eval name. */
export function fixture(name: string): Fixture {
  return parseFixture(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'), false);
}
