import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { TEST_LABEL_PAIR, docker, dockerQuiet, imageExists } from './docker-cli';
import { findStaticBusybox, listApplets } from './static-busybox';
import { acquireDirLock } from './dir-lock';

const execFileAsync = promisify(execFile);

/** Repository of the locally built reconciler image; the tag is a hash of everything in it. */
export const RECONCILER_IMAGE_REPOSITORY = 'reconciler-test/reconciler';

/** Bump when the recipe below changes in a way the content hash does not see. */
const RECIPE_VERSION = '1';

/** Where the image keeps the program, as deploy/Dockerfile does. */
export const APP_DIR = '/app';

/** The health command of deploy/Dockerfile (`docker import` cannot set HEALTHCHECK: pass it to `docker run`). */
export const HEALTH_CMD = `node ${APP_DIR}/dist/cli.js status`;

const PROJECT_ROOT = path.join(__dirname, '..', '..');
const LOCK_DIR = path.join(os.tmpdir(), 'reconciler-app-image.lock');
const MODULES_CACHE = path.join(os.tmpdir(), 'reconciler-prod-modules');
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

/** A file to place in the root filesystem: `from` on this machine, `to` in the image. */
export interface Placement {
  from: string;
  to: string;
}

interface Inputs {
  node: string;
  libraries: Placement[];
  busybox: string;
  applets: string[];
  nsenter: Placement[];
  hash: string;
  modulesKey: string;
}

let pending: Promise<ReconcilerImage> | undefined;

/**
 * Returns an image of the reconciler built without a registry: `docker import` of a root
 * filesystem holding this machine's Node binary (process.execPath) with the shared libraries
 * and loader `ldd` names, a static busybox (/bin/sh, applets, nsenter), /etc/passwd, /tmp, and
 * under /app the project's dist/, config/, package.json and a production-only node_modules
 * (`npm ci --omit=dev` in a temp copy of package.json and package-lock.json, cached by the lock).
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

async function collectInputs(): Promise<Inputs> {
  const node = await fs.realpath(process.execPath);
  const libraries = await sharedLibraries(node);
  const busybox = await findStaticBusybox();
  const applets = await listApplets(busybox, ['sh', 'env', 'cat', 'readlink']);
  let nsenter: Placement[] = [];
  if (!applets.includes('nsenter')) {
    const hostNsenter = await commandPath('nsenter', 'install util-linux (nsenter), or a busybox with the nsenter applet');
    nsenter = [{ from: hostNsenter, to: '/usr/bin/nsenter' }, ...(await sharedLibraries(hostNsenter))];
  }

  const lock = await fs.readFile(path.join(PROJECT_ROOT, 'package-lock.json'));
  const pkg = JSON.parse(await fs.readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const modulesKey = sha256(
    Buffer.concat([
      lock,
      Buffer.from(JSON.stringify([pkg.dependencies, pkg.optionalDependencies, pkg.peerDependencies, pkg.bundleDependencies])),
    ]),
  );

  const hash = createHash('sha256');
  hash.update(`recipe ${RECIPE_VERSION}\0modules ${modulesKey}\0applets ${applets.join(',')}\0`);
  const hashFile = async (label: string, file: string): Promise<void> => {
    hash.update(`${label}\0${sha256(await fs.readFile(file))}\0`);
  };
  await hashFile('/usr/bin/node', node);
  for (const lib of [...libraries, ...nsenter]) await hashFile(lib.to, lib.from);
  await hashFile('/bin/busybox', busybox);
  await hashFile('package.json', path.join(PROJECT_ROOT, 'package.json'));
  for (const dir of ['dist', 'config']) {
    for (const file of await listFiles(path.join(PROJECT_ROOT, dir))) {
      await hashFile(`${dir}/${file}`, path.join(PROJECT_ROOT, dir, file));
    }
  }
  return { node, libraries, busybox, applets, nsenter, hash: hash.digest('hex'), modulesKey };
}

/** The libraries and loader `ldd` lists for a binary, each placed at the path ldd prints. */
export async function sharedLibraries(binary: string): Promise<Placement[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ldd', [binary], { encoding: 'utf8' }));
  } catch (error: unknown) {
    throw new Error(`ldd ${binary} failed (${String(error)})`);
  }
  const placements: Placement[] = [];
  for (const line of stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const match = /=>\s*(\/\S+)\s*\(/.exec(line) ?? /^\s*(\/\S+)\s*\(/.exec(line);
    if (match?.[1]) placements.push({ from: match[1], to: match[1] });
    else if (/not found/.test(line)) throw new Error(`ldd ${binary}: ${line.trim()}`);
  }
  if (placements.length === 0) throw new Error(`ldd ${binary} listed no libraries:\n${stdout}`);
  return placements;
}

async function commandPath(name: string, hint: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync('/bin/sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    return stdout.trim();
  } catch {
    throw new Error(`${name} not found on PATH: ${hint}`);
  }
}

/** Relative paths of the regular files under `dir`, sorted (symlinks are not expected there). */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, relative)));
    else if (entry.isFile()) out.push(relative);
  }
  return out;
}

/**
 * A directory holding `node_modules` with the production dependencies only, made by `npm ci
 * --omit=dev --ignore-scripts` in a temp copy of package.json and package-lock.json (never in the
 * work tree), cached under the OS temp dir by the lock's content.
 */
async function productionModules(key: string): Promise<string> {
  const dir = path.join(MODULES_CACHE, key.slice(0, 16));
  const marker = path.join(dir, '.complete');
  try {
    await fs.access(marker);
    return dir;
  } catch {
    // not cached yet
  }
  await fs.mkdir(MODULES_CACHE, { recursive: true });
  const staging = await fs.mkdtemp(path.join(MODULES_CACHE, 'staging-'));
  try {
    await fs.copyFile(path.join(PROJECT_ROOT, 'package.json'), path.join(staging, 'package.json'));
    await fs.copyFile(path.join(PROJECT_ROOT, 'package-lock.json'), path.join(staging, 'package-lock.json'));
    try {
      await execFileAsync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: staging,
        encoding: 'utf8',
        timeout: 300_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, NODE_ENV: 'production' },
      });
    } catch (error: unknown) {
      const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
      throw new Error(`npm ci --omit=dev failed in ${staging}: ${stderr.trim()}`);
    }
    await fs.writeFile(path.join(staging, '.complete'), `${key}\n`);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(staging, dir);
  } catch (error: unknown) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }
  return dir;
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

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
