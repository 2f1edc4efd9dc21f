import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

import { ensureBusyboxImage } from './busybox-image';
import { cockpitSocketUnit, firewalldCockpitXml } from './cockpit-files';
import { packageSocketUnit } from './package-socket-unit';
import { TEST_LABEL_PAIR, delay, docker, dockerQuiet } from './docker-cli';

/** Per-host label (value = {@link EmulatedHost.id}) next to `reconciler.test=true`. */
export const HOST_LABEL = 'reconciler.test.host';

/** Where apphub's config volume is mounted inside the stand-in container (as in Websoft9). */
export const APPHUB_CONFIG_DIR = '/websoft9/apphub/src/config';

/** A dummy credential written into config.ini: tests can assert it never reaches logs or status. */
export const INI_SECRET = 'TEST-SECRET-must-never-be-logged';

/** The tools the recording stand-in answers for. */
export type RecordedTool = 'systemctl' | 'firewall-cmd';

/** Docker health states of the stand-in container. */
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** A YAML value as written to the config file. */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | YamlMapping;

/** A YAML mapping; in overrides, an `undefined` value deletes the key. */
export interface YamlMapping {
  readonly [key: string]: YamlValue | undefined;
}

/** Options of {@link createEmulatedHost}. */
export interface EmulatedHostOptions {
  /** `[cockpit] port` in config.ini: a number, a string written verbatim, or null for no key. Default 9000. */
  port?: number | string | null;
  /** `ListenStream=` of the vendor cockpit.socket and port of the firewalld XML files. Default 9090. */
  vendorPort?: number;
  /** Give the apphub stand-in a Docker health check (`test -f /tmp/healthy`, every 1 s). Default false. */
  health?: boolean;
  /** With `health`, whether the container starts healthy (waited for). Default true. */
  healthy?: boolean;
  /** `mode` of the cockpit-socket resource. Default `dropin`. */
  mode?: 'dropin' | 'inplace';
  /** Create the firewalld cockpit.xml files. Default true (the resource is configured either way). */
  firewalld?: boolean;
  /**
   * Pre-create the (empty) drop-in directory. Default false: a fresh Cockpit install has no
   * `/etc/systemd/system/cockpit.socket.d`; the controller creates it. Only for tests of programs
   * that cannot cope with its absence (the edge-triggered baseline's `inotifywait`).
   */
  dropInDir?: boolean;
  /**
   * `key=value` labels of the container and volume instead of `reconciler.test=true`: the demo uses
   * its own, so that the CI's clean-up of test objects leaves a running demo alone.
   */
  labels?: readonly string[];
  /** Prefix of the temp root's, the container's and the volume's names. Default `reconciler-test`. */
  namePrefix?: string;
}

/** An emulated Websoft9 host: temp root with Cockpit/firewalld files, apphub stand-in, recorder, config. */
export interface EmulatedHost {
  /** Random id; also the value of the {@link HOST_LABEL} label on the container and volume. */
  readonly id: string;
  /** Temporary root directory of the emulated host. */
  readonly root: string;
  /** `<root>/config.yaml`, the controller configuration (`--config`). */
  readonly configPath: string;
  /** `<root>/status/status.json` (the `status` directory exists). */
  readonly statusPath: string;
  /** `<root>/lib/systemd/system/cockpit.socket`, the vendor unit as Debian's cockpit-ws package ships it. */
  readonly unitPath: string;
  /** `<root>/etc/systemd/system/cockpit.socket.d` (absent at start unless `dropInDir: true`). */
  readonly dropInDir: string;
  /** `<dropInDir>/listen.conf` (absent at start). */
  readonly dropInPath: string;
  /** The firewalld cockpit.xml paths (etc first, then usr/lib); absent when `firewalld: false`. */
  readonly firewalldFiles: string[];
  /** Unique name of the apphub stand-in container. */
  readonly containerName: string;
  /** Unique name of the named volume holding config.ini. */
  readonly volumeName: string;
  /** Host path of config.ini (volume Mountpoint + `/config.ini`). */
  readonly configIniPath: string;
  /** `<root>/bin/record`, the recording systemctl/firewall-cmd stand-in. */
  readonly recorderPath: string;
  /** `<root>/commands.log`, one line per recorded call. */
  readonly commandsLogPath: string;
  /** The configuration written by `writeConfig()` without overrides (a fresh copy). */
  baseConfig(): YamlMapping;
  /** Rewrites config.yaml as the base configuration deep-merged with `overrides` (lists replace). */
  writeConfig(overrides?: YamlMapping): Promise<void>;
  /** Replaces config.ini: by temp file + rename, or with `inPlace` by truncate-then-write as apphub does. */
  setIni(text: string, options?: { inPlace?: boolean }): Promise<void>;
  /** Rewrites config.ini with the standard content and another `[cockpit] port` (see `apphubConfigIni`). */
  setPort(value: number | string | null): Promise<void>;
  /** Current text of config.ini, read from the host path. */
  readIni(): Promise<string>;
  /** `docker stop` the apphub stand-in. */
  stopApphub(): Promise<void>;
  /** `docker start` the stand-in (re-creating it if it was removed) and wait until it is running. */
  startApphub(): Promise<void>;
  /** `docker rm -f` the stand-in (the volume stays). */
  removeApphub(): Promise<void>;
  /** Creates or removes `/tmp/healthy` in the container (needs `health: true`). */
  setHealthy(healthy: boolean): Promise<void>;
  /** Waits until Docker reports the given health status (default timeout 20 s). */
  waitHealth(status: HealthStatus, timeoutMs?: number): Promise<void>;
  /**
   * Makes calls of `tool` fail (stderr `simulated failure`, exit 1; still recorded). Without `match`
   * every call fails; with it, only calls whose recorded line contains `match` (e.g. `--reload`).
   */
  failCommand(tool: RecordedTool, match?: string): Promise<void>;
  /** Undoes {@link EmulatedHost.failCommand}. */
  clearFailure(tool: RecordedTool): Promise<void>;
  /** Controls `firewall-cmd --state`: `running` (exit 0) or `not running` (exit 252). */
  setFirewalldRunning(running: boolean): Promise<void>;
  /**
   * Installs (or with null removes) a `#!/bin/sh` hook run after recording in place of the built-in
   * behaviour, with the tool's arguments and RECORD_ROOT=<root> (e.g. to start cockpit-ws on restart).
   */
  setCommandHook(tool: RecordedTool, script: string | null): Promise<void>;
  /** Recorded calls, one string per call (`systemctl daemon-reload`), [] when none; read-only `systemctl show` queries left out. */
  commands(): Promise<string[]>;
  /** Empties the command log. */
  clearCommands(): Promise<void>;
  /** Relative path → contents of every regular file under lib/, etc/ and usr/ of the root. */
  snapshot(): Promise<Record<string, string>>;
  /** Replaces the vendor unit by rename with the package's unit (what a cockpit upgrade does). */
  simulatePackageUpgrade(vendorPort?: number): Promise<void>;
  /** Removes the container, the volume and the temp root. Idempotent. */
  cleanup(): Promise<void>;
}

/**
 * A realistic apphub config.ini. `port`: a number, a string written verbatim after `port = `
 * (so tests can write hostile values), or null for a `[cockpit]` section without a port key.
 */
export function apphubConfigIni(port: number | string | null = 9000): string {
  const cockpit = port === null ? '[cockpit]\n' : `[cockpit]\nport = ${port}\n`;
  return [
    '[nginx_proxy_manager]',
    'base_url = http://websoft9-proxy:81/api',
    'user_name = help@websoft9.com',
    `user_pwd = ${INI_SECRET}`,
    'nike_name = admin',
    'listen_port = 443',
    '',
    '[gitea]',
    'base_url = http://websoft9-git:3000/api/v1',
    'user_name = websoft9',
    'user_email = admin@mydomain.com',
    `user_pwd = ${INI_SECRET}`,
    '',
    '[portainer]',
    'base_url = http://websoft9-deployment:9000/api',
    'user_name = admin',
    `user_pwd = ${INI_SECRET}`,
    '',
    '[api_key]',
    `key = ${INI_SECRET}`,
    '',
    '[domain]',
    'wildcard_domain =',
    '',
    cockpit,
    '[docker_library]',
    'path = /websoft9/library/apps',
    '',
  ].join('\n');
}

/** The recording stand-in; derives the root from its own path, so the script holds no paths. */
const RECORDER_SCRIPT = `#!/bin/sh
# Recording stand-in for systemctl / firewall-cmd, written by test/support/emulated-host.ts.
# Usage: record TOOL ARGS...  Appends "TOOL ARGS..." (tab/newline-free) to <root>/commands.log.
root=\${0%/bin/record}
tool=\${1:-}
line=$(printf '%s' "$*" | tr '\\t\\n' '  ')
printf '%s\\n' "$line" >> "$root/commands.log"
if [ -e "$root/fail-$tool" ]; then
  match=$(cat "$root/fail-$tool")
  fail=0
  if [ -z "$match" ]; then
    fail=1
  else
    case "$line" in *"$match"*) fail=1 ;; esac
  fi
  if [ "$fail" = 1 ]; then
    echo 'simulated failure' >&2
    exit 1
  fi
fi
if [ -n "$tool" ] && [ -x "$root/hooks/$tool" ]; then
  shift
  RECORD_ROOT=$root exec "$root/hooks/$tool" "$@"
fi
if [ "$tool" = firewall-cmd ]; then
  for arg in "$@"; do
    if [ "$arg" = --state ]; then
      if [ -e "$root/firewalld-not-running" ]; then
        echo 'not running' >&2
        exit 252
      fi
      echo running
      exit 0
    fi
  done
fi
exit 0
`;

function isMapping(value: YamlValue | undefined): value is YamlMapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge: mappings merge key by key, anything else (lists included) replaces; undefined deletes. */
export function mergeYaml(base: YamlMapping, overrides: YamlMapping): YamlMapping {
  const result: { [key: string]: YamlValue | undefined } = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete result[key];
      continue;
    }
    const current = result[key];
    result[key] = isMapping(current) && isMapping(value) ? mergeYaml(current, value) : value;
  }
  return result;
}

function dockerSocketPath(): string {
  const host = process.env.DOCKER_HOST ?? '';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  await fs.writeFile(temp, text);
  await fs.rename(temp, file);
}

async function listRegularFiles(root: string, dir: string, into: Record<string, string>): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(path.join(root, dir), { withFileTypes: true });
  } catch (error: unknown) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  for (const entry of entries) {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) await listRegularFiles(root, relative, into);
    else if (entry.isFile()) into[relative] = await fs.readFile(path.join(root, relative), 'utf8');
  }
}

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
  const labels = [...(options.labels ?? [TEST_LABEL_PAIR]), `${HOST_LABEL}=${id}`].flatMap((label) => ['--label', label]);

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

  const waitHealth = async (status: HealthStatus, timeoutMs = 20_000): Promise<void> => {
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
    await waitFor(() => 'running', async () => (await inspect('{{.State.Running}}')) === 'true', 20_000);
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

  const baseConfig = (): YamlMapping => ({
    docker: { socketPath: dockerSocketPath() },
    status: { file: statusPath },
    commands: {
      systemctl: [recorderPath, 'systemctl'],
      firewallCmd: [recorderPath, 'firewall-cmd'],
    },
    sources: {
      apphub: {
        kind: 'ContainerIniValue',
        container: containerName,
        volume: volumeName,
        file: 'config.ini',
        section: 'cockpit',
        key: 'port',
      },
    },
    resources: [
      {
        name: 'cockpit-socket',
        kind: 'SystemdSocketPort',
        source: 'apphub',
        unit: 'cockpit.socket',
        unitPath,
        dropInDir,
        mode: options.mode ?? 'dropin',
      },
      {
        name: 'cockpit-firewalld',
        kind: 'FirewalldServicePort',
        source: 'apphub',
        files: [...firewalldFiles],
      },
    ],
  });

  const writeConfig = async (overrides: YamlMapping = {}): Promise<void> => {
    await writeAtomically(configPath, stringify(mergeYaml(baseConfig(), overrides)));
  };

  const flagFile = (name: string): string => path.join(root, name);

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
    await fs.mkdir(path.dirname(recorderPath), { recursive: true });
    await fs.writeFile(recorderPath, RECORDER_SCRIPT, { mode: 0o755 });
    await fs.mkdir(path.join(root, 'hooks'));

    await docker(['volume', 'create', ...labels, volumeName]);
    const mountpoint = (await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', volumeName])).stdout.trim();
    configIniPath = path.join(mountpoint, 'config.ini');
    try {
      await setIni(apphubConfigIni(port));
    } catch (error: unknown) {
      throw new Error(
        `cannot write ${configIniPath} (the Docker volume's host path): integration tests must run as root on the Docker host (${String(error)})`,
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
    failCommand: (tool, match = '') => fs.writeFile(flagFile(`fail-${tool}`), match),
    clearFailure: (tool) => fs.rm(flagFile(`fail-${tool}`), { force: true }),
    setFirewalldRunning: (running) =>
      running ? fs.rm(flagFile('firewalld-not-running'), { force: true }) : fs.writeFile(flagFile('firewalld-not-running'), ''),
    setCommandHook: async (tool, script) => {
      const hook = path.join(root, 'hooks', tool);
      if (script === null) await fs.rm(hook, { force: true });
      else await fs.writeFile(hook, script.startsWith('#!') ? script : `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    },
    commands: async () => {
      try {
        return (await fs.readFile(commandsLogPath, 'utf8')).split('\n').filter((line) => line !== '' && !line.startsWith('systemctl show '));
      } catch (error: unknown) {
        if (isErrno(error, 'ENOENT')) return [];
        throw error;
      }
    },
    clearCommands: () => fs.rm(commandsLogPath, { force: true }),
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

export { cockpitSocketUnit, firewalldCockpitXml };
