import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  BOX_APPHUB,
  BOX_CONFIG_PATH,
  BOX_DEB_DIR,
  RECONCILER_UNIT,
  bootBox,
  boxConfig,
  boxStatus,
  cockpitAnswersInBox,
  conditionOf,
  eventually,
  installProject,
  startBoxApphub,
  writeBoxApphubPort,
  type Box,
} from '../../harness/box';
import { assertDocker } from '../support/docker-required';

/**
 * The seed on a real host: systemd as PID 1, the real cockpit.socket, firewalld and the box's own
 * dockerd running apphub; the project installed by deploy/install.sh and run by the shipped unit.
 * A real package upgrade (`dpkg -i` of Debian's cockpit-ws, whose maintainer scripts reload systemd
 * and restart the socket) happens while apphub is stopped; Cockpit ends on the user's port.
 */

const USER_PORT = 9000;
const VENDOR_PORT = 9090;
/** A short resync so that a condition that clears (a port freed) is seen without a trigger. */
const CONFIG = boxConfig('timing: { resyncInterval: 5s }');
const WAIT_MS = 90_000;

describe('the seed on the real-host box (systemd, firewalld, dockerd, Cockpit)', { timeout: 30 * 60_000 }, () => {
  let box: Box | undefined;
  const b = (): Box => {
    if (box === undefined) throw new Error('no box (before failed)');
    return box;
  };
  const inSync = async (): Promise<boolean> => (await boxStatus(b()))?.healthy === true;

  before(async () => {
    await assertDocker();
    box = await bootBox({ log: (line) => console.log(line) });
    await startBoxApphub(box, USER_PORT);
    await installProject(box, { config: CONFIG });
    await eventually('the controller reports healthy', inSync, WAIT_MS);
  }, { timeout: 25 * 60_000 });

  after(async () => {
    await box?.remove();
  });

  it('moves the real cockpit.socket to apphub’s port: Cockpit’s login page answers there and not on 9090', async () => {
    assert.equal(await cockpitAnswersInBox(b(), USER_PORT), true);
    assert.equal(await b().probeTcp(VENDOR_PORT), false);
    const listen = await b().unitProperties('cockpit.socket', ['Listen', 'ActiveState']);
    assert.equal(listen.ActiveState, 'active');
    assert.match(listen.Listen ?? '', new RegExp(`:${USER_PORT} \\(Stream\\)`));
  });

  it('firewalld shows the user’s port for the cockpit service, in the runtime and the permanent configuration', async () => {
    for (const permanent of [[], ['--permanent']]) {
      const info = await b().run(['firewall-cmd', ...permanent, '--info-service=cockpit']);
      assert.match(info, new RegExp(`^\\s*ports: ${USER_PORT}/tcp$`, 'm'), `firewall-cmd ${permanent.join(' ')} --info-service=cockpit:\n${info}`);
    }
  });

  it('dropin mode: a package upgrade while apphub is stopped leaves Cockpit on the user’s port; it never moves to 9090', async () => {
    await b().run(['docker', 'stop', BOX_APPHUB]);
    await b().run(['bash', '-c', `dpkg -i ${BOX_DEB_DIR}/cockpit-ws_*.deb`], { timeoutMs: 300_000 });
    // The upgrade restored the vendor unit (9090); the drop-in it never touches keeps the port.
    assert.match(await b().run(['cat', '/lib/systemd/system/cockpit.socket']), new RegExp(`^ListenStream=${VENDOR_PORT}$`, 'm'));
    assert.equal(await b().probeTcp(VENDOR_PORT), false, 'nothing on 9090 after the upgrade');
    assert.equal(await cockpitAnswersInBox(b(), USER_PORT), true);
    await b().run(['docker', 'start', BOX_APPHUB]);
    await eventually('healthy after apphub started', inSync, WAIT_MS);
    assert.equal(await cockpitAnswersInBox(b(), USER_PORT), true);
    assert.equal(await b().probeTcp(VENDOR_PORT), false);
  });

  it('inplace mode: the upgrade puts 9090 back while apphub is down (nothing is written); apphub’s start moves Cockpit to the user’s port', async () => {
    // What a user does for inplace mode (the unit's comment): the shipped unit stays unchanged.
    // Stopped first: the running controller (dropin mode) would put its drop-in back at once.
    await b().run(['systemctl', 'stop', RECONCILER_UNIT], { timeoutMs: 120_000 });
    await b().writeFile('/etc/systemd/system/reconciler.service.d/inplace.conf', '[Service]\nReadWritePaths=/lib/systemd/system /usr/lib/systemd/system\n');
    await b().writeFile(BOX_CONFIG_PATH, CONFIG.replace('mode: dropin', 'mode: inplace'), '0640');
    await b().run(['rm', '-f', '/etc/systemd/system/cockpit.socket.d/listen.conf']);
    await b().run(['systemctl', 'daemon-reload']);
    await b().run(['systemctl', 'start', RECONCILER_UNIT], { timeoutMs: 180_000 });
    await eventually('the vendor unit edited in place', async () => /^ListenStream=9000$/m.test(await b().run(['cat', '/lib/systemd/system/cockpit.socket'])), WAIT_MS).catch(
      async (error: unknown) => {
        const status = (await b().exec(['reconcile', 'status'])).stdout;
        const journal = (await b().journal(RECONCILER_UNIT)).slice(-8).join('\n');
        throw new Error(`${String(error)}\n${status}\n${journal}`);
      },
    );
    await eventually('Cockpit on the user’s port', () => cockpitAnswersInBox(b(), USER_PORT), WAIT_MS);

    await b().run(['docker', 'stop', BOX_APPHUB]);
    await b().run(['bash', '-c', `dpkg -i ${BOX_DEB_DIR}/cockpit-ws_*.deb`], { timeoutMs: 300_000 });
    // apphub is down: the desired port is unknown, so the controller writes nothing and the
    // package's port stands until apphub is back.
    await eventually('Cockpit on 9090 after the upgrade', () => cockpitAnswersInBox(b(), VENDOR_PORT), WAIT_MS);
    assert.equal(conditionOf(await boxStatus(b()), 'cockpit-socket', 'Ready')?.reason, 'DesiredStateUnavailable');

    await b().run(['docker', 'start', BOX_APPHUB]);
    await eventually('Cockpit back on the user’s port', () => cockpitAnswersInBox(b(), USER_PORT), WAIT_MS);
    await eventually('healthy', inSync, WAIT_MS);
    assert.equal(await b().probeTcp(VENDOR_PORT), false, '9090 released');
  });

  it('Listening is True under the shipped unit: the holder of Cockpit’s socket is seen', async () => {
    const listening = conditionOf(await boxStatus(b()), 'cockpit-socket', 'Listening');
    assert.equal(listening?.status, 'True', JSON.stringify(listening));
    assert.equal(listening?.reason, 'Listening');
    assert.match(listening?.message ?? '', /systemd/);
  });

  it('PortInUse names a foreign holder of the new port (busybox nc); once it is gone Cockpit moves there', async () => {
    const newPort = 9555;
    await b().run(['systemd-run', '--unit=port-squatter', '/bin/busybox', 'nc', '-ll', '-p', String(newPort), '-e', '/bin/true']);
    try {
      const { MainPID: pid } = await b().waitForUnit('port-squatter.service', { active: ['active'] });
      await eventually('the squatter listens', () => b().probeTcp(newPort), WAIT_MS);
      await writeBoxApphubPort(b(), newPort);
      await eventually(
        'PortInUse naming busybox',
        async () => {
          const listening = conditionOf(await boxStatus(b()), 'cockpit-socket', 'Listening');
          return listening?.reason === 'PortInUse' && listening.message.includes(`busybox (pid ${pid ?? '?'})`);
        },
        WAIT_MS,
      );
      assert.equal(await cockpitAnswersInBox(b(), newPort), false, 'Cockpit does not hold the port');
    } finally {
      await b().exec(['systemctl', 'stop', 'port-squatter.service']);
    }
    await eventually('Cockpit on the freed port', () => cockpitAnswersInBox(b(), newPort), WAIT_MS);
    await eventually('healthy', inSync, WAIT_MS);
    await writeBoxApphubPort(b(), USER_PORT);
    await eventually('Cockpit back on the user’s port', () => cockpitAnswersInBox(b(), USER_PORT), WAIT_MS);
  });
});
