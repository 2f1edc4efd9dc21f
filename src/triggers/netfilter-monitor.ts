import type { Observable } from 'rxjs';
import type { Clock } from '../host/clock';
import type { LineProcesses } from '../host/line-process';
import { monitorTriggers } from './firewall-reload-source';
import type { Trigger } from './trigger';

// `nft monitor` prints one line per change: `delete rule ip filter DOCKER-USER handle 53`,
// `create chain ip6 filter RECONCILE-PUBLISHED`, `delete table ip filter`, ... (iptables-nft's
// rules are nftables rules: a hand-run `iptables -D` shows up too).
const CHANGE = /^(add|insert|replace|delete|destroy|create|flush) (rule|chain|table) (ip|ip6) filter(?: (\S+))?/;
// Any change of a watched table of our own: `delete rule inet reconcile forward handle 3`,
// `delete table inet reconcile`, `add chain inet reconcile forward { ... }`, a set or element.
const TABLE_CHANGE = /^(add|insert|replace|delete|destroy|create|flush) ([a-z]+) (ip|ip6|inet|arp|bridge|netdev) (\S+)/;

/**
 * What an `nft monitor` line says about the filter table of `ip` or `ip6`: the change when it
 * touches one of `chains` (or the whole table), else null; and about `tables` (`inet
 * reconcile`): any change in one of them. Rules of other chains (Docker's own, firewalld's
 * table) never start a pass.
 */
export function netfilterChange(line: string, chains: ReadonlySet<string>, tables: ReadonlySet<string> = new Set()): string | null {
  const t = TABLE_CHANGE.exec(line);
  if (t && tables.has(`${t[3] ?? ''} ${t[4] ?? ''}`)) return `nft: ${t[1] ?? ''} ${t[2] ?? ''} ${t[3] ?? ''} ${t[4] ?? ''}`;
  const m = CHANGE.exec(line);
  if (!m) return null;
  const [, verb, what, family, chain] = m;
  if (what === 'table') return verb === 'delete' || verb === 'destroy' || verb === 'flush' ? `nft: ${verb} table ${family ?? ''} filter` : null;
  if (chain === undefined || !chains.has(chain)) return null;
  return `nft: ${verb ?? ''} ${what ?? ''} ${family ?? ''} filter ${chain}`;
}

/**
 * `firewall` triggers from `commands.netfilterMonitor` (by default `nft monitor`): a pass when a
 * rule of one of `chains` is added or deleted, or the chain or its table goes, or anything in one
 * of `tables` changes (the nftables table deleted by hand), whoever did it —
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
  tables: readonly string[] = [],
): Observable<Trigger> {
  const watched = new Set(chains);
  const watchedTables = new Set(tables);
  return monitorTriggers(processes, argv, clock, { classify: (line) => netfilterChange(line, watched, watchedTables), followUpMs: [] }, onProblem);
}
