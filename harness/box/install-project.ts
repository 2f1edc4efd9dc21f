import { execFile, spawn } from 'node:child_process';
import { promises as fs, realpathSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { docker } from '../docker-cli';
import type { Box } from './box';

const execFileAsync = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');

/** The unit the project ships (`deploy/reconciler.service`), installed unchanged. */
export const RECONCILER_UNIT = 'reconciler.service';
/** Where `deploy/install.sh` puts the configuration that the unit reads. */
export const BOX_CONFIG_PATH = '/etc/reconciler/config.yaml';

/** Options of {@link installProject}. */
export interface InstallOptions {
  /** `/etc/reconciler/config.yaml` instead of the example install.sh puts there. */
  config?: string;
  /** `systemctl enable --now reconciler` after the install (default true). */
  start?: boolean;
}

let staged: Promise<string> | undefined;

/**
 * Installs the project in the box as a user does: the `npm pack` tarball of this build (dist/ must
 * be built: `npm run build`) through `deploy/install.sh --root` into a staging root, which is copied
 * into the box's `/`; the machine's `node` binary becomes the box's `/usr/bin/node` (the unit's
 * ExecStart); then `systemctl daemon-reload` and, unless `start: false`, `enable --now reconciler`.
 * The staging root is made once per process and removed when the process exits.
 */
export async function installProject(box: Box, options: InstallOptions = {}): Promise<void> {
  staged ??= stageInstall().catch((error: unknown) => {
    staged = undefined;
    throw error;
  });
  const root = await staged;
  await copyTree(root, box);
  await docker(['cp', realpathSync(process.execPath), `${box.name}:/usr/bin/node`]);
  if (options.config !== undefined) await box.writeFile(BOX_CONFIG_PATH, options.config, '0640');
  await box.run(['systemctl', 'daemon-reload']);
  if (options.start ?? true) {
    await box.run(['systemctl', 'enable', '--now', RECONCILER_UNIT], { timeoutMs: 180_000 });
  }
}

async function stageInstall(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-box-install-'));
  // Synchronous clean-up at exit: the staging root is only a copy.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  await fs.access(path.join(REPO, 'dist', 'cli.js')).catch(() => {
    throw new Error('dist/cli.js is missing: run `npm run build` before installing into the box');
  });
  // --ignore-scripts packs dist/ as built (prepack would rebuild it under the running tests).
  const packed = await execFileAsync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' });
  const tarball = path.join(dir, packed.stdout.trim().split('\n').at(-1) ?? '');
  const root = path.join(dir, 'root');
  await execFileAsync(path.join(REPO, 'deploy', 'install.sh'), ['--root', root, '--tarball', tarball], { encoding: 'utf8', timeout: 300_000 });
  return root;
}

/** tar of the staging root into the box's `/`; directories that exist keep their owner and mode. */
async function copyTree(root: string, box: Box): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const pack = spawn('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const unpack = spawn('docker', ['exec', '-i', box.name, 'tar', '--no-overwrite-dir', '-xf', '-', '-C', '/'], { stdio: ['pipe', 'inherit', 'inherit'] });
    pack.stdout.pipe(unpack.stdin);
    let left = 2;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${what} exited ${String(code)} while copying the install into the box`));
      else if (--left === 0) resolve();
    };
    pack.on('close', done('tar'));
    unpack.on('close', done('docker exec tar'));
    pack.on('error', reject);
    unpack.on('error', reject);
  });
}
