import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cockpitDeb, debSocketUnitPath } from './cockpit-ws';

const execFileAsync = promisify(execFile);

/** The port the package's unit listens on. */
export const PACKAGE_SOCKET_PORT = 9090;

let packaged: Promise<string> | null = null;

/** `cockpit.socket` exactly as Debian's cockpit-ws package ships it (read once per process). */
async function packageUnitText(): Promise<string> {
  const deb = await cockpitDeb();
  const member = await debSocketUnitPath(deb);
  // The data tarball's member, straight to stdout: nothing is unpacked anywhere.
  const { stdout } = await execFileAsync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO "./$2"', 'sh', deb, member], { maxBuffer: 1024 * 1024 });
  if (!new RegExp(`^ListenStream=${PACKAGE_SOCKET_PORT}$`, 'm').test(stdout)) {
    throw new Error(`${deb}: ${member} has no ListenStream=${PACKAGE_SOCKET_PORT} line (got ${JSON.stringify(stdout.slice(0, 200))})`);
  }
  return stdout;
}

/**
 * The package's vendor `cockpit.socket`; with another `listenPort`, the same file with only its
 * `ListenStream=` line changed (for machines where 9090 is taken).
 */
export async function packageSocketUnit(listenPort = PACKAGE_SOCKET_PORT): Promise<string> {
  packaged ??= packageUnitText().catch((error: unknown) => {
    packaged = null;
    throw error;
  });
  const text = await packaged;
  return listenPort === PACKAGE_SOCKET_PORT ? text : text.replace(`ListenStream=${PACKAGE_SOCKET_PORT}`, `ListenStream=${listenPort}`);
}
