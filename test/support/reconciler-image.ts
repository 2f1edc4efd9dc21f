import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { TEST_LABEL_PAIR, docker, dockerQuiet, imageExists } from '../../harness/docker-cli';
import { acquireDirLock } from '../../harness/dir-lock';
import { PROJECT_ROOT, collectInputs, productionModules, type Inputs } from './reconciler-image-inputs';

const execFileAsync = promisify(execFile);

/** Repository of the locally built reconciler image; the tag is a hash of everything in it. */
export const RECONCILER_IMAGE_REPOSITORY = 'reconciler-test/reconciler';

/** Where the image keeps the program, as deploy/Dockerfile does. */
export const APP_DIR = '/app';

/** The health command of deploy/Dockerfile (`docker import` cannot set HEALTHCHECK: pass it to `docker run`). */
export const HEALTH_CMD = `node ${APP_DIR}/dist/cli.js status`;

const LOCK_DIR = path.join(os.tmpdir(), 'reconciler-app-image.lock');
const LOCK_STALE_MS = 600_000;
const LOCK_WAIT_MS = 600_000;

/** The image and how it was obtained. */
export interface ReconcilerImage {
  /** `reconciler-test/reconciler:<content hash>`. */
  tag: string;
  /** False when this call built it, true when an image with the same content hash existed. */
  reused: boolean;
  /** Milliseconds spent in this call (hashing, and building when not reused). */
  elapsedMs: number;
  /** `docker image inspect --format {{.Size}}`. */
  sizeBytes: number;
  /** Where nsenter in the image comes from. */
  nsenter: 'busybox applet' | 'host util-linux' | 'the given image';
  /** True when RECONCILER_TEST_IMAGE named the image (e.g. one built from deploy/Dockerfile). */
  given: boolean;
  /** Steps of the build with their durations, for the test log. */
  steps: string[];
}

let pending: Promise<ReconcilerImage> | undefined;

/**
 * Returns an image of the reconciler built without a registry: `docker import` of a root
 * filesystem holding this machine's Node binary (process.execPath) with the shared libraries
 * and loader `ldd` names, a static busybox (/bin/sh, applets, nsenter), /etc/passwd, /tmp, and
 * under /app the project's dist/, config/, package.json and a production-only node_modules
 * (the work tree's `node_modules` without the lock's dev-only packages, cached by the lock).
 * ENTRYPOINT is `node /app/dist/cli.js` as in deploy/Dockerfile; HEALTHCHECK cannot be set by
 * `docker import`, so callers pass {@link HEALTH_CMD} to `docker run --health-cmd`.
 *
 * The tag is a hash of every input, so a second call (or test run) with unchanged inputs reuses
 * the image; `npm run build` rewriting dist/ with the same content does not force a rebuild.
 * Safe to call concurrently from several test files (memo plus a cross-process lock).
 */
export async function ensureReconcilerImage(): Promise<ReconcilerImage> {
  pending ??= (process.env.RECONCILER_TEST_IMAGE ? givenImage(process.env.RECONCILER_TEST_IMAGE) : build()).catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

/**
 * RECONCILER_TEST_IMAGE=docker-host-reconciler:0.1.0 runs the same tests against an image built
 * from deploy/Dockerfile (where a registry, or a local node:20-bookworm-slim, is available).
 */
async function givenImage(tag: string): Promise<ReconcilerImage> {
  const sizeBytes = Number((await docker(['image', 'inspect', '--format', '{{.Size}}', tag])).stdout.trim());
  return { tag, reused: true, elapsedMs: 0, sizeBytes, nsenter: 'the given image', given: true, steps: ['given by RECONCILER_TEST_IMAGE'] };
}

async function build(): Promise<ReconcilerImage> {
  const started = Date.now();
  const steps: string[] = [];
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await run();
    steps.push(`${name}: ${Date.now() - t0} ms`);
    return result;
  };

  await assertBuilt();
  const inputs = await step('hash inputs', collectInputs);
  const tag = `${RECONCILER_IMAGE_REPOSITORY}:${inputs.hash.slice(0, 16)}`;
  const nsenter = inputs.nsenter.length === 0 ? 'busybox applet' : 'host util-linux';
  const done = async (reused: boolean): Promise<ReconcilerImage> => ({
    tag,
    reused,
    elapsedMs: Date.now() - started,
    sizeBytes: Number((await docker(['image', 'inspect', '--format', '{{.Size}}', tag])).stdout.trim()),
    nsenter,
    given: false,
    steps,
  });

  if (await imageExists(tag)) return done(true);
  const release = await acquireDirLock(LOCK_DIR, { waitMs: LOCK_WAIT_MS, staleMs: LOCK_STALE_MS });
  try {
    if (await imageExists(tag)) return done(true);
    const modules = await step('production node_modules', () => productionModules(inputs.modulesKey));
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-app-image-'));
    try {
      const rootfs = path.join(work, 'rootfs');
      await step('assemble root filesystem', () => assembleRootfs(rootfs, inputs, modules));
      const tarball = path.join(work, 'rootfs.tar');
      await step('tar', () => execFileAsync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tarball, '.']));
      await step('docker import', () =>
        docker(
          [
            'import',
            '--message', 'reconciler integration-test image (local node + dist + production node_modules)',
            '--change', `LABEL ${TEST_LABEL_PAIR}`,
            '--change', 'LABEL org.opencontainers.image.title=docker-host-reconciler',
            '--change', `LABEL reconciler.test.content-hash=${inputs.hash}`,
            '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
            '--change', 'ENV NODE_ENV=production',
            '--change', `WORKDIR ${APP_DIR}`,
            '--change', `ENTRYPOINT ${JSON.stringify(['node', `${APP_DIR}/dist/cli.js`])}`,
            tarball,
            tag,
          ],
          { timeoutMs: 300_000 },
        ),
      );
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
    await removeOlderImages(tag);
    return done(false);
  } finally {
    await release();
  }
}

async function assertBuilt(): Promise<void> {
  try {
    await fs.access(path.join(PROJECT_ROOT, 'dist', 'cli.js'));
  } catch {
    throw new Error('dist/cli.js is missing: run `npm run build` first (`npm test` does)');
  }
}

async function copyExecutable(from: string, rootfs: string, to: string): Promise<void> {
  const target = path.join(rootfs, to);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.copyFile(from, target); // follows symlinks: the image gets the real file at ldd's path
  await fs.chmod(target, 0o755);
}

async function assembleRootfs(rootfs: string, inputs: Inputs, modules: string): Promise<void> {
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'usr/local/bin', 'etc', 'root', 'proc', 'sys', 'dev', 'run', 'var/lib/reconciler', APP_DIR.slice(1)]) {
    await fs.mkdir(path.join(rootfs, dir), { recursive: true });
  }
  await fs.mkdir(path.join(rootfs, 'tmp'));
  await fs.chmod(path.join(rootfs, 'tmp'), 0o1777);

  await copyExecutable(inputs.node, rootfs, '/usr/bin/node');
  for (const lib of [...inputs.libraries, ...inputs.nsenter]) await copyExecutable(lib.from, rootfs, lib.to);

  await copyExecutable(inputs.busybox, rootfs, '/bin/busybox');
  for (const applet of inputs.applets) {
    const link = path.join(rootfs, 'bin', applet);
    try {
      await fs.symlink('busybox', link);
    } catch (error: unknown) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
  }
  await fs.symlink('/bin/busybox', path.join(rootfs, 'usr/bin/env'));
  await fs.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await fs.writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');

  const app = path.join(rootfs, APP_DIR.slice(1));
  await fs.cp(path.join(PROJECT_ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
  await fs.cp(path.join(PROJECT_ROOT, 'config'), path.join(app, 'config'), { recursive: true });
  await fs.copyFile(path.join(PROJECT_ROOT, 'package.json'), path.join(app, 'package.json'));
  await fs.cp(path.join(modules, 'node_modules'), path.join(app, 'node_modules'), { recursive: true, verbatimSymlinks: true });
}

/** Drops earlier builds (other content hashes) so that they do not pile up; in-use ones stay. */
async function removeOlderImages(keep: string): Promise<void> {
  const { stdout } = await docker(['image', 'ls', RECONCILER_IMAGE_REPOSITORY, '--format', '{{.Repository}}:{{.Tag}}']);
  for (const tag of stdout.split('\n').map((line) => line.trim())) {
    if (tag !== '' && tag !== keep) await dockerQuiet(['image', 'rm', tag]);
  }
}

