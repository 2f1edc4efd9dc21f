import type { ListedContainer } from '../../src/host/container-listing';
import type { ContainerSet } from '../../src/sources/container-set';

/** A running container as a listing gives it: one network (`ip`), labels as given. */
export function listed(name: string, labels: Record<string, string>, ip = '172.17.0.2', extra: Partial<ListedContainer> = {}): ListedContainer {
  return { id: `id-${name}`, name, labels, state: 'running', health: null, networks: [{ name: 'bridge', ip, ip6: '' }], ports: [{ private: 80, public: null, type: 'tcp', hostIp: '' }], problems: [], ...extra };
}

/** A Containers source's value, sorted by name as the source sorts it. */
export function containerSet(containers: readonly ListedContainer[], env: Record<string, string> = {}): ContainerSet {
  return { kind: 'containers', containers: [...containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), env };
}
