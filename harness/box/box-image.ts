import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { acquireDirLock } from '../dir-lock';
import { TEST_LABEL_PAIR, docker, dockerQuiet, imageExists } from '../docker-cli';

const execFileAsync = promisify(execFile);

/** Label of every box image (and, inherited, of every box container): `--filter label=reconciler.box`. */
export const BOX_LABEL = 'reconciler.box';

/** Bump when the recipe below changes in a way the inputs do not show. */
const RECIPE_VERSION = 1;
const SUITE = 'bookworm';
/** The Debian mirror; `BOX_MIRROR` overrides it (it is part of the image's inputs). */
const MIRROR = process.env.BOX_MIRROR ?? 'http://deb.debian.org/debian';
/**
 * What a Websoft9 host runs that the end-to-end tests need, plus curl for HTTP probes with headers
 * and docker-compose (1.29) for the Compose deployment (deploy/docker-compose.yml).
 */
const PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'cockpit-ws', 'iproute2', 'firewalld', 'nftables', 'iptables',
  'docker.io', 'busybox-static', 'nginx-light', 'procps', 'curl', 'docker-compose',
];
/** Where the image keeps the `.deb`s that a test installs again with `dpkg -i` (a package upgrade). */
export const BOX_DEB_DIR = '/opt/box-debs';
const KEPT_DEBS = ['cockpit-ws'];
/**
 * Run in the new root before mmdebstrap's clean-up: keep the `.deb`s, put the inner dockerd on
 * vfs (overlay on overlay does not work), and leave /etc/machine-id empty so that every boot
 * makes its own (journald needs one).
 */
const HOOKS = [
  `mkdir -p "$1${BOX_DEB_DIR}" && ${KEPT_DEBS.map((p) => `cp "$1"/var/cache/apt/archives/${p}_*.deb "$1${BOX_DEB_DIR}/"`).join(' && ')}`,
  'mkdir -p "$1/etc/docker" && printf \'{"storage-driver": "vfs"}\\n\' > "$1/etc/docker/daemon.json"',
];

const LOCK_DIR = path.join(os.tmpdir(), 'reconciler-box-image.lock');
/** mmdebstrap takes 1–4 minutes; a lock older than this belongs to a crashed build. */
const LOCK_STALE_MS = 15 * 60_000;
const BUILD_TIMEOUT_MS = 12 * 60_000;

/** The tag of the box image for the current inputs: `reconciler-test/box:<hash of the inputs>`. */
export function boxImageTag(): string {
  const inputs = JSON.stringify({ RECIPE_VERSION, SUITE, MIRROR, PACKAGES, HOOKS });
  return `reconciler-test/box:${createHash('sha256').update(inputs).digest('hex').slice(0, 16)}`;
}

let pending: Promise<string> | undefined;

/**
 * Returns the tag of the box image (Debian with systemd as PID 1, firewalld, dockerd, Cockpit and
 * nginx), building it with mmdebstrap from the Debian mirror when no image exists for the current
 * inputs (1–4 min), and removing box images of older inputs. Safe to call from several processes.
 */
export async function ensureBoxImage(log: (line: string) => void = () => undefined): Promise<string> {
  pending ??= buildOnce(log).catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function buildOnce(log: (line: string) => void): Promise<string> {
  const tag = boxImageTag();
  if (await imageExists(tag)) return tag;
  const release = await acquireDirLock(LOCK_DIR, { waitMs: LOCK_STALE_MS, staleMs: LOCK_STALE_MS });
  try {
    if (await imageExists(tag)) return tag;
    log(`building the box image ${tag} with mmdebstrap (1-4 min)`);
    await buildImage(tag);
    await removeStaleImages(tag);
    return tag;
  } finally {
    await release();
  }
}

async function buildImage(tag: string): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-box-'));
  try {
    const tarball = path.join(work, 'rootfs.tar');
    const args = ['--variant=apt', `--include=${PACKAGES.join(',')}`, ...HOOKS.map((h) => `--customize-hook=${h}`), SUITE, tarball, MIRROR];
    await execFileAsync('mmdebstrap', args, { timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }).catch((error: unknown) => {
      const detail = error instanceof Error ? error.message : String(error);
      const hint = /ENOENT/.test(detail) ? ' (install it: apt-get install mmdebstrap)' : '';
      throw new Error(`mmdebstrap failed${hint}: ${detail.slice(-2000)}`);
    });
    await docker(
      [
        'import',
        '--message', 'reconciler real-host box (systemd, firewalld, dockerd, Cockpit, nginx)',
        '--change', `LABEL ${TEST_LABEL_PAIR}`,
        '--change', `LABEL ${BOX_LABEL}=true`,
        '--change', 'ENV container=docker',
        '--change', `CMD ${JSON.stringify(['/lib/systemd/systemd'])}`,
        tarball,
        tag,
      ],
      { timeoutMs: 600_000 },
    );
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Box images of other inputs are stale: removed (an image still used by a container stays). */
async function removeStaleImages(keep: string): Promise<void> {
  const { stdout } = await docker(['image', 'ls', '--filter', `label=${BOX_LABEL}=true`, '--format', '{{.Repository}}:{{.Tag}}']);
  for (const image of stdout.split('\n').filter((line) => line !== '' && line !== keep)) {
    await dockerQuiet(['image', 'rm', image]);
  }
}
