import { dirname, join } from 'node:path';
import { describeError } from '../core/errors';
import { checkPort } from '../core/port';
import type { DockerHost } from '../host/docker-host';
import type { FileSystem } from '../host/file-system';
import type { Desired, DesiredSource } from './desired';
import { getIniValue, parseIni } from './parse-ini';

/** Configuration of a `ContainerIniValue` source (DESIGN.md §3). */
export interface ContainerIniValueSpec {
  kind: 'ContainerIniValue';
  container: string;
  volume: string | null;
  file: string;
  path: string | null;
  section: string;
  key: string;
}

/** Larger than any real config.ini; protects the controller from hostile files. */
export const MAX_INI_BYTES = 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A value in an INI file that a container owns (apphub's config.ini), found on the host through
 * the container's volume mount. The container must exist, run, and be healthy when it has a
 * health check: a file whose owner is down may be stale or half-written.
 */
export class ContainerIniValue implements DesiredSource {
  private resolvedPath: string | null;

  constructor(
    readonly name: string,
    private readonly spec: ContainerIniValueSpec,
    private readonly docker: DockerHost,
    private readonly files: FileSystem,
  ) {
    this.resolvedPath = spec.path;
  }

  containers(): string[] {
    return [this.spec.container];
  }

  watchPaths(): string[] {
    return this.resolvedPath ? [dirname(this.resolvedPath)] : [];
  }

  async read(): Promise<Desired> {
    const { container, section, key } = this.spec;
    let info;
    try {
      info = await this.docker.inspectContainer(container);
    } catch (error) {
      return unavailable(describeError(error));
    }
    if (!info) return unavailable(`container ${container} does not exist`);
    if (!info.running) return unavailable(`container ${container} is not running (${info.status})`);
    if (info.health && info.health !== 'healthy') return unavailable(`container ${container} is not healthy (${info.health})`);

    const path = this.locate(info.mounts);
    if (typeof path !== 'string') return path;
    this.resolvedPath = path;

    let text: string;
    try {
      const first = await this.files.readFile(path);
      if (first === null) return unavailable(`${path} does not exist`);
      if (first.length > MAX_INI_BYTES) return unavailable(`${path} is larger than ${MAX_INI_BYTES} bytes`);
      // apphub truncates then writes: two equal reads make a torn read very unlikely.
      const second = await this.files.readFile(path);
      if (second === null || !first.equals(second)) return unavailable(`${path} changed while being read; will retry`);
      if (first.toString('utf8').trim() === '') return unavailable(`${path} is empty (being written?)`);
      text = utf8.decode(first);
    } catch (error) {
      return unavailable(error instanceof TypeError ? `${path} is not valid UTF-8` : describeError(error));
    }

    const parsed = parseIni(text);
    if (!parsed.ok) return unavailable(`${path} line ${parsed.line}: ${parsed.problem}`);
    if (!parsed.ini.sections.has(section)) return unavailable(`${path} has no [${section}] section`);
    const raw = getIniValue(parsed.ini, section, key);
    if (raw === undefined) return unavailable(`${path} has no "${key}" in [${section}]`);
    const port = checkPort(raw);
    if (!port.ok) return { kind: 'invalid', message: `[${section}] ${key} in ${path}: ${port.problem}` };
    return { kind: 'value', value: port.port, origin: `${path} [${section}] ${key}` };
  }

  private locate(mounts: { type: string; name?: string; source: string }[]): string | Desired {
    if (this.spec.path) return this.spec.path;
    const mount = mounts.find((m) => m.type === 'volume' && m.name === this.spec.volume);
    if (!mount) return unavailable(`container ${this.spec.container} has no mount of volume ${this.spec.volume ?? '(none)'}`);
    return join(mount.source, this.spec.file);
  }
}

function unavailable(message: string): Desired {
  return { kind: 'unavailable', message };
}
