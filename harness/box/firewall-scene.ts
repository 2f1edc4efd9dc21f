import { BUSYBOX_IMAGE } from '../busybox-image';
import type { Box } from './box';
import { eventually } from './box-probes';
import { loadBusyboxIntoBox } from './box-stack';
import { installProject } from './install-project';

/**
 * PublishedPortFirewall's scene in the real-host box (the box test, its property test and
 * bench/firewall-recovery.ts): two client network namespaces on veths (198.18.9.5, allowed by
 * `allowFrom`, and 198.18.10.5, not), and three containers with published ports:
 * `web` (8080, no label: allowFrom only), `open` (8081, labelled for 198.18.10.0/24: both) and
 * `evil` (8082, a label smuggling rule syntax: refused, allowFrom only).
 */

/** What the kind needs beyond the shipped unit: netfilter (CAP_NET_ADMIN, netlink sockets). */
export const FIREWALL_DROP_IN = '[Service]\nCapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW\nRestrictAddressFamilies=AF_NETLINK\n';

/** The controller's configuration: one PublishedPortFirewall, `default: deny`, allowFrom the first client's subnet (and the backend given, else the default). */
export function firewallConfig(resync = '5s', backend?: 'iptables' | 'nftables' | 'auto'): string {
  return [
    `timing: { resyncInterval: ${resync} }`,
    'resources:',
    `  - { name: published-ports, kind: PublishedPortFirewall, default: deny, allowFrom: [198.18.9.0/24, "fd44:9::/64"]${backend === undefined ? '' : `, backend: ${backend}`} }`,
    '',
  ].join('\n');
}

/** A busybox httpd answering `ok` on 8080 in the container. */
export const SERVE = ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec busybox httpd -f -p 8080 -h /www'];

/** The scene's containers: name, host port, label (undefined: none), and who the policy lets in. */
export const SCENE_CONTAINERS = [
  { name: 'web', port: 8080, label: undefined, allowed: true, denied: false },
  { name: 'open', port: 8081, label: '198.18.10.0/24', allowed: true, denied: true },
  { name: 'evil', port: 8082, label: '198.18.10.0/24 -j ACCEPT', allowed: true, denied: false },
] as const;

export type SceneContainer = (typeof SCENE_CONTAINERS)[number];

/** `docker run` of one scene container (restart policy always: it comes back after a Docker restart). */
export async function runSceneContainer(box: Box, c: SceneContainer): Promise<void> {
  const label = c.label === undefined ? [] : ['--label', `reconcile.firewall.allow-from=${c.label}`];
  await box.run(['docker', 'run', '-d', '--name', c.name, '--restart', 'always', '-p', `${c.port}:8080`, ...label, BUSYBOX_IMAGE, ...SERVE], { timeoutMs: 60_000 });
}

/**
 * Sets the scene up in a booted box: busybox loaded, the client namespaces (their box ends in
 * firewalld's trusted zone, permanent so that reloads keep it), the containers, the project
 * installed with the drop-in; the controller is not started.
 */
export async function setUpFirewallScene(box: Box, config = firewallConfig()): Promise<void> {
  await loadBusyboxIntoBox(box);
  for (const n of [9, 10]) {
    await box.sh(
      `ip netns add fwc${n} && ip link add fwh${n} type veth peer name fwc${n} && ip link set fwc${n} netns fwc${n} && ` +
        `ip addr add 198.18.${n}.1/24 dev fwh${n} && ip link set fwh${n} up && ip netns exec fwc${n} ip addr add 198.18.${n}.5/24 dev fwc${n} && ` +
        `ip netns exec fwc${n} ip link set fwc${n} up && ip netns exec fwc${n} ip link set lo up && ip netns exec fwc${n} ip route add default via 198.18.${n}.1 && ` +
        `firewall-cmd -q --zone=trusted --add-interface=fwh${n} && firewall-cmd -q --permanent --zone=trusted --add-interface=fwh${n}`,
    );
  }
  for (const c of SCENE_CONTAINERS) await runSceneContainer(box, c);
  await installProject(box, { config, start: false });
  await box.writeFile('/etc/systemd/system/reconciler.service.d/firewall.conf', FIREWALL_DROP_IN);
  await box.run(['systemctl', 'daemon-reload']);
}

/** One probe: a client (`allowed`: 198.18.9.5 or fd44:9::5, `denied`: 198.18.10.5 or fd44:10::5) and a published port of the box. */
export interface Probe {
  client: 'allowed' | 'denied';
  port: number;
  /** Over IPv6 (after {@link enableBoxIpv6}). */
  ipv6?: boolean;
}

/** The IPv6 test network of the box's dockerd (a ULA, inside the box only) and its container `w6` (8090, no label). */
export const V6_NETWORK = { name: 'v6net', subnets: ['198.18.44.0/24', 'fd44:44:1::/64'], container: 'w6', port: 8090 } as const;

/**
 * Turns IPv6 on in the box: /proc/sys writable (the box is not privileged), IPv6 and forwarding
 * on, dockerd restarted with `ipv6`, `ip6tables` (experimental in Docker 20.10) and a ULA for
 * docker0, the clients given fd44:9::5 and fd44:10::5, and `w6` started on an IPv6 network.
 */
export async function enableBoxIpv6(box: Box): Promise<void> {
  const daemon = { 'storage-driver': 'vfs', ipv6: true, 'fixed-cidr-v6': 'fd44:44::/64', experimental: true, ip6tables: true };
  await box.sh('mount -o remount,rw /proc/sys && sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.forwarding=1');
  await box.writeFile('/etc/docker/daemon.json', JSON.stringify(daemon));
  await box.run(['systemctl', 'restart', 'docker'], { timeoutMs: 180_000 });
  for (const n of [9, 10]) {
    await box.sh(
      `ip addr add fd44:${n}::1/64 dev fwh${n} nodad && ip netns exec fwc${n} sysctl -qw net.ipv6.conf.all.disable_ipv6=0 && ` +
        `ip netns exec fwc${n} ip addr add fd44:${n}::5/64 dev fwc${n} nodad && ip netns exec fwc${n} ip -6 route add default via fd44:${n}::1`,
    );
  }
  await box.run(['docker', 'network', 'create', '--ipv6', ...V6_NETWORK.subnets.flatMap((s) => ['--subnet', s]), V6_NETWORK.name]);
  await box.run(['docker', 'run', '-d', '--name', V6_NETWORK.container, '--restart', 'always', '--network', V6_NETWORK.name, '-p', `${V6_NETWORK.port}:8080`, BUSYBOX_IMAGE, ...SERVE], { timeoutMs: 60_000 });
}

/**
 * Runs the probes at once, each one bounded HTTP GET (busybox nc, 3 s) from a client namespace to
 * the box's address on its veth: as from another host. (Clients in containers of the box's own
 * networks would not do: Docker sends their connections to published ports through docker-proxy,
 * never through FORWARD.) Returns, per probe, whether it got `200 OK`.
 */
export async function probeAll(box: Box, probes: readonly Probe[]): Promise<boolean[]> {
  const lines = probes.map((p, i) => {
    const n = p.client === 'allowed' ? 9 : 10;
    if (!Number.isInteger(p.port)) throw new Error(`bad port ${p.port}`);
    const to = p.ipv6 === true ? `fd44:${n}::1` : `198.18.${n}.1`;
    return `(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | ip netns exec fwc${n} busybox nc -w 3 ${to} ${p.port} | grep -q ' 200 OK' && echo ${i}) &`;
  });
  const out = (await box.exec(['sh', '-c', `${lines.join('\n')}\nwait`], { timeoutMs: 30_000 })).stdout;
  const ok = new Set(out.split('\n').filter((l) => l !== '').map(Number));
  return probes.map((_, i) => ok.has(i));
}

/** Every scene container probed from both clients; null when every answer is the policy's, else what differed. */
export async function policyMismatch(box: Box, containers: readonly SceneContainer[] = SCENE_CONTAINERS): Promise<string | null> {
  const probes = containers.flatMap((c) => [{ client: 'allowed' as const, port: c.port }, { client: 'denied' as const, port: c.port }]);
  const got = await probeAll(box, probes);
  const wrong = containers.flatMap((c, i) => {
    const want = [c.allowed, c.denied];
    return [0, 1].filter((k) => got[2 * i + k] !== want[k]).map((k) => `${c.name}:${c.port} from the ${k === 0 ? 'allowed' : 'denied'} client ${got[2 * i + k] ? 'connected' : 'timed out'}`);
  });
  return wrong.length === 0 ? null : wrong.join('; ');
}

/** Waits until the policy holds (every probe of `containers` as {@link policyMismatch} wants); the error names the last probes that differed. */
export async function enforcedIn(box: Box, what: string, waitMs = 60_000, containers: readonly SceneContainer[] = SCENE_CONTAINERS): Promise<void> {
  let last: string | null = null;
  try {
    await eventually(what, async () => (last = await policyMismatch(box, containers)) === null, waitMs);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)} (last probes: ${last ?? 'none'})`, { cause: error });
  }
}
