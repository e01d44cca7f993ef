/** `--sizes`: read as positive integers, smallest first and each once, since a budget stops growing a size. */
import { describe, expect, test } from 'vitest';
import { parseSizes } from '../../src/cli/options.js';

describe('--sizes', () => {
  test('sorted ascending and without repeats, so a budget never drops a smaller size given later', () => {
    expect(parseSizes('4096, 8,64,8')).toEqual([8, 64, 4096]);
    expect(parseSizes('')).toBeUndefined();
    expect(parseSizes(undefined)).toBeUndefined();
  });

  test('anything but positive integers is a usage error naming the text', () => {
    expect(() => parseSizes('8,-1')).toThrow(/--sizes: expected positive integers .* got 8,-1/);
    expect(() => parseSizes('1.5')).toThrow(/--sizes/);
  });
});
