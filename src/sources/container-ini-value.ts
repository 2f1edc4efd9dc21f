import { dirname } from 'node:path';
import type { DockerHost } from '../host/docker-host';
import type { FilePath, FileSystem } from '../host/file-system';
import { findContainerFile } from '../files/container-volume-file';
import type { Desired, DesiredSource } from './desired';
import { getIniValue } from '../files/parse-ini';
import { readIniFile } from '../files/read-ini-file';
import type { ContainerIniValueSpec } from '../config/kind-specs';
import { checkValue } from '../core/value-type';

/**
 * A value in an INI file that a container owns (apphub's config.ini), found on the host through
 * the container's volume mount. The container must exist, run, and be healthy when it has a
 * health check: a file whose owner is down may be stale or half-written.
 */
export class ContainerIniValue implements DesiredSource {
  constructor(
    readonly name: string,
    private readonly spec: ContainerIniValueSpec,
    private readonly docker: DockerHost,
    private readonly files: FileSystem,
  ) {}

  containers(): string[] {
    return [this.spec.container];
  }

  /** Watches the file's directory: known from the spec (`path`), or once the volume mount told where it is. */
  async read(): Promise<Desired> {
    const found = await findContainerFile(this.docker, this.spec);
    if (!found.ok) return { kind: 'unavailable', message: found.message, watch: this.spec.path ? [dirname(this.spec.path)] : [] };
    return { ...(await this.readAt(found.file)), watch: [dirname(found.path)] };
  }

  private async readAt(path: FilePath): Promise<Desired> {
    const { section, key } = this.spec;
    const parsed = await readIniFile(this.files, { path });
    if (!parsed.ok) return parsed.unsafe ? { kind: 'unavailable', message: parsed.message, reason: 'UnsafePath' } : unavailable(parsed.message);
    if (!parsed.ini.sections.has(section)) return unavailable(`${path} has no [${section}] section`);
    const raw = getIniValue(parsed.ini, section, key);
    if (raw === undefined) return unavailable(`${path} has no "${key}" in [${section}]`);
    const checked = checkValue(this.spec.type ?? 'port', raw);
    if (!checked.ok) return { kind: 'invalid', message: `[${section}] ${key} in ${path}: ${checked.problem}` };
    return { kind: 'value', value: checked.value, origin: `${path} [${section}] ${key}` };
  }
}

function unavailable(message: string): Desired {
  return { kind: 'unavailable', message };
}
