/**
 * Waiting in the demo: every pause, wait and host operation ends early when the demo stops
 * (Ctrl-C, an error), and shutdown can wait for the one host operation in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { readStatusJson, type StatusJson } from '../harness/status';
import type { FileWatcher, WatchEvent } from './file-watcher';

/** How long a correction may take before the demo calls it a failure. */
export const CORRECTION_TIMEOUT_MS = 10_000;

/** Thrown into pending waits when the demo is shutting down. */
export class Aborted extends Error {
  constructor() {
    super('demo stopping');
    this.name = 'Aborted';
  }
}

export class Waiter {
  private readonly abort = new AbortController();
  /** The host operation in progress (shutdown waits for it before cleaning up). */
  private inFlight: Promise<unknown> = Promise.resolve();

  get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  /** Ends every pending wait with {@link Aborted}. */
  stop(): void {
    this.abort.abort(new Aborted());
  }

  /** Resolves when the host operation in flight has finished, or after `limitMs`. */
  settled(limitMs: number): Promise<unknown> {
    return Promise.race([this.inFlight, sleep(limitMs)]);
  }

  /** Runs a host operation unless the demo is stopping; shutdown waits for the one in flight. */
  async act<T>(operation: () => Promise<T>): Promise<T> {
    if (this.stopping) throw new Aborted();
    const promise = operation();
    this.inFlight = promise.catch(() => undefined);
    const result = await promise;
    if (this.stopping) throw new Aborted();
    return result;
  }

  async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
    } catch {
      throw new Aborted();
    }
  }

  /** The first watched change after `afterSeq` that satisfies `match` (within the correction timeout). */
  async change(watcher: FileWatcher, what: string, match: (event: WatchEvent) => boolean, afterSeq: number): Promise<WatchEvent> {
    return watcher.waitFor(what, match, afterSeq, CORRECTION_TIMEOUT_MS, this.abort.signal).catch((error: unknown) => {
      throw this.stopping ? new Aborted() : error;
    });
  }

  /** Polls the status file until `match` holds. */
  async status(statusPath: string, what: string, match: (status: StatusJson) => boolean, timeoutMs = 5000): Promise<StatusJson> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await readStatusJson(statusPath);
      if (status && match(status)) return status;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await this.pause(50);
    }
  }
}
