import { readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readStatusJson, type StatusJson } from '../../harness/status';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The drop-in the controller writes when in sync. */
export const dropInText = (port: number | string): string => `[Socket]\nListenStream=\nListenStream=${port}\n`;

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Resolves with `performance.now()` at the first moment `file` holds exactly `expected`, or null
 * after `timeoutMs`. Detection: fs.watch on the file's directory (renames and writes) plus a
 * 2 ms poll as a safety net; the content is re-read at every wake-up.
 */
export function whenContent(file: string, expected: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (at: number | null): void => {
      if (done) return;
      done = true;
      watcher.close();
      clearInterval(poll);
      clearTimeout(timer);
      resolve(at);
    };
    const check = (): void => {
      if (!done && readOrNull(file) === expected) finish(performance.now());
    };
    const watcher = watch(dirname(file), check);
    watcher.on('error', () => undefined);
    const poll = setInterval(check, 2);
    const timer = setTimeout(() => finish(null), timeoutMs);
    check();
  });
}

/** Replaces `file` by rename (write `<file>.dpkg-new`, then rename over it), as dpkg and many editors do. */
export function replaceByRename(file: string, text: string): void {
  const staged = `${file}.dpkg-new`;
  writeFileSync(staged, text);
  renameSync(staged, file);
}

/** Reads a file, '' when it is missing. */
export function readText(file: string): string {
  return readOrNull(file) ?? '';
}

/**
 * Waits until the controller is quiet: `stats.passes` and `lastPass.finishedAt` unchanged for
 * `quietMs` (polled every 20 ms). Resolves with the last status read.
 */
export async function waitSettled(statusPath: string, quietMs = 300, timeoutMs = 20_000): Promise<StatusJson> {
  const deadline = Date.now() + timeoutMs;
  let lastKey = '';
  let since = Date.now();
  for (;;) {
    const status = await readStatusJson(statusPath);
    const key = status ? `${status.stats.passes}|${status.lastPass?.finishedAt ?? ''}` : '';
    const now = Date.now();
    if (key !== lastKey) {
      lastKey = key;
      since = now;
    } else if (status && now - since >= quietMs) {
      return status;
    }
    if (now > deadline) throw new Error(`controller did not settle within ${timeoutMs} ms (status: ${key || 'missing'})`);
    await sleep(20);
  }
}

/** Polls `check` every `everyMs` until truthy; resolves true, or false on timeout. */
export async function pollUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
