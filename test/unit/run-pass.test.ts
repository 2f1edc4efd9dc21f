import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingCommands } from '../../src/controller/pending-commands';
import { runPass, type PassOptions } from '../../src/controller/run-pass';
import type { ResourceOutcome } from '../../src/controller/outcome';
import type { ToolStep } from '../../src/resources/plan';
import { MemoryHost } from '../support/memory-host';
import type { FilePath } from '../../src/host/file-system';
import { FileResource, fixedSource, passDeps, valueSource, type FileResourceScript } from '../support/pass-fakes';

// The outcome chain of one pass (controller/run-pass.ts), with fakes and no Docker: a source
// that is unavailable or invalid, observe, plan (problem, absent, in sync, dry run), apply
// (the record, the writes, the commands), verify, and commands run again after a failure.

const RESTART: ToolStep = { tool: 'systemctl', args: ['restart', 'fake.service'] };
const RESTART_LINE = 'run nsenter -t 1 -- systemctl restart fake.service';
const FAILED = { kind: 'exited', exitCode: 1, stdout: '', stderr: 'Job for fake.service failed' } as const;
const PASS: PassOptions = { dryRun: false, triggers: ['test'] };

function setup(script: FileResourceScript = {}, options: { value?: number | string } = {}) {
  const host = new MemoryHost();
  const resource = new FileResource('fake', host, { commands: [RESTART], ...script });
  const source = valueSource(options.value ?? 9000);
  const deps = passDeps(host, [resource], [source]);
  const only = async (passOptions: Partial<PassOptions> = {}): Promise<ResourceOutcome> => {
    const result = await runPass(deps, { ...PASS, ...passOptions });
    assert.equal(result.resources.length, 1);
    return result.resources[0] as ResourceOutcome;
  };
  return { host, resource, source, deps, only };
}

const writes = (host: MemoryHost): string[] => host.log.filter((line) => line.startsWith('write /fake'));

describe('runPass: the desired value', () => {
  it('an unavailable source leaves the resource untouched: Ready Unknown, DesiredStateUnavailable, no plan', async () => {
    const host = new MemoryHost();
    const resource = new FileResource('fake', host, { commands: [RESTART] });
    const deps = passDeps(host, [resource], [fixedSource('apphub', { kind: 'unavailable', message: 'container websoft9-apphub is not running' })]);
    const result = await runPass(deps, PASS);
    const o = result.resources[0] as ResourceOutcome;
    assert.deepEqual([o.reason, o.ready, o.inSync, o.failed, o.desired, o.plan], ['DesiredStateUnavailable', 'Unknown', false, true, null, null]);
    assert.equal(o.message, 'container websoft9-apphub is not running');
    assert.equal(result.result, 'unavailable');
    assert.deepEqual(resource.plans, [], 'no plan without a desired value');
    assert.deepEqual(host.log, [], 'nothing written, nothing run');
  });

  it('a refused source file (UnsafePath) is a refusal, not a wait: Ready False', async () => {
    const host = new MemoryHost();
    const deps = passDeps(host, [new FileResource('fake', host)], [fixedSource('apphub', { kind: 'unavailable', reason: 'UnsafePath', message: 'config.ini is a symlink out of its volume' })]);
    const o = (await runPass(deps, PASS)).resources[0] as ResourceOutcome;
    assert.deepEqual([o.reason, o.ready, o.failed], ['UnsafePath', 'False', true]);
  });

  it('a source that throws, and a source that is not configured, are unavailable with the reason in the message', async () => {
    const host = new MemoryHost();
    const thrown = new FileResource('thrown', host);
    const missing = new FileResource('missing', host, { source: 'nowhere' });
    const deps = passDeps(host, [thrown, missing], [fixedSource('apphub', new Error('docker socket refused the connection'))]);
    const [a, b] = (await runPass(deps, PASS)).resources as [ResourceOutcome, ResourceOutcome];
    assert.deepEqual([a.reason, a.message], ['DesiredStateUnavailable', 'docker socket refused the connection']);
    assert.deepEqual([b.reason, b.message], ['DesiredStateUnavailable', 'no source named nowhere']);
    assert.deepEqual(host.log, []);
  });

  it('an invalid value: Ready False, InvalidDesiredValue, nothing written', async () => {
    const host = new MemoryHost();
    const deps = passDeps(host, [new FileResource('fake', host)], [fixedSource('apphub', { kind: 'invalid', message: '[cockpit] port "90a0" is not a port' })]);
    const result = await runPass(deps, PASS);
    const o = result.resources[0] as ResourceOutcome;
    assert.deepEqual([o.reason, o.ready, o.failed, o.message], ['InvalidDesiredValue', 'False', true, '[cockpit] port "90a0" is not a port']);
    assert.equal(result.result, 'unavailable');
    assert.deepEqual(host.log, []);
  });

  it('a source shared by two resources is read once per pass; a skipped (held) resource is not observed, its desired value is read and reported', async () => {
    const host = new MemoryHost();
    const apphub = valueSource(9000);
    const other = valueSource('x', 'other');
    const resources = [new FileResource('a', host), new FileResource('b', host), new FileResource('c', host, { source: 'other' })];
    const result = await runPass(passDeps(host, resources, [apphub, other]), { ...PASS, skip: new Set(['c']) });
    assert.deepEqual(result.resources.map((o) => o.name), ['a', 'b']);
    assert.equal(apphub.reads, 1);
    // Read so that a new desired value can release a Flapping hold (reconcile-loop.ts).
    assert.equal(other.reads, 1);
    assert.deepEqual([...(result.heldDesired ?? [])], [['c', 'x']]);
    assert.equal(resources[2]?.observed, 0);
  });
});

describe('runPass: observe and plan', () => {
  it('observe throws: ObserveFailed with the desired value shown, nothing planned', async () => {
    const { resource, only } = setup({ observeFails: [1] });
    const o = await only();
    assert.deepEqual([o.reason, o.ready, o.failed, o.desired, o.observed], ['ObserveFailed', 'False', true, 9000, null]);
    assert.match(o.message, /cannot read \/fake\/fake/);
    assert.deepEqual(resource.plans, []);
  });

  it('a plan with a problem is CannotConverge; one with nothing to manage is TargetAbsent; neither writes', async () => {
    const problem = setup({ problem: 'two ListenStream= lines in a vendor unit' });
    const p = await problem.only();
    assert.deepEqual([p.reason, p.ready, p.failed, p.message], ['CannotConverge', 'False', true, 'two ListenStream= lines in a vendor unit']);
    const absent = setup({ absent: 'no cockpit.socket unit on this host' });
    const a = await absent.only();
    assert.deepEqual([a.reason, a.ready, a.failed], ['TargetAbsent', 'False', true]);
    assert.deepEqual([...problem.host.log, ...absent.host.log], []);
  });

  it('a dry run reports the drift with the plan and changes nothing', async () => {
    const { host, only } = setup();
    const o = await only({ dryRun: true });
    assert.deepEqual([o.reason, o.ready, o.inSync, o.failed, o.changed], ['DriftDetected', 'False', false, false, false]);
    assert.equal(o.message, 'write /fake/fake; then run restart fake.service');
    assert.equal(o.plan?.changes.length, 1);
    assert.deepEqual(host.log, []);
  });
});

describe('runPass: apply and verify', () => {
  it('writes the file, runs the command, re-observes: Applied, converged; the next pass is InSync and unchanged', async () => {
    const { host, resource, deps, only } = setup();
    const o = await only();
    assert.deepEqual([o.reason, o.ready, o.inSync, o.changed, o.failed], ['Applied', 'True', true, true, false]);
    assert.deepEqual([o.observedBefore, o.observed], [null, '9000']);
    assert.deepEqual(host.log, ['write /fake/fake', RESTART_LINE], 'the file first, then its command');
    assert.equal(resource.observed, 2, 'observed before the plan and again to verify');
    const again = await runPass(deps, PASS);
    assert.deepEqual([again.result, again.resources[0]?.reason, again.resources[0]?.changed], ['unchanged', 'InSync', false]);
    assert.deepEqual(host.log, ['write /fake/fake', RESTART_LINE], 'nothing more written or run');
  });

  it('still different after applying (another writer): ApplyFailed, with what was seen before and after', async () => {
    const { only } = setup({ stuck: { fromCall: 2, text: '9090' } });
    const o = await only();
    assert.deepEqual([o.reason, o.ready, o.failed, o.inSync], ['ApplyFailed', 'False', true, false]);
    assert.match(o.message, /still out of sync after applying/);
    assert.deepEqual([o.observedBefore, o.observed], [null, '9090']);
  });

  it('still different after applying because what it reads itself changed meanwhile (a container started): DriftDetected, not ApplyFailed', async () => {
    const moved = await setup({ stuck: { fromCall: 2, text: '9090' }, inputs: (call) => (call === 1 ? 'a' : 'a,b') }).only();
    assert.deepEqual([moved.reason, moved.ready, moved.failed, moved.inSync], ['DriftDetected', 'False', true, false]);
    assert.match(moved.message, /changed while it was applied/);
    const same = await setup({ stuck: { fromCall: 2, text: '9090' }, inputs: () => 'a' }).only();
    assert.equal(same.reason, 'ApplyFailed', 'the same inputs: the change did not take');
  });

  it('observe fails while verifying: ObserveFailed, the write still counted', async () => {
    const { only } = setup({ observeFails: [2] });
    const o = await only();
    assert.deepEqual([o.reason, o.failed, o.changed], ['ObserveFailed', true, true]);
  });

  it('the follow-up commands cannot be recorded: nothing is written (ApplyFailed)', async () => {
    const { host, deps } = setup();
    const files = { ...host.fs, writeFileAtomic: async (path: FilePath, data: string | Buffer) => (path === '/pending.json' ? Promise.reject(new Error('EROFS')) : host.fs.writeFileAtomic(path, data)) };
    const pending = new PendingCommands(files, '/pending.json');
    const result = await runPass({ ...deps, files }, { ...PASS, pending });
    const o = result.resources[0] as ResourceOutcome;
    assert.deepEqual([o.reason, o.failed], ['ApplyFailed', true]);
    assert.match(o.message, /cannot record the follow-up commands \(.*EROFS.*\); nothing written/);
    assert.deepEqual(writes(host), []);
    assert.equal(result.result, 'failed');
  });

  it('an aborted pass rejects before it writes anything', async () => {
    const { host, deps } = setup();
    const controller = new AbortController();
    controller.abort(new Error('pass abandoned after 10ms'));
    await assert.rejects(runPass(deps, { ...PASS, signal: controller.signal }), /pass abandoned after 10ms/);
    assert.deepEqual(host.log, []);
  });
});

describe('runPass: commands run again after a failure', () => {
  it('a failed command is ApplyFailed; with retryCommands the next pass runs it again although the file is right', async () => {
    const { host, resource, deps, only } = setup();
    host.answers.set(RESTART_LINE, FAILED);
    const failed = await only();
    assert.deepEqual([failed.reason, failed.failed, failed.changed], ['ApplyFailed', true, true]);
    assert.match(failed.message, /restart fake\.service/);
    host.answers.delete(RESTART_LINE);

    const plain = await runPass(deps, PASS);
    assert.equal(plain.resources[0]?.reason, 'InSync', 'without the retry (and no record) the file alone decides');
    const retried = await only({ retryCommands: new Set(['fake']) });
    assert.equal(retried.reason, 'Applied');
    // failing pass (no verify after a failed command), plain pass, the retry and its verify
    assert.deepEqual(resource.plans.map((p) => p.retryCommands), [false, false, true, false]);
    assert.deepEqual(host.log.filter((l) => l === RESTART_LINE).length, 2, 'run once failing, once on retry');
    assert.deepEqual(writes(host), ['write /fake/fake'], 'the file is written once');
  });

  it('with the durable record, the owed command runs again on the next pass without being asked, then is forgotten', async () => {
    const { host, deps } = setup();
    const pending = (): PendingCommands => new PendingCommands(host.fs, '/pending.json');
    host.answers.set(RESTART_LINE, FAILED);
    assert.equal((await runPass(deps, { ...PASS, pending: pending() })).resources[0]?.reason, 'ApplyFailed');
    host.answers.delete(RESTART_LINE);
    const record = pending();
    await record.load();
    assert.ok(record.isPending('fake'), 'the failed command is owed');

    const next = await runPass(deps, { ...PASS, pending: pending() });
    assert.equal(next.resources[0]?.reason, 'Applied');
    assert.equal(host.log.filter((l) => l === RESTART_LINE).length, 2);
    const after = pending();
    await after.load();
    assert.equal(after.isPending('fake'), false, 'nothing owed once it succeeded');
  });
});
