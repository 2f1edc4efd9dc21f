import { parseCidr, type Cidr } from '../../core/cidr';
import { describeCommandFailure, type CommandRunner } from '../../host/command-runner';
import { LISTING_LIMITS } from '../../host/container-listing';
import type { DockerHost } from '../../host/docker-host';
import { ALLOW_FROM_LABEL } from './allow-label';
import { toolArgv, type CommandSettings } from '../apply-plan';
import type { ExtraCondition, Observation, Plan } from '../plan';
import type { Resource } from '../resource';
import type { PublishedPortFirewallSpec } from '../../config/kind-specs';
import { CHAIN, describeReach, desiredRules, DOCKER_USER, type Family, type FirewallContainer, type FirewallPolicy } from './firewall-rules';
import { parseFilterTable } from './iptables-save';
import { planFirewall, type FamilyObservation, type FirewallState } from './plan-firewall';

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
 * and its jump from DOCKER-USER. Apply: one `iptables-restore --noflush` transaction per
 * family. Built also when switched off (`enabled: false`), to remove its chain and jump.
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
  private readonly policy: FirewallPolicy;
  private readonly enabled: boolean;

  constructor(
    spec: PublishedPortFirewallSpec & { enabled: boolean },
    private readonly listContainers: ListContainers,
    private readonly runner: CommandRunner,
    private readonly commands: CommandSettings,
  ) {
    this.name = spec.name;
    this.enabled = spec.enabled;
    this.allContainers = spec.enabled;
    this.firewallEvents = spec.enabled;
    this.netfilterChains = spec.enabled ? [CHAIN, DOCKER_USER, 'FORWARD'] : [];
    // The schema has validated every entry; parseCidr cannot fail here.
    this.policy = { default: spec.default, allowFrom: spec.allowFrom.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== null) };
  }

  containers(): string[] {
    return [];
  }

  async observe(): Promise<Observation<FirewallState>> {
    const containers = this.enabled ? await this.listContainers() : null;
    const [v4, v6] = await Promise.all([this.readTable(4), this.readTable(6)]);
    const state: FirewallState = { containers, families: { 4: v4, 6: v6 } };
    const counts = ([4, 6] as const).map((f) => {
      const table = state.families[f];
      if (!table.available) return `ipv${f}: ${table.why}`;
      const { jumps, forwardJumps } = table.table;
      const jump = jumps.length + forwardJumps.length === 0 ? 'no jump' : [jumps.length > 0 ? `jump at ${jumps.join(',')}` : '', forwardJumps.length > 0 ? `jump at FORWARD ${forwardJumps.join(',')}` : ''].filter((j) => j !== '').join(', ');
      return table.table.chain ? `ipv${f}: ${table.table.rules.length} rules, ${jump}` : `ipv${f}: no chain`;
    });
    if (containers === null) return { state, watch: [], value: counts.join('; '), summary: `switched off: ${counts.join('; ')}`, desired: 'no chain' };
    const { rules, reach } = desiredRules(containers, this.policy);
    const conditions: ExtraCondition[] = reach.map((r) => ({
      type: `Ports/${r.container}`,
      status: r.invalid === undefined ? 'True' : 'False',
      reason: r.invalid === undefined ? 'PolicyApplied' : 'InvalidDesiredValue',
      message: r.invalid === undefined ? describeReach(r) : `${r.invalid}; ${describeReach(r)}`,
    }));
    return {
      state,
      watch: [],
      value: counts.join('; '),
      summary: `${reach.length} containers with published ports; ${counts.join('; ')}`,
      desired: `ipv4: ${rules[4].length} rules, ipv6: ${rules[6].length} rules`,
      conditions,
    };
  }

  plan(_desired: unknown, state: FirewallState): Plan {
    return planFirewall(state, this.policy);
  }

  /** `iptables-save -t filter` (or ip6tables-save): the table, or why it cannot be read (IPv4 failing is an error). */
  private async readTable(family: Family): Promise<FamilyObservation> {
    const tool = family === 4 ? 'iptablesSave' : 'ip6tablesSave';
    const argv = [...this.commands.prefix, ...toolArgv(this.commands, tool), '-t', 'filter'];
    const result = await this.runner.run(argv, { timeoutMs: this.commands.timeoutMs });
    if (result.kind === 'exited' && result.exitCode === 0) return { available: true, table: parseFilterTable(result.stdout) };
    const why = describeCommandFailure(argv, result);
    if (family === 4) throw new Error(why);
    return { available: false, why };
  }
}
