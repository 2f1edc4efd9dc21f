import { formatCidr, parseAddress, type Cidr } from '../../core/cidr';
import { ALLOW_FROM_LABEL, parseAllowLabel } from './allow-label';

/** The chain the reconciler owns in the filter table of iptables and ip6tables (at most 28 characters). */
export const CHAIN = 'RECONCILE-PUBLISHED';
/** Docker's chain for user rules, run first by FORWARD: our one jump goes there, first. */
export const DOCKER_USER = 'DOCKER-USER';

export type Family = 4 | 6;
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** A running container as the firewall needs it: its published ports, addresses and labels (from the Docker API). */
export interface FirewallContainer {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** Published ports only (those with a host port). */
  ports: readonly { privatePort: number; publicPort: number; protocol: string }[];
  /** Its addresses on every network it is attached to (IPv4 and IPv6). */
  addresses: readonly string[];
  /** Set when the label could not be read whole: treated as a refused label (closed). */
  labelProblem?: string;
}

/** `default` and `allowFrom` of the configuration, parsed. */
export interface FirewallPolicy {
  default: 'allow' | 'deny';
  allowFrom: readonly Cidr[];
}

/** One rule of the owned chain. `source` null: any source. */
export interface Rule {
  source: Cidr | null;
  dest: Cidr;
  protocol: Protocol;
  port: number;
  action: 'RETURN' | 'DROP';
}

/** Who may reach one container's published ports, for the status. */
export interface Reach {
  container: string;
  /** `8080->80/tcp`, … */
  ports: string[];
  /** null: anyone. */
  from: string[] | null;
  /** Set when the label was refused (the container is closed to all but allowFrom). */
  invalid?: string;
}

/** The chain's first rule: packets of connections already accepted go on untouched (never cut). */
export const ESTABLISHED_RULE = `-A ${CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`;

/**
 * A rule as `iptables-save` prints it. It matches the packet after Docker's DNAT (DOCKER-USER
 * sees the container's address and port), and only connections that were DNATed (`--ctstate
 * DNAT`): traffic that came in through a published port, not containers talking to each other
 * on their networks.
 */
export function renderRule(rule: Rule): string {
  const source = rule.source ? ` -s ${formatCidr(rule.source)}` : '';
  return `-A ${CHAIN}${source} -d ${formatCidr(rule.dest)} -p ${rule.protocol} -m ${rule.protocol} --dport ${rule.port} -m conntrack --ctstate DNAT -j ${rule.action}`;
}

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];

/** The chain's rules for each family, as `iptables-save` prints them (the established rule first), and who may reach what. */
export function desiredRules(containers: readonly FirewallContainer[], policy: FirewallPolicy): { rules: Record<Family, string[]>; reach: Reach[] } {
  const { rules, reach } = desiredPolicy(containers, policy);
  return { rules: iptablesRules(rules), reach };
}

/** The owned chain's rules for each family, as `iptables-save` prints them: the established rule first. */
export function iptablesRules(rules: Readonly<Record<Family, readonly Rule[]>>): Record<Family, string[]> {
  return { 4: [ESTABLISHED_RULE, ...rules[4].map(renderRule)], 6: [ESTABLISHED_RULE, ...rules[6].map(renderRule)] };
}

/**
 * The policy's rules for each family, whatever the backend writes them with (iptables or
 * nftables; the established rule, which each backend puts first, is not among them), and who
 * may reach what. Per container (by name), per address, per published private port: a RETURN
 * per allowed source, then a DROP.
 */
export function desiredPolicy(containers: readonly FirewallContainer[], policy: FirewallPolicy): { rules: Record<Family, Rule[]>; reach: Reach[] } {
  const rules: Record<Family, Rule[]> = { 4: [], 6: [] };
  const reach: Reach[] = [];
  const sorted = [...containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const container of sorted) {
    const published = container.ports.filter((p) => PROTOCOLS.includes(p.protocol) && validPort(p.privatePort) && validPort(p.publicPort));
    if (published.length === 0) continue;
    const label = container.labels[ALLOW_FROM_LABEL];
    const parsed = container.labelProblem !== undefined ? { ok: false as const, problem: container.labelProblem } : label === undefined ? null : parseAllowLabel(label);
    const shown = [...new Set(published.map((p) => `${p.publicPort}->${p.privatePort}/${p.protocol}`))];
    const restricted = policy.default === 'deny' || parsed !== null;
    const allowed = dedupe([...policy.allowFrom, ...(parsed?.ok ? parsed.cidrs : [])]);
    reach.push({
      container: container.name,
      ports: shown,
      from: restricted ? allowed.map(formatCidr) : null,
      ...(parsed && !parsed.ok ? { invalid: parsed.problem } : {}),
    });
    if (!restricted) continue;
    const targets = [...new Map(published.map((p) => [`${p.protocol}/${p.privatePort}`, { protocol: p.protocol as Protocol, port: p.privatePort }])).values()];
    for (const text of container.addresses) {
      const address = parseAddress(text);
      if (!address) continue; // Docker gives addresses; one that is not is never put in a rule.
      const dest: Cidr = { family: address.family, bytes: address.bytes, prefix: address.family === 4 ? 32 : 128 };
      for (const target of targets) {
        for (const source of allowed.filter((c) => c.family === address.family)) {
          rules[address.family].push({ source, dest, ...target, action: 'RETURN' });
        }
        rules[address.family].push({ source: null, dest, ...target, action: 'DROP' });
      }
    }
  }
  return { rules: { 4: dedupeRules(rules[4]), 6: dedupeRules(rules[6]) }, reach };
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

function dedupe(cidrs: readonly Cidr[]): Cidr[] {
  const seen = new Map<string, Cidr>();
  for (const c of cidrs) if (!seen.has(formatCidr(c))) seen.set(formatCidr(c), c);
  return [...seen.values()];
}

// Two containers never share an address, but a container listed twice must not double its rules.
function dedupeRules(rules: readonly Rule[]): Rule[] {
  return [...new Map(rules.map((r) => [renderRule(r), r])).values()];
}

/** One line per container for the status: `8080->80/tcp from 198.18.9.0/24` or `from anyone`. */
export function describeReach(reach: Reach): string {
  const from = reach.from === null ? 'anyone' : reach.from.length === 0 ? 'no one (only established connections)' : reach.from.join(', ');
  return `${reach.ports.join(', ')} from ${from}`;
}
