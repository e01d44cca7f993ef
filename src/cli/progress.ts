/**
 * A progress bar on standard error (cli-progress), shown only when both standard error and standard output are
 * terminals and the output is not --json; and Ctrl-C handling that stops a run but keeps what it measured.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  update: (done: number, total: number, label: string) => void;
  stop: () => void;
}

export function progressBar(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY || !process.stdout.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar(
    {
      format: '{bar} {value}/{total} {label}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    undefined,
  );
  let started = false;
  return {
    update(done, total, label) {
      if (!started) {
        bar.start(total, done, { label });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { label });
      }
    },
    stop: () => started && bar.stop(),
  };
}

/** An AbortSignal that the first Ctrl-C fires (the run stops and writes what it has); a second one exits. */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onInt = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ndifflab: stopping; writing what was measured (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onInt);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onInt) };
}
