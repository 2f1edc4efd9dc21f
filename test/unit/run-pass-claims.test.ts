import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLAP_POLICY, FlapDetector } from '../../src/controller/flapping';
import type { ResourceOutcome } from '../../src/controller/outcome';
import { retryAfter } from '../../src/controller/retry-state';
import { runPass, type PassOptions } from '../../src/controller/run-pass';
import { hostPath, type FilePath } from '../../src/host/file-system';
import type { ClaimResult, PathClaims } from '../../src/host/path-claims';
import type { ToolStep } from '../../src/resources/plan';
import { MemoryHost } from '../support/memory-host';
import { FileResource, passDeps } from '../support/pass-fakes';

// runPass with claims (controller/claim-files.ts): a file another live controller claimed is not
// written (ConflictingController, naming it), a dry run only looks, unusable claims are reported
// but do not stop the controller, and a ConflictingController resource is held like a Flapping one.

const RESTART: ToolStep = { tool: 'systemctl', args: ['restart', 'fake.service'] };
const PASS: PassOptions = { dryRun: false, triggers: ['test'] };
const OTHER = { pid: 4242, statusFile: '/var/lib/other/status.json' };

/** Claims that answer `answer` for every path, recording what was asked. */
function scripted(answer: (path: string) => ClaimResult) {
  const calls: string[] = [];
  const ask = (op: string) => (paths: readonly FilePath[]): ClaimResult => {
    calls.push(`${op} ${paths.map(String).join(',')}`);
    return paths.map((p) => answer(String(p))).find((r) => r.kind !== 'claimed') ?? { kind: 'claimed' };
  };
  const claims: PathClaims = { claim: ask('claim'), check: ask('check'), releaseAll: () => calls.push('release') };
  return { claims, calls };
}

const heldBy = (held: string) => (path: string): ClaimResult => (path === held ? { kind: 'held', holder: { path, ...OTHER } } : { kind: 'claimed' });

function setup(answer: (path: string) => ClaimResult) {
  const host = new MemoryHost();
  const resources = [new FileResource('mine', host, { commands: [RESTART] }), new FileResource('theirs', host, { commands: [RESTART] })];
  const { claims, calls } = scripted(answer);
  const deps = { ...passDeps(host, resources), claims };
  const byName = async (options: Partial<PassOptions> = {}) => {
    const result = await runPass(deps, { ...PASS, ...options });
    return { result, o: new Map(result.resources.map((r) => [r.name, r] as const)) };
  };
  return { host, calls, byName };
}

describe('runPass: claims of the files a pass writes', () => {
  it('a file another live controller claimed is not written and nothing is run for it: ConflictingController names the other', async () => {
    const { host, calls, byName } = setup(heldBy('/fake/theirs'));
    const { result, o } = await byName();
    const theirs = o.get('theirs') as ResourceOutcome;
    assert.deepEqual([theirs.reason, theirs.ready, theirs.inSync, theirs.failed, theirs.changed], ['ConflictingController', 'False', false, true, false]);
    assert.match(theirs.message, /another controller \(pid 4242, status file \/var\/lib\/other\/status\.json\) manages \/fake\/theirs: not written/);
    assert.equal(o.get('mine')?.reason, 'Applied');
    assert.equal(result.result, 'failed');
    assert.deepEqual(host.log.filter((l) => l.includes('theirs')), [], 'neither written nor recorded');
    assert.equal(host.log.filter((l) => l.startsWith('run ')).length, 1, 'one restart, for mine only');
    assert.deepEqual(calls, ['claim /fake/mine', 'claim /fake/theirs']);
  });

  it('when the other controller is gone the next pass writes (level-triggered: nothing to reset)', async () => {
    let held = true;
    const { host, byName } = setup((path) => (held && path === '/fake/theirs' ? { kind: 'held', holder: { path, ...OTHER } } : { kind: 'claimed' }));
    assert.equal((await byName()).o.get('theirs')?.reason, 'ConflictingController');
    held = false;
    assert.equal((await byName()).o.get('theirs')?.reason, 'Applied');
    assert.equal((await host.fs.readFile('/fake/theirs'))?.toString(), '9000');
  });

  it('a dry run only looks (check, never claim) and reports the conflict it would meet', async () => {
    const { host, calls, byName } = setup(heldBy('/fake/theirs'));
    const { o } = await byName({ dryRun: true });
    assert.equal(o.get('mine')?.reason, 'DriftDetected');
    assert.equal(o.get('theirs')?.reason, 'ConflictingController');
    assert.match(o.get('theirs')?.message ?? '', /would not be written/);
    assert.deepEqual(calls, ['check /fake/mine', 'check /fake/theirs']);
    assert.deepEqual(host.log, []);
  });

  it('nothing to write, nothing claimed', async () => {
    const { host, calls, byName } = setup(heldBy('/fake/theirs'));
    await host.fs.writeFileAtomic(hostPath('/fake/mine'), '9000');
    await host.fs.writeFileAtomic(hostPath('/fake/theirs'), '9000');
    const { o } = await byName();
    assert.deepEqual([o.get('mine')?.reason, o.get('theirs')?.reason], ['InSync', 'InSync']);
    assert.deepEqual(calls, []);
  });

  it('claims that cannot be used do not stop the controller: written, and the condition Claimed=False says why', async () => {
    const { host, byName } = setup(() => ({ kind: 'unavailable', problem: 'cannot use the claims directory /run/reconciler/claims: EROFS' }));
    const { o } = await byName();
    const mine = o.get('mine') as ResourceOutcome;
    assert.equal(mine.reason, 'Applied');
    assert.equal((await host.fs.readFile('/fake/mine'))?.toString(), '9000');
    const condition = mine.conditions?.find((c) => c.type === 'Claimed');
    assert.deepEqual([condition?.status, condition?.reason], ['False', 'ClaimsUnavailable']);
    assert.match(condition?.message ?? '', /EROFS; another controller on the same files is detected only by the flapping hold/);
  });

  it('a ConflictingController resource is held out of event-driven passes, at least as long as a Flapping one', () => {
    const outcome = { name: 'theirs', reason: 'ConflictingController', failed: true } as ResourceOutcome;
    const backoff = { initialMs: 200, maxMs: 1000 };
    const next = retryAfter(outcome, undefined, 1_000, backoff, () => 0.5);
    assert.equal(next.holdUntil, next.state.nextRetryAt);
    assert.ok((next.holdUntil ?? 0) >= 1_000 + FLAP_POLICY.minHoldMs);
    assert.equal(retryAfter({ ...outcome, reason: 'ApplyFailed' }, undefined, 1_000, backoff, () => 0.5).holdUntil, null);
  });

  it('without claims (controllers that cannot see each other), Flapping says another controller or writer keeps undoing the correction', () => {
    const flapping = new FlapDetector();
    const corrected = { name: 'fought', reason: 'Applied', failed: false, changed: true, desired: 9000, observedBefore: 9090, actions: [{ action: 'write /etc/x', result: 'updated' }] } as unknown as ResourceOutcome;
    let last = corrected;
    for (let i = 0; i < FLAP_POLICY.threshold; i++) last = flapping.observe(corrected, 1_000 + i);
    assert.equal(last.reason, 'Flapping');
    assert.match(last.message, /another controller or writer keeps undoing it/);
  });
});
