/**
 * PyTorch (eager mode, CPU, float64, one thread) on the peer workloads, in a Python child process that speaks
 * the line protocol of `pytorch.py` (next to this file in `bench/peers/`). The child is started once, on first
 * use, so torch is imported once per run; the runner closes it at the end (and it exits by itself when its
 * standard input closes, should Node go first). Two contenders share it:
 * - `pytorch`: the workloads as tensor expressions of one float64 tensor w, `torch.autograd.grad(f(w), w)`;
 * - `pytorch-scalar`: the same functions built by Python loops over a list of K 0-dim tensors, one torch op per
 *   scalar operation, `torch.autograd.grad(loss, leaves)`.
 *
 * Timing: JavaScript cannot wait for another process synchronously, so these contenders are not timed around
 * `run()`. Their `Prepared.remote` asks the child for n calls back to back, which it times with
 * `time.perf_counter`; each call ends with the gradient computed as a tensor (a tuple of 0-dim tensors for the
 * scalar form). The round trip between the processes, one per batch of calls, and the reading of the answer
 * into JavaScript (only when it is checked) are outside the measured interval, unlike for the peers in this
 * process, whose calls include reading the gradient back into a typed array.
 *
 * The interpreter is `DIFFLAB_PYTHON` when set, else `/usr/bin/python3` (Debian's PyTorch is installed for
 * the system Python, not for a pyenv `python3` on the PATH). Without a Python that can import torch, both
 * contenders report themselves unavailable and the run goes on without them.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logregData, ridgeData } from '../../src/workloads/index.js';
import {
  type Availability,
  type Contender,
  checkK,
  type PeerWorkload,
  type Prepared,
  workloadOf,
} from './contender.js';

/** The interpreter used when `DIFFLAB_PYTHON` is not set. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** How long torch may take to import before the child is given up on, ms. */
const START_TIMEOUT_MS = 120_000;

/** How long the child may take to exit once its input is closed, ms, before it is killed. */
const CLOSE_TIMEOUT_MS = 5_000;

/** The Python interpreter to run: `DIFFLAB_PYTHON`, or {@link DEFAULT_PYTHON}. */
export function pythonCommand(): string {
  const env = process.env.DIFFLAB_PYTHON;
  return env === undefined || env === '' ? DEFAULT_PYTHON : env;
}

/**
 * `bench/peers/pytorch.py`: next to this file when it runs from source, or in the repository's `bench/peers`
 * when it runs compiled from `build/bench/peers` (tsc does not copy it).
 */
export function scriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'pytorch.py'),
    resolve(here, '..', '..', '..', 'bench', 'peers', 'pytorch.py'),
  ];
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

/** Float64s as base64 of their little-endian bytes (exact, NaN and infinities included). */
function encode(values: ArrayLike<number>): string {
  const bytes = Buffer.from(Float64Array.from(values).buffer);
  if (endianness() === 'BE') bytes.swap64();
  return bytes.toString('base64');
}

/** The inverse of {@link encode}. */
function decode(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0) throw new Error(`PyTorch: an answer of ${bytes.length} bytes is not float64s`);
  if (endianness() === 'BE') bytes.swap64();
  const out = new Float64Array(bytes.length / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** A line from the child (see pytorch.py). */
interface Reply {
  seq?: number | null;
  error?: string;
  ready?: boolean;
  unavailable?: string;
  torch?: string;
  python?: string;
  id?: number;
  seconds?: number;
  answer?: string;
}

/** `ref()`/`unref()` of a child's pipe (a `net.Socket` at run time). */
function setRef(stream: unknown, on: boolean): void {
  const s = stream as { ref?: () => void; unref?: () => void };
  if (on) s.ref?.();
  else s.unref?.();
}

/**
 * The Python child and its requests. While a request is waiting for its reply the child keeps Node alive;
 * when none is, it does not (so a forgotten close cannot hang the process).
 */
class TorchProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private buffer = '';
  private stderr = '';
  private hello: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private gone: Error | undefined;
  private readonly exited: Promise<void>;
  /** torch's and Python's versions, as the child reported them. */
  versions: { torch: string; python: string } = { torch: 'unknown', python: 'unknown' };

  private constructor(
    readonly python: string,
    script: string,
  ) {
    this.child = spawn(python, [script], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.read(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-2_000);
    });
    // A write after the child died fails here, and its requests fail on 'exit' below.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((done) => {
      this.child.on('error', (e) => {
        this.end(new Error(`cannot start ${python}: ${e.message}`));
        done();
      });
      // 'close', not 'exit': by then everything the child wrote has been read (an `unavailable` line).
      this.child.on('close', (code, signal) => {
        const tail = this.stderr.trim().split('\n').at(-1);
        const how = signal === null ? `with code ${code}` : `on ${signal}`;
        this.end(new Error(`${python} exited ${how}${tail ? `: ${tail}` : ''}`));
        done();
      });
    });
  }

  /** Starts the child and waits for torch to be imported: the process, or why it cannot run. */
  static async start(python: string, script: string): Promise<TorchProcess | string> {
    if (!existsSync(script)) return `${script} is missing`;
    const p = new TorchProcess(python, script);
    const timer = setTimeout(() => {
      p.hello?.reject(new Error(`${python} did not import torch within ${START_TIMEOUT_MS / 1000} s`));
      p.child.kill();
    }, START_TIMEOUT_MS);
    try {
      const hello = await new Promise<Reply>((resolve, reject) => {
        p.hello = { resolve, reject };
      });
      if (hello.unavailable !== undefined) {
        await p.close();
        return `${python} ${hello.unavailable}`;
      }
      p.versions = { torch: hello.torch ?? 'unknown', python: hello.python ?? 'unknown' };
      p.idle();
      return p;
    } catch (e) {
      p.child.kill();
      return e instanceof Error ? e.message : String(e);
    } finally {
      clearTimeout(timer);
      p.hello = undefined;
    }
  }

  /** Sends one request and waits for its reply; a reply with `error` rejects. */
  request(message: Record<string, unknown>): Promise<Reply> {
    if (this.gone !== undefined) return Promise.reject(this.gone);
    const seq = ++this.seq;
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(seq, { resolve, reject }));
    this.busy();
    this.child.stdin.write(`${JSON.stringify({ seq, ...message })}\n`);
    return reply;
  }

  /** Closes the child's input (it exits when its input ends) and waits for it to exit; kills it if it hangs. */
  async close(): Promise<void> {
    if (this.gone === undefined) {
      this.busy();
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line !== '') this.dispatch(line);
    }
  }

  private dispatch(line: string): void {
    let reply: Reply;
    try {
      reply = JSON.parse(line) as Reply;
    } catch {
      this.end(new Error(`${this.python} wrote a line that is not JSON: ${line.slice(0, 200)}`));
      this.child.kill();
      return;
    }
    if (this.hello !== undefined) {
      this.hello.resolve(reply);
      return;
    }
    const seq = reply.seq ?? undefined;
    const waiting = seq === undefined ? undefined : this.pending.get(seq);
    if (seq === undefined || waiting === undefined) return;
    this.pending.delete(seq);
    if (this.pending.size === 0) this.idle();
    if (reply.error !== undefined) waiting.reject(new Error(`PyTorch: ${reply.error}`));
    else waiting.resolve(reply);
  }

  /** The child is gone: every request waiting (and any to come) fails with `why`. */
  private end(why: Error): void {
    this.gone ??= why;
    this.hello?.reject(why);
    for (const p of this.pending.values()) p.reject(why);
    this.pending.clear();
  }

  /** Keeps Node alive while a reply is awaited. */
  private busy(): void {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) setRef(s, true);
  }

  /** Lets Node exit while nothing is awaited. */
  private idle(): void {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) setRef(s, false);
  }
}

let torch: Promise<TorchProcess | string> | undefined;

/** The child process, started on first use; or why it cannot run. */
function torchProcess(): Promise<TorchProcess | string> {
  torch ??= TorchProcess.start(pythonCommand(), scriptPath());
  return torch;
}

/** Whether PyTorch can run here, and its version (starts the child if it is not running). */
export async function pytorchAvailability(): Promise<Availability> {
  const t = await torchProcess();
  if (typeof t === 'string') {
    return { available: false, reason: `${t} (set DIFFLAB_PYTHON to a Python that has PyTorch)` };
  }
  return { available: true, packages: { torch: t.versions.torch, python: t.versions.python } };
}

/** Stops the child process, if one is running; the next use starts a new one. */
export async function closePytorch(): Promise<void> {
  const t = torch;
  torch = undefined;
  const p = t === undefined ? undefined : await t;
  if (p !== undefined && typeof p !== 'string') await p.close();
}

/** What the child needs to set a workload up at K: the point and the workload's data, float64s in base64. */
function dataOf(workload: PeerWorkload, K: number): Record<string, unknown> {
  const point = encode(workloadOf(workload).point(K));
  switch (workload) {
    case 'ridge': {
      const { x, y, lambda } = ridgeData(K);
      return { point, x: encode(x), y, lambda };
    }
    case 'rosenbrock':
    case 'product':
      return { point };
    case 'logreg': {
      const { X, y } = logregData(K);
      const n = K - 1;
      const flat = new Float64Array(X.length * n);
      X.forEach((row, i) => {
        flat.set(row, i * n);
      });
      return { point, X: encode(flat), y: Array.from(y) };
    }
  }
}

/** The two ways PyTorch computes the gradient (see the module's comment). */
export type PytorchMode = 'vectorised' | 'scalar';

/** PyTorch's gradient of a workload at its point, in the child process, checked and timed through `remote`. */
export async function pytorchGradient(
  mode: PytorchMode,
  workload: PeerWorkload,
  K: number,
): Promise<Prepared> {
  checkK(K);
  const t = await torchProcess();
  if (typeof t === 'string') throw new Error(`PyTorch is not available: ${t}`);
  const { id } = await t.request({ prepare: { workload, K, mode, data: dataOf(workload, K) } });
  let disposed = false;
  return {
    run() {
      throw new Error('PyTorch runs in a child process: it is checked and timed through `remote`');
    },
    remote: {
      async answer() {
        const r = await t.request({ run: 1, id, answer: true });
        if (r.answer === undefined || r.seconds === undefined)
          throw new Error('PyTorch: no answer in the reply');
        return { answer: decode(r.answer), ms: r.seconds * 1000 };
      },
      async timed(n) {
        const r = await t.request({ run: n, id });
        if (r.seconds === undefined) throw new Error('PyTorch: no time in the reply');
        return r.seconds * 1000;
      },
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      // Nothing waits for it: the tensors go with the child at the latest.
      t.request({ dispose: id }).catch(() => {});
    },
  };
}

/** PyTorch, vectorised: tensor expressions, `torch.autograd.grad`, float64, one thread. */
export const pytorchContender: Contender = {
  id: 'pytorch',
  label: 'PyTorch 1.13 (vectorised)',
  computes: 'gradient',
  precision: 'float64',
  growth: 1,
  prepare: (workload, K) => pytorchGradient('vectorised', workload, K),
  availability: pytorchAvailability,
  close: closePytorch,
};

/**
 * PyTorch, one op per scalar: the loss built from K 0-dim tensors by Python loops, so every scalar operation
 * is a torch op with its autograd node (the way a scalar reverse-mode tape works, at PyTorch's cost per op).
 */
export const pytorchScalarContender: Contender = {
  id: 'pytorch-scalar',
  label: 'PyTorch 1.13, one op per scalar',
  computes: 'gradient',
  precision: 'float64',
  growth: 1,
  prepare: (workload, K) => pytorchGradient('scalar', workload, K),
  availability: pytorchAvailability,
  close: closePytorch,
};
