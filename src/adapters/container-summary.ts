import type Docker from 'dockerode';
import type { ContainerSummary } from '../host/docker-host';

/** `GET /containers/json`'s entry as a ContainerSummary: name without its `/`, published and other ports, every network's addresses. */
export function summaryOf(info: Docker.ContainerInfo): ContainerSummary {
  const networks = Object.values(info.NetworkSettings?.Networks ?? {});
  const addresses = networks.flatMap((n) => [n.IPAddress, n.GlobalIPv6Address]).filter((a): a is string => typeof a === 'string' && a !== '');
  return {
    id: info.Id,
    name: (info.Names?.[0] ?? info.Id).replace(/^\//, ''),
    labels: { ...(info.Labels ?? {}) },
    ports: (info.Ports ?? []).map((p) => ({
      privatePort: p.PrivatePort,
      protocol: p.Type,
      ...(typeof p.PublicPort === 'number' && p.PublicPort > 0 ? { publicPort: p.PublicPort } : {}),
      ...(p.IP ? { hostIp: p.IP } : {}),
    })),
    addresses: [...new Set(addresses)],
  };
}
