import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_INI_VALUE_BYTES, observedIniValue, planIniValue, type IniValueSettings } from '../../src/resources/ini-value/plan-ini-value';

const path = '/etc/cockpit/cockpit.conf';
const restart = [{ tool: 'systemctl' as const, args: ['try-restart', 'cockpit.service'] }];
const settings: IniValueSettings = { section: 'WebService', key: 'Origins', template: 'http://{value}:9000 ws://{value}:9000', create: false, after: restart };
const noRetry = { retryCommands: false };
const state = (text: string | null): { path: string; bytes: Buffer | null } => ({ path, bytes: text === null ? null : Buffer.from(text, 'latin1') });

describe('planIniValue', () => {
  it('a missing file is TargetAbsent unless create is set', () => {
    assert.match(planIniValue('172.17.0.1', state(null), settings, noRetry).absent ?? '', /does not exist/);
    const plan = planIniValue('172.17.0.1', state(null), { ...settings, create: true }, noRetry);
    assert.equal(plan.changes.length, 1);
    assert.equal(plan.changes[0]?.before, null);
    assert.equal(plan.changes[0]?.mode, 0o644);
    assert.equal(plan.changes[0]?.after.toString(), '[WebService]\nOrigins = http://172.17.0.1:9000 ws://172.17.0.1:9000\n');
    assert.deepEqual(plan.commands, restart);
  });
  it('an empty existing file gets the group', () => {
    const plan = planIniValue('10.0.0.1', state(''), settings, noRetry);
    assert.equal(plan.changes[0]?.after.toString(), '[WebService]\nOrigins = http://10.0.0.1:9000 ws://10.0.0.1:9000\n');
  });
  it('in sync: nothing, or the commands again after a failed apply', () => {
    const text = '[WebService]\nOrigins = http://10.0.0.1:9000 ws://10.0.0.1:9000\n';
    assert.deepEqual(planIniValue('10.0.0.1', state(text), settings, noRetry), { changes: [], commands: [] });
    assert.deepEqual(planIniValue('10.0.0.1', state(text), settings, { retryCommands: true }).commands, restart);
  });
  it('keeps the before bytes for a rollback, as a Buffer', () => {
    const plan = planIniValue('10.0.0.2', state('[WebService]\nOrigins=x\n'), settings, noRetry);
    assert.ok(Buffer.isBuffer(plan.changes[0]?.before));
    assert.equal(plan.changes[0]?.after.toString(), '[WebService]\nOrigins=http://10.0.0.2:9000 ws://10.0.0.2:9000\n');
  });
  it('a file GLib would not read is not touched', () => {
    const plan = planIniValue('10.0.0.1', state('[WebService]\ngarbage\n'), settings, noRetry);
    assert.match(plan.problem ?? '', /line 2/);
    assert.equal(plan.changes.length, 0);
  });
  it('a huge file is refused', () => {
    const plan = planIniValue('10.0.0.1', state(`[A]\n${'#'.repeat(MAX_INI_VALUE_BYTES)}\n`), settings, noRetry);
    assert.match(plan.problem ?? '', /larger than/);
  });
  it('a value with a line break is refused', () => {
    assert.match(planIniValue('a\nb', state(''), settings, noRetry).problem ?? '', /line break/);
  });
  it('a UTF-8 value lands as its UTF-8 bytes and is shown decoded', () => {
    const plan = planIniValue('/é.pem', state('[WebService]\n'), { ...settings, template: '{value}' }, noRetry);
    const after = plan.changes[0]?.after as Buffer;
    assert.deepEqual(after, Buffer.from('[WebService]\nOrigins = /é.pem\n', 'utf8'));
    assert.equal(observedIniValue({ path, bytes: after }, settings), '/é.pem');
  });
});

describe('planIniValue: a refused file', () => {
  it('is CannotConverge with the reason, nothing written', () => {
    const plan = planIniValue('10.0.0.1', { path, bytes: null, refused: `${path} is not a regular file (fifo)` }, { ...settings, create: true }, noRetry);
    assert.deepEqual([plan.changes, plan.problem], [[], `${path} is not a regular file (fifo)`]);
  });
});
