import { join, normalize } from 'node:path';
import { describeError } from '../core/errors';
import type { DockerHost } from '../host/docker-host';

/** Where a file or directory is: a host path, or a path inside a named Docker volume. */
export type Location = { path: string } | { volume: string; subPath: string };

/**
 * `path` is the host path; `within` the root it must not leave: the volume's mountpoint for a
 * volume (whose content a container controls), absent for a host path the configuration names.
 */
export type Located = { ok: true; path: string; within?: string } | { ok: false; message: string };

/** `websoft9_nginx_data:custom_ssl/` or `/etc/cockpit/ws-certs.d`, for messages. */
export function describeLocation(location: Location): string {
  return 'path' in location ? location.path : `volume ${location.volume}:${location.subPath}`;
}

/**
 * The host path of a location; a volume is found through the Docker API (its Mountpoint). A
 * missing volume is an outcome (TargetAbsent), not an exception.
 */
export async function locate(location: Location, docker: DockerHost): Promise<Located> {
  if ('path' in location) return { ok: true, path: location.path };
  let mountpoint: string | null;
  try {
    mountpoint = await docker.volumeMountpoint(location.volume);
  } catch (error) {
    return { ok: false, message: describeError(error) };
  }
  if (mountpoint === null) return { ok: false, message: `volume ${location.volume} does not exist` };
  // The configuration refuses `..`; normalising keeps `a//b/` tidy for messages and watches.
  return { ok: true, path: normalize(join(mountpoint, location.subPath)).replace(/\/$/, ''), within: mountpoint };
}
