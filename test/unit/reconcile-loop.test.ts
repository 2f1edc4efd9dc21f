import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PassResult, ResourceOutcome } from '../../src/controller/outcome';
import { ReconcileLoop, type LoopOptions, type PassRequest, type RetryState } from '../../src/controller/reconcile-loop';
import type { TriggerKind } from '../../src/triggers/trigger';
import { FakeClock, flushPromises } from '../support/fake-clock';

function outcome(name: string, failed: boolean): ResourceOutcome {
  return {
    name,
    kind: 'Fake',
    desired: failed ? null : 9000,
    observed: null,
    inSync: !failed,
    ready: failed ? 'Unknown' : 'True',
    reason: failed ? 'DesiredStateUnavailable' : 'InSync',
    message: failed ? 'container stopped' : 'ok',
    changed: false,
    failed,
    plan: null,
    actions: [],
  };
}

interface Call {
  request: PassRequest;
  startedAt: number;
  finishedAt: number | null;
  /** Retry state as the pass saw it (copied). */
  retryBefore: Map<string, RetryState>;
}

/**
 * A pass the test controls: it records every request, reports the resources it was asked for
 * (all of `resources`, or `only`), failing those in `failing`; with `hold`, each pass waits until
 * the test calls `release()`.
 */
class FakePass {
  readonly calls: Call[] = [];
  readonly failing = new Set<string>();
  hold = false;
  active = 0;
  maxActive = 0;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly clock: FakeClock,
    public resources: string[] = ['cockpit-socket'],
  ) {}

  readonly fn = async (request: PassRequest, retry: ReadonlyMap<string, RetryState>): Promise<PassResult> => {
    const call: Call = { request, startedAt: this.clock.now(), finishedAt: null, retryBefore: copy(retry) };
    this.calls.push(call);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
      await Promise.resolve(); // a pass is async even when quick
      const names = this.resources.filter((n) => !request.only || request.only.has(n));
      const resources = names.map((n) => outcome(n, this.failing.has(n)));
      call.finishedAt = this.clock.now();
      return {
        startedAt: call.startedAt,
        finishedAt: call.finishedAt,
        triggers: request.triggers,
        dryRun: false,
        result: resources.some((r) => r.failed) ? 'unavailable' : 'unchanged',
        resources,
      };
    } finally {
      this.active--;
    }
  };

  /** Let the held pass(es) finish. */
  async release(): Promise<void> {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
    await flushPromises();
  }

  get count(): number {
    return this.calls.length;
  }

  get last(): Call {
    const call = this.calls.at(-1);
    assert.ok(call, 'no pass ran');
    return call;
  }
}

function copy(retry: ReadonlyMap<string, RetryState>): Map<string, RetryState> {
  return new Map([...retry].map(([k, v]) => [k, { ...v }]));
}

function setup(options: Partial<Omit<LoopOptions, 'clock' | 'pass'>> = {}, resources?: string[]) {
  const clock = new FakeClock();
  const t0 = clock.now();
  const pass = new FakePass(clock, resources);
  const after: { result: PassResult; retry: Map<string, RetryState>; at: number }[] = [];
  const errors: unknown[] = [];
  const loop = new ReconcileLoop({
    clock,
    debounceMs: 100,
    maxDebounceMs: 1000,
    backoff: { initialMs: 1000, maxMs: 8000 },
    random: () => 1,
    pass: pass.fn,
    afterPass: (result, retry) => {
      after.push({ result, retry: copy(retry), at: clock.now() });
    },
    onPassError: (error) => errors.push(error),
    ...options,
  });
  const trigger = (source: TriggerKind = 'file'): void => loop.trigger({ kind: source });
  /** Pass start times relative to the start of the test. */
  const times = (): number[] => pass.calls.map((c) => c.startedAt - t0);
  const rel = (): number => clock.now() - t0;
  return { clock, loop, pass, after, errors, trigger, times, rel, t0 };
}

describe('ReconcileLoop: coalescing', () => {
  it('a burst after quiet: the first trigger runs a pass at once, the rest one pass debounce after the last', async () => {
    const s = setup();
    for (let i = 0; i < 20; i++) {
      s.trigger(i % 2 ? 'file' : 'docker');
      await s.clock.advance(10);
    }
    // Last trigger at 190 ms; now 200 ms.
    assert.deepEqual(s.times(), [0], 'the leading edge');
    assert.deepEqual(s.pass.last.request.triggers, ['docker']);
    await s.clock.advance(89);
    assert.equal(s.pass.count, 1, 'the rest waits for the quiet time');
    await s.clock.advance(1);
    assert.deepEqual(s.times(), [0, 290]);
    assert.deepEqual(s.pass.last.request.triggers, ['docker', 'file']);
    assert.equal(s.pass.last.request.only, undefined, 'a full pass');
    await s.clock.advance(3_600_000);
    assert.equal(s.pass.count, 2);
  });

  it('a single trigger after quiet runs one pass at once', async () => {
    const s = setup();
    s.trigger('resync');
    await s.clock.advance(0);
    assert.deepEqual(s.times(), [0]);
    assert.deepEqual(s.pass.last.request.triggers, ['resync']);
  });

  it('a continuous burst still runs a pass at least every maxDebounce', async () => {
    const s = setup();
    for (let t = 0; t < 5000; t += 50) {
      s.trigger('file');
      await s.clock.advance(50);
    }
    await s.clock.advance(2000);
    const times = s.times();
    assert.ok(times.length >= 4 && times.length <= 6, `≈5 passes, got ${times.length}: ${times}`);
    assert.ok((times[0] as number) <= 1000, 'first pass within maxDebounce of the first trigger');
    for (let i = 1; i < times.length; i++) {
      assert.ok((times[i] as number) - (times[i - 1] as number) <= 1000 + 50, `gap ${i}: ${times}`);
    }
    assert.ok((times.at(-1) as number) >= 4950, 'the last trigger is covered by a pass');
    assert.equal(s.pass.maxActive, 1);
  });

  it('when idle, no pass ever runs', async () => {
    const s = setup();
    await s.clock.advance(24 * 3_600_000);
    assert.equal(s.pass.count, 0);
    assert.equal(s.clock.pendingTimers, 0);
  });

  it('after a successful pass, nothing runs until the next trigger', async () => {
    const s = setup();
    s.trigger('startup');
    await s.clock.advance(100);
    assert.equal(s.pass.count, 1);
    await s.clock.advance(24 * 3_600_000);
    assert.equal(s.pass.count, 1);
    assert.equal(s.clock.pendingTimers, 0);
  });
});

describe('ReconcileLoop: leading edge', () => {
  it('the first trigger after at least a debounce of quiet starts a pass at once, every time', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) {
      s.trigger('file');
      await s.clock.advance(0);
      assert.equal(s.pass.count, i + 1, `trigger ${i} ran at once`);
      await s.clock.advance(100); // exactly the debounce of quiet
    }
    assert.deepEqual(s.times(), [0, 100, 200, 300, 400]);
  });

  it('a trigger less than a debounce after the last trigger or pass waits for the debounce', async () => {
    const s = setup();
    s.trigger('file');
    await s.clock.advance(99);
    s.trigger('file'); // 99 ms after the end of the pass
    await s.clock.advance(99);
    assert.equal(s.pass.count, 1);
    await s.clock.advance(1);
    assert.deepEqual(s.times(), [0, 199]);
  });

  it('quiet counts from the end of a long pass, not from its start', async () => {
    const s = setup();
    s.pass.hold = true;
    s.trigger('startup');
    await s.clock.advance(500);
    await s.pass.release(); // ends at 500
    await s.clock.advance(50);
    s.trigger('file'); // 50 ms after the end: coalesced
    await s.clock.advance(99);
    assert.equal(s.pass.count, 1);
    await s.clock.advance(1);
    assert.deepEqual(s.times(), [0, 650]);
    await s.pass.release();
  });

  it('triggers during the leading pass cause exactly one follow-up pass', async () => {
    const s = setup();
    s.pass.hold = true;
    s.trigger('file');
    await s.clock.advance(0);
    for (let i = 0; i < 10; i++) {
      s.trigger('file');
      await s.clock.advance(5);
    }
    await s.pass.release(); // at 50
    await s.clock.advance(100);
    assert.deepEqual(s.times(), [0, 150]);
    await s.pass.release();
    await s.clock.advance(3_600_000);
    assert.equal(s.pass.count, 2);
  });

  it('own writes seen right after the pass (or late, after quiet) cause one no-op pass, never a loop', async () => {
    for (const echoMs of [1, 5, 50, 99, 100, 250]) {
      const s = setup();
      // The pass that corrects something writes a file; the watcher reports it echoMs after the pass.
      let corrections = 1;
      const inner = s.pass.fn;
      const loop = new ReconcileLoop({
        clock: s.clock,
        debounceMs: 100,
        maxDebounceMs: 1000,
        backoff: { initialMs: 1000, maxMs: 8000 },
        pass: async (request, retry) => {
          const result = await inner(request, retry);
          if (corrections > 0) {
            corrections--;
            s.clock.setTimer(() => loop.trigger({ kind: 'file', detail: 'own write' }), echoMs);
          }
          return result;
        },
      });
      loop.trigger({ kind: 'file', detail: 'drift' });
      await s.clock.advance(3_600_000);
      assert.equal(s.pass.count, 2, `echo after ${echoMs} ms: the correction and one no-op pass`);
      assert.equal(s.times()[0], 0, 'the correction ran at once');
    }
  });

  it('a continuous storm: the first pass at once, then one at least every maxDebounce, not one per trigger', async () => {
    const s = setup();
    for (let t = 0; t < 3000; t += 20) {
      s.trigger('file');
      await s.clock.advance(20);
    }
    await s.clock.advance(2000);
    const times = s.times();
    assert.equal(times[0], 0);
    assert.ok(times.length >= 3 && times.length <= 5, `passes: ${times}`);
  });
});

describe('ReconcileLoop: single flight', () => {
  it('never runs two passes at once; triggers during a pass cause exactly one more pass', async () => {
    const s = setup();
    s.pass.hold = true;
    s.trigger('startup');
    await s.clock.advance(100);
    assert.equal(s.pass.count, 1);
    assert.ok(s.loop.busy);

    // Many triggers of several kinds while the pass runs, spread over a long time.
    for (let i = 0; i < 30; i++) {
      s.trigger((['file', 'docker', 'resync'] as const)[i % 3]);
      await s.clock.advance(200);
    }
    assert.equal(s.pass.count, 1, 'no second pass while one is running');

    await s.pass.release();
    await s.clock.advance(0);
    assert.equal(s.pass.count, 2, 'one follow-up pass, not one per trigger');
    assert.deepEqual(s.pass.last.request.triggers, ['docker', 'file', 'resync']);
    assert.equal(s.pass.last.request.only, undefined);

    await s.pass.release();
    await s.clock.advance(3_600_000);
    assert.equal(s.pass.count, 2);
    assert.equal(s.pass.maxActive, 1);
    assert.ok(!s.loop.busy);
  });

  it('the follow-up pass waits for the debounce when the trigger came late in the pass', async () => {
    const s = setup();
    s.pass.hold = true;
    s.trigger('startup');
    await s.clock.advance(100);
    await s.clock.advance(50);
    s.trigger('file');
    await s.clock.advance(10);
    await s.pass.release(); // pass ends at 160; the trigger came at 150
    const end = s.rel();
    await s.clock.advance(1000);
    assert.equal(s.pass.count, 2);
    assert.ok((s.times()[1] as number) - end <= 100, `follow-up at ${s.times()[1]}, pass ended ${end}`);
    assert.deepEqual(s.pass.last.request.triggers, ['file']);
  });

  it('a follow-up pass is never postponed beyond maxDebounce of its first trigger', async () => {
    const s = setup();
    s.pass.hold = true;
    s.trigger('startup');
    await s.clock.advance(100);
    s.trigger('file'); // at 100, during the pass
    await s.clock.advance(5000);
    await s.pass.release(); // at 5100: overdue
    await s.clock.advance(0);
    assert.deepEqual(s.times(), [0, 5100]);
  });

  it('a pass that throws is reported and the loop carries on', async () => {
    const s = setup();
    let throwNext = true;
    const inner = s.pass.fn;
    const loop = new ReconcileLoop({
      clock: s.clock,
      debounceMs: 100,
      maxDebounceMs: 1000,
      backoff: { initialMs: 1000, maxMs: 8000 },
      pass: async (request, retry) => {
        if (throwNext) {
          throwNext = false;
          throw new Error('bug');
        }
        return inner(request, retry);
      },
      onPassError: (error) => s.errors.push(error),
    });
    loop.trigger({ kind: 'startup' });
    await s.clock.advance(100);
    assert.equal(s.errors.length, 1);
    assert.ok(!loop.busy);
    loop.trigger({ kind: 'file' });
    await s.clock.advance(100);
    assert.equal(s.pass.count, 1);
  });
});

describe('ReconcileLoop: backoff', () => {
  /** Failing passes of one resource, from a startup trigger: start times of the first `n` passes. */
  async function failingSequence(random: () => number, n: number) {
    const s = setup({ random });
    s.pass.failing.add('cockpit-socket');
    s.trigger('startup');
    while (s.pass.count < n) await s.clock.advance(100);
    return s;
  }

  it('retries at initial, 2×, 4× … capped at max (random = 1: the ceiling)', async () => {
    const s = await failingSequence(() => 1, 7);
    const times = s.times();
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number)); // a retry after quiet starts at once
    assert.deepEqual(gaps, [1000, 2000, 4000, 8000, 8000, 8000]);
    assert.equal(s.pass.calls[0]?.request.only, undefined, 'the first pass is a full pass');
    for (const call of s.pass.calls.slice(1)) {
      assert.deepEqual(call.request.triggers, ['retry']);
      assert.deepEqual([...(call.request.only ?? [])], ['cockpit-socket'], 'retries reconcile the failing resource');
    }
  });

  it('jitter: random = 0 gives half of each delay', async () => {
    const s = await failingSequence(() => 0, 6);
    const times = s.times();
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    assert.deepEqual(gaps, [500, 1000, 2000, 4000, 4000]);
  });

  it('afterPass receives the updated retry state', async () => {
    const s = await failingSequence(() => 1, 4);
    await s.clock.advance(0);
    const states = s.after.map((a) => a.retry.get('cockpit-socket'));
    assert.deepEqual(
      states.map((r) => r?.consecutiveFailures),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      s.after.map((a, i) => (a.retry.get('cockpit-socket')?.nextRetryAt ?? 0) - a.at - [1000, 2000, 4000, 8000][i]!),
      [0, 0, 0, 0],
      'nextRetryAt = end of the pass + the delay',
    );
    // The pass itself sees the state before it.
    assert.deepEqual(s.pass.calls.map((c) => c.retryBefore.get('cockpit-socket')?.consecutiveFailures ?? 0), [0, 1, 2, 3]);
    assert.deepEqual(s.loop.retryState().get('cockpit-socket'), s.after.at(-1)?.retry.get('cockpit-socket'));
  });

  it('resets to the initial delay after a success', async () => {
    const s = await failingSequence(() => 1, 4); // failures 1..4, next retry in 8 s
    s.pass.failing.clear();
    await s.clock.advance(8100);
    assert.equal(s.pass.count, 5);
    assert.deepEqual(s.after.at(-1)?.retry.get('cockpit-socket'), { consecutiveFailures: 0, nextRetryAt: null });
    assert.equal(s.clock.pendingTimers, 0, 'no retry armed after success');

    s.pass.failing.add('cockpit-socket');
    s.trigger('file');
    await s.clock.advance(0);
    assert.equal(s.pass.count, 6);
    assert.deepEqual(s.after.at(-1)?.retry.get('cockpit-socket'), { consecutiveFailures: 1, nextRetryAt: s.clock.now() + 1000 });
    await s.clock.advance(1100);
    assert.equal(s.pass.count, 7, 'retried after the initial delay again');
  });

  it('a file or docker trigger during backoff runs a full pass at once', async () => {
    for (const source of ['file', 'docker', 'docker-connected'] as const) {
      const s = await failingSequence(() => 1, 5); // next retry 8 s away
      const before = s.pass.count;
      await s.clock.advance(500);
      s.trigger(source);
      await s.clock.advance(100);
      assert.equal(s.pass.count, before + 1, source);
      assert.deepEqual(s.pass.last.request.triggers, [source]);
      assert.equal(s.pass.last.request.only, undefined, 'a full pass, not a retry');
      assert.equal(s.pass.last.startedAt - (s.pass.calls[before - 1]?.startedAt as number), 500);
    }
  });

  it('the apphub container coming back converges at once, without waiting for the backoff', async () => {
    const s = await failingSequence(() => 1, 6);
    s.pass.failing.clear(); // apphub is healthy again
    s.trigger('docker');
    await s.clock.advance(100);
    assert.deepEqual(s.after.at(-1)?.retry.get('cockpit-socket'), { consecutiveFailures: 0, nextRetryAt: null });
    const count = s.pass.count;
    await s.clock.advance(3_600_000);
    assert.equal(s.pass.count, count, 'no leftover retry');
  });

  it('one failing resource does not delay or affect another', async () => {
    const s = setup({}, ['cockpit-socket', 'cockpit-firewalld']);
    s.pass.failing.add('cockpit-socket');
    s.trigger('startup');
    await s.clock.advance(100);
    await s.clock.advance(20_000);
    assert.ok(s.pass.count >= 4);
    for (const a of s.after) {
      assert.deepEqual(a.retry.get('cockpit-firewalld'), { consecutiveFailures: 0, nextRetryAt: null });
    }
    for (const call of s.pass.calls.slice(1)) assert.deepEqual([...(call.request.only ?? [])], ['cockpit-socket']);
    assert.ok((s.loop.retryState().get('cockpit-socket')?.consecutiveFailures ?? 0) >= 4);

    // A file change for the healthy resource is handled right away, full pass.
    const before = s.pass.count;
    s.trigger('file');
    await s.clock.advance(100);
    assert.equal(s.pass.count, before + 1);
    assert.deepEqual(s.pass.last.request.only, undefined);
  });

  it('two failing resources keep their own schedules; due ones are retried together', async () => {
    const s = setup({}, ['a', 'b']);
    s.pass.failing.add('a');
    s.pass.failing.add('b');
    s.trigger('startup');
    await s.clock.advance(100); // both fail: retry both at +1000
    await s.clock.advance(1100);
    assert.deepEqual([...(s.pass.last.request.only ?? [])].sort(), ['a', 'b']);
    s.pass.failing.delete('b');
    await s.clock.advance(2100);
    assert.equal(s.pass.count, 3);
    assert.deepEqual([...(s.pass.last.request.only ?? [])].sort(), ['a', 'b']);
    assert.deepEqual(s.loop.retryState().get('b'), { consecutiveFailures: 0, nextRetryAt: null });
    assert.equal(s.loop.retryState().get('a')?.consecutiveFailures, 3);
    await s.clock.advance(4100);
    assert.deepEqual([...(s.pass.last.request.only ?? [])], ['a']);
  });

  it('a resource that no longer exists (configuration reloaded) is not retried forever', async () => {
    const s = setup({}, ['old-name']);
    s.pass.failing.add('old-name');
    s.trigger('startup');
    await s.clock.advance(100);
    s.pass.resources = ['new-name']; // the failing resource was removed
    await s.clock.advance(60_000);
    assert.ok(s.pass.count <= 3, `passes: ${s.pass.count}`);
    assert.equal(s.loop.retryState().has('old-name'), false);
  });
});

describe('ReconcileLoop: stop', () => {
  it('waits for the running pass and resolves true when it ends in time', async () => {
    const s = setup();
    s.pass.hold = true;
    s.trigger('startup');
    await s.clock.advance(100);
    let stopped: boolean | undefined;
    void s.loop.stop(10_000).then((v) => (stopped = v));
    await s.clock.advance(5000);
    assert.equal(stopped, undefined, 'still waiting for the pass');
    await s.pass.release();
    assert.equal(stopped, true);
  });

  it('resolves false when the pass exceeds the timeout', async () => {
    const s = setup();
    s.pass.hold = true;
    s.trigger('startup');
    await s.clock.advance(100);
    let stopped: boolean | undefined;
    void s.loop.stop(10_000).then((v) => (stopped = v));
    await s.clock.advance(9999);
    assert.equal(stopped, undefined);
    await s.clock.advance(1);
    assert.equal(stopped, false);
    await s.pass.release();
  });

  it('resolves true at once when idle', async () => {
    const s = setup();
    assert.equal(await s.loop.stop(10_000), true);
  });

  it('no pass starts after stop: not pending triggers, not triggers during the pass, not retries', async () => {
    const s = setup();
    s.pass.hold = true;
    s.pass.failing.add('cockpit-socket');
    s.trigger('startup');
    await s.clock.advance(100);
    s.trigger('file'); // would cause a follow-up pass
    const done = s.loop.stop(10_000);
    s.trigger('docker'); // ignored
    await s.pass.release();
    assert.equal(await done, true);
    await s.clock.advance(24 * 3_600_000);
    assert.equal(s.pass.count, 1);
    assert.equal(s.clock.pendingTimers, 0, 'no retry armed after stop');
  });

  it('a trigger waiting for its debounce is dropped by stop', async () => {
    const s = setup();
    s.trigger('startup');
    await s.clock.advance(0);
    s.trigger('file'); // right after a pass: waits for the debounce
    await s.clock.advance(50);
    assert.equal(await s.loop.stop(10_000), true);
    await s.clock.advance(3_600_000);
    assert.equal(s.pass.count, 1);
  });

  it('a pending retry is cancelled by stop', async () => {
    const s = setup();
    s.pass.failing.add('cockpit-socket');
    s.trigger('startup');
    await s.clock.advance(100);
    assert.equal(s.clock.pendingTimers, 1);
    assert.equal(await s.loop.stop(10_000), true);
    assert.equal(s.clock.pendingTimers, 0);
    await s.clock.advance(3_600_000);
    assert.equal(s.pass.count, 1);
  });
});
