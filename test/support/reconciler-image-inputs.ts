import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { findStaticBusybox, listApplets } from '../../harness/static-busybox';

const execFileAsync = promisify(execFile);

/** Bump when the recipe below changes in a way the content hash does not see. */
const RECIPE_VERSION = '2';

/** The repository's root: dist/, config/, package.json and the lock go into the image. */
export const PROJECT_ROOT = path.join(__dirname, '..', '..');
const MODULES_CACHE = path.join(os.tmpdir(), 'reconciler-prod-modules');

/** A file to place in the root filesystem: `from` on this machine, `to` in the image. */
export interface Placement {
  from: string;
  to: string;
}

/** What goes into the image, and the content hash of all of it (the image's tag). */
export interface Inputs {
  node: string;
  libraries: Placement[];
  busybox: string;
  applets: string[];
  nsenter: Placement[];
  hash: string;
  modulesKey: string;
}

/** Hashes every input of the image: Node and its libraries, busybox and its applets, nsenter, dist/, config/, the lock. */
export async function collectInputs(): Promise<Inputs> {
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
 * A directory holding `node_modules` with the production dependencies only, cached under the OS
 * temp dir by the lock's content: a copy of the work tree's `node_modules` (which `npm ci` made
 * from the same lock) without the packages package-lock.json marks `dev` or `devOptional` — what
 * `npm ci --omit=dev` would install, without a second `npm ci` (and its downloads) in a test run.
 */
export async function productionModules(key: string): Promise<string> {
  const dir = path.join(MODULES_CACHE, `${RECIPE_VERSION}-${key.slice(0, 16)}`);
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
    await copyProductionModules(path.join(staging, 'node_modules'));
    await fs.writeFile(path.join(staging, '.complete'), `${key}\n`);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(staging, dir);
  } catch (error: unknown) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/** The work tree's node_modules into `to`, without dev-only packages, `.bin` and npm's hidden lock. */
async function copyProductionModules(to: string): Promise<void> {
  // The real directory: a node_modules that is a link (a worktree sharing another's) would be
  // copied as the link, and the dev packages then removed from the directory it points to.
  const from = await fs.realpath(path.join(PROJECT_ROOT, 'node_modules'));
  await fs.access(path.join(from, '.package-lock.json')).catch(() => {
    throw new Error(`${from} was not made by npm ci: run \`npm ci\` first`);
  });
  const lock = JSON.parse(await fs.readFile(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { dev?: boolean; devOptional?: boolean }> };
  await fs.cp(from, to, { recursive: true, verbatimSymlinks: true });
  const devOnly = Object.entries(lock.packages ?? {}).filter(([key, entry]) => key.startsWith('node_modules/') && (entry.dev === true || entry.devOptional === true));
  // Deepest first, so that a nested package goes before (or with) the one that holds it.
  for (const [key] of devOnly.sort(([a], [b]) => b.length - a.length)) await fs.rm(path.join(path.dirname(to), key), { recursive: true, force: true });
  for (const extra of ['.bin', '.package-lock.json']) await fs.rm(path.join(to, extra), { recursive: true, force: true });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
