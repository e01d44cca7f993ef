/**
 * The built tool driven through real pipes, the way GradBench's intermediary drives it: one message line
 * at a time, one response line back, then end of input. Checks the protocol to the letter: ids, the fields
 * of each kind of response, timings as whole nanoseconds with one `evaluate` per run, nothing but JSON on
 * standard output, malformed messages answered without ending the session, and exit status 0.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from './support.js';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

type Json = Record<string, unknown>;

/** A session with a spawned tool: `send` writes one line and resolves with the one response line. */
function session(args: string[] = []) {
  if (!existsSync(main)) throw new Error('build first: npm run build (npm test does)');
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [main, 'gradbench', ...args]);
  const lines = createInterface({ input: child.stdout });
  const pending: ((line: string) => void)[] = [];
  const extra: string[] = [];
  lines.on('line', (line) => {
    const next = pending.shift();
    if (next) next(line);
    else extra.push(line);
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    async sendRaw(line: string): Promise<Json> {
      const response = new Promise<string>((resolve) => pending.push(resolve));
      child.stdin.write(`${line}\n`);
      const text = await response;
      expect(text.includes('\n')).toBe(false);
      return JSON.parse(text) as Json;
    },
    send(message: Json): Promise<Json> {
      return this.sendRaw(JSON.stringify(message));
    },
    async end(): Promise<{ code: number | null; extra: string[]; stderr: string }> {
      child.stdin.end();
      const code = await exited;
      return { code, extra, stderr };
    },
  };
}

let running: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  if (running && running.exitCode === null) running.kill();
});

function expectTimings(response: Json, runs: number, prepare: boolean) {
  const timings = response.timings as { name: string; nanoseconds: number }[];
  expect(Array.isArray(timings)).toBe(true);
  for (const t of timings) {
    expect(Object.keys(t).sort()).toEqual(['name', 'nanoseconds']);
    expect(typeof t.name).toBe('string');
    expect(Number.isSafeInteger(t.nanoseconds) && t.nanoseconds >= 0).toBe(true);
  }
  expect(timings.filter((t) => t.name === 'evaluate').length).toBe(runs);
  expect(timings.filter((t) => t.name === 'prepare').length).toBe(prepare ? 1 : 0);
}

describe('difflab gradbench over a real pipe', () => {
  it('plays an llsq session by the protocol and exits 0 at end of input', async () => {
    const s = session(['--method', 'reverse']);
    running = s.child;
    const llsq = fixture('llsq');
    const start = await s.send({ id: 0, kind: 'start', eval: 'llsq' });
    expect(start.id).toBe(0);
    expect(start.tool).toBe('difflab');
    expect(Object.keys(start).every((k) => ['id', 'tool', 'config'].includes(k))).toBe(true);
    expect(await s.send({ id: 1, kind: 'define', module: 'llsq' })).toEqual({ id: 1, success: true });

    let id = 2;
    for (const [i, round] of llsq.rounds.entries()) {
      const runs = 3;
      const input = { ...(round.input as Json), min_runs: runs, min_seconds: 0 };
      const r = await s.send({ id, kind: 'evaluate', module: 'llsq', function: round.function, input });
      expect(r.id).toBe(id);
      expect(r.success).toBe(true);
      expect('error' in r).toBe(false);
      expect(Object.keys(r).sort()).toEqual(['id', 'output', 'success', 'timings']);
      // The primal builds the program (prepare); the gradient of the same input reuses it.
      expectTimings(r, runs, i === 0);
      const expected = round.expected as number | number[];
      const got = r.output as number | number[];
      if (Array.isArray(expected)) {
        expect((got as number[]).length).toBe(expected.length);
        expected.forEach((e, k) => expect((got as number[])[k]).toBeCloseTo(e, 12));
      } else expect(got).toBeCloseTo(expected, 12);
      expect(await s.send({ id: id + 1, kind: 'analysis', of: id, valid: true })).toEqual({ id: id + 1 });
      id += 2;
    }
    const { code, extra } = await s.end();
    expect(extra).toEqual([]);
    expect(code).toBe(0);
  });

  it('with --backend compile, generates the code once per function in an untimed compile run', async () => {
    const s = session(['--backend', 'compile']);
    running = s.child;
    await s.send({ id: 0, kind: 'start' });
    await s.send({ id: 1, kind: 'define', module: 'llsq' });
    const reference = fixture('llsq');
    let id = 2;
    for (const [i, round] of reference.rounds.entries()) {
      const input = { ...(round.input as Json), min_runs: 2, min_seconds: 0 };
      const r = await s.send({ id, kind: 'evaluate', module: 'llsq', function: round.function, input });
      expectTimings(r, 2, i === 0);
      const names = (r.timings as { name: string }[]).map((t) => t.name);
      expect(names.filter((n) => n === 'compile').length).toBe(1);
      // The compile run comes before the timed runs.
      expect(names.indexOf('compile')).toBeLessThan(names.indexOf('evaluate'));
      const expected = round.expected as number | number[];
      const got = r.output as number | number[];
      if (Array.isArray(expected))
        expected.forEach((e, k) => expect((got as number[])[k]).toBeCloseTo(e, 12));
      else expect(got).toBeCloseTo(expected, 12);
      id++;
    }
    expect((await s.end()).code).toBe(0);
  });

  it('runs until both min_runs and min_seconds are met', async () => {
    const s = session();
    running = s.child;
    await s.send({ id: 0, kind: 'start' });
    await s.send({ id: 1, kind: 'define', module: 'lse' });
    const input = { ...(fixture('lse').rounds[0]?.input as Json), min_runs: 2, min_seconds: 0.05 };
    const r = await s.send({ id: 2, kind: 'evaluate', module: 'lse', function: 'primal', input });
    const runs = (r.timings as { name: string; nanoseconds: number }[]).filter((t) => t.name === 'evaluate');
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const total = runs.reduce((a, t) => a + t.nanoseconds, 0);
    expect(total).toBeGreaterThanOrEqual(0.05e9);
    // Stops as soon as both are met: without the last run, the sum was below min_seconds (or runs < 2).
    const last = runs[runs.length - 1]?.nanoseconds ?? 0;
    expect(runs.length === 2 || total - last < 0.05e9 + 1e3).toBe(true);
    expect((await s.end()).code).toBe(0);
  });

  it('answers malformed messages without crashing, and goes on', async () => {
    const s = session();
    running = s.child;
    expect(await s.sendRaw('this is not json')).toMatchObject({ id: null, success: false });
    expect(await s.sendRaw('[1, 2]')).toMatchObject({ id: null, success: false });
    expect(await s.send({ kind: 'start' })).toMatchObject({ id: null, success: false });
    expect(await s.send({ id: 7, kind: 'shutdown' })).toEqual({ id: 7 });
    expect(await s.send({ id: 8, kind: 'analysis', of: 3, valid: false, error: 'x' })).toEqual({ id: 8 });
    const undefinedModule = await s.send({ id: 9, kind: 'define', module: 'nope' });
    expect(undefinedModule).toMatchObject({ id: 9, success: false });
    expect(typeof undefinedModule.error).toBe('string');
    const bad = [
      { module: 'llsq', function: 'hessian', input: { x: [1], n: 3 } },
      { module: 'llsq', function: 'primal', input: { x: 'one', n: 3 } },
      { module: 'llsq', function: 'primal', input: { x: [1, 2] } },
      { module: 'llsq', function: 'primal', input: { x: [1], n: 3, min_runs: 0 } },
      { module: 'hello', function: 'square', input: 'two' },
      { module: 'det', function: 'primal', input: { A: [1, 2, 3], ell: 2 } },
      { module: 'det', function: 'primal', input: { A: [], ell: 20 } },
      { module: 'nope', function: 'primal', input: {} },
      { module: 'lse', function: 'primal' },
    ];
    let id = 10;
    for (const message of bad) {
      const r = await s.send({ id, kind: 'evaluate', ...message });
      expect(r.id).toBe(id);
      expect(r.success).toBe(false);
      expect(typeof r.error).toBe('string');
      expect('output' in r).toBe(false);
      id++;
    }
    // The session still works after all that.
    const ok = await s.send({ id, kind: 'evaluate', module: 'hello', function: 'square', input: 3 });
    expect(ok).toMatchObject({ id, success: true, output: 9 });
    const { code, extra } = await s.end();
    expect(extra).toEqual([]);
    expect(code).toBe(0);
  });

  it('answers a blank line with one error line, so the lockstep goes on', async () => {
    // The eval waits for one line per line it wrote: a blank line left unanswered would stall the session.
    const s = session();
    running = s.child;
    for (const blank of ['', '   ', '\t']) {
      const r = await s.sendRaw(blank);
      expect(r).toMatchObject({ id: null, success: false });
      expect(String(r.error)).toContain('empty line');
    }
    expect(await s.send({ id: 1, kind: 'start' })).toMatchObject({ id: 1, tool: 'difflab' });
    const { code, extra } = await s.end();
    expect(extra).toEqual([]);
    expect(code).toBe(0);
  });

  it('refuses what a method cannot do in reasonable time, quickly and with the reason', async () => {
    const s = session(['--method', 'forward']);
    running = s.child;
    await s.send({ id: 0, kind: 'start' });
    // gmm at d = 20, k = 25, n = 1000 (a default workload): 5,775 inputs times a large program.
    const d = 20;
    const k = 25;
    const n = 1000;
    // Distinct data (equal rows would be one subexpression after hash-consing): a small LCG.
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const row = (w: number, scale = 1) => Array.from({ length: w }, () => scale * random());
    const input = {
      d,
      k,
      n,
      x: Array.from({ length: n }, () => row(d)),
      alpha: row(k),
      mu: Array.from({ length: k }, () => row(d)),
      q: Array.from({ length: k }, () => row(d, 0.1)),
      l: Array.from({ length: k }, () => row((d * (d - 1)) / 2, 0.01)),
      m: 0,
      gamma: 1,
      min_runs: 1,
      min_seconds: 0,
    };
    const r = await s.send({ id: 1, kind: 'evaluate', module: 'gmm', function: 'jacobian', input });
    expect(r).toMatchObject({ id: 1, success: false });
    expect(String(r.error)).toMatch(/forward.*inputs/);
    const nested = session(['--method', 'numeric']);
    const refused = await nested.send({
      id: 0,
      kind: 'evaluate',
      module: 'particle',
      function: 'rr',
      input: { w: 0, min_runs: 1, min_seconds: 0 },
    });
    expect(refused).toMatchObject({ id: 0, success: false });
    expect((await nested.end()).code).toBe(0);
    expect((await s.end()).code).toBe(0);

    // With the compiled backend, the primal first (it builds and keeps the workload), then the derivative of
    // the same input: still refused, before the untimed compile run could start the work.
    const compiled = session(['--method', 'forward', '--backend', 'compile']);
    running = compiled.child;
    const primal = await compiled.send({
      id: 0,
      kind: 'evaluate',
      module: 'gmm',
      function: 'objective',
      input,
    });
    expect(primal).toMatchObject({ id: 0, success: true });
    const again = await compiled.send({
      id: 1,
      kind: 'evaluate',
      module: 'gmm',
      function: 'jacobian',
      input,
    });
    expect(again).toMatchObject({ id: 1, success: false });
    expect(String(again.error)).toMatch(/forward.*inputs/);
    expect((await compiled.end()).code).toBe(0);
  });

  it('refuses a workload whose data would not fit in memory, before allocating it', async () => {
    const s = session();
    running = s.child;
    // Four million observations: a program of 1.6·10⁷ nodes (within the limit), but their rows' argument ids and
    // the Jacobian's arrays would take about 2.2 GB.
    const input = { n: 1, m: 1, p: 4e6, cam: Array(11).fill(0.1), x: [1, 2, 3], w: 1, feat: [0.5, 0.5] };
    const r = await s.send({ id: 0, kind: 'evaluate', module: 'ba', function: 'objective', input });
    expect(r).toMatchObject({ id: 0, success: false });
    expect(String(r.error)).toMatch(/data would take about .* bytes/);
    expect((await s.end()).code).toBe(0);
  });
});
