import type { Readable } from 'node:stream';
import type { CommandResult, RunOptions } from './command-runner';
import type { ContainerListing, ContainerQuery } from './container-listing';

/** A container's mount, as the Docker API reports it. */
export interface ContainerMount {
  type: string;
  /** Volume name for `volume` mounts. */
  name?: string;
  /** Path on the host. */
  source: string;
  /** Path inside the container. */
  destination: string;
}

/** The parts of `docker inspect` the controller needs. */
export interface ContainerInfo {
  id: string;
  name: string;
  running: boolean;
  /** `running`, `exited`, `restarting`, `paused`, `created`, `dead`, … */
  status: string;
  /** Health check state, or null when the container has no health check. */
  health: 'healthy' | 'unhealthy' | 'starting' | null;
  mounts: ContainerMount[];
}

export interface EventFilter {
  /** Container names whose events are wanted; filtered by the daemon. */
  containers: string[];
  /** Instead of names: containers carrying all these labels (`key` or `key=value`). */
  labels?: string[];
  /** `network`: network events (connect, disconnect) of any container instead; default `container`. */
  type?: 'container' | 'network';
  /** Event actions (`start`, `die`, `health_status`, …). */
  actions: string[];
}

/** Docker access. Implemented by adapters/dockerode-host; errors are DockerError. */
export interface DockerHost {
  /** The container, or null when no container has that name. */
  inspectContainer(name: string): Promise<ContainerInfo | null>;
  /** The raw event stream (newline-delimited JSON), filtered by the daemon. */
  openEvents(filter: EventFilter): Promise<Readable>;
  /**
   * Containers carrying all the query's labels, bounded (container-listing's LISTING_LIMITS):
   * labels, state, health, networks and ports as the daemon lists them.
   */
  listContainers(query: ContainerQuery): Promise<ContainerListing>;
  /** Resolves when the daemon answers. */
  ping(): Promise<void>;
  /** Host path of a named volume's data (its Mountpoint), or null when no such volume exists. */
  volumeMountpoint(name: string): Promise<string | null>;
  /**
   * Run argv in a running container through the exec API (no shell). A non-zero exit is a
   * result; a missing or stopped container is `{ kind: 'failed' }`.
   */
  exec(container: string, argv: readonly string[], options: RunOptions): Promise<CommandResult>;
  /**
   * A regular file's bytes from a container's file system (archive API), or null when the
   * container or the file does not exist. Larger than `maxBytes` throws DockerError.
   */
  readContainerFile(container: string, path: string, maxBytes: number): Promise<Buffer | null>;
}
