/**
 * The peer benchmark's command line: an output folder and options, checked, into {@link PeerOptions}.
 */
import { parseArgs } from 'node:util';
import { DifflabError } from '../../src/index.js';
import { checkK, PEER_WORKLOADS, type PeerWorkload } from './contender.js';
import { CONTENDERS, DEFAULT_SIZES, type PeerOptions } from './run.js';

/** The folder written when none is given. */
export const DEFAULT_OUT = 'difflab-report/peers';

const QUICK_SIZES = [10, 1_000, 10_000];

function list(text: string, what: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new DifflabError('invalid-argument', `--${what}: empty entry in '${text}'`);
  return items;
}

function positive(text: string, what: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) {
    throw new DifflabError('invalid-argument', `--${what} must be a positive number, got '${text}'`);
  }
  return v;
}

function sizes(text: string, what: string): number[] {
  return list(text, what).map((s) => {
    const K = Number(s);
    checkK(K);
    return K;
  });
}

/** The output folder and options from the command line; a bad argument is an `invalid-argument` error. */
export function parseCommandLine(args: readonly string[]): { out: string; options: PeerOptions } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (e) {
    throw new DifflabError('invalid-argument', e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new DifflabError('invalid-argument', `one output folder at most, got ${positionals.join(' ')}`);
  }
  const options: PeerOptions = {};
  if (values.quick) {
    options.sizes = QUICK_SIZES;
    options.timing = { timeMs: 50, warmupMs: 10 };
  }
  if (values.sizes !== undefined) options.sizes = sizes(values.sizes, 'sizes');
  if (values.headline !== undefined) {
    const K = Number(values.headline);
    checkK(K);
    options.headlineK = K;
  }
  if (values.workloads !== undefined) {
    const ws = list(values.workloads, 'workloads');
    for (const w of ws) {
      if (!(PEER_WORKLOADS as readonly string[]).includes(w)) {
        throw new DifflabError(
          'invalid-argument',
          `unknown workload '${w}' (use ${PEER_WORKLOADS.join(', ')})`,
        );
      }
    }
    options.workloads = ws as PeerWorkload[];
  }
  if (values.contenders !== undefined) {
    const ids = CONTENDERS.map((c) => c.id);
    const cs = list(values.contenders, 'contenders');
    for (const c of cs) {
      if (!ids.includes(c))
        throw new DifflabError('invalid-argument', `unknown contender '${c}' (use ${ids.join(', ')})`);
    }
    options.contenders = cs;
  }
  if (values.budget !== undefined) options.callBudgetMs = positive(values.budget, 'budget');
  if (values.time !== undefined)
    options.timing = { ...options.timing, timeMs: positive(values.time, 'time') };
  if (options.headlineK !== undefined && !(options.sizes ?? DEFAULT_SIZES).includes(options.headlineK)) {
    throw new DifflabError('invalid-argument', `--headline ${options.headlineK} is not one of the sizes`);
  }
  return { out: positionals[0] ?? DEFAULT_OUT, options };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      sizes: { type: 'string' },
      headline: { type: 'string' },
      workloads: { type: 'string' },
      contenders: { type: 'string' },
      budget: { type: 'string' },
      time: { type: 'string' },
      quick: { type: 'boolean' },
    },
  });
}
