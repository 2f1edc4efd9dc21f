import { join } from 'node:path';
import { describeError } from '../core/errors';
import type { ContainerInfo, DockerHost } from '../host/docker-host';
import { ConfinedPath, hostPath, type FilePath } from '../host/file-system';

/** A file a container owns, found on the host through its mount of a named volume (or an explicit path). */
export interface ContainerVolumeFile {
  container: string;
  volume: string | null;
  file: string;
  path: string | null;
}

/** `file`: confined to the volume's host directory, or the HostPath of an explicit `path`; `path` for messages and watches. */
export type FoundFile = { ok: true; path: string; file: FilePath } | { ok: false; message: string };

/**
 * The container when it exists and runs (and, with `healthy`, passes its health check if it has
 * one); otherwise why not. Docker errors become a message too: this never throws.
 */
export async function readyContainer(
  docker: DockerHost,
  name: string,
  options: { healthy: boolean },
): Promise<{ ok: true; info: ContainerInfo } | { ok: false; message: string }> {
  let info;
  try {
    info = await docker.inspectContainer(name);
  } catch (error) {
    return { ok: false, message: describeError(error) };
  }
  if (!info) return { ok: false, message: `container ${name} does not exist` };
  if (!info.running) return { ok: false, message: `container ${name} is not running (${info.status})` };
  if (options.healthy && info.health && info.health !== 'healthy') return { ok: false, message: `container ${name} is not healthy (${info.health})` };
  return { ok: true, info };
}

/**
 * Where the container's file is on the host — but only while the container exists, runs and
 * is healthy (if it has a health check): a file whose owner is down may be stale or half-written.
 */
export async function findContainerFile(docker: DockerHost, spec: ContainerVolumeFile): Promise<FoundFile> {
  const ready = await readyContainer(docker, spec.container, { healthy: true });
  if (!ready.ok) return ready;
  const { info } = ready;
  if (spec.path) return { ok: true, path: spec.path, file: hostPath(spec.path) };
  const mount = info.mounts.find((m) => m.type === 'volume' && m.name === spec.volume);
  if (!mount) return { ok: false, message: `container ${spec.container} has no mount of volume ${spec.volume ?? '(none)'}` };
  try {
    const file = ConfinedPath.inside(mount.source, join(mount.source, spec.file));
    return { ok: true, path: file.path, file };
  } catch (error) {
    return { ok: false, message: describeError(error) };
  }
}
