import type { Clock } from '../host/clock';
import type { Trigger } from '../triggers/trigger';
import { backoffDelay, type BackoffPolicy } from './backoff';
import { boundedPass } from './bounded-pass';
import { FlapDetector } from './flapping';
import { PassAbandonedError, passResultOf, type PassResult } from './outcome';
import { retryAfter, type RetryState } from './retry-state';

export { PassAbandonedError };

/** What the loop asks for: which triggers caused the pass, and (for retries) which resources. */
export interface PassRequest {
  triggers: string[];
  /** Only these resources (a retry of failing ones); undefined = all. */
  only?: ReadonlySet<string>;
  /** Resources held back (Flapping, until their retry is due); not reconciled by this pass. */
  skip?: ReadonlySet<string>;
  /** Aborted when the pass is abandoned (it ran longer than `passTimeoutMs`, or shutdown). */
  signal: AbortSignal;
}

export type { RetryState };

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
  /** A pass still running after this long is abandoned (its signal aborted), reported and retried. */
  passTimeoutMs?: number;
  /** Called when a pass was abandoned after `passTimeoutMs`. */
  onPassAbandoned?: (request: PassRequest, timeoutMs: number) => void;
  /** Flapping detection; the default policy when absent. */
  flapping?: FlapDetector;
  /** The containers a resource's desired value comes from: one of them becoming ready releases its hold. */
  sourceContainers?: (resource: string) => readonly string[];
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
  /** Flapping resources: held out of passes until then (their retry). */
  private readonly held = new Map<string, number>();
  private readonly flapping: FlapDetector;
  private current: AbortController | null = null;
  private readonly unsettled = new Set<Promise<void>>();
  private abandoned = 0;

  constructor(private readonly options: LoopOptions) {
    this.random = options.random ?? Math.random;
    this.flapping = options.flapping ?? new FlapDetector();
  }

  /** Mark work as pending. */
  trigger(trigger: Trigger): void {
    if (this.stopped) return;
    const ready = trigger.ready;
    if (ready !== undefined) for (const name of [...this.held.keys()]) if (this.options.sourceContainers?.(name).includes(ready)) this.release(name);
    const now = this.options.clock.now();
    const quiet = !this.running && !this.hasPending() && (this.lastActivityAt === null || now - this.lastActivityAt >= this.options.debounceMs);
    this.lastActivityAt = now;
    this.pendingTriggers.add(trigger.kind);
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
    const finished = await this.waitRunning(this.running, timeoutMs);
    // Left running: kill what it runs (commands get the signal); it stops at its next step.
    if (!finished) this.current?.abort(new PassAbandonedError('shutdown', timeoutMs));
    return finished;
  }

  /** Wait at most `ms` for the pass in progress and every abandoned one still going; true when none is left. */
  async settled(ms: number): Promise<boolean> {
    const left = [...this.unsettled, ...(this.running ? [this.running] : [])];
    return left.length === 0 || this.waitRunning(Promise.all(left).then(() => undefined), ms);
  }

  private async waitRunning(running: Promise<void>, ms: number): Promise<boolean> {
    let cancel: () => void = () => undefined;
    const late = new Promise<boolean>((resolve) => (cancel = this.options.clock.setTimer(() => resolve(false), ms)));
    const done = await Promise.race([running.then(() => true), late]);
    cancel();
    return done;
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
    const now = this.options.clock.now();
    for (const [name, until] of this.held) if (until <= now) this.held.delete(name);
    const controller = new AbortController();
    const request: PassRequest = {
      triggers: [...this.pendingTriggers].sort(),
      ...(this.pendingAll ? {} : { only: new Set(this.pendingOnly) }),
      ...(this.held.size > 0 ? { skip: new Set(this.held.keys()) } : {}),
      signal: controller.signal,
    };
    this.pendingTriggers = new Set();
    this.pendingAll = false;
    this.pendingOnly = new Set();
    this.firstPendingAt = null;
    this.current = controller;
    this.running = this.execute(request, controller).finally(() => {
      this.running = null;
      this.current = null;
      // A pass's own writes are seen right after it: they coalesce like a burst.
      this.lastActivityAt = this.options.clock.now();
      this.schedule();
    });
  }

  private async execute(request: PassRequest, controller: AbortController): Promise<void> {
    let result: PassResult;
    try {
      result = await boundedPass(this.options.pass(request, this.retry), this.options.passTimeoutMs, this.options.clock, controller, this.unsettled);
    } catch (error) {
      if (error instanceof PassAbandonedError && error.why === 'timeout') {
        // Reported, then the same work again after a backoff (the abandoned pass stops at its next step).
        this.abandoned++;
        this.options.onPassAbandoned?.(request, this.options.passTimeoutMs ?? 0);
        const again = request.only ? { only: [...request.only] } : {};
        this.options.clock.setTimer(() => this.trigger({ kind: 'retry', ...again }), backoffDelay(this.abandoned, this.options.backoff, this.random));
      } else if (!controller.signal.aborted) {
        this.options.onPassError?.(error);
      }
      this.armRetry(); // keep retrying what was failing; a bug in one pass must not stop retries
      return;
    }
    this.abandoned = 0;
    const now = this.options.clock.now();
    result.resources = result.resources.map((o) => this.flapping.observe(o, now));
    result.result = passResultOf(result.resources);
    for (const outcome of result.resources) {
      const next = retryAfter(outcome, this.retry.get(outcome.name), now, this.options.backoff, this.random);
      this.retry.set(outcome.name, next.state);
      if (next.holdUntil !== null) this.held.set(outcome.name, next.holdUntil);
    }
    // A resource the pass no longer reports (removed by a configuration reload) is forgotten;
    // otherwise its past-due retry would fire again and again. Held ones were skipped on purpose.
    const reported = new Set(result.resources.map((o) => o.name));
    for (const name of request.only ?? [...this.retry.keys()]) {
      if (!reported.has(name) && !request.skip?.has(name)) {
        this.retry.delete(name);
        this.flapping.forget(name);
      }
    }
    // A held resource whose desired value changed (the user set a new one) is reconciled at once.
    const released = [...(result.heldDesired ?? [])].filter(([name, desired]) => this.flapping.desiredChanged(name, desired)).map(([name]) => name);
    released.forEach((name) => this.release(name));
    if (released.length > 0) this.trigger({ kind: 'retry', detail: 'new desired value', only: released });
    this.armRetry();
    try {
      await this.options.afterPass?.(result, this.retry);
    } catch (error) {
      this.options.onPassError?.(error);
    }
  }

  /** End a Flapping hold: the resource takes part in passes again, its count and backoff start over. */
  private release(name: string): void {
    this.held.delete(name);
    this.retry.delete(name);
    this.flapping.forget(name);
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
      if (names.length > 0) this.trigger({ kind: 'retry', only: names });
      else this.armRetry();
    }, Math.max(0, at - this.options.clock.now()));
  }
}
