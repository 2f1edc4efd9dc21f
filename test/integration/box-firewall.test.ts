import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { RECONCILER_UNIT, bootBox, boxStatus, eventually, installProject, loadBusyboxIntoBox, type Box } from '../../harness/box';
import { BUSYBOX_IMAGE } from '../../harness/busybox-image';
import { assertDocker } from '../support/docker-required';

/**
 * PublishedPortFirewall end to end in the real-host box: its dockerd (iptables), its firewalld,
 * real packets from two client network namespaces inside the box (198.18.9.5 and 198.18.10.5, on
 * veths: subnets of 198.18.0.0/15) to published ports of its containers, the controller under the
 * shipped unit plus the drop-in the kind needs. Every probe is one bounded HTTP GET (nc -w 3).
 */

const WAIT_MS = 60_000;
const CONFIG = [
  'timing: { resyncInterval: 5s }',
  'resources:',
  '  - { name: published-ports, kind: PublishedPortFirewall, default: deny, allowFrom: [198.18.9.0/24] }',
  '',
].join('\n');
/** What the kind needs beyond the shipped unit: netfilter (CAP_NET_ADMIN, netlink sockets). */
const DROP_IN = '[Service]\nCapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW\nRestrictAddressFamilies=AF_NETLINK\n';
const SERVE = "mkdir -p /www && echo ok > /www/index.html && exec busybox httpd -f -p 8080 -h /www";

describe('PublishedPortFirewall in the real-host box', { timeout: 30 * 60_000 }, () => {
  let box: Box | undefined;
  const b = (): Box => {
    if (box === undefined) throw new Error('no box (before failed)');
    return box;
  };
  /**
   * One bounded GET (busybox nc, 3 s) of a published port, from a client network namespace of the
   * box attached by a veth (198.18.9.5 allowed, 198.18.10.5 not) to the box's address on it: as
   * from another host. (Clients in containers of the box's own networks would not do: Docker
   * sends their connections to published ports through docker-proxy, never through FORWARD.)
   */
  const reaches = async (client: 'allowed' | 'denied', port: number): Promise<boolean> => {
    const n = client === 'allowed' ? 9 : 10;
    const probe = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | ip netns exec fwc${n} busybox nc -w 3 198.18.${n}.1 ${port}`;
    return / 200 OK/.test((await b().exec(['sh', '-c', probe], { timeoutMs: 20_000 })).stdout);
  };
  /** The policy holds: the allowed client reaches web, the other does not; `open` (labelled) takes both; `evil` (bad label) only the allowed one. */
  const enforced = async (): Promise<boolean> =>
    (await reaches('allowed', 8080)) && !(await reaches('denied', 8080)) && (await reaches('denied', 8081)) && (await reaches('allowed', 8082)) && !(await reaches('denied', 8082));

  before(async () => {
    await assertDocker();
    box = await bootBox({ log: (line) => console.log(line) });
    await loadBusyboxIntoBox(b());
    const run = (args: string[]): Promise<string> => b().run(['docker', ...args], { timeoutMs: 60_000 });
    // Two client namespaces, each on a veth whose box end is in firewalld's trusted zone (permanent, so reloads keep it).
    for (const n of [9, 10]) {
      await b().sh(
        `ip netns add fwc${n} && ip link add fwh${n} type veth peer name fwc${n} && ip link set fwc${n} netns fwc${n} && ` +
          `ip addr add 198.18.${n}.1/24 dev fwh${n} && ip link set fwh${n} up && ip netns exec fwc${n} ip addr add 198.18.${n}.5/24 dev fwc${n} && ` +
          `ip netns exec fwc${n} ip link set fwc${n} up && ip netns exec fwc${n} ip link set lo up && ip netns exec fwc${n} ip route add default via 198.18.${n}.1 && ` +
          `firewall-cmd -q --zone=trusted --add-interface=fwh${n} && firewall-cmd -q --permanent --zone=trusted --add-interface=fwh${n}`,
      );
    }
    await run(['run', '-d', '--name', 'web', '--restart', 'always', '-p', '8080:8080', BUSYBOX_IMAGE, 'sh', '-c', SERVE]);
    await run(['run', '-d', '--name', 'open', '--restart', 'always', '-p', '8081:8080', '--label', 'reconcile.firewall.allow-from=198.18.10.0/24', BUSYBOX_IMAGE, 'sh', '-c', SERVE]);
    await run(['run', '-d', '--name', 'evil', '--restart', 'always', '-p', '8082:8080', '--label', 'reconcile.firewall.allow-from=198.18.10.0/24 -j ACCEPT', BUSYBOX_IMAGE, 'sh', '-c', SERVE]);
    await installProject(b(), { config: CONFIG, start: false });
    await b().writeFile('/etc/systemd/system/reconciler.service.d/firewall.conf', DROP_IN);
    await b().run(['systemctl', 'daemon-reload']);
  }, { timeout: 25 * 60_000 });

  after(async () => {
    await box?.remove();
  });

  it('without the controller every published port is open; with it, each probe connects or times out as the policy says', async () => {
    assert.ok(await reaches('denied', 8080), 'Docker alone publishes to anyone');
    await b().run(['systemctl', 'enable', '--now', RECONCILER_UNIT], { timeoutMs: 180_000 });
    await eventually('the policy enforced', enforced, WAIT_MS);
    const report = await boxStatus(b());
    const resource = report?.status.resources.find((r) => r.name === 'published-ports');
    const ready = resource?.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.reason, 'InvalidDesiredValue', JSON.stringify(resource));
    assert.match(ready?.message ?? '', /container evil: label reconcile\.firewall\.allow-from="198\.18\.10\.0\/24 -j ACCEPT"/);
    assert.match(resource?.conditions.find((c) => c.type === 'Ports/web')?.message ?? '', /8080->8080\/tcp from 198\.18\.9\.0\/24/);
  });

  it('a container re-created with a new address is guarded at its new address', async () => {
    await b().run(['docker', 'rm', '-f', 'web']);
    await b().run(['docker', 'run', '-d', '--name', 'spacer', BUSYBOX_IMAGE]); // takes web's old address
    await b().run(['docker', 'run', '-d', '--name', 'web', '--restart', 'always', '-p', '8080:8080', BUSYBOX_IMAGE, 'sh', '-c', SERVE]);
    await eventually('enforced at the new address', enforced, WAIT_MS);
  });

  const breakers: [string, (box: Box) => Promise<unknown>][] = [
    ['the jump deleted by hand', (x) => x.run(['iptables', '-D', 'DOCKER-USER', '-j', 'RECONCILE-PUBLISHED'])],
    ['a duplicate ACCEPT rule inserted by hand', (x) => x.run(['iptables', '-I', 'RECONCILE-PUBLISHED', '1', '-j', 'ACCEPT'])],
    ['systemctl restart docker', (x) => x.run(['systemctl', 'restart', 'docker'], { timeoutMs: 180_000 })],
    ['the controller killed (and restarted by systemd)', (x) => x.run(['systemctl', 'kill', '-s', 'KILL', RECONCILER_UNIT])],
    // Last: once (a reload before any container was started) Docker 20.10 re-created FORWARD with
    // its jump to DOCKER-USER last (docs/resource-kinds.md, "Known gap"); should that recur, the others still ran.
    ['firewall-cmd --reload', (x) => x.run(['firewall-cmd', '--reload'], { timeoutMs: 60_000 })],
  ];
  for (const [what, breakIt] of breakers) {
    it(`enforced again after ${what}`, async () => {
      await eventually('enforced before', enforced, WAIT_MS);
      const started = Date.now();
      await breakIt(b());
      await eventually(`enforced again after ${what}`, enforced, WAIT_MS);
      console.log(`# enforced again ${Date.now() - started} ms after the start of: ${what}`);
    });
  }

});
