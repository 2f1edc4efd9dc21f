import { parseCidr, type Cidr } from '../../core/cidr';
import type { CommandRunner } from '../../host/command-runner';
import { LISTING_LIMITS } from '../../host/container-listing';
import type { DockerHost } from '../../host/docker-host';
import { ALLOW_FROM_LABEL } from './allow-label';
import type { CommandSettings } from '../apply-plan';
import type { ExtraCondition, Observation, Plan } from '../plan';
import type { Resource } from '../resource';
import type { PublishedPortFirewallSpec } from '../../config/kind-specs';
import { CHAIN, describeReach, desiredPolicy, DOCKER_USER, type FirewallContainer, type FirewallPolicy } from './firewall-rules';
import { NFT_TABLE, nftRules } from './nft-table';
import { chooseBackend, planFirewall, type BackendSetting, type FirewallState } from './plan-firewall';
import { describeNetfilter, readFilterTable, readNftTable } from './read-netfilter';

/** The running containers with their published ports, addresses and labels (the Docker API, each pass). */
export type ListContainers = () => Promise<FirewallContainer[]>;

/**
 * ListContainers from Docker's list API (every running container, bounded): only ports published
 * on the host count. A label the listing left out (over its size bound) is a refused label, never
 * a missing one: the container is closed, not opened by `default: allow`. A listing cut short is
 * an error (containers beyond the bound would go unguarded).
 */
export function publishedContainers(docker: DockerHost): ListContainers {
  return async () => {
    const listing = await docker.listContainers({ labels: [] });
    if (listing.truncated) throw new Error(`more than ${LISTING_LIMITS.containers} containers: the listing was cut short; nothing changed`);
    return listing.containers.map((c) => {
      const lost = c.problems.find((p) => p.startsWith(`label ${ALLOW_FROM_LABEL}:`) || (!Object.hasOwn(c.labels, ALLOW_FROM_LABEL) && p.includes('the rest left out')));
      return {
        name: c.name,
        labels: c.labels,
        addresses: c.networks.flatMap((n) => [n.ip, n.ip6]).filter((a) => a !== ''),
        ports: c.ports.flatMap((p) => (p.public === null ? [] : [{ privatePort: p.private, publicPort: p.public, protocol: p.type }])),
        ...(lost === undefined ? {} : { labelProblem: `label ${ALLOW_FROM_LABEL} could not be read (${lost})` }),
      };
    });
  };
}

/**
 * Published ports that obey a policy: `default` (allow | deny), `allowFrom`, and per container
 * the label `reconcile.firewall.allow-from`. Desired: the running containers, read from Docker
 * each pass. Observed: the chain RECONCILE-PUBLISHED of iptables and ip6tables (filter table)
 * and its jump from DOCKER-USER, and the nftables table `inet reconcile`. Apply, with the
 * configured `backend`: one `iptables-restore --noflush` transaction per family, or one `nft -f`
 * transaction; what the other backend left is removed. Built also when switched off
 * (`enabled: false`), to remove its chain, jump and table, and when removed from the
 * configuration (`removed`: remembered from the status file) to do the same.
 */
export class PublishedPortFirewall implements Resource<FirewallState> {
  readonly kind = 'PublishedPortFirewall';
  readonly name: string;
  readonly source = null;
  /** Every container's start, die and destroy, and network connects, start a pass. */
  readonly allContainers: boolean;
  /** firewalld's reloads start a pass (they can drop the jump). */
  readonly firewallEvents: boolean;
  /** Changes of its chain and of the chains that may jump to it (a rule deleted or inserted by hand) start a pass. */
  readonly netfilterChains: readonly string[];
  /** Any change in its nftables table (a rule deleted by hand, the table deleted) starts a pass. */
  readonly netfilterTables: readonly string[];
  /** Removed from the configuration but remembered from the status file: switched off, to remove what it created (app/removed-firewalls.ts). */
  readonly removed: boolean;
  private readonly policy: FirewallPolicy;
  private readonly enabled: boolean;
  private readonly backend: BackendSetting;

  constructor(
    spec: PublishedPortFirewallSpec & { enabled: boolean; removed?: boolean },
    private readonly listContainers: ListContainers,
    private readonly runner: CommandRunner,
    private readonly commands: CommandSettings,
  ) {
    this.name = spec.name;
    this.removed = spec.removed === true;
    this.enabled = spec.enabled && !this.removed;
    this.backend = spec.backend;
    this.allContainers = this.enabled;
    this.firewallEvents = this.enabled;
    this.netfilterChains = this.enabled ? [CHAIN, DOCKER_USER, 'FORWARD'] : [];
    this.netfilterTables = this.enabled ? [NFT_TABLE] : [];
    // The schema has validated every entry; parseCidr cannot fail here.
    this.policy = { default: spec.default, allowFrom: spec.allowFrom.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== null) };
  }

  containers(): string[] {
    return [];
  }

  async observe(): Promise<Observation<FirewallState>> {
    const containers = this.enabled ? await this.listContainers() : null;
    const [v4, v6, nft] = await Promise.all([readFilterTable(this.runner, this.commands, 4), readFilterTable(this.runner, this.commands, 6), readNftTable(this.runner, this.commands)]);
    const state: FirewallState = { containers, families: { 4: v4, 6: v6 }, nft };
    const chosen = chooseBackend(this.backend, state);
    // The chosen backend's own reading failing is an error (IPv4 for iptables), as is both failing for auto.
    if (chosen.backend === 'iptables' && !v4.available) throw new Error(this.backend === 'auto' && !nft.available ? `${v4.why}; ${nft.why}` : v4.why);
    if (chosen.backend === 'nftables' && !nft.available) throw new Error(nft.why);
    const seen = describeNetfilter(state, chosen.why);
    const off = this.removed ? 'removed from the configuration' : 'switched off';
    if (containers === null) return { state, watch: [], value: seen, summary: `${off}: ${seen}`, desired: this.removed ? `${off}: no chain, no table` : 'no chain, no table' };
    const { rules, reach } = desiredPolicy(containers, this.policy);
    const conditions: ExtraCondition[] = reach.map((r) => ({
      type: `Ports/${r.container}`,
      status: r.invalid === undefined ? 'True' : 'False',
      reason: r.invalid === undefined ? 'PolicyApplied' : 'InvalidDesiredValue',
      message: r.invalid === undefined ? describeReach(r) : `${r.invalid}; ${describeReach(r)}`,
    }));
    const desired = chosen.backend === 'iptables' ? `ipv4: ${rules[4].length + 1} rules, ipv6: ${rules[6].length + 1} rules` : `table ${NFT_TABLE}: ${nftRules(rules).length} rules`;
    // What the rules are made of, to tell a container that started during the pass from a change that did not take.
    const inputs = JSON.stringify(containers.map((c) => [c.name, c.addresses, c.ports, c.labels[ALLOW_FROM_LABEL] ?? null, c.labelProblem ?? null]));
    return { state, watch: [], value: seen, summary: `${reach.length} containers with published ports; ${seen}`, desired, conditions, inputs };
  }

  plan(_desired: unknown, state: FirewallState): Plan {
    return planFirewall(state, this.policy, this.backend);
  }
}
