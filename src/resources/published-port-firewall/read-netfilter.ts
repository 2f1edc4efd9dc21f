import { describeCommandFailure, type CommandRunner } from '../../host/command-runner';
import { toolArgv, type CommandSettings } from '../apply-plan';
import type { Family } from './firewall-rules';
import { parseFilterTable } from './iptables-save';
import { NFT_TABLE, parseNftTable } from './nft-table';
import type { FamilyObservation } from './plan-iptables';
import type { FirewallState } from './plan-firewall';
import type { NftObservation } from './plan-nftables';

/** At most this many tables listed (`nft list tables inet`) are looked at. */
const MAX_TABLES = 10_000;

/** `iptables-save -t filter` (or ip6tables-save): the table, or why it cannot be read. */
export async function readFilterTable(runner: CommandRunner, commands: CommandSettings, family: Family): Promise<FamilyObservation> {
  const argv = [...commands.prefix, ...toolArgv(commands, family === 4 ? 'iptablesSave' : 'ip6tablesSave'), '-t', 'filter'];
  const result = await runner.run(argv, { timeoutMs: commands.timeoutMs });
  if (result.kind === 'exited' && result.exitCode === 0) return { available: true, table: parseFilterTable(result.stdout) };
  return { available: false, why: describeCommandFailure(argv, result) };
}

/**
 * `nft list table inet reconcile`: the table read back; when that fails, `nft list tables inet`
 * tells a table that is not there (null: not an error) from nft failing (no `nft`, no
 * CAP_NET_ADMIN: why, as text).
 */
export async function readNftTable(runner: CommandRunner, commands: CommandSettings): Promise<NftObservation> {
  const nft = [...commands.prefix, ...toolArgv(commands, 'nft')];
  const argv = [...nft, 'list', 'table', ...NFT_TABLE.split(' ')];
  const result = await runner.run(argv, { timeoutMs: commands.timeoutMs });
  if (result.kind === 'exited' && result.exitCode === 0) return { available: true, table: parseNftTable(result.stdout) };
  if (result.kind !== 'exited') return { available: false, why: describeCommandFailure(argv, result) };
  const listArgv = [...nft, 'list', 'tables', 'inet'];
  const tables = await runner.run(listArgv, { timeoutMs: commands.timeoutMs });
  if (tables.kind !== 'exited' || tables.exitCode !== 0) return { available: false, why: describeCommandFailure(listArgv, tables) };
  const listed = tables.stdout.split('\n', MAX_TABLES).map((l) => l.trim());
  // Listed after all: created between the two commands; the next pass reads it.
  if (listed.includes(`table ${NFT_TABLE}`)) return { available: false, why: describeCommandFailure(argv, result) };
  return { available: true, table: null };
}

/** What the status shows of netfilter: the backend and why, each iptables family's chain and jump, the nftables table. */
export function describeNetfilter(state: FirewallState, backend: string): string {
  const families = ([4, 6] as const).map((f) => {
    const table = state.families[f];
    if (!table.available) return `ipv${f}: ${table.why}`;
    const { jumps, forwardJumps } = table.table;
    const jump = jumps.length + forwardJumps.length === 0 ? 'no jump' : [jumps.length > 0 ? `jump at ${jumps.join(',')}` : '', forwardJumps.length > 0 ? `jump at FORWARD ${forwardJumps.join(',')}` : ''].filter((j) => j !== '').join(', ');
    return table.table.chain ? `ipv${f}: ${table.table.rules.length} rules, ${jump}` : `ipv${f}: no chain`;
  });
  const nft = state.nft.available ? (state.nft.table === null ? 'nft: no table' : `nft: ${state.nft.table.forward?.rules.length ?? 0} rules${state.nft.table.other.length > 0 ? ` and ${state.nft.table.other.length} other lines` : ''}`) : `nft: ${state.nft.why}`;
  return [backend, ...families, nft].join('; ');
}
