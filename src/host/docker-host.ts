import type { Readable } from 'node:stream';

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
  /** Event actions (`start`, `die`, `health_status`, …). */
  actions: string[];
}

/** Docker access. Implemented by adapters/dockerode-host; errors are DockerError. */
export interface DockerHost {
  /** The container, or null when no container has that name. */
  inspectContainer(name: string): Promise<ContainerInfo | null>;
  /** The raw event stream (newline-delimited JSON), filtered by the daemon. */
  openEvents(filter: EventFilter): Promise<Readable>;
  /** Resolves when the daemon answers. */
  ping(): Promise<void>;
}
