/**
 * How the command line reports an error: one line on standard error (a caret line under a parse error's
 * position), and whether it is a usage error (exit status 2) or any other (exit status 1). Kept apart from
 * the commands so that the entry point can report errors without loading them.
 */
import { DifflabError } from '../ir/errors.js';
import { OP_NAMES, OPS } from '../ir/ops.js';
import { closest } from '../suggest.js';

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
  // Any other error of the system (EIO reading /proc/self/mem, ENOTDIR making a folder, ...): what was being
  // done, to which file when there is one, the reason and the code.
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code) && typeof err.syscall === 'string') {
    const reason = err.message
      .replace(/^\w* ?E[A-Z]+: /, '')
      .replace(/, \w+( '.*')?$/, '')
      .replace(/ \S+$/, (tail) => (err.path !== undefined && tail.trim() === err.path ? '' : tail));
    const verb = SYSCALL_VERBS[err.syscall] ?? `${err.syscall} failed`;
    const on = err.path === undefined ? '' : ` ${err.path}`;
    return { message: `${verb}${on}: ${reason} [${err.code}]`, usage: false };
  }
  return { message: err instanceof Error ? err.message : String(e), usage: false };
}

/** What the command line was doing when a system call failed, by the call's name. */
const SYSCALL_VERBS: Record<string, string> = {
  open: 'cannot open',
  read: 'cannot read',
  write: 'cannot write',
  mkdir: 'cannot make the folder',
  scandir: 'cannot list',
  stat: 'cannot read',
  lstat: 'cannot read',
  unlink: 'cannot remove',
  rename: 'cannot rename',
  listen: 'cannot listen',
};

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
