import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FirewallCleanUps, removedFirewalls } from '../../src/app/removed-firewalls';
import type { PassResult, ResourceOutcome } from '../../src/controller/outcome';
import type { Logger } from '../../src/core/logger';
import type { Resource } from '../../src/resources/resource';

const seed = Number(process.env.FC_SEED ?? 42);
const FW = 'PublishedPortFirewall';
const fw = (name: string): { name: string; kind: string } => ({ name, kind: FW });
const line = (name: string): { name: string; kind: string } => ({ name, kind: 'FileLine' });

function quietLogger(lines: string[] = []): Logger {
  const log = (fields: unknown, message?: string): void => void lines.push(typeof fields === 'string' ? fields : (message ?? ''));
  return { debug: log, info: log, warn: log, error: log, child: () => quietLogger(lines) } as unknown as Logger;
}

function outcome(name: string, inSync: boolean): ResourceOutcome {
  return { name, kind: FW, desired: null, observed: null, inSync, ready: inSync ? 'True' : 'False', reason: inSync ? 'Applied' : 'ApplyFailed', message: '', changed: inSync, failed: !inSync, plan: null, actions: [] } as unknown as ResourceOutcome;
}

const pass = (outcomes: ResourceOutcome[]): PassResult => ({ startedAt: 0, finishedAt: 1, dryRun: false, triggers: ['once'], result: 'converged', resources: outcomes });

describe('removedFirewalls (pure): which removed PublishedPortFirewall resources are cleaned up', () => {
  it('cleans up a remembered PublishedPortFirewall that is no longer configured', () => {
    assert.deepEqual(removedFirewalls([fw('guard'), line('motd')], [line('motd')]), { cleanUp: ['guard'], left: [] });
  });

  it('does nothing for one still configured, switched off or not, and for other kinds', () => {
    assert.deepEqual(removedFirewalls([fw('guard'), line('motd')], [fw('guard')]), { cleanUp: [], left: [] });
  });

  it('leaves it (forgotten, with the reason) when another PublishedPortFirewall now owns the chain and table (a rename)', () => {
    const d = removedFirewalls([fw('guard')], [fw('guard2')]);
    assert.deepEqual(d.cleanUp, []);
    assert.equal(d.left.length, 1);
    assert.match(d.left[0]?.why ?? '', /"guard2" is configured and owns/);
  });

  it('leaves it when its name is now a resource of another kind', () => {
    const d = removedFirewalls([fw('guard')], [line('guard')]);
    assert.deepEqual(d.cleanUp, []);
    assert.match(d.left[0]?.why ?? '', /now a FileLine/);
  });

  it('property: a clean-up is a remembered PublishedPortFirewall whose name is unconfigured, and only when no PublishedPortFirewall is configured', () => {
    const entry = fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), kind: fc.constantFrom(FW, 'FileLine', 'Template') });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), fc.array(entry, { maxLength: 4 }), (remembered, configured) => {
        const d = removedFirewalls(remembered, configured);
        if (configured.some((r) => r.kind === FW)) assert.deepEqual(d.cleanUp, []);
        for (const name of d.cleanUp) {
          assert.ok(remembered.some((r) => r.name === name && r.kind === FW));
          assert.ok(!configured.some((r) => r.name === name));
        }
        assert.equal(new Set(d.cleanUp).size, d.cleanUp.length);
        assert.ok(d.left.every((l) => !d.cleanUp.includes(l.name)));
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('FirewallCleanUps: stays remembered until a pass removed what it created', () => {
  it('keeps a failed clean-up (in the status) and forgets one in sync', () => {
    const lines: string[] = [];
    const c = new FirewallCleanUps(quietLogger(lines));
    c.plan([fw('guard'), fw('old')], []);
    const config = { resources: [] } as unknown as Parameters<FirewallCleanUps['statusNames']>[0];
    assert.deepEqual(c.statusNames(config), ['guard', 'old']);
    assert.equal(c.settle(pass([outcome('guard', false), outcome('old', true)])), true);
    assert.deepEqual(c.statusNames(config), ['guard']);
    assert.ok(lines.some((l) => /gone; forgotten/.test(l)));
    // A reload remembers the one still to do even when the status no longer lists it.
    c.plan([], []);
    assert.deepEqual(c.statusNames(config), ['guard']);
    assert.equal(c.settle(pass([outcome('guard', true)])), true);
    assert.deepEqual(c.statusNames(config), []);
  });

  it('no longer runs a clean-up once done, and runs every configured resource', () => {
    const c = new FirewallCleanUps(quietLogger());
    c.plan([fw('guard')], []);
    const removed = { name: 'guard', removed: true } as unknown as Resource;
    const configured = { name: 'motd' } as unknown as Resource;
    assert.deepEqual(c.active([configured, removed]), [configured, removed]);
    c.settle(pass([outcome('guard', true)]));
    assert.deepEqual(c.active([configured, removed]), [configured]);
  });

  it('a pass without the clean-up outcome forgets nothing', () => {
    const c = new FirewallCleanUps(quietLogger());
    c.plan([fw('guard')], []);
    assert.equal(c.settle(pass([outcome('other', true)])), false);
    assert.deepEqual(c.statusNames({ resources: [] } as unknown as Parameters<FirewallCleanUps['statusNames']>[0]), ['guard']);
  });
});
