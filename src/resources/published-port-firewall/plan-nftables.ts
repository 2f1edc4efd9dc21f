import type { ToolStep } from '../plan';
import { NFT_CHAIN, NFT_HOOK, NFT_REMOVAL, NFT_TABLE, nftTransaction, type NftTable } from './nft-table';
import { ruleDiff, sameList } from './rule-diff';

/** The owned nftables table as observed (null: there is none), or why it could not be read (no `nft` on the host, …). */
export type NftObservation = { available: true; table: NftTable | null } | { available: false; why: string };

/** The table holds exactly these rules, in order, in its one chain with our hook, and nothing else. */
function nftInSync(table: NftTable | null, wanted: readonly string[]): boolean {
  return table !== null && table.other.length === 0 && table.forward !== null && table.forward.hook === NFT_HOOK && sameList(table.forward.rules, wanted);
}

/**
 * Pure: the one `nft -f -` transaction (on standard input) that makes `table inet reconcile`
 * exactly the desired rules, or null when it holds them already. The whole table is written
 * again, atomically (see nftTransaction); `preview` lists what it adds (`+`) and removes (`-`).
 */
export function enforceNft(table: NftTable | null, wanted: readonly string[]): ToolStep | null {
  if (nftInSync(table, wanted)) return null;
  const chain = (hook: string | null): string => `chain ${NFT_CHAIN} { ${hook ?? '(no hook)'} }`;
  const preview: string[] = table === null ? [`+ table ${NFT_TABLE}`] : table.other.map((o) => `- ${o}`);
  const forward = table?.forward ?? null;
  if (forward !== null && forward.hook !== NFT_HOOK) preview.push(`- ${chain(forward.hook)}`, `+ ${chain(NFT_HOOK)}`);
  const rules = ruleDiff(forward?.rules ?? null, wanted, chain(NFT_HOOK), `table ${NFT_TABLE}`);
  // Only the order differs, unless something else does (another chain, the hook): then that is the change.
  preview.push(...(preview.length > 0 ? rules.filter((r) => !r.startsWith('~')) : rules));
  return { tool: 'nft', args: ['-f', '-'], input: nftTransaction(wanted), preview: preview.map((p) => `nft ${p}`) };
}

/** Pure: the transaction that deletes the table, or null when there is none. */
export function removeNft(table: NftTable | null): ToolStep | null {
  if (table === null) return null;
  const rules = table.forward?.rules ?? [];
  const preview = [`- table ${NFT_TABLE}`, ...table.other.map((o) => `- ${o}`), ...rules.map((r) => `- ${r}`)];
  return { tool: 'nft', args: ['-f', '-'], input: NFT_REMOVAL, preview: preview.map((p) => `nft ${p}`) };
}
