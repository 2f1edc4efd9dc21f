import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Debian's `cockpit-ws` package file, the source of the emulated host's vendor `cockpit.socket`
 * (package-socket-unit.ts). The real cockpit-ws runs in the real-host box (harness/box/).
 */

/** Where downloaded `cockpit-ws_*.deb` files are kept between runs. */
const COCKPIT_DEB_CACHE = path.join(os.tmpdir(), 'reconciler-cockpit-ws-deb');

async function cachedDeb(): Promise<string | null> {
  let names: string[];
  try {
    names = await fs.readdir(COCKPIT_DEB_CACHE);
  } catch {
    return null;
  }
  for (const name of names.filter((n) => /^cockpit-ws_.*\.deb$/.test(n)).sort().reverse()) {
    const file = path.join(COCKPIT_DEB_CACHE, name);
    try {
      await execFileAsync('dpkg-deb', ['--info', file]);
      return file;
    } catch {
      await fs.rm(file, { force: true }); // a truncated download
    }
  }
  return null;
}

async function aptDownload(dir: string): Promise<void> {
  try {
    await execFileAsync('apt-get', ['download', 'cockpit-ws'], { cwd: dir, timeout: 120_000 });
  } catch (error: unknown) {
    const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    // Package lists may be missing on a fresh machine whose cockpit-ws came from elsewhere.
    if (process.getuid?.() === 0 && /unable to locate|no installation candidate|has no installation/i.test(stderr)) {
      await execFileAsync('apt-get', ['update'], { timeout: 300_000 });
      await execFileAsync('apt-get', ['download', 'cockpit-ws'], { cwd: dir, timeout: 120_000 });
      return;
    }
    throw new Error(`apt-get download cockpit-ws failed: ${stderr.trim()}`, { cause: error });
  }
}

/**
 * The path of Debian's real `cockpit-ws` package file: `apt-get download cockpit-ws` once, then
 * reused from {@link COCKPIT_DEB_CACHE} (downloaded into a temp dir and renamed in, so concurrent
 * runs never see half a file).
 */
export async function cockpitDeb(): Promise<string> {
  const cached = await cachedDeb();
  if (cached !== null) return cached;
  await fs.mkdir(COCKPIT_DEB_CACHE, { recursive: true });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-cockpit-download-'));
  try {
    await aptDownload(work);
    const name = (await fs.readdir(work)).find((n) => /^cockpit-ws_.*\.deb$/.test(n));
    if (name === undefined) throw new Error('apt-get download cockpit-ws produced no cockpit-ws_*.deb');
    await fs.rename(path.join(work, name), path.join(COCKPIT_DEB_CACHE, name));
    return path.join(COCKPIT_DEB_CACHE, name);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Where the package puts `cockpit.socket`, relative to `/`: `lib/…` (bookworm) or `usr/lib/…` (merged /usr). */
export async function debSocketUnitPath(deb: string): Promise<string> {
  const { stdout } = await execFileAsync('dpkg-deb', ['--contents', deb], { maxBuffer: 16 * 1024 * 1024 });
  for (const line of stdout.split('\n')) {
    const match = /\s\.?\/?((?:usr\/)?lib\/systemd\/system\/cockpit\.socket)$/.exec(line);
    if (match?.[1] !== undefined) return match[1];
  }
  throw new Error(`${deb} holds no lib/systemd/system/cockpit.socket`);
}
