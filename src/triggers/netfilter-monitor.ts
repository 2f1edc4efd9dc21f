import type { Observable } from 'rxjs';
import type { Clock } from '../host/clock';
import type { LineProcesses } from '../host/line-process';
import { monitorTriggers } from './firewall-reload-source';
import type { Trigger } from './trigger';

// `nft monitor` prints one line per change: `delete rule ip filter DOCKER-USER handle 53`,
// `create chain ip6 filter RECONCILE-PUBLISHED`, `delete table ip filter`, ... (iptables-nft's
// rules are nftables rules: a hand-run `iptables -D` shows up too).
const CHANGE = /^(add|insert|replace|delete|destroy|create|flush) (rule|chain|table) (ip|ip6) filter(?: (\S+))?/;

/**
 * What an `nft monitor` line says about the filter table of `ip` or `ip6`: the change when it
 * touches one of `chains` (or the whole table), else null. Rules of other chains (Docker's own,
 * firewalld's table) never start a pass.
 */
export function netfilterChange(line: string, chains: ReadonlySet<string>): string | null {
  const m = CHANGE.exec(line);
  if (!m) return null;
  const [, verb, what, family, chain] = m;
  if (what === 'table') return verb === 'delete' || verb === 'destroy' || verb === 'flush' ? `nft: ${verb} table ${family ?? ''} filter` : null;
  if (chain === undefined || !chains.has(chain)) return null;
  return `nft: ${verb ?? ''} ${what ?? ''} ${family ?? ''} filter ${chain}`;
}

/**
 * `firewall` triggers from `commands.netfilterMonitor` (by default `nft monitor`): a pass when a
 * rule of one of `chains` is added or deleted, or the chain or its table goes, whoever did it —
 * a hand-run `iptables -D`, firewalld flushing everything on a reload, Docker re-creating
 * DOCKER-USER. The controller's own transactions show up too: they cost one more pass, which
 * finds nothing to do and so writes nothing. Restarted with backoff when it ends.
 */
export function netfilterTriggers(
  processes: LineProcesses,
  argv: readonly string[],
  chains: readonly string[],
  clock: Clock,
  onProblem: (problem: string, retryInMs: number) => void,
): Observable<Trigger> {
  const watched = new Set(chains);
  return monitorTriggers(processes, argv, clock, { classify: (line) => netfilterChange(line, watched), followUpMs: [] }, onProblem);
}
