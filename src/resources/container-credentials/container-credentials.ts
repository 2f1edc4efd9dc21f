import { fingerprint } from '../../core/secrets';
import { findContainerFile } from '../../files/container-volume-file';
import { isContainerSet } from '../../sources/container-set';
import type { DesiredValue } from '../../sources/desired';
import { getIniValue } from '../../files/parse-ini';
import { readIniFile } from '../../files/read-ini-file';
import type { DockerHost } from '../../host/docker-host';
import type { FileSystem } from '../../host/file-system';
import type { Observation, Plan, PlanOptions } from '../plan';
import type { Resource } from '../resource';
import { dirname } from 'node:path';
import { planCredentials, type CredentialsSettings, type CredentialsState } from './plan-credentials';
import type { ContainerCredentialsSpec } from '../../config/kind-specs';

/**
 * Keeps a section's user name and password keys of apphub's config.ini equal to credentials read
 * from another container. The status shows only whether they match and a fingerprint.
 */
export class ContainerCredentials implements Resource<CredentialsState> {
  readonly kind = 'ContainerCredentials';
  readonly name: string;
  readonly source: string;
  private readonly settings: CredentialsSettings;

  constructor(
    private readonly spec: ContainerCredentialsSpec,
    private readonly files: FileSystem,
    private readonly docker: DockerHost,
  ) {
    this.name = spec.name;
    this.source = spec.source;
    this.settings = { container: spec.container, section: spec.section, userKey: spec.userKey, passwordKey: spec.passwordKey, method: spec.method, cli: spec.cli };
  }

  containers(): string[] {
    return [this.spec.container];
  }

  /** Watches config.ini's directory: known from the spec (`path`), or once the volume mount told where it is. */
  async observe(): Promise<Observation<CredentialsState>> {
    const found = await findContainerFile(this.docker, this.spec);
    if (!found.ok) return { state: { found: false, message: found.message }, watch: this.spec.path ? [dirname(this.spec.path)] : [], value: null, summary: found.message };
    const watch = [dirname(found.path)];
    // With the `ini` method the file is written: no symlink at all inside the volume.
    const read = await readIniFile(this.files, { path: found.file, links: this.spec.method === 'ini' ? 'refuse' : 'follow-within' });
    if (!read.ok) return { state: { found: false, message: read.message, ...(read.unsafe ? { unsafe: true } : {}) }, watch, value: null, summary: read.message };
    const username = getIniValue(read.ini, this.spec.section, this.spec.userKey);
    const password = getIniValue(read.ini, this.spec.section, this.spec.passwordKey);
    const value = username !== undefined && password !== undefined ? fingerprint(username, password) : null;
    return {
      state: { found: true, path: found.file, text: read.text, username, password },
      watch,
      value,
      summary: value === null ? `[${this.spec.section}] has no credentials` : `[${this.spec.section}] credentials ${value}`,
    };
  }

  plan(desired: DesiredValue | null, state: CredentialsState, options: PlanOptions): Plan {
    if (desired === null || typeof desired !== 'object' || isContainerSet(desired)) return { changes: [], commands: [], problem: `source ${this.source} does not give credentials` };
    return planCredentials(desired, state, this.settings, options);
  }
}
