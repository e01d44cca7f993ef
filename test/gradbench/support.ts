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

/** One workload of ht's compact fixture: the model's vertex data, the correspondences and the C++ outputs. */
interface HtFixtureWorkload {
  description: string;
  theta: number[];
  us: number[][];
  correspondences: number[];
  points: number[][];
  base_positions: number[][];
  weights: number[][];
  triangles: number[][];
  objective: number[];
  jacobian: number[][];
}

/**
 * ht's fixture: GradBench's four data sets (simple and complicated, small and big model), the first 10
 * correspondences of hand1 with only the vertices they use, and GradBench's C++ reference outputs. Stored
 * compactly (the bones once) and expanded here into the public fixture format.
 */
export function htFixture(): Fixture {
  const text = readFileSync(new URL('./fixtures/ht.json', import.meta.url), 'utf8');
  const { bones, workloads } = JSON.parse(text) as {
    bones: Record<string, unknown>;
    workloads: HtFixtureWorkload[];
  };
  const rounds = workloads.flatMap((w) => {
    const input = {
      theta: w.theta,
      us: w.us,
      data: {
        model: { ...bones, base_positions: w.base_positions, weights: w.weights, triangles: w.triangles },
        correspondences: w.correspondences,
        points: w.points,
      },
      min_runs: 1,
      min_seconds: 0,
    };
    return [
      { function: 'objective', description: w.description, input, expected: w.objective },
      { function: 'jacobian', description: w.description, input, expected: w.jacobian },
    ];
  });
  return { eval: 'ht', module: 'ht', rounds };
}
