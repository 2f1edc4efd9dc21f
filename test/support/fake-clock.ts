import type { Clock } from '../../src/host/clock';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Let pending promise jobs, nextTicks and stream events run (a few macrotask turns). */
export async function flushPromises(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A deterministic clock for tests: time moves only when the test says so. Timers run in time
 * order (ties in the order they were set); between timers, pending promise jobs are flushed so
 * that async code started by a timer (a pass, a reconnect) gets to run before the next one.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2024, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Number of timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** When the next timer is due, or null when none is pending. */
  get nextTimerAt(): number | null {
    const next = this.next();
    return next ? next.at : null;
  }

  /** Move time forward by `ms`, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flushPromises();
    for (;;) {
      const next = this.next();
      if (!next || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
      await flushPromises();
    }
    this.time = end;
    await flushPromises();
  }

  /** Run timers until none is left, but move at most `limitMs`; true when idle at the end. */
  async runUntilIdle(limitMs: number): Promise<boolean> {
    const end = this.time + limitMs;
    await flushPromises();
    for (;;) {
      const at = this.nextTimerAt;
      if (at === null || at > end) break;
      await this.advance(at - this.time);
    }
    return this.pendingTimers === 0;
  }

  private next(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }
}
