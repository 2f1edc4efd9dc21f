/**
 * IPv4 and IPv6 addresses and CIDR blocks, parsed strictly and written in one canonical form
 * (the one `iptables-save` and `ip6tables-save` print): host bits cleared, IPv6 in lower case
 * with the longest run of two or more zero groups written `::`. Anything outside the grammar is
 * refused, so a parsed value can go into an argv or an `iptables-restore` file as it is.
 */
export interface Cidr {
  family: 4 | 6;
  /** The address with host bits cleared: 4 or 16 bytes. */
  bytes: number[];
  prefix: number;
}

const IPV4_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!IPV4_OCTET.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

function groupsOf(side: string): number[] | null {
  if (side === '') return [];
  const groups: number[] = [];
  const parts = side.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (i === parts.length - 1 && part.includes('.')) {
      // An embedded IPv4 address (`::ffff:1.2.3.4`) as the last two groups.
      const v4 = parseIpv4(part);
      if (!v4) return null;
      groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
    } else {
      if (!HEX_GROUP.test(part)) return null;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

function parseIpv6(text: string): number[] | null {
  if (text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** An address alone (`198.18.0.5`, `fd00::5`), or null. */
export function parseAddress(text: string): { family: 4 | 6; bytes: number[] } | null {
  if (/^[0-9.]+$/.test(text)) {
    const bytes = parseIpv4(text);
    return bytes ? { family: 4, bytes } : null;
  }
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const bytes = parseIpv6(text);
  return bytes ? { family: 6, bytes } : null;
}

/**
 * `198.18.9.0/24`, `2001:db8:9::/48`, or an address alone (a /32 or /128). Host bits are
 * accepted and cleared (as iptables does). Null for anything else: spaces, options, names.
 */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const address = parseAddress(slash === -1 ? text : text.slice(0, slash));
  if (!address) return null;
  const max = address.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const bits = text.slice(slash + 1);
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(bits) || Number(bits) > max) return null;
    prefix = Number(bits);
  }
  const bytes = address.bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  return { family: address.family, bytes, prefix };
}

/** The canonical text of an address's bytes (4 or 16). */
export function formatAddress(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  // The longest run of zero groups (the first of equal runs), if it is at least two long.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  const head = hex.slice(0, best.start).join(':');
  const tail = hex.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/** `198.18.9.0/24`, `2001:db8:9::/48`: always with the prefix length. */
export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr.bytes)}/${cidr.prefix}`;
}
