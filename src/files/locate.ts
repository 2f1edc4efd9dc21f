import { join } from 'node:path';
import { describeError } from '../core/errors';
import type { DockerHost } from '../host/docker-host';
import { ConfinedPath, hostPath, type FilePath } from '../host/file-system';

/** Where a file or directory is: a host path, or a path inside a named Docker volume. */
export type Location = { path: string } | { volume: string; subPath: string };

/**
 * `path` is the host path (for messages and watches). `file`: the location as a file to write:
 * inside a volume (whose content a container controls) a ConfinedPath to the volume's
 * mountpoint, else the HostPath the configuration names. `tree`: as a directory tree, confined
 * to its volume, or (a host path) to the directory itself.
 */
export type Located = { ok: true; path: string; file: FilePath; tree: ConfinedPath } | { ok: false; message: string };

/** `websoft9_nginx_data:custom_ssl/` or `/etc/cockpit/ws-certs.d`, for messages. */
export function describeLocation(location: Location): string {
  return 'path' in location ? location.path : `volume ${location.volume}:${location.subPath}`;
}

/**
 * The host path of a location; a volume is found through the Docker API (its Mountpoint). A
 * missing volume is an outcome (TargetAbsent), not an exception.
 */
export async function locate(location: Location, docker: DockerHost): Promise<Located> {
  if ('path' in location) return { ok: true, path: location.path, file: hostPath(location.path), tree: ConfinedPath.inside(location.path, location.path) };
  let mountpoint: string | null;
  try {
    mountpoint = await docker.volumeMountpoint(location.volume);
  } catch (error) {
    return { ok: false, message: describeError(error) };
  }
  if (mountpoint === null) return { ok: false, message: `volume ${location.volume} does not exist` };
  // The configuration refuses `..`; ConfinedPath refuses it again (and normalises `a//b/`).
  try {
    const inside = ConfinedPath.inside(mountpoint, join(mountpoint, location.subPath));
    return { ok: true, path: inside.path, file: inside, tree: inside };
  } catch (error) {
    return { ok: false, message: describeError(error) };
  }
}
