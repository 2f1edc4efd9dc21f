import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

import { ensureBusyboxImage } from '../busybox-image';
import { TEST_LABEL_PAIR, delay, docker, dockerQuiet } from '../docker-cli';
import { apphubConfigIni } from './apphub-config-ini';
import { hostBaseConfig } from './base-config';
import { firewalldCockpitXml } from './cockpit-files';
import { APPHUB_CONFIG_DIR, HOST_LABEL, type EmulatedHost, type EmulatedHostOptions, type HealthStatus, type YamlMapping } from './emulated-host';
import { listRegularFiles, writeAtomically } from './host-files';
import { mergeYaml } from './merge-yaml';
import { packageSocketUnit } from './package-socket-unit';
import { installRecorder, type RecorderControls } from './recorder';

/**
 * Builds an emulated Websoft9 host, shaped like a fresh Cockpit install: a temp root
 * (`reconciler-test-*` under the OS temp dir) with the package's own cockpit.socket (taken from
 * Debian's cockpit-ws package), no drop-in directory, and firewalld's cockpit.xml files; a labelled
 * named volume holding apphub's config.ini, mounted into a labelled busybox stand-in container;
 * a recording systemctl/firewall-cmd stand-in; and `<root>/config.yaml` pointing the controller at
 * all of it. Call `cleanup()` when done. Needs a Docker daemon and write access to volume paths
 * (i.e. root on the Docker host).
 */
export async function createEmulatedHost(options: EmulatedHostOptions = {}): Promise<EmulatedHost> {
  const port = options.port === undefined ? 9000 : options.port;
  const vendorPort = options.vendorPort ?? 9090;
  const withHealth = options.health ?? false;
  let wantHealthy = options.healthy ?? true;
  const image = await ensureBusyboxImage();

  const id = randomBytes(5).toString('hex');
  const prefix = options.namePrefix ?? 'reconciler-test';
  const root = await fs.mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
  const containerName = `${prefix}-apphub-${id}`;
  const volumeName = `${prefix}-apphub-${id}-config`;
  const configPath = path.join(root, 'config.yaml');
  const statusPath = path.join(root, 'status', 'status.json');
  const unitPath = path.join(root, 'lib/systemd/system/cockpit.socket');
  const dropInDir = path.join(root, 'etc/systemd/system/cockpit.socket.d');
  const dropInPath = path.join(dropInDir, 'listen.conf');
  const firewalldFiles = [path.join(root, 'etc/firewalld/services/cockpit.xml'), path.join(root, 'usr/lib/firewalld/services/cockpit.xml')];
  const recorderPath = path.join(root, 'bin', 'record');
  const commandsLogPath = path.join(root, 'commands.log');
  let configIniPath = '';
  const hostLabels = [...(options.labels ?? [TEST_LABEL_PAIR]), `${HOST_LABEL}=${id}`];
  const labels = hostLabels.flatMap((label) => ['--label', label]);

  const cleanup = async (): Promise<void> => {
    await dockerQuiet(['rm', '-f', '-v', containerName]);
    await dockerQuiet(['volume', 'rm', '-f', volumeName]);
    await fs.rm(root, { recursive: true, force: true });
  };

  const inspect = async (format: string): Promise<string | null> => {
    try {
      return (await docker(['container', 'inspect', '--format', format, containerName])).stdout.trim();
    } catch {
      return null;
    }
  };

  const waitFor = async (what: () => string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${containerName}: ${what()}`);
      await delay(100);
    }
  };

  const waitHealth = async (status: HealthStatus, timeoutMs = 60_000): Promise<void> => {
    if (!withHealth) throw new Error('waitHealth() needs createEmulatedHost({ health: true })');
    let last: string | null = null;
    await waitFor(
      () => `health ${status} (last seen: ${last ?? 'no health state'})`,
      async () => {
        last = await inspect('{{if .State.Health}}{{.State.Health.Status}}{{end}}');
        return last === status;
      },
      timeoutMs,
    );
  };

  const setHealthy = async (healthy: boolean): Promise<void> => {
    if (!withHealth) throw new Error('setHealthy() needs createEmulatedHost({ health: true })');
    wantHealthy = healthy;
    await docker(['exec', containerName, ...(healthy ? ['touch', '/tmp/healthy'] : ['rm', '-f', '/tmp/healthy'])]);
  };

  const runContainer = async (): Promise<void> => {
    const health = withHealth
      ? ['--health-cmd', 'test -f /tmp/healthy', '--health-interval', '1s', '--health-timeout', '1s', '--health-retries', '1', '--health-start-period', '0s']
      : [];
    await docker(['run', '-d', '--name', containerName, ...labels, '-v', `${volumeName}:${APPHUB_CONFIG_DIR}`, ...health, image]);
    if (withHealth && wantHealthy) await docker(['exec', containerName, 'touch', '/tmp/healthy']);
  };

  const startApphub = async (): Promise<void> => {
    if ((await inspect('{{.Id}}')) === null) await runContainer();
    else await docker(['start', containerName]);
    await waitFor(() => 'running', async () => (await inspect('{{.State.Running}}')) === 'true', 60_000);
  };

  const setIni = async (text: string, writeOptions: { inPlace?: boolean } = {}): Promise<void> => {
    if (writeOptions.inPlace === true) {
      // apphub's way: truncate, then write; a reader in between sees an empty file.
      const handle = await fs.open(configIniPath, 'w');
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
    } else {
      await writeAtomically(configIniPath, text);
    }
  };

  const paths = { statusPath, recorderPath, containerName, volumeName, unitPath, dropInDir, firewalldFiles };
  const baseConfig = (): YamlMapping => hostBaseConfig(paths, options.mode ?? 'dropin');

  const writeConfig = async (overrides: YamlMapping = {}): Promise<void> => {
    await writeAtomically(configPath, stringify(mergeYaml(baseConfig(), overrides)));
  };

  let recorder!: RecorderControls;
  try {
    await fs.mkdir(path.dirname(unitPath), { recursive: true });
    await fs.writeFile(unitPath, await packageSocketUnit(vendorPort));
    if (options.dropInDir === true) await fs.mkdir(dropInDir, { recursive: true });
    if (options.firewalld ?? true) {
      for (const file of firewalldFiles) {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, firewalldCockpitXml(vendorPort));
      }
    }
    await fs.mkdir(path.dirname(statusPath), { recursive: true });
    recorder = await installRecorder(root, recorderPath, commandsLogPath);

    await docker(['volume', 'create', ...labels, volumeName]);
    const mountpoint = (await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', volumeName])).stdout.trim();
    configIniPath = path.join(mountpoint, 'config.ini');
    try {
      await setIni(apphubConfigIni(port));
    } catch (error: unknown) {
      throw new Error(
        `cannot write ${configIniPath} (the Docker volume's host path): integration tests must run as root on the Docker host (${String(error)})`,
        { cause: error },
      );
    }
    await startApphub();
    if (withHealth) await waitHealth(wantHealthy ? 'healthy' : 'unhealthy');
    await writeConfig();
  } catch (error: unknown) {
    await cleanup();
    throw error;
  }

  return {
    id,
    labels: hostLabels,
    root,
    configPath,
    statusPath,
    unitPath,
    dropInDir,
    dropInPath,
    firewalldFiles,
    containerName,
    volumeName,
    configIniPath,
    recorderPath,
    commandsLogPath,
    baseConfig,
    writeConfig,
    setIni,
    setPort: (value) => setIni(apphubConfigIni(value)),
    readIni: () => fs.readFile(configIniPath, 'utf8'),
    stopApphub: async () => {
      await docker(['stop', '-t', '10', containerName]);
    },
    startApphub,
    removeApphub: async () => {
      await docker(['rm', '-f', containerName]);
    },
    setHealthy,
    waitHealth,
    ...recorder,
    snapshot: async () => {
      const files: Record<string, string> = {};
      for (const top of ['lib', 'etc', 'usr']) await listRegularFiles(root, top, files);
      return files;
    },
    simulatePackageUpgrade: async (upgradePort = 9090) => {
      // dpkg unpacks to <file>.dpkg-new and renames it over the old file: a new inode.
      const staged = `${unitPath}.dpkg-new`;
      await fs.writeFile(staged, await packageSocketUnit(upgradePort));
      await fs.rename(staged, unitPath);
    },
    cleanup,
  };
}
