import { dirname } from 'node:path';
import type { DesiredValue } from '../../sources/desired';
import { describeError } from '../../core/errors';
import { fileErrorCode, MAX_TEXT_FILE_BYTES, NOT_REGULAR, TOO_LARGE, type FileSystem } from '../../host/file-system';
import { afterChangeContainers, afterChangeSteps } from '../after-change';
import type { Observation, Plan, PlanOptions } from '../plan';
import type { Resource } from '../resource';
import { observedIniValue, planIniValue, type IniValueSettings, type IniValueState } from './plan-ini-value';
import type { IniValueSpec } from '../../config/kind-specs';

/** Keeps `[section] key` of a host key file (GLib style, as cockpit.conf) equal to a template over a source's value. */
export class IniValue implements Resource<IniValueState> {
  readonly kind = 'IniValue';
  readonly name: string;
  readonly source: string;
  private readonly settings: IniValueSettings;

  constructor(
    private readonly spec: IniValueSpec,
    private readonly files: FileSystem,
  ) {
    this.name = spec.name;
    this.source = spec.source;
    this.settings = { section: spec.section, key: spec.key, template: spec.template, create: spec.create, after: afterChangeSteps(spec.afterChange) };
  }

  /** The directory (from the spec): the file may not exist yet, and editors replace it by rename. */
  private watch(): string[] {
    return [dirname(this.spec.path)];
  }

  containers(): string[] {
    return afterChangeContainers(this.spec.afterChange);
  }

  async observe(): Promise<Observation<IniValueState>> {
    let bytes: Buffer | null;
    try {
      bytes = await this.files.readFile(this.spec.path, { maxBytes: MAX_TEXT_FILE_BYTES });
    } catch (error) {
      // A FIFO, a device or a huge file where cockpit.conf should be: refused, never edited.
      const code = fileErrorCode(error);
      if (code !== NOT_REGULAR && code !== TOO_LARGE) throw error;
      const refused = describeError(error);
      return { state: { path: this.spec.path, bytes: null, refused }, watch: this.watch(), value: null, summary: refused };
    }
    const state = { path: this.spec.path, bytes };
    const value = observedIniValue(state, this.settings);
    const where = `[${this.spec.section}] ${this.spec.key}`;
    const summary = bytes === null ? `${this.spec.path} does not exist` : value === null ? `no ${where}` : `${where} = ${value}`;
    return { state, watch: this.watch(), value, summary };
  }

  plan(desired: DesiredValue | null, state: IniValueState, options: PlanOptions): Plan {
    if (desired === null || typeof desired === 'object') return { changes: [], commands: [], problem: `source ${this.source} does not give a scalar value` };
    return planIniValue(String(desired), state, this.settings, options);
  }
}
