import type { ListedContainer } from '../../host/container-listing';

/** One container as templates see it (keys fixed by the documented template context). */
export interface ContainerContext {
  name: string;
  id: string;
  labels: Record<string, string>;
  state: string;
  health: string | null;
  /** Of the first network (by name), empty when none. */
  ip: string;
  ip6: string;
  networks: Record<string, { ip: string; ip6: string }>;
  ports: { private: number; public: number | null; type: string }[];
}

/** The container's context; maps of own properties only, so that a label named `__proto__` is just a label. */
export function containerContext(c: ListedContainer): ContainerContext {
  const networks: Record<string, { ip: string; ip6: string }> = Object.fromEntries(c.networks.map((n) => [n.name, { ip: n.ip, ip6: n.ip6 }]));
  const labels: Record<string, string> = Object.fromEntries(Object.entries(c.labels));
  const first = c.networks[0];
  return {
    name: c.name,
    id: c.id,
    labels,
    state: c.state,
    health: c.health,
    ip: first?.ip ?? '',
    ip6: first?.ip6 ?? '',
    networks,
    ports: c.ports.map((p) => ({ private: p.private, public: p.public, type: p.type })),
  };
}

/** What identifies a container's part of the file: its context (a changed label or address is a changed part). */
export function contextKey(c: ListedContainer): string {
  const ctx = containerContext(c);
  return JSON.stringify([ctx.name, ctx.id, Object.entries(ctx.labels).sort(), ctx.state, ctx.health, Object.entries(ctx.networks).sort(), ctx.ports]);
}
