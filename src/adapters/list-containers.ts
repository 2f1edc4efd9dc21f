import type { DockerApi } from './docker-api';
import { LISTING_LIMITS, type ContainerListing, type ContainerQuery, type ListedContainer, type ListedPort, type NetworkAddress } from '../host/container-listing';

/**
 * The daemon's answer to `GET /containers/json` turned into bounded ListedContainers. Every
 * field is checked for its type (the answer is the daemon's, the labels are anybody's): a
 * wrong type becomes an empty value, an oversized label is left out and named in `problems`.
 */
export function toListing(raw: unknown): ContainerListing {
  const items = Array.isArray(raw) ? raw : [];
  const containers = items.slice(0, LISTING_LIMITS.containers).map((item) => toContainer(record(item)));
  return { containers, truncated: items.length > LISTING_LIMITS.containers };
}

/** The list call: label filters (all must match), running containers unless `all`. */
export async function listContainers(api: DockerApi, query: ContainerQuery, timeoutMs: number): Promise<ContainerListing> {
  const filters = query.labels.length > 0 ? { label: [...query.labels] } : {};
  const params = new URLSearchParams({ ...(query.all ? { all: '1' } : {}), filters: JSON.stringify(filters) });
  const raw: unknown = await api.getJson(`/containers/json?${params.toString()}`, AbortSignal.timeout(timeoutMs));
  return toListing(raw);
}

function toContainer(raw: Record<string, unknown>): ListedContainer {
  const problems: string[] = [];
  const names = Array.isArray(raw.Names) ? raw.Names.filter((n): n is string => typeof n === 'string') : [];
  // A linked container also appears as `/other/alias`: its own name has one slash.
  const name = (names.find((n) => n.lastIndexOf('/') === 0) ?? names[0] ?? '').replace(/^\//, '');
  const status = text(raw.Status);
  return {
    id: text(raw.Id),
    name,
    labels: labelsOf(record(raw.Labels), problems),
    state: text(raw.State),
    health: /\(healthy\)/.test(status) ? 'healthy' : /\(unhealthy\)/.test(status) ? 'unhealthy' : /\(health: starting\)/.test(status) ? 'starting' : null,
    networks: networksOf(record(record(raw.NetworkSettings).Networks)),
    ports: (Array.isArray(raw.Ports) ? raw.Ports : []).slice(0, LISTING_LIMITS.portsPerContainer).map((p) => portOf(record(p))),
    problems,
  };
}

function labelsOf(raw: Record<string, unknown>, problems: string[]): Record<string, string> {
  const kept: [string, string][] = [];
  const entries = Object.entries(raw);
  if (entries.length > LISTING_LIMITS.labelsPerContainer) problems.push(`more than ${LISTING_LIMITS.labelsPerContainer} labels; the rest left out`);
  for (const [key, value] of entries.slice(0, LISTING_LIMITS.labelsPerContainer)) {
    if (typeof value !== 'string') continue;
    if (Buffer.byteLength(key) > LISTING_LIMITS.labelKeyBytes) {
      problems.push(`a label key longer than ${LISTING_LIMITS.labelKeyBytes} bytes`);
    } else if (Buffer.byteLength(value) > LISTING_LIMITS.labelValueBytes) {
      problems.push(`label ${key}: value longer than ${LISTING_LIMITS.labelValueBytes} bytes`);
    } else {
      kept.push([key, value]);
    }
  }
  // Own properties only (fromEntries defines them): a label named `__proto__` is a label like any other.
  return Object.fromEntries(kept);
}

function networksOf(raw: Record<string, unknown>): NetworkAddress[] {
  // The daemon sorts network names (Go map order in JSON): the first network is the first by name.
  return Object.entries(raw)
    .slice(0, LISTING_LIMITS.networksPerContainer)
    .map(([name, value]) => {
      const network = record(value);
      return { name, ip: text(network.IPAddress), ip6: text(network.GlobalIPv6Address) };
    });
}

function portOf(raw: Record<string, unknown>): ListedPort {
  const publicPort = typeof raw.PublicPort === 'number' && Number.isInteger(raw.PublicPort) ? raw.PublicPort : null;
  return { private: typeof raw.PrivatePort === 'number' ? raw.PrivatePort : 0, public: publicPort, type: text(raw.Type), hostIp: text(raw.IP) };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
