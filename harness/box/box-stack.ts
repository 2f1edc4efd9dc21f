import { spawn } from 'node:child_process';

import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../busybox-image';
import { APPHUB_CONFIG_DIR, apphubConfigIni } from '../websoft9-host';
import type { Box } from './box';

/** apphub's container and volume in the box's dockerd: the names of the Websoft9 profile. */
export const BOX_APPHUB = 'websoft9-apphub';
const APPHUB_VOLUME = 'websoft9_apphub_config';

/**
 * Loads the machine's busybox test image into the box's own dockerd (`docker save | docker load`),
 * so that the box runs the Websoft9 stand-ins without a registry.
 */
export async function loadBusyboxIntoBox(box: Box): Promise<string> {
  const image = await ensureBusyboxImage();
  await loadImageIntoBox(box, image);
  return BUSYBOX_IMAGE;
}

/** Copies an image of the machine's dockerd into the box's dockerd (`docker save | docker exec … docker load`). */
export async function loadImageIntoBox(box: Box, image: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const save = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'inherit'] });
    const load = spawn('docker', ['exec', '-i', box.name, 'docker', 'load', '-q'], { stdio: ['pipe', 'ignore', 'inherit'] });
    save.stdout.pipe(load.stdin);
    let left = 2;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${what} exited ${String(code)} while loading ${image} into the box`));
      else if (--left === 0) resolve();
    };
    save.on('close', done('docker save'));
    load.on('close', done('docker load'));
    save.on('error', reject);
    load.on('error', reject);
  });
}

/** The path of apphub's config.ini in the box (inside the volume, as the controller finds it). */
export function boxApphubIniPath(): string {
  return `/var/lib/docker/volumes/${APPHUB_VOLUME}/_data/config.ini`;
}

/**
 * Starts apphub's stand-in in the box's dockerd: the volume `websoft9_apphub_config` holding a
 * realistic config.ini with `[cockpit] port = <port>`, mounted where apphub keeps it. Loads the
 * busybox image first when the box's dockerd does not have it.
 */
export async function startBoxApphub(box: Box, port: number): Promise<void> {
  const has = await box.exec(['docker', 'image', 'inspect', BUSYBOX_IMAGE]);
  if (has.code !== 0) await loadBusyboxIntoBox(box);
  await box.run(['docker', 'volume', 'create', APPHUB_VOLUME]);
  await writeBoxApphubPort(box, port);
  await box.run(['docker', 'run', '-d', '--name', BOX_APPHUB, '-v', `${APPHUB_VOLUME}:${APPHUB_CONFIG_DIR}`, BUSYBOX_IMAGE]);
}

/** Rewrites config.ini with another port, as apphub's `setconfig` does (in place). */
export async function writeBoxApphubPort(box: Box, port: number): Promise<void> {
  await box.writeFile(boxApphubIniPath(), apphubConfigIni(port));
}

/**
 * The controller's configuration for the box: the profile's Cockpit resources (socket and
 * firewalld) on apphub's port, plus `extra` YAML lines (e.g. `timing:`). The profile's other
 * resources need the rest of the Websoft9 stack; a test that wants them writes its own.
 */
export function boxConfig(extra = ''): string {
  return [
    'resources:',
    '  - { name: cockpit-socket, kind: SystemdSocketPort, source: apphub, unit: cockpit.socket,',
    '      unitPath: /lib/systemd/system/cockpit.socket, dropInDir: /etc/systemd/system/cockpit.socket.d, mode: dropin }',
    '  - { name: cockpit-firewalld, kind: FirewalldServicePort, source: apphub,',
    '      files: [/etc/firewalld/services/cockpit.xml, /usr/lib/firewalld/services/cockpit.xml] }',
    extra,
    '',
  ].join('\n');
}
