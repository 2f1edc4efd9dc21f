import assert from 'node:assert/strict';
import { it } from 'node:test';

import { BOX_APPHUB, BOX_DEB_DIR, boxConfig, cockpitAnswersInBox, conditionOf, eventually, writeBoxApphubPort, type Box, type BoxStatusReport } from '../../harness/box';

/**
 * The seed scenario on the real-host box, for every way the project is deployed there (the
 * systemd unit of deploy/install.sh, the Compose service of deploy/docker-compose.yml): Cockpit
 * moved to apphub's port, firewalld's service, a real package upgrade (`dpkg -i` of Debian's
 * cockpit-ws, whose maintainer scripts reload systemd and restart the socket) while apphub is
 * stopped in dropin and in inplace mode, the Listening condition, and PortInUse.
 */

export const SEED_USER_PORT = 9000;
const VENDOR_PORT = 9090;
const WAIT_MS = 90_000;

/** The box's resources with a short resync, so that a condition that clears (a port freed) is seen without a trigger. */
export const SEED_RESOURCES = boxConfig('timing: { resyncInterval: 5s }');

/** How the scenario drives one deployment of the controller in the box. */
export interface SeedDeployment {
  box(): Box;
  /** What `reconcile status --json` prints for this deployment; null when it printed no JSON. */
  status(): Promise<BoxStatusReport | null>;
  /** The configuration it runs with (SEED_RESOURCES in `mode: dropin`, plus what the deployment needs). */
  config: string;
  /** Stops the controller (and waits until it is gone). */
  stop(): Promise<void>;
  /** Writes `config` where this deployment reads it, makes `mode: inplace` writable, starts the controller. */
  startInplace(config: string): Promise<void>;
  /** Lines for a failed wait: the status table and the controller's last log lines. */
  diagnostics(): Promise<string>;
}

/** Waits until the deployment reports healthy (`reconcile status` exit 0); rejects with its diagnostics. */
export async function untilHealthy(d: SeedDeployment, what = 'the controller reports healthy'): Promise<void> {
  await explained(d, eventually(what, async () => (await d.status())?.healthy === true, WAIT_MS));
}

async function explained(d: SeedDeployment, wait: Promise<void>): Promise<void> {
  await wait.catch(async (error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${await d.diagnostics()}`);
  });
}

/** Registers the scenario's tests (in the caller's `describe`, after its `before` deployed and started the controller). */
export function seedScenario(d: SeedDeployment): void {
  const b = (): Box => d.box();
  const upgradeCockpit = (): Promise<string> => b().run(['bash', '-c', `dpkg -i ${BOX_DEB_DIR}/cockpit-ws_*.deb`], { timeoutMs: 300_000 });

  it('moves the real cockpit.socket to apphub’s port: Cockpit’s login page answers there and not on 9090', async () => {
    assert.equal(await cockpitAnswersInBox(b(), SEED_USER_PORT), true);
    assert.equal(await b().probeTcp(VENDOR_PORT), false);
    const listen = await b().unitProperties('cockpit.socket', ['Listen', 'ActiveState']);
    assert.equal(listen.ActiveState, 'active');
    assert.match(listen.Listen ?? '', new RegExp(`:${SEED_USER_PORT} \\(Stream\\)`));
  });

  it('firewalld shows the user’s port for the cockpit service, in the runtime and the permanent configuration', async () => {
    for (const permanent of [[], ['--permanent']]) {
      const info = await b().run(['firewall-cmd', ...permanent, '--info-service=cockpit']);
      assert.match(info, new RegExp(`^\\s*ports: ${SEED_USER_PORT}/tcp$`, 'm'), `firewall-cmd ${permanent.join(' ')} --info-service=cockpit:\n${info}`);
    }
  });

  it('dropin mode: a package upgrade while apphub is stopped leaves Cockpit on the user’s port; it never moves to 9090', async () => {
    await b().run(['docker', 'stop', BOX_APPHUB]);
    await upgradeCockpit();
    // The upgrade restored the vendor unit (9090); the drop-in it never touches keeps the port.
    assert.match(await b().run(['cat', '/lib/systemd/system/cockpit.socket']), new RegExp(`^ListenStream=${VENDOR_PORT}$`, 'm'));
    assert.equal(await b().probeTcp(VENDOR_PORT), false, 'nothing on 9090 after the upgrade');
    assert.equal(await cockpitAnswersInBox(b(), SEED_USER_PORT), true);
    await b().run(['docker', 'start', BOX_APPHUB]);
    await untilHealthy(d, 'healthy after apphub started');
    assert.equal(await cockpitAnswersInBox(b(), SEED_USER_PORT), true);
    assert.equal(await b().probeTcp(VENDOR_PORT), false);
  });

  it('inplace mode: the upgrade puts 9090 back while apphub is down (nothing is written); apphub’s start moves Cockpit to the user’s port', async () => {
    // Stopped first: the running controller (dropin mode) would put its drop-in back at once.
    await d.stop();
    await b().run(['rm', '-f', '/etc/systemd/system/cockpit.socket.d/listen.conf']);
    await b().run(['systemctl', 'daemon-reload']);
    await d.startInplace(d.config.replace('mode: dropin', 'mode: inplace'));
    const vendorUnitEdited = async (): Promise<boolean> => new RegExp(`^ListenStream=${SEED_USER_PORT}$`, 'm').test(await b().run(['cat', '/lib/systemd/system/cockpit.socket']));
    await explained(d, eventually('the vendor unit edited in place', vendorUnitEdited, WAIT_MS));
    await eventually('Cockpit on the user’s port', () => cockpitAnswersInBox(b(), SEED_USER_PORT), WAIT_MS);

    await b().run(['docker', 'stop', BOX_APPHUB]);
    await upgradeCockpit();
    // apphub is down: the desired port is unknown, so the controller writes nothing and the
    // package's port stands until apphub is back.
    await eventually('Cockpit on 9090 after the upgrade', () => cockpitAnswersInBox(b(), VENDOR_PORT), WAIT_MS);
    assert.equal(conditionOf(await d.status(), 'cockpit-socket', 'Ready')?.reason, 'DesiredStateUnavailable');

    await b().run(['docker', 'start', BOX_APPHUB]);
    await explained(d, eventually('Cockpit back on the user’s port', () => cockpitAnswersInBox(b(), SEED_USER_PORT), WAIT_MS));
    await untilHealthy(d, 'healthy');
    assert.equal(await b().probeTcp(VENDOR_PORT), false, '9090 released');
  });

  it('Listening is True: the holder of Cockpit’s socket (systemd) is seen', async () => {
    const listening = conditionOf(await d.status(), 'cockpit-socket', 'Listening');
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
      const portInUse = async (): Promise<boolean> => {
        const listening = conditionOf(await d.status(), 'cockpit-socket', 'Listening');
        return listening?.reason === 'PortInUse' && listening.message.includes(`busybox (pid ${pid ?? '?'})`);
      };
      await explained(d, eventually('PortInUse naming busybox', portInUse, WAIT_MS));
      assert.equal(await cockpitAnswersInBox(b(), newPort), false, 'Cockpit does not hold the port');
    } finally {
      await b().exec(['systemctl', 'stop', 'port-squatter.service']);
    }
    await explained(d, eventually('Cockpit on the freed port', () => cockpitAnswersInBox(b(), newPort), WAIT_MS));
    await untilHealthy(d, 'healthy');
    await writeBoxApphubPort(b(), SEED_USER_PORT);
    await explained(d, eventually('Cockpit back on the user’s port', () => cockpitAnswersInBox(b(), SEED_USER_PORT), WAIT_MS));
  });
}
