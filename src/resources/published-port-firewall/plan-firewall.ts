import type { Plan, ToolStep } from '../plan';
import { CHAIN, desiredRules, DOCKER_USER, type Family, type FirewallContainer, type FirewallPolicy } from './firewall-rules';
import type { FamilyRules, JumpParent } from './iptables-save';

/** One family's filter table as observed, or why it could not be (no ip6tables on the host, …). */
export type FamilyObservation = { available: true; table: FamilyRules } | { available: false; why: string };

/** What observe() saw: the running containers (null when the resource is switched off) and both tables. */
export interface FirewallState {
  containers: readonly FirewallContainer[] | null;
  families: Readonly<Record<Family, FamilyObservation>>;
}

const TOOL: Record<Family, ToolStep['tool']> = { 4: 'iptablesRestore', 6: 'ip6tablesRestore' };
const PARENTS: readonly JumpParent[] = [DOCKER_USER, 'FORWARD'];

/** Where the jump goes: DOCKER-USER; for IPv6 without it (Docker 20.10 publishes IPv6 ports with no DOCKER-USER in ip6tables), FORWARD; else nowhere. */
function parentOf(family: Family, table: FamilyRules): JumpParent | null {
  if (table.dockerUser) return DOCKER_USER;
  return family === 6 && table.docker ? 'FORWARD' : null;
}

function jumpsIn(table: FamilyRules, parent: JumpParent): number[] {
  return parent === DOCKER_USER ? table.jumps : table.forwardJumps;
}

/** `-D` of every jump seen (both parents), with their preview lines. */
function deleteJumps(table: FamilyRules): { lines: string[]; preview: string[] } {
  const seen = PARENTS.flatMap((parent) => jumpsIn(table, parent).map((p) => ({ parent, p })));
  return { lines: seen.map(({ parent }) => `-D ${parent} -j ${CHAIN}`), preview: seen.map(({ parent, p }) => `- -A ${parent} -j ${CHAIN} (rule ${p} of ${parent})`) };
}

/**
 * Pure: the `iptables-restore --noflush` transactions (one per family) that make the owned
 * chain exactly the desired rules and its one jump the first rule of DOCKER-USER (of FORWARD for
 * IPv6 when Docker publishes IPv6 ports without an ip6tables DOCKER-USER); or, switched
 * off (`containers` null), that remove both. Each transaction is applied whole or not at all,
 * so the chain is never seen half-written or empty; nothing else in the table is named.
 * `preview` lists the exact rules added (`+`) and removed (`-`).
 */
export function planFirewall(state: FirewallState, policy: FirewallPolicy): Plan {
  const wanted = state.containers === null ? null : desiredRules(state.containers, policy);
  const commands: ToolStep[] = [];
  for (const family of [4, 6] as const) {
    const observed = state.families[family];
    if (!observed.available) {
      if (family === 4 && wanted !== null) return { changes: [], commands: [], problem: observed.why };
      continue;
    }
    const table = observed.table;
    if (wanted === null) {
      const step = removal(family, table);
      if (step) commands.push(step);
      continue;
    }
    const parent = parentOf(family, table);
    if (parent === null) {
      // IPv6: Docker without ip6tables neither NATs nor filters IPv6 published ports: nothing to guard.
      if (family === 4) return { changes: [], commands: [], problem: `no ${DOCKER_USER} chain in iptables' filter table: Docker's iptables integration is off, or not set up yet` };
      continue;
    }
    const step = enforce(family, table, parent, wanted.rules[family]);
    if (step) commands.push(step);
  }
  const reach = wanted?.reach ?? [];
  const invalid = reach.filter((r) => r.invalid !== undefined).map((r) => `container ${r.container}: ${r.invalid ?? ''}; closed to all but allowFrom`);
  return { changes: [], commands, ...(invalid.length > 0 ? { invalidDesired: invalid.join('; ') } : {}) };
}

function enforce(family: Family, table: FamilyRules, parent: JumpParent, rules: readonly string[]): ToolStep | null {
  const chainRight = table.chain && sameList(table.rules, rules);
  const jumpRight = PARENTS.every((p) => sameList(jumpsIn(table, p), p === parent ? [1] : []));
  if (chainRight && jumpRight) return null;
  const lines = ['*filter'];
  if (!chainRight) lines.push(`:${CHAIN} - [0:0]`, ...rules); // with --noflush, declaring the chain flushes it: same transaction
  const jumps = deleteJumps(table);
  if (!jumpRight) lines.push(...jumps.lines, `-I ${parent} 1 -j ${CHAIN}`);
  lines.push('COMMIT', '');
  const preview = [
    ...(chainRight ? [] : ruleDiff(table.chain ? table.rules : null, rules)),
    ...(jumpRight ? [] : [...jumps.preview, `+ -A ${parent} -j ${CHAIN} (rule 1 of ${parent})`]),
  ];
  return { tool: TOOL[family], args: ['--noflush'], input: lines.join('\n'), preview: preview.map((p) => `ipv${family} ${p}`) };
}

function removal(family: Family, table: FamilyRules): ToolStep | null {
  const jumps = deleteJumps(table);
  if (!table.chain && jumps.lines.length === 0) return null;
  const lines = ['*filter', ...jumps.lines];
  if (table.chain) lines.push(`-F ${CHAIN}`, `-X ${CHAIN}`);
  lines.push('COMMIT', '');
  const preview = [...jumps.preview, ...(table.chain ? [`- :${CHAIN} (chain)`, ...table.rules.map((r) => `- ${r}`)] : [])];
  return { tool: TOOL[family], args: ['--noflush'], input: lines.join('\n'), preview: preview.map((p) => `ipv${family} ${p}`) };
}

/** `+`/`-` lines: rules to add and to remove (as multisets); a chain whose rules only move says so. */
function ruleDiff(observed: readonly string[] | null, wanted: readonly string[]): string[] {
  if (observed === null) return [`+ :${CHAIN} (chain)`, ...wanted.map((r) => `+ ${r}`)];
  const left = new Map<string, number>();
  for (const r of observed) left.set(r, (left.get(r) ?? 0) + 1);
  const added: string[] = [];
  for (const r of wanted) {
    const n = left.get(r) ?? 0;
    if (n > 0) left.set(r, n - 1);
    else added.push(`+ ${r}`);
  }
  const removed = [...left].flatMap(([r, n]) => new Array<string>(n).fill(`- ${r}`));
  const moved = added.length === 0 && removed.length === 0 ? [`~ ${CHAIN}: same rules in another order, rewritten in order`] : [];
  return [...removed, ...added, ...moved];
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
