import { SingleBar } from 'cli-progress';

/** One phase of a long command: its progress, then one line saying how it ended. */
export interface Phase {
  /** Progress so far (of the total given at the start); `detail` says what is being done. */
  update(value: number, detail?: string): void;
  /** Ends the phase with its result, e.g. "3600 ticks in 6 invocations". */
  done(summary: string): void;
  /** Ends the phase without a result line (it failed; the caller says why). */
  abort(): void;
}

export interface Progress {
  /** Starts a phase; with a total, a terminal shows a progress bar for it. */
  phase(name: string, total?: number): Phase;
  /** A line of its own, e.g. where the logs go. */
  note(text: string): void;
}

/**
 * Progress on a stream (stderr): on a terminal, a cli-progress bar per phase that ends as a ✔ line; elsewhere
 * (CI, a pipe, a file) only plain lines, one when a phase starts and one when it ends.
 */
export function createProgress(params: { stream: NodeJS.WriteStream; prefix?: string }): Progress {
  const { stream, prefix = '' } = params;
  const interactive = stream.isTTY === true;
  const write = (line: string) => stream.write(`${prefix}${line}\n`);
  return {
    note: write,
    phase(name, total) {
      const started = performance.now();
      const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
      if (!interactive || total === undefined) {
        write(`${name}…`);
        return {
          update: () => undefined,
          done: (summary) => write(`${interactive ? '✔ ' : ''}${name}: ${summary} (${elapsed()})`),
          abort: () => undefined,
        };
      }
      const bar = new SingleBar({
        stream,
        format: `${prefix}${name.padEnd(10)} {bar} {value}/{total} {detail}`,
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      });
      bar.start(total, 0, { detail: '' });
      let active = true;
      const stop = () => {
        if (active) bar.stop();
        active = false;
      };
      return {
        update: (value, detail = '') => bar.update(Math.min(value, total), { detail }),
        done: (summary) => {
          stop();
          write(`✔ ${name}: ${summary} (${elapsed()})`);
        },
        abort: stop,
      };
    },
  };
}
