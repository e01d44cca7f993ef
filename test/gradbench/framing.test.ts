/**
 * `difflab gradbench` frames messages as GradBench does: one message per line ending in a line feed (a CRLF's
 * carriage return dropped), so that every message gets exactly one answer line, whatever bytes it holds.
 */
import { describe, expect, it } from 'vitest';
import { difflab } from '../cli/support.js';

/** The answer lines, parsed. */
function answers(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('difflab gradbench: one answer line per message line', () => {
  it('a carriage return inside a message is JSON whitespace, not a line break', () => {
    const r = difflab(['gradbench'], '{"id":7,\r"kind":"start"}\n', 30_000);
    expect(r.status).toBe(0);
    expect(answers(r.stdout)).toEqual([
      { id: 7, tool: 'difflab', config: { method: 'reverse', backend: 'interpret' } },
    ]);
  });

  it('binary garbage with carriage returns gets one error answer per line', () => {
    const garbage = ['\x01\r\x02\r\r\xff', 'a\rb', '\r'];
    const r = difflab(['gradbench'], `${garbage.join('\n')}\n`, 30_000);
    expect(r.status).toBe(0);
    const a = answers(r.stdout);
    expect(a).toHaveLength(garbage.length);
    for (const line of a) expect(line).toMatchObject({ id: null, success: false });
  });

  it('CRLF line ends and a last line without one are still one message each', () => {
    const r = difflab(['gradbench'], '{"id":1,"kind":"start"}\r\n{"id":2,"kind":"start"}', 30_000);
    expect(r.status).toBe(0);
    expect(answers(r.stdout).map((a) => a.id)).toEqual([1, 2]);
  });
});

describe('messageLines', () => {
  it('splits at line feeds across chunks, and a line past the limit yields its length, not its text', async () => {
    const { Readable } = await import('node:stream');
    const { messageLines } = await import('../../src/cli/gradbench.js');
    const input = Readable.from([
      Buffer.from('ab'),
      Buffer.from('c\r\n0123456'),
      Buffer.from('789\nxy\rz\n'),
    ]);
    const lines: unknown[] = [];
    for await (const line of messageLines(input, 5)) lines.push(line);
    expect(lines).toEqual(['abc', { tooLong: 10 }, 'xy\rz']);
  });
});
