/**
 * How the command line reports an error: one line on standard error (a caret line under a parse error's
 * position), and whether it is a usage error (exit status 2) or any other (exit status 1). Kept apart from
 * the commands so that the entry point can report errors without loading them.
 */
import { DifflabError } from '../ir/errors.js';
import { OP_NAMES, OPS } from '../ir/ops.js';

/** A usage error: exit status 2. */
export class UsageError extends Error {}

/**
 * The one line (plus a caret line for parse errors) printed for an error, and whether it is a usage error: a
 * command line the commands cannot read (an unknown option, a bad flag value, a point missing a value). An
 * expression the library refuses, or a file that cannot be read, is an error of the run: exit status 1.
 */
export function describeError(e: unknown): { message: string; usage: boolean } {
  if (e instanceof UsageError) return { message: e.message, usage: true };
  // yargs wraps what a flag's check throws (and its own complaints) in a YError: the command line is at fault.
  if (e instanceof Error && e.name === 'YError') return { message: e.message, usage: true };
  if (e instanceof DifflabError) {
    const caret = e.caret();
    const hint = e.code === 'unknown-function' ? didYouMean(e.message) : '';
    return { message: `${e.message}${hint} [${e.code}]${caret ? `\n${caret}` : ''}`, usage: false };
  }
  const err = e as NodeJS.ErrnoException;
  const path = err?.path ?? 'file';
  if (err?.code === 'ENOENT') return { message: `cannot read ${path}: no such file`, usage: false };
  if (err?.code === 'EISDIR') return { message: `cannot read ${path}: it is a folder`, usage: false };
  if (err?.code === 'EACCES') return { message: `cannot open ${path}: permission denied`, usage: false };
  return { message: err instanceof Error ? err.message : String(e), usage: false };
}

/** The function names an expression may call: the op table's names and their mathjs spellings. */
function functionNames(): string[] {
  const names = new Set<string>();
  for (const name of OP_NAMES) {
    if (/^[a-z]/.test(name)) names.add(name);
    const spelled = OPS[name].mathjs;
    if (spelled !== null && /^[a-z]/i.test(spelled)) names.add(spelled);
  }
  return [...names];
}

/** ` (did you mean 'sin'?)` for the closest known function name to the unknown one in `message`, or ''. */
function didYouMean(message: string): string {
  const name = /unknown function '([^']+)'/.exec(message)?.[1];
  if (name === undefined) return '';
  const best = closest(name, functionNames());
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

/** The candidate nearest `word` by edit distance, if it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // Two edits at most, and fewer than half the word: 'sinn' → 'sin', but 'foo' suggests nothing.
  return bestDistance <= Math.min(2, Math.floor(word.length / 2)) ? best : undefined;
}

/** Levenshtein distance, by one row of the table at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(
        Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + cost),
      );
    }
    previous = row;
  }
  return previous[b.length] as number;
}
