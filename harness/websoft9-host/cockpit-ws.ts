import { execFile } from 'node:child_process';
import { accessSync, constants, promises as fs } from 'node:fs';
import { request } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Cockpit's web server as Debian's `cockpit-ws` package installs it. */
export const COCKPIT_WS = '/usr/lib/cockpit/cockpit-ws';

/** Where downloaded `cockpit-ws_*.deb` files are kept between runs. */
export const COCKPIT_DEB_CACHE = path.join(os.tmpdir(), 'reconciler-cockpit-ws-deb');

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        accessSync(path.join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** Null when the real-Cockpit tests can run here, else why not (synchronous: usable in `describe` options). */
export function cockpitWsMissingReason(): string | null {
  try {
    accessSync(COCKPIT_WS, constants.X_OK);
  } catch {
    return `${COCKPIT_WS} is missing (apt-get install cockpit-ws, or run .ci/run)`;
  }
  const tools = ['apt-get', 'dpkg-deb', 'timeout', 'awk', 'sed'].filter((tool) => !onPath(tool));
  return tools.length > 0 ? `missing tools: ${tools.join(', ')}` : null;
}

/**
 * For a suite's `skip` option: false when cockpit-ws is here; otherwise the skip message, except
 * with `CI=true` where it is false too, so that the suite's `before` (calling
 * {@link assertCockpitWs}) fails instead: end-to-end tests never skip in CI.
 */
export function cockpitWsSkip(): false | string {
  const reason = cockpitWsMissingReason();
  if (reason === null || process.env.CI === 'true') return false;
  return `real Cockpit unavailable: ${reason} (skipping; set CI=true to make this a failure)`;
}

/** Throws a clear error when cockpit-ws (or a tool the test needs) is missing. */
export function assertCockpitWs(): void {
  const reason = cockpitWsMissingReason();
  if (reason !== null) throw new Error(`the real-Cockpit end-to-end test needs cockpit-ws: ${reason}`);
}

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

/**
 * Unpacks every file of the package into `root` the way dpkg does on an upgrade: `dpkg-deb -x`
 * into a staging directory inside `root`, then each file written as `<file>.dpkg-new` and renamed
 * over the old one (a new inode; `dpkg-deb -x` straight into `root` would overwrite in place).
 * Resolves to the paths (relative to `root`) that were installed.
 */
export async function unpackDeb(deb: string, root: string): Promise<string[]> {
  const staging = await fs.mkdtemp(path.join(root, '.dpkg-staging-'));
  const installed: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(staging, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) {
        await fs.mkdir(path.join(root, child), { recursive: true });
        await walk(child);
      } else {
        const target = path.join(root, child);
        await fs.rename(path.join(staging, child), `${target}.dpkg-new`);
        await fs.rename(`${target}.dpkg-new`, target);
        installed.push(child);
      }
    }
  };
  try {
    await execFileAsync('dpkg-deb', ['-x', deb, staging], { timeout: 60_000 });
    await walk('');
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return installed;
}

/** What an HTTP GET / on 127.0.0.1:port returned, or null when nothing answered. */
export interface HttpAnswer {
  status: number;
  body: string;
  contentSecurityPolicy: string;
}

/** `GET http://127.0.0.1:port/` with a short timeout; null on refusal, reset or timeout. */
export function httpGet(port: number, timeoutMs = 10_000): Promise<HttpAnswer | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const csp = res.headers['content-security-policy'];
        resolve({ status: res.statusCode ?? 0, body, contentSecurityPolicy: typeof csp === 'string' ? csp : '' });
      });
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/**
 * Whether Cockpit's real login page answers on 127.0.0.1:port: status 200, the login form's user
 * field, Cockpit named in the page, and a Content-Security-Policy naming that very port (which
 * cockpit-ws derives from the request it served).
 */
export async function cockpitAnswers(port: number): Promise<boolean> {
  const answer = await httpGet(port);
  return (
    answer !== null &&
    answer.status === 200 &&
    answer.body.includes('id="login-user-input"') &&
    /cockpit/i.test(answer.body) &&
    answer.contentSecurityPolicy.includes(`127.0.0.1:${port}`)
  );
}
