import { enabledResources, type Config } from '../config/schema';
import type { PassResult } from '../controller/outcome';
import type { FileSystem } from '../host/file-system';
import { readStatusFile } from '../status/status-file';
import type { Logger } from '../core/logger';
import { removedFirewall } from '../resources/create-resource';
import type { Resource } from '../resources/resource';
import type { Runtime } from './create-runtime';

const KIND = 'PublishedPortFirewall';
const WHAT = 'its iptables chain RECONCILE-PUBLISHED, its jump and the nftables table inet reconcile';

/** A resource as the status file remembers it, or as the configuration names it. */
interface Named {
  name: string;
  kind: string;
}

/** What to do with the PublishedPortFirewall resources remembered but no longer configured. */
export interface RemovedDecision {
  /** Run switched off (as `enabled: false`) until a pass removed what they created; then forgotten. */
  cleanUp: string[];
  /** Forgotten without a clean-up, and why (another resource now owns the chain and table, or the name). */
  left: { name: string; why: string }[];
}

/**
 * Pure: which PublishedPortFirewall resources that the controller remembers (its status file,
 * or a clean-up still to finish) are no longer configured, and whether to remove what they
 * created. The chain, jump and table are one per host (the configuration allows one such
 * resource): while any PublishedPortFirewall is configured, under any name and even switched
 * off, it owns them and the removed one is only forgotten. A removed name now used by a
 * resource of another kind is left too (its status entry is the new resource's). Otherwise
 * the removed one is cleaned up, exactly as `enabled: false` would.
 */
export function removedFirewalls(remembered: readonly Named[], configured: readonly Named[]): RemovedDecision {
  const names = new Map(configured.map((r) => [r.name, r.kind]));
  const owner = configured.find((r) => r.kind === KIND);
  const decision: RemovedDecision = { cleanUp: [], left: [] };
  const seen = new Set<string>();
  for (const r of remembered) {
    if (r.kind !== KIND || seen.has(r.name)) continue;
    seen.add(r.name);
    const now = names.get(r.name);
    if (now === KIND) continue;
    if (now !== undefined) decision.left.push({ name: r.name, why: `the name is now a ${now}: ${WHAT} are left in place (configure a ${KIND} with enabled: false to remove them)` });
    else if (owner) decision.left.push({ name: r.name, why: `${KIND} "${owner.name}" is configured and owns ${WHAT}` });
    else decision.cleanUp.push(r.name);
  }
  return decision;
}

/**
 * The clean-ups of removed PublishedPortFirewall resources, for `--once` and the daemon: which
 * are still to do (they stay in the status until a pass removed what they created, so that a
 * controller that dies meanwhile does them on its next run), the resources that do them, and
 * the log lines.
 */
export class FirewallCleanUps {
  private pending: string[] = [];

  constructor(private readonly logger: Logger) {}

  /** Decide again from what is remembered (a status file's resources) and the configured resources. */
  plan(remembered: readonly Named[], configured: readonly Named[]): void {
    const decision = removedFirewalls([...remembered, ...this.pending.map((name) => ({ name, kind: KIND }))], configured);
    for (const l of decision.left) this.logger.warn({ resource: l.name }, `removed from the configuration; not cleaned up: ${l.why}`);
    for (const name of decision.cleanUp.filter((n) => !this.pending.includes(n))) this.logger.info({ resource: name }, `removed from the configuration: removing ${WHAT}`);
    this.pending = decision.cleanUp;
  }

  /** At the daemon's start: what its status file remembers. */
  async remember(files: FileSystem, statusFile: string, config: Config): Promise<void> {
    const previous = await readStatusFile(files, statusFile);
    this.plan(previous.ok ? previous.status.resources : [], config.resources);
  }

  /** The resources the status shows: the configured ones, then the clean-ups still to do. */
  statusNames(config: Config): string[] {
    return [...enabledResources(config).map((r) => r.name), ...this.pending];
  }

  /** A runtime whose resources include one switched-off PublishedPortFirewall per clean-up to do. */
  withCleanUps(rt: Runtime): Runtime {
    return { ...rt, resources: [...rt.resources, ...this.pending.map((name) => removedFirewall(name, rt.runner, rt.commands))] };
  }

  /** The resources a pass runs: a clean-up already done is not run again (it would remove another's chain). */
  active(resources: readonly Resource[]): readonly Resource[] {
    return resources.filter((r) => !('removed' in r && r.removed === true) || this.pending.includes(r.name));
  }

  /** After a pass (not a dry run): clean-ups in sync are done and forgotten. True when one was. */
  settle(pass: PassResult): boolean {
    const done = pass.resources.filter((o) => this.pending.includes(o.name) && o.inSync && !o.failed).map((o) => o.name);
    for (const name of done) this.logger.info({ resource: name }, `removed from the configuration: ${WHAT} are gone; forgotten`);
    this.pending = this.pending.filter((n) => !done.includes(n));
    return done.length > 0;
  }
}
