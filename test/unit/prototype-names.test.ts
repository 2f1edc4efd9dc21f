import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingCommands } from '../../src/controller/pending-commands';
import { runPass } from '../../src/controller/run-pass';
import { MemoryHost } from '../support/memory-host';
import { FileResource, passDeps } from '../support/pass-fakes';

/** Attack class 8 of issue 15: names that are also Object.prototype's keys. */
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
const RECORD = '/status.json.pending.json';
const RESTART = { tool: 'systemctl' as const, args: ['restart', 'cockpit.socket'] };

describe('resources named like prototype keys behave like any other', () => {
  it('an empty record owes nothing to `constructor` & co.', async () => {
    const host = new MemoryHost();
    const pending = new PendingCommands(host.fs, RECORD);
    await pending.load(new Set(NAMES));
    for (const name of NAMES) assert.equal(pending.isPending(name), false, name);
  });

  it('after a converged pass, the next pass restarts nothing (before: `constructor` was always pending)', async () => {
    const host = new MemoryHost();
    const resources = NAMES.map((n) => new FileResource(n, host, { commands: [RESTART] }));
    const pass = () => runPass(passDeps(host, resources), { dryRun: false, triggers: ['test'], pending: new PendingCommands(host.fs, RECORD) });
    const first = await pass();
    assert.deepEqual(first.resources.map((r) => r.reason), NAMES.map(() => 'Applied'));
    assert.equal(host.files.has(RECORD), false);
    const before = host.log.length;
    const second = await pass();
    assert.deepEqual(second.resources.map((r) => r.reason), NAMES.map(() => 'InSync'));
    assert.deepEqual(host.log.slice(before), [], 'no command on an in-sync pass');
  });

  it('a record left by a crash keeps (and then forgets) an entry named `__proto__` like any other', async () => {
    const host = new MemoryHost();
    host.files.set(RECORD, Buffer.from(JSON.stringify({ version: 1, resources: JSON.parse('{"__proto__": {"since": "", "commands": [], "undo": []}}') })));
    const pending = new PendingCommands(host.fs, RECORD);
    await pending.load(new Set(NAMES));
    assert.equal(pending.problem, null);
    assert.deepEqual([pending.isPending('__proto__'), pending.isPending('constructor')], [true, false]);
    await pending.forget(['__proto__']);
    assert.equal(host.files.has(RECORD), false);
  });

});
