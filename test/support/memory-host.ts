import type { Readable } from 'node:stream';
import type { Clock } from '../../src/host/clock';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/host/command-runner';
import type { ContainerInfo, DockerHost } from '../../src/host/docker-host';
import type { FileSystem, TreeEntry } from '../../src/host/file-system';

/** Thrown by every side effect once the emulated process has "died". */
export class Crash extends Error {
  constructor() {
    super('crashed');
  }
}

/**
 * What survives a crash (the files) and what a test scripts (command answers), with a budget of
 * side effects after which the emulated process dies: the effect that exhausts it does not
 * happen (a write) or happens without its result being seen (a command), and every later one throws.
 */
export class MemoryHost {
  readonly files = new Map<string, Buffer>();
  /** Every side effect, in order: `write P`, `remove P`, `run ARGV`, `exec C ARGV`. */
  readonly log: string[] = [];
  /** Side effects left before the crash; Infinity = never. */
  budget = Infinity;
  /** Answers for commands by their logged line (exit 0 with no output otherwise). */
  answers = new Map<string, CommandResult>();

  private spend(effect: string, before: boolean): void {
    if (this.budget <= 0) throw new Crash();
    this.budget--;
    if (this.budget === 0 && before) throw new Crash();
    this.log.push(effect);
    if (this.budget === 0) throw new Crash();
  }

  /** Index in `log` of the last write or removal of `path` (-1 when none). */
  lastChange(path: string): number {
    for (let i = this.log.length - 1; i >= 0; i--) if (this.log[i] === `write ${path}` || this.log[i] === `remove ${path}`) return i;
    return -1;
  }

  readonly fs: FileSystem = {
    readFile: async (path) => {
      const data = this.files.get(String(path));
      return data === undefined ? null : Buffer.from(data);
    },
    listDir: async (path) => {
      const prefix = `${path}/`;
      const names = [...this.files.keys()].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split('/')[0] as string);
      return names.length === 0 ? null : [...new Set(names)].sort();
    },
    exists: async (path) => this.files.has(path),
    writeFileAtomic: async (path, data) => {
      this.spend(`write ${path}`, true);
      this.files.set(String(path), Buffer.from(data));
    },
    remove: async (path) => {
      this.spend(`remove ${path}`, true);
      this.files.delete(String(path));
    },
    listTree: async (): Promise<TreeEntry[] | null> => null,
    realPath: async (path) => (this.files.has(path) ? path : null),
    readLink: async () => null,
  };

  readonly runner: CommandRunner = {
    run: async (argv: readonly string[], _options: RunOptions): Promise<CommandResult> => {
      const line = `run ${argv.join(' ')}`;
      this.spend(line, false);
      return this.answers.get(line) ?? { kind: 'exited', exitCode: 0, stdout: '', stderr: '' };
    },
  };

  readonly docker: DockerHost = {
    exec: async (container: string, argv: readonly string[]): Promise<CommandResult> => {
      const line = `exec ${container} ${argv.join(' ')}`;
      this.spend(line, false);
      return this.answers.get(line) ?? { kind: 'exited', exitCode: 0, stdout: '', stderr: '' };
    },
    inspectContainer: async (): Promise<ContainerInfo | null> => null,
    openEvents: async (): Promise<Readable> => Promise.reject(new Error('no events here')),
    ping: async () => undefined,
    listContainers: async () => ({ containers: [], truncated: false }),
    volumeMountpoint: async () => null,
    readContainerFile: async () => null,
  };

  readonly clock: Clock = { now: () => Date.UTC(2024, 0, 1), setTimer: () => () => undefined };
}
