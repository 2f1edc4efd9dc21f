import { readStatusFile, type StatusRead } from '../status/status-file';
import type { FileSystem } from '../host/file-system';
import { statusReport } from './status-command';

/** How often the status file is read for changes while watching. */
const POLL_MS = 250;
/** On a terminal: cursor home, clear the screen. */
const CLEAR = '\x1b[H\x1b[2J';

export interface WatchOptions {
  files: FileSystem;
  statusFile: string;
  /** Redraw at least this often, so that "ago" and staleness move on. */
  intervalMs: number;
  out: { write(text: string): unknown; isTTY?: boolean };
  /** Resolves when the watch should end (Ctrl-C). */
  stop: Promise<void>;
  now?: () => number;
}

const sameRead = (a: StatusRead, b: StatusRead): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * `reconcile status --watch`: the report, redrawn whenever the status file changes (read every
 * 250 ms) and at least every `intervalMs`, until `stop` resolves. On a terminal each drawing
 * replaces the last; elsewhere they follow each other, each after a line with the time.
 */
export async function watchStatus(options: WatchOptions): Promise<void> {
  const now = options.now ?? Date.now;
  let stopped = false;
  void options.stop.then(() => (stopped = true));
  let shown: StatusRead | null = null;
  let drawnAt = 0;
  while (!stopped) {
    const read = await readStatusFile(options.files, options.statusFile);
    if (shown === null || !sameRead(read, shown) || now() - drawnAt >= options.intervalMs) {
      const report = statusReport(read, now(), false).stdout;
      options.out.write(options.out.isTTY ? `${CLEAR}${report}` : `--- ${new Date(now()).toISOString()}\n${report}`);
      [shown, drawnAt] = [read, now()];
    }
    await Promise.race([options.stop, new Promise((resolve) => setTimeout(resolve, POLL_MS))]);
  }
}
