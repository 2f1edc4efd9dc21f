import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { DockerError } from '../core/errors';
import type { ContainerInfo, DockerHost, EventFilter } from '../host/docker-host';

const REQUEST_TIMEOUT_MS = 10_000;

interface ModemError {
  statusCode?: number;
  code?: string;
  message?: string;
}

function translate(action: string, error: unknown): DockerError {
  const e = (error ?? {}) as ModemError;
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES' || e.code === 'ECONNRESET') {
    return new DockerError('DOCKER_UNREACHABLE', `Docker daemon unreachable (${e.code}) while trying to ${action}`, {
      cause: error,
    });
  }
  if (e.code === 'ABORT_ERR' || (error instanceof Error && error.name === 'AbortError')) {
    return new DockerError('DOCKER_TIMEOUT', `Docker daemon did not answer within ${REQUEST_TIMEOUT_MS}ms while trying to ${action}`);
  }
  const detail = e.statusCode ? `HTTP ${e.statusCode}` : (e.code ?? 'error');
  return new DockerError('DOCKER_ERROR', `Docker API error (${detail}) while trying to ${action}`, { cause: error });
}

/** DockerHost on dockerode, talking to the daemon's unix socket. */
export class DockerodeHost implements DockerHost {
  private readonly docker: Docker;

  constructor(socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  async inspectContainer(name: string): Promise<ContainerInfo | null> {
    let data: Docker.ContainerInspectInfo;
    try {
      data = await this.docker.getContainer(name).inspect({ abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      if ((error as ModemError).statusCode === 404) return null;
      throw translate(`inspect container ${name}`, error);
    }
    const health = data.State.Health?.Status;
    return {
      id: data.Id,
      name: data.Name.replace(/^\//, ''),
      running: data.State.Running,
      status: data.State.Status,
      health: health === 'healthy' || health === 'unhealthy' || health === 'starting' ? health : null,
      mounts: (data.Mounts ?? []).map((m) => ({
        type: m.Type,
        ...(m.Name ? { name: m.Name } : {}),
        source: m.Source,
        destination: m.Destination,
      })),
    };
  }

  async openEvents(filter: EventFilter): Promise<Readable> {
    try {
      const stream = await this.docker.getEvents({
        filters: { type: ['container'], container: filter.containers, event: filter.actions },
      });
      return stream as Readable;
    } catch (error) {
      throw translate('subscribe to events', error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw translate('ping', error);
    }
  }
}
