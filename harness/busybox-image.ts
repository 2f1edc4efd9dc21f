import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { TEST_LABEL_PAIR, docker, imageExists } from './docker-cli';
import { findStaticBusybox, listApplets } from './static-busybox';
import { acquireDirLock } from './dir-lock';

const execFileAsync = promisify(execFile);

/** Tag of the local test image. Bump the version when the recipe below changes. */
export const BUSYBOX_IMAGE = 'reconciler-test/busybox:1';

/**
 * PID 1 of the image: a shell that exits on SIGTERM (busybox `sleep` as PID 1 would ignore it,
 * making every `docker stop` wait for the kill timeout).
 */
const IDLE_COMMAND = "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $!; done";

/** Applets the fixtures rely on; the build fails early if the busybox binary lacks one. */
const REQUIRED_APPLETS = ['sh', 'sleep', 'cat', 'echo', 'ls', 'mkdir', 'true', 'false', 'sed', 'grep', 'env', 'test', 'touch', 'rm', 'mv'];

const LOCK_DIR = path.join(os.tmpdir(), 'reconciler-busybox-image.lock');
const LOCK_STALE_MS = 120_000;
const LOCK_WAIT_MS = 180_000;

let pending: Promise<string> | undefined;

/**
 * Returns the tag of a tiny local image (static busybox at /bin/busybox plus applet symlinks,
 * label `reconciler.test=true`, a PID 1 that idles and exits promptly on SIGTERM). Builds it with
 * `docker import` on first use and reuses it afterwards; safe to call concurrently from several
 * test files (in-process memo plus a cross-process lock directory).
 */
export async function ensureBusyboxImage(): Promise<string> {
  pending ??= buildOnce().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function buildOnce(): Promise<string> {
  if (await imageExists(BUSYBOX_IMAGE)) return BUSYBOX_IMAGE;
  const release = await acquireDirLock(LOCK_DIR, { waitMs: LOCK_WAIT_MS, staleMs: LOCK_STALE_MS });
  try {
    // Another process may have built it while this one waited for the lock.
    if (await imageExists(BUSYBOX_IMAGE)) return BUSYBOX_IMAGE;
    await buildImage(await findStaticBusybox());
    return BUSYBOX_IMAGE;
  } finally {
    await release();
  }
}


async function buildImage(busybox: string): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-image-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'proc', 'sys', 'dev', 'websoft9/apphub/src/config']) {
      await fs.mkdir(path.join(rootfs, dir), { recursive: true });
    }
    await fs.mkdir(path.join(rootfs, 'tmp'));
    await fs.chmod(path.join(rootfs, 'tmp'), 0o1777);
    await fs.copyFile(busybox, path.join(rootfs, 'bin/busybox'));
    await fs.chmod(path.join(rootfs, 'bin/busybox'), 0o755);
    for (const applet of await listApplets(busybox, REQUIRED_APPLETS)) {
      await fs.symlink('busybox', path.join(rootfs, 'bin', applet));
    }
    // Scripts with `#!/usr/bin/env sh` should work too.
    await fs.symlink('/bin/busybox', path.join(rootfs, 'usr/bin/env'));
    await fs.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    await fs.writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');

    const tarball = path.join(work, 'rootfs.tar');
    await execFileAsync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tarball, '.']);
    await docker([
      'import',
      '--message', 'reconciler integration-test image (static busybox)',
      '--change', `LABEL ${TEST_LABEL_PAIR}`,
      '--change', 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin',
      '--change', `CMD ${JSON.stringify(['/bin/sh', '-c', IDLE_COMMAND])}`,
      tarball,
      BUSYBOX_IMAGE,
    ]);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
