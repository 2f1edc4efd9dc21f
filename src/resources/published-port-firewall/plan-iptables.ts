import type { ToolStep } from '../plan';
import { CHAIN, DOCKER_USER, type Family } from './firewall-rules';
import type { FamilyRules, JumpParent } from './iptables-save';
import { ruleDiff, sameList } from './rule-diff';

/** One family's filter table as observed, or why it could not be (no ip6tables on the host, …). */
export type FamilyObservation = { available: true; table: FamilyRules } | { available: false; why: string };

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
 * IPv6 when Docker publishes IPv6 ports without an ip6tables DOCKER-USER). Each transaction is
 * applied whole or not at all, so the chain is never seen half-written or empty; nothing else in
 * the table is named. `preview` lists the exact rules added (`+`) and removed (`-`). A problem
 * when IPv4 cannot be read or has no DOCKER-USER.
 */
export function iptablesSteps(families: Readonly<Record<Family, FamilyObservation>>, wanted: Readonly<Record<Family, readonly string[]>>): { commands: ToolStep[]; problem?: string } {
  const commands: ToolStep[] = [];
  for (const family of [4, 6] as const) {
    const observed = families[family];
    if (!observed.available) {
      if (family === 4) return { commands: [], problem: observed.why };
      continue;
    }
    const parent = parentOf(family, observed.table);
    if (parent === null) {
      // IPv6: Docker without ip6tables neither NATs nor filters IPv6 published ports: nothing to guard.
      if (family === 4) return { commands: [], problem: `no ${DOCKER_USER} chain in iptables' filter table: Docker's iptables integration is off, or not set up yet, or Docker uses its nftables backend (then set \`backend: nftables\` or \`auto\`)` };
      continue;
    }
    const step = enforce(family, observed.table, parent, wanted[family]);
    if (step) commands.push(step);
  }
  return { commands };
}

/** Pure: the transactions that remove the owned chain and every jump to it, in each family that can be read and has them. */
export function iptablesRemovals(families: Readonly<Record<Family, FamilyObservation>>): ToolStep[] {
  return ([4, 6] as const).flatMap((family) => {
    const observed = families[family];
    const step = observed.available ? removal(family, observed.table) : null;
    return step ? [step] : [];
  });
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
    ...(chainRight ? [] : ruleDiff(table.chain ? table.rules : null, rules, `:${CHAIN} (chain)`, CHAIN)),
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
