import { checkPort, quoteForHumans } from './port';

/** What a `ContainerIniValue` source's value must be (configuration key `type`). */
export type ValueType = 'port' | 'ipv4' | 'path';

export const VALUE_TYPES = ['port', 'ipv4', 'path'] as const;

/** A checked value: a port is a number, the others strings. */
export type ValueCheck = { ok: true; value: number | string } | { ok: false; problem: string };

/** Longest path accepted (Linux PATH_MAX). */
const MAX_PATH = 4096;

/** A dotted quad: four decimal parts 0–255, no leading zeros, nothing else. */
export function checkIpv4(raw: string): ValueCheck {
  const parts = raw.split('.');
  const valid = parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
  return valid ? { ok: true, value: raw } : { ok: false, problem: `${quoteForHumans(raw)} is not an IPv4 address (a dotted quad, each part 0-255)` };
}

/**
 * An absolute path that cannot change the meaning of the nginx or INI line it lands in: no
 * whitespace (Unicode's too), quotes, backslash, `;`, `{`, `}`, `#`, `$` or control characters.
 */
export function checkPath(raw: string): ValueCheck {
  if (!raw.startsWith('/')) return { ok: false, problem: `${quoteForHumans(raw)} is not an absolute path` };
  if (raw.length > MAX_PATH) return { ok: false, problem: `the path is longer than ${MAX_PATH} characters` };
  // \s covers Unicode spaces and line separators; \p{Cc}/\p{Cf} control and format characters
  // (NUL, DEL, C1, zero-width and direction marks) that would hide what the line says.
  const bad = /[\s"'`\\;{}#$\p{Cc}\p{Cf}]/u.exec(raw);
  if (bad) return { ok: false, problem: `${quoteForHumans(raw)} is not a safe path: it contains ${JSON.stringify(bad[0])}` };
  return { ok: true, value: raw };
}

/** Check a raw value read from a file we do not control against its declared type. */
export function checkValue(type: ValueType, raw: string): ValueCheck {
  switch (type) {
    case 'port': {
      const port = checkPort(raw);
      return port.ok ? { ok: true, value: port.port } : port;
    }
    case 'ipv4':
      return checkIpv4(raw);
    case 'path':
      return checkPath(raw);
  }
}
