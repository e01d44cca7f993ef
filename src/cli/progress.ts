/**
 * Progress on standard error. On a terminal (and not with --json), a bar (cli-progress) with the step, the
 * elapsed time and an estimate of the time left; a report also prints one line as each section ends. When
 * standard error is not a terminal (a log, CI), a report prints one line per stage instead: each section's
 * start, and its end with its elapsed time. And Ctrl-C handling that stops a run but keeps what it measured.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  update: (done: number, total: number, label: string) => void;
  stop: () => void;
}

/** A section-by-section progress: a bar within each section, and the section's start and end. */
export interface StageProgress extends Progress {
  start: (section: string, index: number, count: number) => void;
  end: (section: string, ms: number, measured: boolean) => void;
}

/** `12.3 s`, `4 min 05 s`. */
export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - 60 * m)).padStart(2, '0')} s`;
}

/** A bar on a terminal: step, elapsed time, estimated time left (once a total is known), label. */
function terminalBar(): Progress {
  const bar = new SingleBar(
    {
      format: '{bar} {value}/{total} | {duration_formatted} elapsed | ETA {eta_formatted} | {label}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    undefined,
  );
  let started = false;
  return {
    update(done, total, label) {
      if (!started) {
        bar.start(Math.max(total, done), done, { label });
        started = true;
      } else {
        bar.setTotal(Math.max(total, done));
        bar.update(done, { label });
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

const silent: Progress = { update: () => {}, stop: () => {} };

/** The bar of a one-section command (bench, swell): shown only on terminals and without --json. */
export function progressBar(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY || !process.stdout.isTTY) return silent;
  return terminalBar();
}

/**
 * The progress of a run of sections. On a terminal: a bar per section (hidden with --json, whose output is
 * read by programs) and a line as each ends. Elsewhere: a line per stage, with or without --json (they go to
 * standard error).
 */
export function stageProgress(
  json: boolean,
  write = (line: string) => process.stderr.write(line),
): StageProgress {
  const tty = process.stderr.isTTY === true;
  const bar = tty && !json && process.stdout.isTTY ? terminalBar() : silent;
  const t0 = performance.now();
  let tag = '';
  let name = '';
  return {
    start(section, index, count) {
      name = section;
      tag = `[${index + 1}/${count}] ${section}`;
      if (!tty) write(`difflab report: ${tag}: started\n`);
    },
    // Some sections start their labels with their own name: it is in the tag already.
    update: (done, total, label) =>
      bar.update(
        done,
        total,
        `${tag}: ${label.startsWith(`${name} `) ? label.slice(name.length + 1) : label}`,
      ),
    end(section, ms, measured) {
      bar.stop();
      const what = measured ? `done in ${formatElapsed(ms)}` : 'nothing to measure';
      if (!tty || !json)
        write(
          `difflab report: ${tag || section}: ${what} (${formatElapsed(performance.now() - t0)} in all)\n`,
        );
    },
    stop: () => bar.stop(),
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
