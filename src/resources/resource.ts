import type { DesiredValue } from '../sources/desired';
import type { Observation, Plan, PlanOptions } from './plan';

/**
 * A managed piece of host state. `observe` reads it in full, `plan` (pure) compares it with the
 * desired value, and the controller applies the plan through resources/apply-plan.
 * Method syntax on purpose: a Resource<SpecificState> is usable where Resource<unknown> is.
 *
 * Watch paths (which file changes start a pass) are part of what `observe()` returns
 * (`Observation.watch`), never state kept in the resource:
 * - they are a pure function of the spec and of this observation: paths from the spec always
 *   (even when the file is missing: a missing path is watched through its parents), paths found
 *   on the way (a volume's host directory from the container's mount) when this observation
 *   found them, none when it could not (the container is down: its events start the next pass);
 * - give the file itself (or a directory whose entries matter); the watcher watches every
 *   directory from `/` down to it, so creation, deletion and replacement of any of them are seen;
 * - the controller watches the union of every resource's and source's latest paths: a resource
 *   not observed by a pass (a retry of others, a failed observe) keeps its previous ones.
 * Whatever the watches miss, the resync timer catches.
 */
export interface Resource<S = unknown> {
  readonly name: string;
  readonly kind: string;
  /** Name of the desired-state source (configuration `sources.<name>`), or null for kinds whose desired state they observe themselves. */
  readonly source: string | null;
  /** Containers whose events should trigger a pass (besides the source's). */
  containers(): string[];
  /** Set when every container's events (and network connects and disconnects) should trigger a pass. */
  readonly allContainers?: boolean;
  /** Set when firewall reloads (`commands.firewallMonitor`) should trigger a pass. */
  readonly firewallEvents?: boolean;
  /** Chains of the filter table (iptables and ip6tables) whose changes should trigger a pass (`commands.netfilterMonitor`). */
  readonly netfilterChains?: readonly string[];
  /** nftables tables (`inet reconcile`) any change of which (a rule, a chain, the table) should trigger a pass (`commands.netfilterMonitor`). */
  readonly netfilterTables?: readonly string[];
  /** `desired`: the source's value when it is known (kinds may observe what depends on it, e.g. who listens on the port). */
  observe(desired?: DesiredValue | null): Promise<Observation<S>>;
  /** Pure. `desired` is null only for resources without a source. */
  plan(desired: DesiredValue | null, state: S, options: PlanOptions): Plan;
  /**
   * Kinds with PartedChange plans: the command phase found that these parts make the check
   * fail (`why`: the check's message). Later plans leave them out until they change.
   */
  partsRefused?(parts: readonly { id: string; name: string }[], why: string): void;
}
