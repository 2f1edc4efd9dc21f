import { checkPort } from '../../core/port';

/** What a `ListenStream=` value means to systemd. */
export type ListenValue =
  | { kind: 'port'; port: number; /** `0.0.0.0`, `[::]`, … or '' for a bare port */ host: string }
  | { kind: 'other'; value: string } // a path, an abstract socket, vsock: kept, not a port
  | { kind: 'invalid'; value: string }; // systemd ignores it with a warning

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function classifyListen(value: string): ListenValue {
  if (value.startsWith('/') || value.startsWith('@') || value.startsWith('vsock:')) return { kind: 'other', value };
  const bare = checkPort(value);
  if (bare.ok) return { kind: 'port', port: bare.port, host: '' };
  const colon = value.lastIndexOf(':');
  if (colon > 0) {
    const host = value.slice(0, colon);
    const port = checkPort(value.slice(colon + 1));
    const hostOk = (host.startsWith('[') && host.endsWith(']') && host.length > 2) || isIpv4(host);
    if (hostOk && port.ok) return { kind: 'port', port: port.port, host };
  }
  return { kind: 'invalid', value };
}

function isIpv4(host: string): boolean {
  const m = IPV4.exec(host);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

export function formatListen(value: ListenValue): string {
  if (value.kind !== 'port') return value.value;
  return value.host ? `${value.host}:${value.port}` : String(value.port);
}

/**
 * The effective ListenStream list from values in the order systemd applies them (unit file,
 * then drop-ins in lexical order): an empty value resets the list, an invalid one is ignored.
 */
export function effectiveListen(values: Iterable<string>): ListenValue[] {
  let result: ListenValue[] = [];
  for (const raw of values) {
    if (raw === '') {
      result = [];
      continue;
    }
    const parsed = classifyListen(raw);
    if (parsed.kind !== 'invalid') result.push(parsed);
  }
  return result;
}

/** Distinct ports of an effective list, in order of appearance. */
export function listenPorts(listen: readonly ListenValue[]): number[] {
  // A Set: with thousands of distinct ports a list lookup per entry would be quadratic.
  const ports = new Set<number>();
  for (const value of listen) if (value.kind === 'port') ports.add(value.port);
  return [...ports];
}

/** In sync: at least one port entry, and every port entry is on the desired port. */
export function listenInSync(listen: readonly ListenValue[], port: number): boolean {
  const ports = listenPorts(listen);
  return ports.length > 0 && ports.every((p) => p === port);
}
