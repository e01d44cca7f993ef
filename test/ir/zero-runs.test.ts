/**
 * The recording driver's zeroing of a row's adjoints (src/sweeps/compiled/loop.ts): runs of adjoints to zero that
 * are a few held operation nodes apart are zeroed in one statement (acrossHeld), never across inputs (a captured
 * value's adjoint may stay in the array across rows). The gradients this gives are checked to the bit against the
 * interpreter by gmm-dots-fuzz.test.ts and loops.test.ts, whose gmm-shaped bodies have such gaps.
 */
import { expect, it } from 'vitest';
import { acrossHeld } from '../../src/sweeps/compiled/loop.js';

const runs = (...pairs: number[]) => Int32Array.from(pairs);

it('joins runs whose gap is a few operation nodes, as one [start, end) run', () => {
  // Three runs one node apart, the last two 16 apart: all operation nodes (opStart 10).
  expect([...acrossHeld(runs(20, 42, 43, 65, 81, 90), 10)]).toEqual([20, 90]);
});

it('keeps runs apart across a gap longer than 16 nodes', () => {
  expect([...acrossHeld(runs(20, 30, 47, 50), 10)]).toEqual([20, 30, 47, 50]);
});

it('never joins across inputs (a gap that starts before opStart)', () => {
  // The gap [5, 8) holds inputs 5–7 (captured values whose adjoints are summed in place): left alone.
  expect([...acrossHeld(runs(0, 5, 8, 12, 13, 20), 8)]).toEqual([0, 5, 8, 20]);
});

it('leaves no runs and one run as they are', () => {
  expect([...acrossHeld(runs(), 0)]).toEqual([]);
  expect([...acrossHeld(runs(3, 9), 0)]).toEqual([3, 9]);
});
