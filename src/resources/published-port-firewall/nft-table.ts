import { formatAddress, formatCidr, parseCidr, type Cidr } from '../../core/cidr';
import type { Family, Protocol, Rule } from './firewall-rules';

/** The table the reconciler owns in nftables: family inet, IPv4 and IPv6 in one. */
export const NFT_TABLE = 'inet reconcile';
/** Its one chain. */
export const NFT_CHAIN = 'forward';
/**
 * The chain's hook, as `nft list` prints it: forwarded packets only (the host's own services,
 * on `input`, are never affected), at priority `filter - 1`, so before Docker's filter chains
 * (iptables-nft's `FORWARD` and Docker's nftables backend, both at `filter`) and firewalld's
 * (`filter + 10`). A drop here is final; `return` ends this chain only (the policy, accept):
 * the packet goes on to the others, which decide as they would without us.
 */
export const NFT_HOOK = 'type filter hook forward priority filter - 1; policy accept;';
/** The chain's first rule: packets of connections already accepted go on untouched (never cut). */
export const NFT_ESTABLISHED = 'ct state established,related return';

/** The whole listing is refused past this (the command runner's output cap is 1 MiB). */
const MAX_LISTING_CHARS = 1024 * 1024;
/** A line kept as printed (one not understood) is cut to this many characters. */
const MAX_SHOWN = 200;

/** What `nft list table inet reconcile` printed, read back. */
export interface NftTable {
  /** The chain `forward`: its hook line and its rules, each in canonical form (a rule not understood: as printed, cut short); null when there is none. */
  forward: { hook: string | null; rules: string[] } | null;
  /** Anything else in the table (other chains, sets, flags, lines not understood), as printed, cut short. */
  other: string[];
}

const FAMILY: Record<Family, string> = { 4: 'ip', 6: 'ip6' };

/** A source or destination as `nft list` prints it: the address alone when the prefix is full. */
function showCidr(cidr: Cidr): string {
  return cidr.prefix === (cidr.family === 4 ? 32 : 128) ? formatAddress(cidr.bytes) : formatCidr(cidr);
}

/**
 * A rule as `nft list` prints it, e.g. `ip saddr 198.18.9.0/24 ip daddr 172.17.0.2 tcp dport 80
 * ct status dnat return`. Like the iptables rule it matches after Docker's DNAT (the container's
 * address and private port) and only connections that were DNATed (`ct status dnat`): traffic
 * that came in through a published port, not containers talking to each other. A source of
 * prefix 0 matches every source of its family: written as no source (nft may drop a /0 match).
 */
function renderNftRule(rule: Rule): string {
  const family = FAMILY[rule.dest.family];
  const source = rule.source && rule.source.prefix > 0 ? `${family} saddr ${showCidr(rule.source)} ` : '';
  return `${source}${family} daddr ${showCidr(rule.dest)} ${rule.protocol} dport ${rule.port} ct status dnat ${rule.action === 'RETURN' ? 'return' : 'drop'}`;
}

/** The chain's rules in order: the established rule, then IPv4's, then IPv6's (each family's order kept), without duplicates. */
export function nftRules(rules: Readonly<Record<Family, readonly Rule[]>>): string[] {
  return [...new Set([NFT_ESTABLISHED, ...rules[4].map(renderNftRule), ...rules[6].map(renderNftRule)])];
}

/** The table's definition in `nft -f` syntax (the form `nft list table` prints). */
export function renderNftTable(rules: readonly string[]): string {
  return [`table ${NFT_TABLE} {`, `\tchain ${NFT_CHAIN} {`, `\t\t${NFT_HOOK}`, ...rules.map((r) => `\t\t${r}`), '\t}', '}', ''].join('\n');
}

/**
 * One `nft -f` transaction that makes the table exactly these rules: the table declared (so that
 * the delete cannot fail when it is absent), deleted, and defined again. nft applies a file as
 * one batch: the kernel takes it whole or not at all, so the table is never seen half-written.
 */
export function nftTransaction(rules: readonly string[]): string {
  return `table ${NFT_TABLE} {}\ndelete table ${NFT_TABLE}\n${renderNftTable(rules)}`;
}

/** The transaction that deletes the table (declared first: gone already is not an error). */
export const NFT_REMOVAL = `table ${NFT_TABLE} {}\ndelete table ${NFT_TABLE}\n`;

/**
 * Reads `nft list table inet reconcile` back. Output is treated as untrusted: past
 * MAX_LISTING_CHARS it is refused (an error), and every line is either the hook line, a rule we
 * understand whole (written again in canonical form, so that two spellings of one address compare
 * equal), or kept, cut short, as a difference. A line that opens a block (`chain other {`, `set s
 * {`) sends that block's lines to `other`.
 */
export function parseNftTable(text: string): NftTable {
  if (text.length > MAX_LISTING_CHARS) throw new Error(`nft list table ${NFT_TABLE}: more than ${MAX_LISTING_CHARS} characters`);
  const table: NftTable = { forward: null, other: [] };
  const keep = (line: string): number => table.other.push(cut(line));
  // The blocks the line is in: our table, its chain `forward`, or anything else (whose lines are all `other`).
  const blocks: ('table' | 'forward' | 'other')[] = [];
  let seenTable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const inside = blocks[blocks.length - 1];
    if (line === '}') {
      if (inside === undefined) keep(line);
      else blocks.pop();
      continue;
    }
    const opens = line.endsWith('{');
    if (inside === undefined && !seenTable && line === `table ${NFT_TABLE} {`) {
      seenTable = true;
      blocks.push('table');
    } else if (inside === 'table' && line === `chain ${NFT_CHAIN} {` && table.forward === null) {
      table.forward = { hook: null, rules: [] };
      blocks.push('forward');
    } else if (inside === 'forward' && table.forward !== null && !opens) {
      if (line.startsWith('type ') && table.forward.hook === null) table.forward.hook = line;
      else table.forward.rules.push(cut(canonicalNftRule(line)));
    } else {
      keep(line);
      if (opens) blocks.push('other');
    }
  }
  if (!seenTable) keep('(no table inet reconcile in the listing)');
  if (blocks.length > 0) keep('(the listing ends inside a block)');
  return table;
}

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];

/** A line kept as printed, cut to MAX_SHOWN characters (a rule of ours is always shorter). */
function cut(line: string): string {
  return line.length > MAX_SHOWN ? `${line.slice(0, MAX_SHOWN)}…` : line;
}

/** A rule of the chain in canonical form, or the line as it was printed when it is not exactly one of ours. */
export function canonicalNftRule(line: string): string {
  const tokens = line.split(/\s+/);
  if (tokens.length === 4 && tokens[0] === 'ct' && tokens[1] === 'state' && tokens[3] === 'return') {
    const states = (tokens[2] ?? '').split(',').sort();
    return states.length === 2 && states[0] === 'established' && states[1] === 'related' ? NFT_ESTABLISHED : line;
  }
  const parts: { source?: Cidr; dest?: Cidr; family?: Family; protocol?: Protocol; port?: number; dnat?: boolean; action?: Rule['action'] } = {};
  for (let i = 0; i < tokens.length; i += 3) {
    const [a, b, c] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (i === tokens.length - 1 && (a === 'return' || a === 'drop')) {
      parts.action = a === 'return' ? 'RETURN' : 'DROP';
    } else if ((a === 'ip' || a === 'ip6') && (b === 'saddr' || b === 'daddr') && c !== undefined) {
      const family: Family = a === 'ip' ? 4 : 6;
      const cidr = parseCidr(c);
      if (!cidr || cidr.family !== family || (parts.family !== undefined && parts.family !== family)) return line;
      if (b === 'saddr' ? parts.source : parts.dest) return line;
      parts.family = family;
      if (b === 'saddr') parts.source = cidr;
      else parts.dest = cidr;
    } else if (a !== undefined && PROTOCOLS.includes(a) && b === 'dport' && c !== undefined && /^[1-9][0-9]{0,4}$/.test(c) && Number(c) <= 65535 && parts.port === undefined) {
      parts.protocol = a as Protocol;
      parts.port = Number(c);
    } else if (a === 'ct' && b === 'status' && c === 'dnat' && !parts.dnat) {
      parts.dnat = true;
    } else {
      return line;
    }
  }
  const { source, dest, protocol, port, dnat, action } = parts;
  if (!dest || !protocol || port === undefined || !dnat || !action) return line;
  return renderNftRule({ source: source ?? null, dest, protocol, port, action });
}
