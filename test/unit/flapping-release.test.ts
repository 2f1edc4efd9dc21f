import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PassResult, ResourceOutcome } from '../../src/controller/outcome';
import { ReconcileLoop, type PassRequest } from '../../src/controller/reconcile-loop';
import { FakeClock } from '../support/fake-clock';

/** A resource `fought` that another writer keeps undoing (every pass corrects it), beside `calm`. */
function scenario() {
  const clock = new FakeClock();
  const requests: PassRequest[] = [];
  const outcomes: ResourceOutcome[][] = [];
  let desired = 9000;
  const outcome = (name: string): ResourceOutcome => ({
    name,
    kind: 'Fake',
    desired,
    observed: desired,
    inSync: true,
    ready: 'True',
    reason: 'Applied',
    message: `ListenStream=${desired}`,
    changed: name === 'fought',
    failed: false,
    plan: null,
    actions: name === 'fought' ? [{ action: `write /etc/${name}.conf`, result: 'updated' }] : [],
  });
  const pass = async (request: PassRequest): Promise<PassResult> => {
    requests.push(request);
    const names = ['fought', 'calm'].filter((n) => !request.only || request.only.has(n));
    const run = names.filter((n) => !request.skip?.has(n));
    const held = names.filter((n) => request.skip?.has(n));
    return {
      startedAt: clock.now(),
      finishedAt: clock.now(),
      triggers: request.triggers,
      dryRun: false,
      result: 'converged',
      resources: run.map(outcome),
      ...(held.length > 0 ? { heldDesired: new Map(held.map((n) => [n, desired] as const)) } : {}),
    };
  };
  const loop = new ReconcileLoop({
    clock,
    debounceMs: 100,
    maxDebounceMs: 1000,
    backoff: { initialMs: 1000, maxMs: 8000 },
    random: () => 1,
    pass,
    afterPass: (r) => void outcomes.push(r.resources),
    sourceContainers: (name) => (name === 'fought' ? ['websoft9-apphub'] : []),
  });
  const flap = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      loop.trigger({ kind: 'file' });
      await clock.advance(200);
    }
    assert.equal(outcomes.at(-1)?.find((o) => o.name === 'fought')?.reason, 'Flapping');
  };
  const skipsFought = async (trigger: Parameters<typeof loop.trigger>[0]): Promise<boolean> => {
    const before = requests.length;
    loop.trigger(trigger);
    await clock.advance(200);
    const after = requests.slice(before);
    assert.ok(after.length > 0, 'a pass ran');
    return after.every((r) => r.skip?.has('fought') ?? false);
  };
  return { clock, requests, outcomes, loop, flap, skipsFought, setDesired: (v: number) => (desired = v) };
}

describe('Flapping: what releases the hold before it ends', () => {
  it('without a release the hold lasts: file events keep skipping the resource', async () => {
    const s = scenario();
    await s.flap();
    for (let i = 0; i < 5; i++) assert.equal(await s.skipsFought({ kind: 'file' }), true);
  });

  it('a new desired value (the user set another port) releases it at once, long before the 10 s hold ends', async () => {
    const s = scenario();
    await s.flap();
    const heldAt = s.clock.now();
    assert.equal(await s.skipsFought({ kind: 'file' }), true, 'the same value: still held');
    s.setDesired(9001);
    // The next pass reads the held resource's new value; the resource is reconciled right after.
    s.loop.trigger({ kind: 'file' });
    await s.clock.advance(500);
    const released = s.requests.find((r) => r.only?.has('fought') && !r.skip?.has('fought') && r.triggers.includes('retry'));
    assert.ok(released, 'a pass for the released resource');
    assert.ok(s.clock.now() - heldAt < 2000);
    const last = s.outcomes.at(-1)?.find((o) => o.name === 'fought');
    assert.equal(last?.reason, 'Applied', 'its count started again: a correction, not Flapping');
    assert.equal(last?.desired, 9001);
  });

  it('a Docker "ready" event of its source container releases it; another container\'s does not', async () => {
    const s = scenario();
    await s.flap();
    assert.equal(await s.skipsFought({ kind: 'docker', detail: 'start websoft9-proxy', ready: 'websoft9-proxy' }), true);
    assert.equal(await s.skipsFought({ kind: 'docker', detail: 'die websoft9-apphub' }), true, 'not a ready event');
    assert.equal(await s.skipsFought({ kind: 'docker', detail: 'health_status: healthy websoft9-apphub', ready: 'websoft9-apphub' }), false);
    assert.equal(s.outcomes.at(-1)?.find((o) => o.name === 'fought')?.reason, 'Applied');
  });
});
