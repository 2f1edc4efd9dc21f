/** A listening TCP socket as `/proc/net/tcp` or `tcp6` lists it. */
export interface TcpListener {
  /** Local address as text (`127.0.0.1`, `::`, `::ffff:127.0.0.1`). */
  address: string;
  port: number;
  /** The socket's inode: `/proc/<pid>/fd/*` links to `socket:[inode]`. */
  inode: string;
}

/** `st` value of a listening socket (TCP_LISTEN). */
const LISTEN = '0A';

/**
 * The LISTEN entries of a `/proc/net/tcp` (family 4) or `tcp6` (family 6) text. Addresses are
 * in the kernel's byte order per 32-bit word (little-endian on the hosts this runs on), ports
 * in hex; lines that do not parse are skipped (the header, a truncated last line).
 */
export function parseProcNetTcp(text: string, family: 4 | 6): TcpListener[] {
  const listeners: TcpListener[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    if (fields.length < 10 || !/^\d+:$/.test(fields[0] as string) || fields[3] !== LISTEN) continue;
    const local = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(fields[1] as string);
    const inode = fields[9] as string;
    if (!local || !/^\d+$/.test(inode)) continue;
    const address = family === 4 ? ipv4Of(local[1] as string) : ipv6Of(local[1] as string);
    if (address === null) continue;
    listeners.push({ address, port: parseInt(local[2] as string, 16), inode });
  }
  return listeners;
}

/** Bytes of one 32-bit word written by the kernel in little-endian order. */
function wordBytes(hex: string): number[] {
  const value = parseInt(hex, 16);
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function ipv4Of(hex: string): string | null {
  return hex.length === 8 ? wordBytes(hex).join('.') : null;
}

function ipv6Of(hex: string): string | null {
  if (hex.length !== 32) return null;
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8)));
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [0, 2, 4, 6, 8, 10, 12, 14].map((i) => (((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  return compress(groups);
}

/** RFC 5952: the longest run of two or more zero groups becomes `::`. */
function compress(groups: string[]): string {
  let best = { at: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.length && j - i >= 2) best = { at: i, length: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}
