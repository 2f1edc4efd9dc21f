import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassAbandonedError, type PassResult, type ResourceOutcome } from '../../src/controller/outcome';
import { ReconcileLoop, type PassRequest } from '../../src/controller/reconcile-loop';
import { FakeClock, flushPromises } from '../support/fake-clock';

function corrected(name: string): ResourceOutcome {
  return {
    name,
    kind: 'Fake',
    desired: 9000,
    observed: 9000,
    inSync: true,
    ready: 'True',
    reason: 'Applied',
    message: 'ListenStream=9000',
    changed: true,
    failed: false,
    plan: null,
    actions: [{ action: `write /etc/${name}.conf`, result: 'updated' }],
  };
}

function result(resources: ResourceOutcome[]): PassResult {
  return { startedAt: 0, finishedAt: 0, triggers: [], dryRun: false, result: 'converged', resources };
}

function loopWith(pass: (request: PassRequest) => Promise<PassResult>, extra: { passTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const requests: PassRequest[] = [];
  const abandoned: number[] = [];
  const outcomes: ResourceOutcome[][] = [];
  const started: number[] = [];
  const loop = new ReconcileLoop({
    clock,
    debounceMs: 100,
    maxDebounceMs: 1000,
    backoff: { initialMs: 1000, maxMs: 8000 },
    random: () => 1,
    pass: (request) => {
      requests.push(request);
      started.push(clock.now());
      return pass(request);
    },
    afterPass: (r) => void outcomes.push(r.resources),
    onPassAbandoned: (_request, ms) => abandoned.push(ms),
    ...extra,
  });
  return { clock, loop, requests, abandoned, outcomes, started };
}

describe('ReconcileLoop: a pass that exceeds timing.passTimeout', () => {
  it('is abandoned (its signal aborted), reported, and retried after a backoff; a new trigger runs a new pass', async () => {
    let hang = true;
    const s = loopWith(() => (hang ? new Promise<never>(() => undefined) : Promise.resolve(result([]))), { passTimeoutMs: 30_000 });
    s.loop.trigger({ kind: 'startup' });
    await s.clock.advance(100);
    assert.equal(s.requests.length, 1);
    // Up to 1 ms before the bound, counted from the pass's start (the leading edge may start it at once).
    await s.clock.advance((s.started[0] ?? 0) + 29_999 - s.clock.now());
    assert.deepEqual(s.abandoned, []);
    assert.equal(s.requests[0]?.signal.aborted, false);
    await s.clock.advance(1);
    assert.deepEqual(s.abandoned, [30_000]);
    assert.equal(s.requests[0]?.signal.aborted, true);
    assert.ok(s.requests[0]?.signal.reason instanceof PassAbandonedError);
    assert.equal(s.loop.busy, false, 'the loop does not wait for the hung pass');
    hang = false;
    await s.clock.advance(1000 + 100);
    assert.equal(s.requests.length, 2, 'retried after the backoff');
    assert.deepEqual(s.requests[1]?.triggers, ['retry']);
  });

  it('stop() during a hung pass resolves false at its timeout and aborts the pass', async () => {
    const s = loopWith(() => new Promise<never>(() => undefined), { passTimeoutMs: 60_000 });
    s.loop.trigger({ kind: 'startup' });
    await s.clock.advance(100);
    let stopped: boolean | undefined;
    void s.loop.stop(10_000).then((v) => (stopped = v));
    await s.clock.advance(10_000);
    await flushPromises();
    assert.equal(stopped, false);
    assert.equal(s.requests[0]?.signal.aborted, true);
    assert.equal((s.requests[0]?.signal.reason as PassAbandonedError).why, 'shutdown');
  });
});

describe('ReconcileLoop: Flapping', () => {
  it('a resource corrected 10 times within a minute is Flapping, held out of event passes, and retried after the hold', async () => {
    const s = loopWith(async (request) => result(['fought', 'calm'].filter((n) => !request.skip?.has(n) && (!request.only || request.only.has(n))).map((n) => (n === 'fought' ? corrected(n) : { ...corrected(n), changed: false, actions: [] }))));
    for (let i = 0; i < 10; i++) {
      s.loop.trigger({ kind: 'file' });
      await s.clock.advance(200);
    }
    const tenth = s.outcomes.at(-1)?.find((o) => o.name === 'fought');
    assert.equal(tenth?.reason, 'Flapping');
    assert.equal(tenth?.failed, true);
    assert.match(tenth?.message ?? '', /corrected 10 times within 60s/);
    assert.equal(s.outcomes[8]?.find((o) => o.name === 'fought')?.reason, 'Applied', 'nine are corrections, not flapping');
    const before = s.requests.length;
    for (let i = 0; i < 20; i++) {
      s.loop.trigger({ kind: 'file' });
      await s.clock.advance(200);
    }
    const during = s.requests.slice(before);
    assert.ok(during.length > 0 && during.every((r) => r.skip?.has('fought')), 'event passes skip the flapping resource');
    assert.ok(during.every((r) => !r.skip?.has('calm')), 'the others are still reconciled');
    await s.clock.advance(10_000);
    const retry = s.requests.find((r) => r.triggers.includes('retry') && r.only?.has('fought'));
    assert.ok(retry, 'retried after the hold');
    assert.equal(retry.skip?.has('fought') ?? false, false);
  });
});

describe('FlapDetector', () => {
  it('a new desired value starts the count again; corrections older than the window do not count', async () => {
    const { FlapDetector } = await import('../../src/controller/flapping');
    const d = new FlapDetector({ threshold: 3, windowMs: 60_000, minHoldMs: 10_000 });
    const at = (desired: number) => ({ ...corrected('r'), desired });
    assert.equal(d.observe(at(1), 0).reason, 'Applied');
    assert.equal(d.observe(at(1), 1).reason, 'Applied');
    assert.equal(d.observe(at(2), 2).reason, 'Applied', 'a new desired value');
    assert.equal(d.observe(at(2), 3).reason, 'Applied');
    assert.equal(d.observe(at(2), 4).reason, 'Flapping');
    assert.equal(d.observe(at(2), 70_000).reason, 'Applied', 'the old ones aged out');
    assert.equal(d.observe({ ...at(2), changed: false, actions: [] }, 70_001).reason, 'Applied', 'no write, no correction');
  });

  it('the same wrong value put back again and again is a fight; a different wrong value each time is not', async () => {
    const { FlapDetector } = await import('../../src/controller/flapping');
    const d = new FlapDetector({ threshold: 3, windowMs: 60_000, minHoldMs: 10_000 });
    const from = (observedBefore: number) => ({ ...corrected('r'), desired: 9000, observedBefore });
    for (let i = 0; i < 10; i++) assert.equal(d.observe(from(9100 + i), i).reason, 'Applied', `edit ${i}: another wrong port`);
    assert.equal(d.observe(from(9090), 20).reason, 'Applied');
    assert.equal(d.observe(from(9090), 21).reason, 'Applied');
    assert.equal(d.observe(from(9090), 22).reason, 'Flapping', 'the third correction back from 9090');
  });
});
