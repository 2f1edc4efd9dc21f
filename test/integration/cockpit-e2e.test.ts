import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';

import { COCKPIT_WS, assertCockpitWs, cockpitAnswers, cockpitDeb, cockpitWsSkip, debSocketUnitPath, unpackDeb } from '../../harness/websoft9-host/cockpit-ws';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, type EmulatedHost, type YamlMapping, type YamlValue } from '../../harness/websoft9-host';
import { freePort } from '../support/free-port';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';
import {
  hookLogs,
  loadedListenStreams,
  runSystemctlHook,
  stopCockpitSocket,
  systemdSocketHook,
} from '../support/systemd-socket-hook';

/**
 * End to end with the real Cockpit: Debian's cockpit-ws serves the login page wherever the
 * emulated systemd (an independent awk reading of cockpit.socket + drop-ins) says cockpit.socket
 * listens, and Debian's real cockpit-ws package is unpacked over the emulated root as the upgrade.
 */

const FAST = { resyncInterval: '10m', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '1s' };
const DROP_IN_DIR = 'etc/systemd/system/cockpit.socket.d';
/** The port the vendor unit of the real package says. */
const PACKAGE_PORT = 9090;

function isMapping(value: YamlValue): value is YamlMapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function replaceByRename(file: string, text: string): Promise<void> {
  await fs.writeFile(`${file}.dpkg-tmp`, text);
  await fs.rename(`${file}.dpkg-tmp`, file);
}

describe('real Cockpit keeps the user’s port through a real package upgrade', { skip: cockpitWsSkip() }, () => {
  let host: EmulatedHost | undefined;
  let daemon: DaemonProcess | undefined;
  let deb = '';
  let unitPath = '';
  let userPort = 0;
  let vendorPort = PACKAGE_PORT;
  const timings: Record<string, number> = {};

  const h = (): EmulatedHost => {
    if (host === undefined) throw new Error('no emulated host (before failed)');
    return host;
  };
  const socketReason = async (): Promise<string | undefined> => readyOf(await readStatusJson(h().statusPath), 'cockpit-socket')?.reason;
  /** Waits until Cockpit answers on `on` and not on `off`; failure messages carry the hook's logs. */
  const cockpitOn = async (on: number, off: number): Promise<void> => {
    try {
      await waitFor(`Cockpit on ${on} and not on ${off}`, async () => (await cockpitAnswers(on)) && !(await cockpitAnswers(off)));
    } catch (error: unknown) {
      const loaded = (await loadedListenStreams(h().root)).join(', ');
      throw new Error(`${String(error)}\nloaded ListenStream=: ${loaded}\n${await hookLogs(h().root)}\ncommands: ${(await h().commands()).join('; ')}`);
    }
  };

  before(async () => {
    assertCockpitWs();
    await assertDocker();
    let started = Date.now();
    deb = await cockpitDeb();
    timings.debMs = Date.now() - started;
    const unitRelative = await debSocketUnitPath(deb);

    userPort = await freePort();
    if (!(await portIsFree(PACKAGE_PORT))) vendorPort = await freePort();

    started = Date.now();
    host = await createEmulatedHost({ port: userPort, vendorPort });
    timings.hostMs = Date.now() - started;
    // The controller must look where the package puts the unit (lib/ in bookworm, usr/lib/ later).
    unitPath = path.join(host.root, unitRelative);
    if (unitPath !== host.unitPath) {
      await fs.mkdir(path.dirname(unitPath), { recursive: true });
      await fs.rename(host.unitPath, unitPath);
    }
    const resources = host.baseConfig().resources as readonly YamlValue[];
    await host.writeConfig({
      timing: FAST,
      resources: resources.map((r) => (isMapping(r) && r.kind === 'SystemdSocketPort' ? { ...r, unitPath } : r)),
    });
    await host.setCommandHook('systemctl', systemdSocketHook({ unitPath: unitRelative, dropInDir: DROP_IN_DIR }));

    // Boot: systemd starts cockpit.socket from the vendor files.
    await runSystemctlHook(host.root, ['start', 'cockpit.socket']);
    await cockpitOn(vendorPort, userPort);
  });

  after(async () => {
    const code = daemon === undefined ? 0 : (daemon.process.exitCode ?? (await daemon.stop()));
    if (host !== undefined) {
      const left = await stopCockpitSocket(host.root);
      await host.cleanup();
      assert.deepEqual(left, [], 'every cockpit-ws stopped');
    }
    assert.equal(code, 0, daemon?.stderr());
  });

  it('(1) the controller moves Cockpit from the vendor port to the user’s port', async (t: TestContext) => {
    const started = Date.now();
    daemon = startDaemon(['--config', h().configPath]);
    await waitFor('the first pass to converge', async () => (await readStatusJson(h().statusPath))?.resources.every((r) => r.inSync));
    await cockpitOn(userPort, vendorPort);
    timings.firstConvergeMs = Date.now() - started;

    const commands = await h().commands();
    const reload = commands.indexOf('systemctl daemon-reload');
    assert.ok(reload >= 0 && reload < commands.indexOf('systemctl restart cockpit.socket'), commands.join('; '));
    assert.deepEqual(await loadedListenStreams(h().root), [String(userPort)]);
    t.diagnostic(`Cockpit's login page on 127.0.0.1:${userPort} ${timings.firstConvergeMs} ms after the controller started`);
  });

  it('(2) upgrade while apphub is down: Cockpit falls back to the vendor port, the controller writes nothing', async (t: TestContext) => {
    await h().stopApphub();
    await waitFor('DesiredStateUnavailable', async () => (await socketReason()) === 'DesiredStateUnavailable');
    await h().clearCommands();

    // The package upgrade: the real package unpacked over the root replaces the vendor unit…
    const inodeBefore = (await fs.stat(unitPath)).ino;
    const started = Date.now();
    const installed = await unpackDeb(deb, h().root);
    timings.unpackMs = Date.now() - started;
    assert.ok(installed.includes(path.relative(h().root, unitPath)), installed.join(', '));
    assert.notEqual((await fs.stat(unitPath)).ino, inodeBefore, 'the unit was replaced, not edited');
    let unit = await fs.readFile(unitPath, 'utf8');
    assert.match(unit, new RegExp(`^ListenStream=${PACKAGE_PORT}$`, 'm'), 'the real vendor unit');
    if (vendorPort !== PACKAGE_PORT) {
      // 9090 is taken on this machine: move the vendor default out of its way.
      unit = unit.replace(`ListenStream=${PACKAGE_PORT}`, `ListenStream=${vendorPort}`);
      await replaceByRename(unitPath, unit);
    }
    // …and the old edge-triggered watcher, finding apphub gone, reset the drop-in to the default.
    await replaceByRename(path.join(h().root, DROP_IN_DIR, 'listen.conf'), `[Socket]\nListenStream=\nListenStream=${vendorPort}\n`);
    // The postinst: daemon-reload and restart (deb-systemd-invoke), straight to the systemd stand-in.
    await runSystemctlHook(h().root, ['daemon-reload']);
    await runSystemctlHook(h().root, ['restart', 'cockpit.socket']);
    await cockpitOn(vendorPort, userPort);

    const snapshot = await h().snapshot();
    await new Promise((r) => setTimeout(r, 1500)); // file triggers and several backoff retries
    assert.deepEqual(await h().snapshot(), snapshot, 'nothing written while the desired value is unknown');
    assert.deepEqual(await h().commands(), [], 'no command while the desired value is unknown');
    assert.equal(await socketReason(), 'DesiredStateUnavailable');
    assert.equal(await cockpitAnswers(vendorPort), true, 'still the broken state: Cockpit on the vendor port');
    assert.equal(await cockpitAnswers(userPort), false);
    t.diagnostic(`${installed.length} files of the real package unpacked in ${timings.unpackMs} ms; Cockpit on ${vendorPort} only while apphub is down`);
  });

  it('(3) apphub back: Cockpit answers on the user’s port again (Docker’s start event, not the resync), not on the vendor port', async (t: TestContext) => {
    const started = Date.now();
    await h().startApphub();
    const apphubUpMs = Date.now() - started;
    await cockpitOn(userPort, vendorPort);
    // The resync is 10 minutes away: Docker's start event did it. How fast: bench/ (apphub start → converged).
    timings.healMs = Date.now() - started;

    assert.deepEqual(await loadedListenStreams(h().root), [String(userPort)]);
    assert.match(await fs.readFile(unitPath, 'utf8'), new RegExp(`^ListenStream=${vendorPort}$`, 'm'), 'the vendor unit is left to the package');
    for (const xml of h().firewalldFiles) assert.match(await fs.readFile(xml, 'utf8'), new RegExp(`port="${userPort}"`));
    await waitFor('Ready again', async () => readyOf(await readStatusJson(h().statusPath), 'cockpit-socket')?.status === 'True');
    t.diagnostic(
      `apphub running after ${apphubUpMs} ms; Cockpit on ${userPort} (not ${vendorPort}) ${timings.healMs} ms after docker start ` +
        `(deb ${timings.debMs} ms, host ${timings.hostMs} ms; ${COCKPIT_WS})`,
    );
  });
});
