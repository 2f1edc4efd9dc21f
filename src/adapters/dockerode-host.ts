import { PassThrough, type Duplex, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { DockerError } from '../core/errors';
import { lazy } from '../core/lazy';
import type { CommandResult, RunOptions } from '../host/command-runner';
import type { ContainerInfo, DockerHost, EventFilter } from '../host/docker-host';
import type { ContainerListing, ContainerQuery } from '../host/container-listing';
import { DockerApi, type DockerApiError } from './docker-api';
import { listContainers } from './list-containers';
import { OutputCollector } from './bounded-stream';
import { killExecProcess } from './exec-process';
import { readFirstTarFile } from './read-tar-file';

const REQUEST_TIMEOUT_MS = 10_000;

const dockerode = lazy(() => require('dockerode') as typeof import('dockerode'));

type ModemError = Partial<DockerApiError>;

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

/**
 * DockerHost on the daemon's unix socket: the JSON calls and archives through DockerApi (plain
 * node:http), `exec` through dockerode, loaded on its first use (docker-api.ts says why).
 */
export class DockerodeHost implements DockerHost {
  private readonly api: DockerApi;
  private dockerode: Docker | null = null;

  constructor(private readonly socketPath: string) {
    this.api = new DockerApi(socketPath);
  }

  /** dockerode, loaded and built on the first exec or archive read. */
  private get docker(): Docker {
    if (this.dockerode === null) {
      const Dockerode = dockerode();
      this.dockerode = new Dockerode({ socketPath: this.socketPath });
    }
    return this.dockerode;
  }

  async inspectContainer(name: string): Promise<ContainerInfo | null> {
    let data: Docker.ContainerInspectInfo;
    try {
      data = (await this.api.getJson(`/containers/${encodeURIComponent(name)}/json`, AbortSignal.timeout(REQUEST_TIMEOUT_MS))) as Docker.ContainerInspectInfo;
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

  async listContainers(query: ContainerQuery): Promise<ContainerListing> {
    try {
      return await listContainers(this.api, query, REQUEST_TIMEOUT_MS);
    } catch (error) {
      throw translate('list containers', error);
    }
  }

  async openEvents(filter: EventFilter): Promise<Readable> {
    try {
      const which = filter.type === 'network' ? {} : filter.labels ? { label: filter.labels } : { container: filter.containers };
      const filters = { type: [filter.type ?? 'container'], ...which, event: filter.actions };
      return await this.api.open(`/events?filters=${encodeURIComponent(JSON.stringify(filters))}`);
    } catch (error) {
      throw translate('subscribe to events', error);
    }
  }

  async ping(): Promise<void> {
    try {
      (await this.api.open('/_ping', AbortSignal.timeout(REQUEST_TIMEOUT_MS))).destroy();
    } catch (error) {
      throw translate('ping', error);
    }
  }

  async volumeMountpoint(name: string): Promise<string | null> {
    try {
      const volume = (await this.api.getJson(`/volumes/${encodeURIComponent(name)}`, AbortSignal.timeout(REQUEST_TIMEOUT_MS))) as { Mountpoint?: unknown };
      return typeof volume.Mountpoint === 'string' ? volume.Mountpoint : null;
    } catch (error) {
      if ((error as ModemError).statusCode === 404) return null;
      throw translate(`inspect volume ${name}`, error);
    }
  }

  /**
   * A command in a container, bounded like a host command: its output (stdout and stderr
   * together, OutputCollector) and its time. Past either, or when the pass is abandoned, the
   * exec's processes are killed (killExecProcess) and its stream destroyed, so nothing it does
   * keeps the pass, or the process, waiting.
   */
  async exec(container: string, argv: readonly string[], options: RunOptions): Promise<CommandResult> {
    if (options.signal?.aborted) return { kind: 'failed', message: 'killed: the pass was abandoned' };
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let exec: Docker.Exec;
    let stream: Duplex;
    try {
      exec = await this.docker.getContainer(container).exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true });
      stream = (await exec.start({ hijack: true, stdin: false, abortSignal: signal })) as Duplex;
    } catch (error) {
      const e = error as ModemError;
      if (e.statusCode === 404 || e.statusCode === 409) return { kind: 'failed', message: `container ${container} is not running` };
      if (timeout.aborted) return { kind: 'timed-out', timeoutMs: options.timeoutMs, stderr: '' };
      return { kind: 'failed', message: translate(`exec in ${container}`, error).message };
    }
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let stop: (why: Error) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    stopped.catch(() => undefined); // only ever raced
    const output = new OutputCollector(`output of docker exec in ${container}`, (error) => stop(error));
    output.attach(stdout, stderr);
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const onAbort = (): void => stop(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([
        stopped,
        new Promise<void>((resolve, reject) => {
          stream.on('end', resolve);
          stream.on('close', resolve);
          stream.on('error', reject);
        }),
      ]);
      const info = await exec.inspect({ abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (info.ExitCode === null || info.ExitCode === undefined) return { kind: 'failed', message: 'exec did not report an exit code' };
      return { kind: 'exited', exitCode: info.ExitCode, stdout: output.stdout(), stderr: output.stderr() };
    } catch {
      await this.killExec(container, exec);
      if (output.overflow) return { kind: 'failed', message: `${output.overflow.message}; killed` };
      if (options.signal?.aborted) return { kind: 'failed', message: 'killed: the pass was abandoned' };
      if (timeout.aborted) return { kind: 'timed-out', timeoutMs: options.timeoutMs, stderr: output.stderr() };
      return { kind: 'failed', message: `exec in ${container} was interrupted` };
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  /** The Docker API cannot stop an exec: its processes are killed by pid (see killExecProcess). */
  private async killExec(container: string, exec: Docker.Exec): Promise<void> {
    const limit = { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
    try {
      const [info, owner] = await Promise.all([exec.inspect(limit), this.docker.getContainer(container).inspect(limit)]);
      if (info.Running) await killExecProcess(info.Pid, owner.State.Pid);
    } catch {
      // The container is gone, or the daemon does not answer: its stream is closed all the same.
    }
  }

  async readContainerFile(container: string, path: string, maxBytes: number): Promise<Buffer | null> {
    let archive: Readable;
    try {
      const query = new URLSearchParams({ path }).toString();
      archive = await this.api.open(`/containers/${encodeURIComponent(container)}/archive?${query}`, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    } catch (error) {
      if ((error as ModemError).statusCode === 404) return null;
      throw translate(`read ${path} in container ${container}`, error);
    }
    const entry = await readFirstTarFile(archive, maxBytes, `archive of ${container}:${path}`);
    if (entry.kind === 'too-large') throw new DockerError('FILE_TOO_LARGE', `${container}:${path} is larger than ${maxBytes} bytes`);
    if (entry.kind === 'not-a-file') throw new DockerError('NOT_A_FILE', `${container}:${path} is not a regular file (${entry.type})`);
    return entry.data;
  }
}
