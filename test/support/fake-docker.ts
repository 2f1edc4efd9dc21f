import type { Readable } from 'node:stream';
import type { CommandResult, RunOptions } from '../../src/host/command-runner';
import type { ContainerListing, ContainerQuery } from '../../src/host/container-listing';
import type { ContainerInfo, DockerHost, EventFilter } from '../../src/host/docker-host';

/** Scripted answers of {@link FakeDocker}, one per method of `DockerHost`. */
export type DockerAnswers = Partial<DockerHost>;

/** A running container named `name` with no mounts. */
export const runningContainer = (name: string): ContainerInfo => ({ id: 'abc123', name, running: true, status: 'running', health: null, mounts: [] });

/**
 * The Docker stand-in of the unit tests: each method answers as `answers` says and records its
 * call; a method without an answer rejects with "<method> must not be called", so that a test
 * sees a call it did not expect.
 */
export class FakeDocker implements DockerHost {
  /** `readContainerFile` calls: container, path, maxBytes. */
  readonly reads: [string, string, number][] = [];
  /** `openEvents` filters, in order. */
  readonly filters: EventFilter[] = [];
  /** The options of each `exec` call. */
  readonly execOptions: RunOptions[] = [];

  /** `log` (shared with other fakes, e.g. of files and commands) gets one `exec C ARGV` line per exec. */
  constructor(
    private readonly answers: DockerAnswers = {},
    readonly log: string[] = [],
  ) {}

  inspectContainer(name: string): Promise<ContainerInfo | null> {
    return this.answers.inspectContainer?.(name) ?? unused('inspectContainer');
  }

  openEvents(filter: EventFilter): Promise<Readable> {
    this.filters.push(filter);
    return this.answers.openEvents?.(filter) ?? unused('openEvents');
  }

  listContainers(query: ContainerQuery): Promise<ContainerListing> {
    return this.answers.listContainers?.(query) ?? unused('listContainers');
  }

  ping(): Promise<void> {
    return this.answers.ping?.() ?? unused('ping');
  }

  volumeMountpoint(name: string): Promise<string | null> {
    return this.answers.volumeMountpoint?.(name) ?? unused('volumeMountpoint');
  }

  exec(container: string, argv: readonly string[], options: RunOptions): Promise<CommandResult> {
    this.log.push(`exec ${container} ${argv.join(' ')}`);
    this.execOptions.push(options);
    return this.answers.exec?.(container, argv, options) ?? unused('exec');
  }

  readContainerFile(container: string, path: string, maxBytes: number): Promise<Buffer | null> {
    this.reads.push([container, path, maxBytes]);
    return this.answers.readContainerFile?.(container, path, maxBytes) ?? unused('readContainerFile');
  }
}

function unused(name: string): Promise<never> {
  return Promise.reject(new Error(`${name} must not be called`));
}
