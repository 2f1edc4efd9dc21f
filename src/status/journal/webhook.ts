import type { Clock } from '../../host/clock';
import type { HttpPoster, PostResult } from '../../host/http-poster';

export interface WebhookOptions {
  url: string;
  poster: HttpPoster;
  clock: Clock;
  /** Per attempt. Default 5 s. */
  timeoutMs?: number;
  /** Waits before the retries; their count is the number of retries. Default 1 s, 2 s, 4 s. */
  retryDelaysMs?: readonly number[];
  /** Entries waiting beyond this are dropped (and counted as failures). Default 100. */
  maxQueue?: number;
  /** An entry given up on (all attempts failed, or dropped): count it. */
  onFailure?: (problem: string) => void;
}

function problemOf(result: PostResult): string | null {
  if (result.kind === 'response') return result.status >= 200 && result.status < 300 ? null : `HTTP ${result.status}`;
  return result.kind === 'timed-out' ? 'timed out' : result.message;
}

/**
 * Delivers journal entries to `journal.webhook`, one at a time, in order, in the background:
 * `send` only queues (a pass never waits on the network). Each entry is tried once and retried
 * after each delay on a timeout, a connection failure or a non-2xx answer, then given up.
 */
export class Webhook {
  private readonly queue: string[] = [];
  private running: Promise<void> | null = null;
  private readonly timeoutMs: number;
  private readonly delays: readonly number[];
  private readonly maxQueue: number;
  /** Aborted by close(): the exchange in flight and the wait before a retry end at once. */
  private readonly closed = new AbortController();

  constructor(private readonly options: WebhookOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.delays = options.retryDelaysMs ?? [1000, 2000, 4000];
    this.maxQueue = options.maxQueue ?? 100;
  }

  /** Queue one JSON body; returns at once. */
  send(body: string): void {
    if (this.closed.signal.aborted) return;
    if (this.queue.length >= this.maxQueue) {
      this.options.onFailure?.(`queue full (${this.maxQueue} entries); entry dropped`);
      return;
    }
    this.queue.push(body);
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  /** Entries queued or in flight. */
  get pending(): number {
    return this.queue.length;
  }

  /** Wait until the queue is empty, at most `timeoutMs`; resolves true when it is. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (!this.running) return true;
    let cancel: () => void = () => undefined;
    const timedOut = new Promise<boolean>((resolve) => (cancel = this.options.clock.setTimer(() => resolve(false), timeoutMs)));
    const done = await Promise.race([this.running.then(() => true), timedOut]);
    cancel();
    return done;
  }

  /**
   * Give up on everything queued or in flight (counted as failures) and hold nothing open: the
   * request in flight is aborted, no retry is waited for. A one-off pass calls it when its flush
   * bound has passed, so a webhook that never answers cannot keep the process alive.
   */
  close(): void {
    if (this.closed.signal.aborted) return;
    const dropped = this.queue.length;
    this.queue.length = 0;
    this.closed.abort();
    for (let i = 0; i < dropped; i++) this.options.onFailure?.('closed before it was delivered; dropped');
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.closed.signal.aborted) {
      const body = this.queue[0] as string;
      await this.deliver(body);
      this.queue.shift();
    }
  }

  private async deliver(body: string): Promise<void> {
    let problem: string | null = null;
    for (let attempt = 0; attempt <= this.delays.length; attempt++) {
      if (attempt > 0 && !(await this.wait(this.delays[attempt - 1] as number))) return;
      problem = problemOf(await this.options.poster.postJson(this.options.url, body, { timeoutMs: this.timeoutMs, signal: this.closed.signal }));
      if (problem === null || this.closed.signal.aborted) return;
    }
    this.options.onFailure?.(`${problem} after ${this.delays.length + 1} attempts`);
  }

  /** Wait before a retry; false when closed meanwhile. */
  private wait(ms: number): Promise<boolean> {
    const signal = this.closed.signal;
    return new Promise<boolean>((resolve) => {
      const cancel = this.options.clock.setTimer(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = (): void => {
        cancel();
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
