import type { DesiredValue } from '../../desired/desired';
import type { DockerHost } from '../../host/docker-host';
import type { FileSystem } from '../../host/file-system';
import { afterChangeContainers, afterChangeSteps, type AfterChange } from '../after-change';
import { describeLocation, locate, type Location } from '../locate';
import type { Observation, Plan, PlanOptions } from '../plan';
import type { Resource } from '../resource';
import { currentLine, planFileLine, type FileLineSettings, type FileLineState } from './plan-file-line';

/** Configuration of a `FileLine` resource. */
export interface FileLineSpec {
  name: string;
  kind: 'FileLine';
  source: string;
  path?: string | undefined;
  volume?: string | undefined;
  file?: string | undefined;
  match: string;
  template: string;
  afterChange?: AfterChange | undefined;
}

/** Keeps one line of a file (on the host or in a Docker volume) equal to a template filled with a source's value. */
export class FileLine implements Resource<FileLineState> {
  readonly kind = 'FileLine';
  readonly name: string;
  readonly source: string;
  private readonly location: Location;
  private readonly settings: FileLineSettings;
  private resolved: string | null = null;

  constructor(
    private readonly spec: FileLineSpec,
    private readonly files: FileSystem,
    private readonly docker: DockerHost,
  ) {
    this.name = spec.name;
    this.source = spec.source;
    this.location = spec.path ? { path: spec.path } : { volume: spec.volume ?? '', subPath: spec.file ?? '' };
    this.settings = { match: new RegExp(spec.match), template: spec.template, after: afterChangeSteps(spec.afterChange) };
  }

  watchPaths(): string[] {
    return this.resolved ? [this.resolved] : [];
  }

  containers(): string[] {
    return afterChangeContainers(this.spec.afterChange);
  }

  async observe(): Promise<Observation<FileLineState>> {
    const where = await locate(this.location, this.docker);
    if (!where.ok) return { state: { found: false, message: where.message }, value: null, summary: where.message };
    this.resolved = where.path;
    const bytes = await this.files.readFile(where.path);
    if (bytes === null) {
      const message = `${describeLocation(this.location)} does not exist`;
      return { state: { found: false, message }, value: null, summary: message };
    }
    const text = bytes.toString('utf8');
    const line = currentLine(text, this.settings.match);
    return { state: { found: true, path: where.path, text }, value: line, summary: line ?? 'no matching line' };
  }

  plan(desired: DesiredValue | null, state: FileLineState, options: PlanOptions): Plan {
    if (desired === null || typeof desired === 'object') return { changes: [], commands: [], problem: `source ${this.source} does not give a scalar value` };
    return planFileLine(String(desired), state, this.settings, options);
  }
}
