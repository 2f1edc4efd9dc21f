import type { Observable } from 'rxjs';
import type { Logger } from '../core/logger';
import { firewallReloadTriggers } from '../triggers/firewall-reload-source';
import type { Trigger } from '../triggers/trigger';
import type { HostDeps, Runtime } from './create-runtime';

/** Firewall reloads (`commands.firewallMonitor`, run with the prefix), when a resource wants them and a monitor is configured. */
export function firewallTriggers(runtime: Runtime, host: HostDeps, logger: Logger): Observable<Trigger>[] {
  const monitor = runtime.config.commands.firewallMonitor;
  if (!host.lineProcesses || monitor.length === 0 || !runtime.resources.some((r) => r.firewallEvents === true)) return [];
  const argv = [...runtime.config.commands.prefix, ...monitor];
  return [firewallReloadTriggers(host.lineProcesses, argv, host.clock, (problem, retryInMs) => logger.warn({ problem, retryInMs }, 'firewall monitor ended; restarting it'))];
}
