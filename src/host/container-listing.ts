/**
 * Containers as the Docker API lists them, selected by labels (the `Containers` source and the
 * kinds that render or filter from it). Everything in here comes from containers: hostile until
 * a consumer has validated it. The adapter bounds it (LISTING_LIMITS) before anyone sees it.
 */

/** A container's address on one network (empty strings when it has none). */
export interface NetworkAddress {
  name: string;
  ip: string;
  ip6: string;
}

/** A port of the container; `public` is null when it is not published. */
export interface ListedPort {
  private: number;
  public: number | null;
  type: string;
  /** The host address it is published on (`0.0.0.0`, `::`, …); empty when not published. */
  hostIp: string;
}

/** One container of a listing. */
export interface ListedContainer {
  id: string;
  name: string;
  /** Labels within the bounds (an oversized one is left out and named in `problems`). */
  labels: Record<string, string>;
  /** `running`, `restarting`, `paused`, … */
  state: string;
  /** `healthy`, `unhealthy`, `starting`, or null without a health check. */
  health: 'healthy' | 'unhealthy' | 'starting' | null;
  /** Networks in the order the daemon gave them (the first is the container's "first network"). */
  networks: NetworkAddress[];
  ports: ListedPort[];
  /** Why the adapter did not pass some of it on (a label over the size bound, too many labels). */
  problems: string[];
}

/** Which containers to list. */
export interface ContainerQuery {
  /** `key` (any value) or `key=value`; a container must carry all of them. Empty: every container. */
  labels: readonly string[];
  /** Stopped containers too (default: running, restarting and paused ones only). */
  all?: boolean;
}

/** A bounded listing: at most LISTING_LIMITS.containers, `truncated` when more matched. */
export interface ContainerListing {
  containers: ListedContainer[];
  truncated: boolean;
}

/** The bounds every listing is held to (the label values are written by whoever starts a container). */
export const LISTING_LIMITS = {
  containers: 2000,
  labelsPerContainer: 256,
  labelKeyBytes: 256,
  labelValueBytes: 4096,
  networksPerContainer: 32,
  portsPerContainer: 512,
} as const;
