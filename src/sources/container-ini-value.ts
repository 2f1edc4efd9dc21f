import { dirname } from 'node:path';
import { checkPort } from '../core/port';
import type { DockerHost } from '../host/docker-host';
import type { FileSystem } from '../host/file-system';
import { findContainerFile } from '../files/container-volume-file';
import type { Desired, DesiredSource } from './desired';
import { getIniValue } from '../files/parse-ini';
import { readIniFile } from '../files/read-ini-file';

/** Configuration of a `ContainerIniValue` source (docs/configuration.md). */
export interface ContainerIniValueSpec {
  kind: 'ContainerIniValue';
  container: string;
  volume: string | null;
  file: string;
  path: string | null;
  section: string;
  key: string;
}

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
    return { ...(await this.readAt(found.path, found.within)), watch: [dirname(found.path)] };
  }

  private async readAt(path: string, within: string | undefined): Promise<Desired> {
    const { section, key } = this.spec;
    const parsed = await readIniFile(this.files, { path, within });
    if (!parsed.ok) return parsed.unsafe ? { kind: 'unavailable', message: parsed.message, reason: 'UnsafePath' } : unavailable(parsed.message);
    if (!parsed.ini.sections.has(section)) return unavailable(`${path} has no [${section}] section`);
    const raw = getIniValue(parsed.ini, section, key);
    if (raw === undefined) return unavailable(`${path} has no "${key}" in [${section}]`);
    const port = checkPort(raw);
    if (!port.ok) return { kind: 'invalid', message: `[${section}] ${key} in ${path}: ${port.problem}` };
    return { kind: 'value', value: port.port, origin: `${path} [${section}] ${key}` };
  }
}

function unavailable(message: string): Desired {
  return { kind: 'unavailable', message };
}
