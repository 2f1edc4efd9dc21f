import type { Observable } from 'rxjs';
import type { Logger } from '../core/logger';
import { firewallReloadTriggers } from '../triggers/firewall-reload-source';
import { netfilterTriggers } from '../triggers/netfilter-monitor';
import type { Trigger } from '../triggers/trigger';
import type { HostDeps, Runtime } from './create-runtime';

/**
 * Firewall triggers, run with the prefix when a resource wants them and a monitor is configured:
 * firewalld's reloads (`commands.firewallMonitor`) and changes of the resources' netfilter
 * chains (`commands.netfilterMonitor`, `nft monitor`: a rule deleted by hand has no other event).
 */
export function firewallTriggers(runtime: Runtime, host: HostDeps, logger: Logger): Observable<Trigger>[] {
  const { prefix, firewallMonitor, netfilterMonitor } = runtime.config.commands;
  if (!host.lineProcesses) return [];
  const triggers: Observable<Trigger>[] = [];
  // The same problem again (no `nft` on this host: ENOENT every 30 s) is logged at debug, not warned each time.
  const warn = (monitor: string) => {
    let last = '';
    return (problem: string, retryInMs: number): void => {
      (problem === last ? logger.debug.bind(logger) : logger.warn.bind(logger))({ problem, retryInMs }, `${monitor} ended; restarting it`);
      last = problem;
    };
  };
  if (firewallMonitor.length > 0 && runtime.resources.some((r) => r.firewallEvents === true)) {
    triggers.push(firewallReloadTriggers(host.lineProcesses, [...prefix, ...firewallMonitor], host.clock, warn('firewall monitor')));
  }
  const chains = [...new Set(runtime.resources.flatMap((r) => r.netfilterChains ?? []))];
  const tables = [...new Set(runtime.resources.flatMap((r) => r.netfilterTables ?? []))];
  if (netfilterMonitor.length > 0 && chains.length + tables.length > 0) {
    triggers.push(netfilterTriggers(host.lineProcesses, [...prefix, ...netfilterMonitor], chains, host.clock, warn('netfilter monitor'), tables));
  }
  return triggers;
}
