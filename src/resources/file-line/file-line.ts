import { bytesToText, displayBytes, utf8ToByteString } from '../../core/bytes';
import { describeError } from '../../core/errors';
import type { DesiredValue } from '../../sources/desired';
import type { DockerHost } from '../../host/docker-host';
import { fileErrorCode, MAX_TEXT_FILE_BYTES, NOT_REGULAR, TOO_LARGE, UNSAFE_PATH, type FileSystem } from '../../host/file-system';
import { afterChangeContainers, afterChangeSteps } from '../after-change';
import { describeLocation, locate, type Location } from '../../files/locate';
import type { Observation, Plan, PlanOptions } from '../plan';
import type { Resource } from '../resource';
import { currentLine, planFileLine, type FileLineSettings, type FileLineState } from './plan-file-line';
import type { FileLineSpec } from '../../config/kind-specs';

/** Keeps one line of a file (on the host or in a Docker volume) equal to a template filled with a source's value. */
export class FileLine implements Resource<FileLineState> {
  readonly kind = 'FileLine';
  readonly name: string;
  readonly source: string;
  private readonly location: Location;
  private readonly settings: FileLineSettings;

  constructor(
    private readonly spec: FileLineSpec,
    private readonly files: FileSystem,
    private readonly docker: DockerHost,
  ) {
    this.name = spec.name;
    this.source = spec.source;
    this.location = spec.path ? { path: spec.path } : { volume: spec.volume ?? '', subPath: spec.file ?? '' };
    // The file is matched and edited as a byte string: the pattern's and template's non-ASCII
    // characters become their UTF-8 bytes (a literal `é` matches; a class `[é]` would not).
    this.settings = { match: new RegExp(utf8ToByteString(spec.match)), template: utf8ToByteString(spec.template), after: afterChangeSteps(spec.afterChange) };
  }

  containers(): string[] {
    return afterChangeContainers(this.spec.afterChange);
  }

  /** Watches the file: a host path from the spec, or once its volume is found. */
  async observe(): Promise<Observation<FileLineState>> {
    const where = await locate(this.location, this.docker);
    if (!where.ok) return { state: { found: false, message: where.message }, watch: [], value: null, summary: where.message };
    const watch = [where.path];
    let bytes: Buffer | null;
    try {
      // The file is written: inside a volume, no symlink at all (links: refuse).
      bytes = await this.files.readFile(where.file, { maxBytes: MAX_TEXT_FILE_BYTES, links: 'refuse' });
    } catch (error) {
      // Refusals are outcomes (UnsafePath, TargetAbsent "not a regular file"); I/O errors are ObserveFailed.
      const code = fileErrorCode(error);
      if (code !== UNSAFE_PATH && code !== NOT_REGULAR && code !== TOO_LARGE) throw error;
      const message = describeError(error);
      return { state: { found: false, message, unsafe: code === UNSAFE_PATH }, watch, value: null, summary: message };
    }
    if (bytes === null) {
      const message = `${describeLocation(this.location)} does not exist`;
      return { state: { found: false, message }, watch, value: null, summary: message };
    }
    const text = bytesToText(bytes);
    const found = currentLine(text, this.settings.match);
    const line = found === null ? null : displayBytes(found);
    return { state: { found: true, path: where.file, text }, watch, value: line, summary: line ?? 'no matching line' };
  }

  plan(desired: DesiredValue | null, state: FileLineState, options: PlanOptions): Plan {
    if (desired === null || typeof desired === 'object') return { changes: [], commands: [], problem: `source ${this.source} does not give a scalar value` };
    return planFileLine(String(desired), state, this.settings, options);
  }
}
