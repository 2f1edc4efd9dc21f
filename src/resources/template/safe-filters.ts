import { checkPort, quoteForHumans } from '../../core/port';
import { checkIpv4 } from '../../core/value-type';

/**
 * A value a safe-output filter refused. Thrown inside a render: the container whose value it
 * is becomes invalid (left out, named in the status), never part of the file.
 */
export class RefusedValue extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'RefusedValue';
  }
}

/** RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, at most 253 characters. */
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** `hostname`: the value if it is a host name, else refused. */
export function hostnameFilter(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value ?? '');
  const ok = text.length > 0 && text.length <= 253 && text.split('.').every((l) => LABEL.test(l));
  if (!ok) throw new RefusedValue(`${quoteForHumans(text)} is not a host name`);
  return text;
}

/** `port`: a port number 1-65535 (from a number or a decimal string), else refused. */
export function portFilter(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : String(value ?? '');
  const checked = checkPort(text);
  if (!checked.ok) throw new RefusedValue(checked.problem);
  return checked.port;
}

/** `address`: an IPv4 dotted quad or an IPv6 address (no zone, no brackets), else refused. */
export function addressFilter(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value ?? '');
  if (checkIpv4(text).ok || isIpv6(text)) return text;
  throw new RefusedValue(`${quoteForHumans(text)} is not an IP address`);
}

function isIpv6(text: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':') || text.length > 45) return false;
  // The WHATWG URL parser implements the IPv6 grammar; the character check above keeps
  // anything else (a zone, a bracket, a path) from reaching it.
  try {
    return new URL(`http://[${text}]/`).hostname !== '';
  } catch {
    return false;
  }
}
