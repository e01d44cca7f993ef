/**
 * How the command line words an error of the system: what was being done (from the failed call's name), the
 * file when there is one, the reason and the code, from the errors Node itself raises.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { describeError } from '../../src/cli/errors.js';

function raised(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe.runIf(process.platform === 'linux')('errors of the system', () => {
  test('making a folder under a file: the verb, the path, the reason, the code', () => {
    const e = raised(() => mkdirSync('/dev/null/x'));
    expect(describeError(e)).toEqual({
      message: 'cannot make the folder /dev/null/x: not a directory [ENOTDIR]',
      usage: false,
    });
  });

  test('writing to a file opened for reading: no path is named where Node gives none', () => {
    const fd = openSync('/proc/version', 'r');
    const e = raised(() => writeSync(fd, 'x'));
    closeSync(fd);
    expect(describeError(e).message).toBe('cannot write: bad file descriptor [EBADF]');
  });
});
