/**
 * GradBench's repetition fields and malformed messages, through `GradbenchTool.handle` (the function the
 * command line runs on every message line): every message gets exactly one JSON answer line with its id, and
 * repetitions past the limits get a `budget` answer before any work (`min_runs: 1e15` used to fill memory and
 * abort the process; `min_seconds: 1e9` never answered).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, GradbenchTool } from '../../src/gradbench/index.js';

type Answer = Record<string, unknown> & { timings?: { name: string; nanoseconds: number }[] };

/** The one answer line to `line`, parsed. */
function answer(tool: GradbenchTool, line: string): Answer {
  const text = tool.handle(line);
  expect(text.includes('\n')).toBe(false);
  return JSON.parse(text) as Answer;
}

const llsq = (extra: Record<string, unknown>) =>
  JSON.stringify({
    id: 4,
    kind: 'evaluate',
    module: 'llsq',
    function: 'primal',
    input: { x: [0.5, -0.25], n: 3, ...extra },
  });

describe('repetitions within limits', () => {
  it('min_runs past the limit is refused with a budget error naming it, before any run', () => {
    const tool = new GradbenchTool({ limits: { ...DEFAULT_LIMITS, runs: 50 } });
    const r = answer(tool, llsq({ min_runs: 1000, min_seconds: 0 }));
    expect(r).toMatchObject({ id: 4, success: false });
    expect(String(r.error)).toMatch(/min_runs.*limit of 50 runs.*\[budget\]/);
    // At the limit it runs, one evaluate timing per run.
    const ok = answer(tool, llsq({ min_runs: 50, min_seconds: 0 }));
    expect(ok.success).toBe(true);
    expect(ok.timings?.filter((t) => t.name === 'evaluate')).toHaveLength(50);
  });

  it('min_runs: 1e15 and min_seconds: 1e9 are answered at once with the default limits', () => {
    const tool = new GradbenchTool();
    for (const extra of [
      { min_runs: 1e15, min_seconds: 0 },
      { min_runs: 1, min_seconds: 1e9 },
    ]) {
      const r = answer(tool, llsq(extra));
      expect(r).toMatchObject({ id: 4, success: false });
      expect(String(r.error)).toMatch(/over the limit.*\[budget\]/);
    }
    expect(DEFAULT_LIMITS.seconds).toBe(600);
  });

  it('min_seconds that would take more runs than the limit stops at the limit with a budget error', () => {
    // An llsq primal of 3 terms takes microseconds: 10 runs are far short of 0.5 s.
    const tool = new GradbenchTool({ limits: { ...DEFAULT_LIMITS, runs: 10 } });
    const r = answer(tool, llsq({ min_runs: 1, min_seconds: 0.5 }));
    expect(r).toMatchObject({ id: 4, success: false });
    expect(String(r.error)).toMatch(/more than the limit of 10 runs.*\[budget\]/);
  });
});

describe('one answer line per message, malformed ones included', () => {
  const lines: [string, unknown][] = [
    ['not json', null],
    ['', null],
    ['null', null],
    ['"evaluate"', null],
    ['[{"id": 1}]', null],
    ['{"kind": "start"}', null],
    ['{"id": 1}', 1],
    ['{"id": "a", "kind": "define"}', 'a'],
    ['{"id": 2, "kind": "define", "module": "__proto__"}', 2],
    ['{"id": 3, "kind": "evaluate"}', 3],
    ['{"id": 4, "kind": "evaluate", "module": "constructor", "function": "cost", "input": {}}', 4],
    ['{"id": 5, "kind": "evaluate", "module": "llsq", "function": "toString", "input": {}}', 5],
    ['{"id": 6, "kind": "evaluate", "module": "llsq", "function": "primal", "input": null}', 6],
    [llsq({ min_runs: '1' }).replace('"id":4', '"id":7'), 7],
    [llsq({ min_runs: 1.5 }).replace('"id":4', '"id":8'), 8],
    [llsq({ min_runs: -1 }).replace('"id":4', '"id":9'), 9],
    [llsq({ min_seconds: -1 }).replace('"id":4', '"id":10'), 10],
    // JSON.parse reads 1e400 as Infinity.
    [
      llsq({ min_seconds: 1 }).replace('"min_seconds":1', '"min_seconds":1e400').replace('"id":4', '"id":11'),
      11,
    ],
    [llsq({ min_runs: 1 }).replace('"min_runs":1', '"min_runs":1e400').replace('"id":4', '"id":12'), 12],
    [
      '{"id": {"nested": [1]}, "kind": "evaluate", "module": "hello", "function": "square", "input": []}',
      { nested: [1] },
    ],
  ];
  for (const [line, id] of lines) {
    it(`${line.slice(0, 90) || '(empty)'}`, () => {
      const r = answer(new GradbenchTool(), line);
      expect(r.id).toEqual(id);
      if (line.includes('"evaluate"') || id === null) {
        expect(r.success).toBe(false);
        expect(typeof r.error).toBe('string');
      }
    });
  }
});

describe('repetitions within GradBench’s time for one answer', () => {
  it('min_runs that would run past `seconds` at the pace of the first runs is refused with a budget error', () => {
    // 100,000 runs of llsq's primal take well over a millisecond (about 100 ns each at the very least).
    const tool = new GradbenchTool({ limits: { ...DEFAULT_LIMITS, seconds: 0.001 } });
    const r = answer(tool, llsq({ min_runs: 100_000, min_seconds: 0 }));
    expect(r).toMatchObject({ id: 4, success: false });
    expect(String(r.error)).toMatch(/min_runs: 100000 runs would take longer than 0\.001 s.*\[budget\]/);
  });
});

describe('ids are echoed as written', () => {
  it('an integer id past 2^53 comes back with its own digits, not the nearest double', () => {
    const tool = new GradbenchTool();
    // 2^53 + 1 parses to 2^53: echoed from the double, the answer would name another message.
    const big = '9007199254740993';
    const cases = [
      `{"id":${big},"kind":"start"}`,
      `{"kind":"define","module":"llsq", "id" : ${big}}`,
      `{"id":1,"kind":"define","module":"llsq","input":{"id":5},"id":${big}}`,
      `{"kind":"evaluate","note":"\\"id\\":1","module":"llsq","function":"primal","input":{"x":[0.5],"n":3},"id":-${big}}`,
    ];
    for (const line of cases) {
      const text = tool.handle(line);
      const sign = line.includes(`-${big}`) ? '-' : '';
      expect(text.startsWith(`{"id":${sign}${big},`) || text === `{"id":${sign}${big}}`, text).toBe(true);
      // The rest of the answer is what the parsed message gets.
      const rest = JSON.parse(text) as Answer;
      expect(rest.success ?? true, text).toBe(true);
    }
    // Ids a double holds exactly are echoed as JSON.stringify writes them.
    expect(tool.handle('{"id":12,"kind":"shutdown"}')).toBe('{"id":12}');
  });
});
