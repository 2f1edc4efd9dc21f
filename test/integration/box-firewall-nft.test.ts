import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BOX_CONFIG_PATH, RECONCILER_UNIT, SCENE_CONTAINERS, V6_NETWORK, boxStatus, enableBoxIpv6, enforcedIn, eventually, firewallConfig, policyMismatch, probeAll, setUpFirewallScene, type Box } from '../../harness/box';
import { bootedBox } from '../support/booted-box';

/**
 * PublishedPortFirewall with `backend: nftables` end to end in the real-host box: the same scene
 * as box-firewall.test.ts (harness/box/firewall-scene.ts: two client namespaces, three containers
 * with published ports, real probes), but the policy is held by `table inet reconcile`, a base
 * chain on `forward` at priority `filter - 1`, ahead of the box's Docker 20.10 (iptables-nft)
 * and firewalld. The resync is 10 minutes, and once `evil` (whose refused label keeps the
 * resource failing, so retried with backoff) is gone every correction here is started by a
 * trigger (`nft monitor` seeing our table change, firewalld's `Reloaded`), not by a timer.
 */

const WAIT_MS = 60_000;
/** The scene without `evil`. */
const KEPT = SCENE_CONTAINERS.filter((c) => c.name !== 'evil');

/** Our table as `nft` lists it in the box (with handles when asked), or null when there is none. */
async function ourTable(box: Box, handles = false): Promise<string | null> {
  const result = await box.exec(['nft', ...(handles ? ['-a'] : []), 'list', 'table', 'inet', 'reconcile']);
  return result.code === 0 ? result.stdout : null;
}

/** The breakages, each from enforced: what it does in the box. */
const BREAKERS: Record<string, (box: Box) => Promise<unknown>> = {
  'the table deleted by hand': (x) => x.run(['nft', 'delete', 'table', 'inet', 'reconcile']),
  'a drop rule deleted by hand': async (x) => {
    const handle = / drop # handle (\d+)$/m.exec((await ourTable(x, true)) ?? '')?.[1];
    assert.ok(handle !== undefined, 'a drop rule to delete');
    await x.run(['nft', 'delete', 'rule', 'inet', 'reconcile', 'forward', 'handle', handle]);
  },
  'an accept rule inserted first by hand': (x) => x.run(['nft', 'insert', 'rule', 'inet', 'reconcile', 'forward', 'accept']),
  'firewall-cmd --reload': (x) => x.run(['firewall-cmd', '--reload'], { timeoutMs: 120_000 }),
};

describe('PublishedPortFirewall with backend nftables in the real-host box', { timeout: 30 * 60_000 }, () => {
  const b = bootedBox(async (box) => {
    await setUpFirewallScene(box, firewallConfig('10m', 'nftables'));
  });

  it('a dry run prints the nft rules; with the controller each probe connects or times out as the policy says, held by table inet reconcile alone', async () => {
    assert.deepEqual(await probeAll(b(), [{ client: 'denied', port: 8080 }]), [true], 'Docker alone publishes to anyone');
    const dry = await b().exec(['reconcile', '--config', BOX_CONFIG_PATH, '--once', '--dry-run']);
    assert.match(dry.stdout, /# published-ports: would run: nft -f -\nnft \+ table inet reconcile\nnft \+ chain forward \{ type filter hook forward priority filter - 1; policy accept; \}\nnft \+ ct state established,related return\n/, dry.stdout);
    assert.match(dry.stdout, /^nft \+ ip saddr 198\.18\.9\.0\/24 ip daddr 172\.17\.0\.\d+ tcp dport 8080 ct status dnat return$/m);
    assert.equal(await ourTable(b()), null, 'the dry run changed nothing');

    await b().run(['systemctl', 'enable', '--now', RECONCILER_UNIT], { timeoutMs: 180_000 });
    await enforcedIn(b(), 'the policy enforced', WAIT_MS);
    assert.match((await ourTable(b())) ?? '', /\t\ttype filter hook forward priority filter - 1; policy accept;\n\t\tct state established,related return\n/);
    assert.ok(!(await b().run(['iptables-save', '-t', 'filter'])).includes('RECONCILE-PUBLISHED'), 'no iptables chain: the table alone holds the policy');
    const resource = (await boxStatus(b()))?.status.resources.find((r) => r.name === 'published-ports');
    const ready = resource?.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.reason, 'InvalidDesiredValue', JSON.stringify(resource));
    assert.match(ready?.message ?? '', /container evil: label reconcile\.firewall\.allow-from="198\.18\.10\.0\/24 -j ACCEPT"/);
    assert.match(resource?.conditions.find((c) => c.type === 'Ports/web')?.message ?? '', /8080->8080\/tcp from 198\.18\.9\.0\/24/);
  });

  it('without evil the resource is in sync (Ready True): no retries, only triggers start passes', async () => {
    await b().run(['docker', 'rm', '-f', 'evil']);
    const ready = async (): Promise<boolean> => (await boxStatus(b()))?.status.resources.find((r) => r.name === 'published-ports')?.conditions.find((c) => c.type === 'Ready')?.status === 'True';
    await eventually('published-ports Ready True', ready, WAIT_MS);
    await enforcedIn(b(), 'enforced without evil', WAIT_MS, KEPT);
  });

  for (const [what, breaker] of Object.entries(BREAKERS)) {
    it(`enforced again after ${what} (a trigger, not the 10-minute resync)`, async () => {
      await enforcedIn(b(), 'enforced before', WAIT_MS, KEPT);
      const started = Date.now();
      await breaker(b());
      await enforcedIn(b(), `enforced again after ${what}`, WAIT_MS, KEPT);
      console.log(`# enforced again ${Date.now() - started} ms after the start of: ${what} (probes included)`);
    });
  }

  it('the accept rule inserted by hand opens every port until it is corrected (the probes can tell)', async () => {
    await b().run(['systemctl', 'stop', RECONCILER_UNIT]);
    await b().run(['nft', 'insert', 'rule', 'inet', 'reconcile', 'forward', 'accept']);
    assert.match((await policyMismatch(b(), KEPT)) ?? '', /web:8080 from the denied client connected/);
    await b().run(['systemctl', 'start', RECONCILER_UNIT], { timeoutMs: 180_000 });
    await enforcedIn(b(), 'enforced after a restart of the controller', WAIT_MS, KEPT);
  });

  // Last: it restarts the box's dockerd with IPv6 on. One inet table holds both families.
  it('IPv6: the same policy from the same table, kept after the table is deleted by hand', async () => {
    await enableBoxIpv6(b());
    const v6 = [{ client: 'allowed' as const, port: V6_NETWORK.port, ipv6: true }, { client: 'denied' as const, port: V6_NETWORK.port, ipv6: true }];
    const holds = async (): Promise<boolean> => (await policyMismatch(b(), KEPT)) === null && JSON.stringify(await probeAll(b(), v6)) === '[true,false]';
    await eventually('the policy enforced over IPv6 and IPv4', holds, WAIT_MS);
    assert.match((await ourTable(b())) ?? '', /\t\tip6 saddr fd44:9::\/64 ip6 daddr fd44:44:1::\S+ tcp dport 8080 ct status dnat return\n/);
    await b().run(['nft', 'delete', 'table', 'inet', 'reconcile']);
    await eventually('enforced over IPv6 after the table was deleted by hand', holds, WAIT_MS);
  });

  it('switched off: the table is deleted and Docker publishes to anyone again', async () => {
    await b().writeFile(BOX_CONFIG_PATH, firewallConfig('10m', 'nftables').replace('backend: nftables', 'backend: nftables, enabled: false'));
    await b().run(['systemctl', 'reload', RECONCILER_UNIT]);
    await eventually('the table deleted', async () => (await ourTable(b())) === null, WAIT_MS);
    assert.deepEqual(await probeAll(b(), [{ client: 'denied', port: 8080 }]), [true]);
  });
});
