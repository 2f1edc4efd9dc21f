import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, type EmulatedHost, type YamlMapping } from '../../harness/websoft9-host';
import { readStatusJson, waitFor } from '../../harness/status';

const FAST = { resyncInterval: '10m', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '1s' };

/** The emulated host's resources with `enabled` set on cockpit-firewalld. */
function withFirewalld(host: EmulatedHost, enabled: boolean): YamlMapping {
  const resources = (host.baseConfig().resources as YamlMapping[]).map((r) => (r.name === 'cockpit-firewalld' ? { ...r, enabled } : r));
  return { timing: FAST, resources };
}

describe('the controller skips resources switched off (enabled: false), and takes them up on SIGHUP', () => {
  let host: EmulatedHost;
  let daemon: DaemonProcess;
  let vendorXml: string[] = [];

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    vendorXml = await Promise.all(host.firewalldFiles.map((f) => readFile(f, 'utf8')));
    await host.writeConfig(withFirewalld(host, false));
    daemon = startDaemon(['--config', host.configPath, '--log-level', 'warn']);
  });
  after(async () => {
    const code = await daemon?.stop();
    await host?.cleanup();
    assert.equal(code, 0, daemon?.stderr());
  });

  it('corrects the enabled resource, never touches or reports the one switched off', async () => {
    await waitFor('cockpit-socket in sync', async () => (await readStatusJson(host.statusPath))?.resources.some((r) => r.name === 'cockpit-socket' && r.inSync));
    const status = await readStatusJson(host.statusPath);
    assert.deepEqual(status?.resources.map((r) => r.name), ['cockpit-socket']);
    assert.deepEqual(await Promise.all(host.firewalldFiles.map((f) => readFile(f, 'utf8'))), vendorXml, 'firewalld files untouched');
    assert.ok(!(await host.commands()).some((c) => c.startsWith('firewall-cmd')), (await host.commands()).join('\n'));
    const raw = JSON.parse(await readFile(host.statusPath, 'utf8')) as { lastSuccessAt: string | null };
    assert.ok(raw.lastSuccessAt, 'in sync counts only the enabled resources');
  });

  it('enabled again and SIGHUP: the resource is corrected', async () => {
    await host.writeConfig(withFirewalld(host, true));
    daemon.process.kill('SIGHUP');
    await waitFor('cockpit-firewalld in sync', async () => (await readStatusJson(host.statusPath))?.resources.some((r) => r.name === 'cockpit-firewalld' && r.inSync));
    for (const file of host.firewalldFiles) assert.match(await readFile(file, 'utf8'), /port="9000"/);
  });
});
