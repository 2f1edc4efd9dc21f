import type { PassDeps } from '../../src/controller/run-pass';
import type { Desired, DesiredSource, DesiredValue } from '../../src/sources/desired';
import type { CommandStep, Observation, Plan, PlanOptions } from '../../src/resources/plan';
import type { Resource } from '../../src/resources/resource';
import { hostPath } from '../../src/host/file-system';
import type { MemoryHost } from './memory-host';

/** `commands.*` of the unit tests' passes: host commands go through `nsenter -t 1 --`. */
export const TEST_COMMANDS = { prefix: ['nsenter', '-t', '1', '--'], systemctl: ['systemctl'], firewallCmd: ['firewall-cmd'], timeoutMs: 1000 };

/** A source that reads `desired` (or throws it), counting its reads. */
export function fixedSource(name: string, desired: Desired | Error): DesiredSource & { reads: number } {
  const source = {
    name,
    reads: 0,
    containers: (): string[] => [],
    read: async (): Promise<Desired> => {
      source.reads++;
      if (desired instanceof Error) throw desired;
      return desired;
    },
  };
  return source;
}

/** A source `name` whose value is `value`. */
export function valueSource(value: DesiredValue, name = 'apphub'): DesiredSource & { reads: number } {
  return fixedSource(name, { kind: 'value', value, origin: 'test' });
}

/** What `runPass` needs, all of it on `host`; `sources` by name (default: apphub with `value`). */
export function passDeps(host: MemoryHost, resources: Resource[], sources: DesiredSource[] | DesiredValue = 9000): PassDeps {
  const list = Array.isArray(sources) ? sources : [valueSource(sources)];
  return {
    files: host.fs,
    runner: host.runner,
    docker: host.docker,
    clock: host.clock,
    commands: TEST_COMMANDS,
    sources: new Map(list.map((s) => [s.name, s])),
    resources,
  };
}

/** How a {@link FileResource} misbehaves. */
export interface FileResourceScript {
  /** Source name; default `apphub`. */
  source?: string | null;
  /** Run after a change (and again when asked to retry commands). */
  commands?: CommandStep[];
  /** plan() reports this problem (CannotConverge). */
  problem?: string;
  /** plan() reports nothing to manage (TargetAbsent). */
  absent?: string;
  /** observe() throws on these calls (1 = the first). */
  observeFails?: number[];
  /** From this observe() call on, observe sees this text whatever the file holds (another writer). */
  stuck?: { fromCall: number; text: string };
  /** What observe() says it read itself (Observation.inputs), by call (1 = the first). */
  inputs?: (call: number) => string;
}

/**
 * A resource of the unit tests: one file on a MemoryHost (`/fake/<name>`) that should hold the
 * desired value as text, with `script.commands` to run after it changed. Records every plan() call.
 */
export class FileResource implements Resource<string | null> {
  readonly kind = 'FakeFile';
  readonly source: string | null;
  readonly path: string;
  readonly plans: { desired: DesiredValue | null; state: string | null; retryCommands: boolean }[] = [];
  observed = 0;

  constructor(
    readonly name: string,
    private readonly host: MemoryHost,
    private readonly script: FileResourceScript = {},
  ) {
    this.source = script.source === undefined ? 'apphub' : script.source;
    this.path = `/fake/${name}`;
  }

  containers(): string[] {
    return [];
  }

  async observe(): Promise<Observation<string | null>> {
    this.observed++;
    if (this.script.observeFails?.includes(this.observed)) throw new Error(`cannot read ${this.path}`);
    const stuck = this.script.stuck;
    const data = await this.host.fs.readFile(this.path);
    const state = stuck && this.observed >= stuck.fromCall ? stuck.text : (data?.toString('latin1') ?? null);
    const inputs = this.script.inputs ? { inputs: this.script.inputs(this.observed) } : {};
    return { state, watch: [this.path], value: state, summary: `${this.path} holds ${state ?? 'nothing'}`, ...inputs };
  }

  plan(desired: DesiredValue | null, state: string | null, options: PlanOptions): Plan {
    this.plans.push({ desired, state, retryCommands: options.retryCommands });
    if (this.script.problem !== undefined) return { changes: [], commands: [], problem: this.script.problem };
    if (this.script.absent !== undefined) return { changes: [], commands: [], absent: this.script.absent };
    const want = String(desired);
    const changes = state === want ? [] : [{ path: hostPath(this.path), before: state, after: want }];
    const commands = changes.length > 0 || options.retryCommands ? [...(this.script.commands ?? [])] : [];
    return { changes, commands };
  }
}
