import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { acquireDirLock } from '../../harness/dir-lock';
import { TEST_LABEL_PAIR, docker, imageExists } from '../../harness/docker-cli';
import { sharedLibraries } from './reconciler-image-inputs';
import { findStaticBusybox, listApplets } from '../../harness/static-busybox';

const execFileAsync = promisify(execFile);

/** Debian's nginx, as the `nginx` package installs it. */
export const NGINX = '/usr/sbin/nginx';

/** Repository of the proxy test image; the tag is a hash of its inputs. */
export const NGINX_IMAGE_REPOSITORY = 'reconciler-test/nginx';

/** Bump when the recipe below changes in a way the hash does not see. */
const RECIPE_VERSION = '1';

const LOCK_DIR = path.join(os.tmpdir(), 'reconciler-nginx-image.lock');

/** Directories Debian's nginx build expects (temp paths, logs, pid) and the Websoft9 proxy's volumes. */
const DIRS = ['bin', 'usr/sbin', 'usr/bin', 'etc/nginx', 'etc/custom', 'data', 'var/lib/nginx/body', 'var/lib/nginx/proxy', 'var/lib/nginx/fastcgi', 'var/lib/nginx/scgi', 'var/lib/nginx/uwsgi', 'var/log/nginx', 'run', 'proc', 'sys', 'dev'];

let pending: Promise<string> | undefined;

/**
 * A proxy image built without a registry: `docker import` of a root filesystem holding this
 * machine's nginx binary with the libraries `ldd` names, a static busybox (/bin/sh and applets,
 * for `docker exec`), /etc/passwd with `nobody`, and nginx's directories. CMD runs nginx in the
 * foreground; the configuration is bind-mounted at /etc/nginx/nginx.conf by the caller.
 */
export async function ensureNginxImage(): Promise<string> {
  pending ??= build().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function build(): Promise<string> {
  const nginx = await fs.realpath(NGINX).catch(() => {
    throw new Error(`${NGINX} is missing: apt-get install nginx (or run .ci/run)`);
  });
  const libraries = await sharedLibraries(nginx);
  const busybox = await findStaticBusybox();
  const applets = await listApplets(busybox, ['sh', 'cat', 'ls', 'sleep']);
  const hash = createHash('sha256').update(`recipe ${RECIPE_VERSION}\0`);
  for (const file of [nginx, busybox, ...libraries.map((l) => l.from)]) hash.update(`${file}\0`).update(await fs.readFile(file));
  const tag = `${NGINX_IMAGE_REPOSITORY}:${hash.digest('hex').slice(0, 16)}`;
  if (await imageExists(tag)) return tag;
  const release = await acquireDirLock(LOCK_DIR, { waitMs: 180_000, staleMs: 120_000 });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-nginx-image-'));
  try {
    if (await imageExists(tag)) return tag;
    const rootfs = path.join(work, 'rootfs');
    for (const dir of DIRS) await fs.mkdir(path.join(rootfs, dir), { recursive: true });
    await fs.mkdir(path.join(rootfs, 'tmp'));
    await fs.chmod(path.join(rootfs, 'tmp'), 0o1777);
    for (const { from, to } of [{ from: nginx, to: NGINX }, { from: busybox, to: '/bin/busybox' }, ...libraries]) {
      const target = path.join(rootfs, to);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.copyFile(from, target);
      await fs.chmod(target, 0o755);
    }
    for (const applet of applets) await fs.symlink('busybox', path.join(rootfs, 'bin', applet)).catch(() => undefined);
    await fs.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    await fs.writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tarball = path.join(work, 'rootfs.tar');
    await execFileAsync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tarball, '.']);
    await docker([
      'import',
      '--message', 'reconciler integration-test proxy image (Debian nginx + static busybox)',
      '--change', `LABEL ${TEST_LABEL_PAIR}`,
      '--change', 'ENV PATH=/usr/sbin:/usr/bin:/bin',
      '--change', `CMD ${JSON.stringify([NGINX, '-g', 'daemon off;'])}`,
      tarball,
      tag,
    ], { timeoutMs: 300_000 });
    return tag;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
    await release();
  }
}
