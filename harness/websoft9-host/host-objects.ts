import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { ensureBusyboxImage } from '../busybox-image';
import { docker, dockerQuiet } from '../docker-cli';
import type { EmulatedHost } from './emulated-host';

type Host = Pick<EmulatedHost, 'labels' | 'volumeName' | 'containerName'>;

/**
 * Stand-in containers and volumes of a Websoft9 host beyond apphub (the proxy, Gitea,
 * Portainer, ...): named after the host's apphub, labelled as the host is (its id included), and
 * removed together by `cleanup()`.
 */
export class HostObjects {
  private readonly containers: string[] = [];
  private readonly volumes: string[] = [];

  constructor(private readonly host: Host) {}

  private labelArgs(): string[] {
    return this.host.labels.flatMap((label) => ['--label', label]);
  }

  /** Creates the labelled volume `<apphub volume>-<suffix>`; returns its name and host path. */
  async volume(suffix: string): Promise<{ name: string; path: string }> {
    const name = `${this.host.volumeName}-${suffix}`;
    await docker(['volume', 'create', ...this.labelArgs(), name]);
    this.volumes.push(name);
    const { stdout } = await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', name]);
    return { name, path: stdout.trim() };
  }

  /** Runs the labelled busybox container `<apphub>-<suffix>` with `volume:path` mounts. */
  async container(suffix: string, mounts: string[] = []): Promise<string> {
    const name = `${this.host.containerName}-${suffix}`;
    const image = await ensureBusyboxImage();
    await docker(['run', '-d', '--name', name, ...this.labelArgs(), ...mounts.flatMap((m) => ['-v', m]), image]);
    this.containers.push(name);
    return name;
  }

  /** Writes `text` to `file` inside `container` (parent directories created) with `docker cp`. */
  async write(container: string, file: string, text: string, mode = 0o644): Promise<void> {
    const dir = await fs.mkdtemp(path.join(tmpdir(), 'reconciler-cp-'));
    try {
      await fs.writeFile(path.join(dir, 'f'), text, { mode });
      await docker(['exec', container, 'mkdir', '-p', path.posix.dirname(file)]);
      await docker(['cp', path.join(dir, 'f'), `${container}:${file}`]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** Removes every container (with its anonymous volumes) and volume made here. Idempotent. */
  async cleanup(): Promise<void> {
    for (const name of this.containers.splice(0)) await dockerQuiet(['rm', '-f', '-v', name]);
    for (const name of this.volumes.splice(0)) await dockerQuiet(['volume', 'rm', '-f', name]);
  }
}
