import type { Clock } from '../host/clock';
import type { Trigger } from '../sources/trigger';
import { backoffDelay, type BackoffPolicy } from './backoff';
import type { PassResult } from './outcome';

/** What the loop asks for: which triggers caused the pass, and (for retries) which resources. */
export interface PassRequest {
  triggers: string[];
  /** Only these resources (a retry of failing ones); undefined = all. */
  only?: ReadonlySet<string>;
}

/** Per-resource retry state, shown in the status file. */
export interface RetryState {
  consecutiveFailures: number;
  nextRetryAt: number | null;
}

export interface LoopOptions {
  clock: Clock;
  debounceMs: number;
  maxDebounceMs: number;
  backoff: BackoffPolicy;
  random?: () => number;
  /** Runs one pass. `retry` is the state before it. */
  pass: (request: PassRequest, retry: ReadonlyMap<string, RetryState>) => Promise<PassResult>;
  /** After a pass, with the retry state it led to (write the status here). */
  afterPass?: (result: PassResult, retry: ReadonlyMap<string, RetryState>) => Promise<void> | void;
  /** Called when a pass throws (a bug, not a resource failure). */
  onPassError?: (error: unknown) => void;
}

/**
 * The controller's loop (controller-runtime's workqueue, for one host):
 * - leading edge: the first trigger after the loop has been quiet (no trigger, no pass) for at
 *   least `debounceMs` starts a pass at once;
 * - any other trigger only marks work as pending; bursts coalesce into one pass after
 *   `debounceMs` of quiet, but never later than `maxDebounceMs` after the first pending trigger;
 * - never two passes at once; triggers during a pass cause exactly one more pass after it;
 * - failing resources are retried with exponential backoff and jitter; any other trigger
 *   reconciles everything at once, whatever the backoff.
 */
export class ReconcileLoop {
  private readonly random: () => number;
  private pendingTriggers = new Set<string>();
  private pendingAll = false;
  private pendingOnly = new Set<string>();
  private firstPendingAt: number | null = null;
  /** The last trigger or the end of the last pass, whichever is later. */
  private lastActivityAt: number | null = null;
  private cancelDebounce: (() => void) | null = null;
  private cancelRetry: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly retry = new Map<string, RetryState>();

  constructor(private readonly options: LoopOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Mark work as pending. */
  trigger(trigger: Trigger): void {
    if (this.stopped) return;
    const now = this.options.clock.now();
    const quiet = !this.running && !this.hasPending() && (this.lastActivityAt === null || now - this.lastActivityAt >= this.options.debounceMs);
    this.lastActivityAt = now;
    this.pendingTriggers.add(trigger.source);
    if (trigger.only) for (const name of trigger.only) this.pendingOnly.add(name);
    else this.pendingAll = true;
    // Counted from the first trigger, even one that arrives during a pass.
    this.firstPendingAt ??= now;
    if (!quiet) {
      this.schedule();
      return;
    }
    // At once, but after the current job: events delivered together join this pass.
    this.cancelDebounce?.();
    this.cancelDebounce = this.options.clock.setTimer(() => this.start(), 0);
  }

  /** Retry state per resource (read-only view). */
  retryState(): ReadonlyMap<string, RetryState> {
    return this.retry;
  }

  /** Whether a pass is running now. */
  get busy(): boolean {
    return this.running !== null;
  }

  /**
   * Stop taking triggers and wait for the pass in progress, at most `timeoutMs`.
   * Resolves true when no pass is left running.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopped = true;
    this.cancelDebounce?.();
    this.cancelRetry?.();
    if (!this.running) return true;
    let cancel: () => void = () => undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      cancel = this.options.clock.setTimer(() => resolve(false), timeoutMs);
    });
    const finished = await Promise.race([this.running.then(() => true), timedOut]);
    cancel();
    return finished;
  }

  private hasPending(): boolean {
    return this.pendingAll || this.pendingOnly.size > 0;
  }

  private schedule(): void {
    if (this.stopped || this.running || !this.hasPending()) return;
    const now = this.options.clock.now();
    this.firstPendingAt ??= now;
    const due = Math.min(now + this.options.debounceMs, this.firstPendingAt + this.options.maxDebounceMs);
    this.cancelDebounce?.();
    this.cancelDebounce = this.options.clock.setTimer(() => this.start(), Math.max(0, due - now));
  }

  private start(): void {
    this.cancelDebounce = null;
    if (this.stopped || this.running) return;
    const request: PassRequest = {
      triggers: [...this.pendingTriggers].sort(),
      ...(this.pendingAll ? {} : { only: new Set(this.pendingOnly) }),
    };
    this.pendingTriggers = new Set();
    this.pendingAll = false;
    this.pendingOnly = new Set();
    this.firstPendingAt = null;
    this.running = this.execute(request).finally(() => {
      this.running = null;
      // A pass's own writes are seen right after it: they coalesce like a burst.
      this.lastActivityAt = this.options.clock.now();
      this.schedule();
    });
  }

  private async execute(request: PassRequest): Promise<void> {
    let result: PassResult;
    try {
      result = await this.options.pass(request, this.retry);
    } catch (error) {
      this.options.onPassError?.(error);
      this.armRetry(); // keep retrying what was failing; a bug in one pass must not stop retries
      return;
    }
    const now = this.options.clock.now();
    for (const outcome of result.resources) {
      if (!outcome.failed) {
        this.retry.set(outcome.name, { consecutiveFailures: 0, nextRetryAt: null });
        continue;
      }
      const failures = (this.retry.get(outcome.name)?.consecutiveFailures ?? 0) + 1;
      this.retry.set(outcome.name, { consecutiveFailures: failures, nextRetryAt: now + backoffDelay(failures, this.options.backoff, this.random) });
    }
    // A resource the pass no longer reports (removed by a configuration reload) is forgotten;
    // otherwise its past-due retry would fire again and again.
    const reported = new Set(result.resources.map((o) => o.name));
    for (const name of request.only ?? [...this.retry.keys()]) if (!reported.has(name)) this.retry.delete(name);
    this.armRetry();
    try {
      await this.options.afterPass?.(result, this.retry);
    } catch (error) {
      this.options.onPassError?.(error);
    }
  }

  /** One timer for the earliest due retry; when it fires, the due resources are reconciled. */
  private armRetry(): void {
    this.cancelRetry?.();
    this.cancelRetry = null;
    const due = [...this.retry.values()].map((r) => r.nextRetryAt).filter((t): t is number => t !== null);
    if (due.length === 0 || this.stopped) return;
    const at = Math.min(...due);
    this.cancelRetry = this.options.clock.setTimer(() => {
      this.cancelRetry = null;
      const now = this.options.clock.now();
      const names = [...this.retry].filter(([, r]) => r.nextRetryAt !== null && r.nextRetryAt <= now).map(([n]) => n);
      if (names.length > 0) this.trigger({ source: 'retry', only: names });
      else this.armRetry();
    }, Math.max(0, at - this.options.clock.now()));
  }
}
