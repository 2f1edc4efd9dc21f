import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, readlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';

import { DockerCliError, TEST_LABEL_PAIR, delay, docker, dockerQuiet } from '../../harness/docker-cli';
import {
  DEFAULT_CONFIG,
  DEPLOY_DIR,
  HOST_STATE_DIRS,
  defaultConfigHostUse,
  healthCommand,
  isUnder,
  readYaml,
  volumeEntries,
  type ComposeFile,
  type ServiceSpec,
  type VolumeEntry,
} from '../support/deploy-files';
import { assertDocker } from '../support/docker-required';
import { HOST_LABEL, createEmulatedHost, mergeYaml, type EmulatedHost, type YamlMapping } from '../../harness/websoft9-host';
import { ensureReconcilerImage, type ReconcilerImage } from '../support/reconciler-image';
import { runCli } from '../../harness/run-cli';
import { waitFor } from '../../harness/status';
import { ensureSwarm, type SwarmSession } from '../support/swarm';

const execFileAsync = promisify(execFile);

/** Short timings so that the containers converge within seconds. */
const FAST = { resyncInterval: '30s', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '2s' };

/** A hook for the recording systemctl: writes the mount namespace the command really ran in. */
const MNTNS_HOOK = 'readlink /proc/self/ns/mnt >> "$RECORD_ROOT/systemctl-mntns"';

/** The drop-in the controller writes for `port` (format of the SystemdSocketPort resource). */
const dropIn = (port: number): string => `[Socket]\nListenStream=\nListenStream=${port}\n`;

const OWN_MOUNT_NS = readlinkSync('/proc/self/ns/mnt');

function hostDockerSocket(): string {
  const host = process.env.DOCKER_HOST ?? '';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

async function readText(file: string): Promise<string> {
  return fs.readFile(file, 'utf8').catch(() => '');
}

/** The last lines of a container's log, for failure messages. */
async function logsOf(container: string): Promise<string> {
  try {
    const { stdout, stderr } = await docker(['logs', '--tail', '40', container]);
    return `${stdout}${stderr}`.trim();
  } catch (error: unknown) {
    return `(no logs: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Like `waitFor`, but a timeout carries the container's recent logs. */
async function waitWithLogs<T>(container: () => Promise<string>, what: string, check: () => Promise<T>, timeoutMs?: number): Promise<T> {
  try {
    return await waitFor(what, check, timeoutMs);
  } catch (error: unknown) {
    const name = await container().catch(() => '(unknown container)');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- logs of ${name} ---\n${await logsOf(name)}`);
  }
}

async function inspect(container: string, format: string): Promise<string | null> {
  try {
    return (await docker(['container', 'inspect', '--format', format, container])).stdout.trim();
  } catch {
    return null;
  }
}

const healthOf = (container: string): Promise<string | null> => inspect(container, '{{if .State.Health}}{{.State.Health.Status}}{{end}}');

/**
 * The PID whose namespaces nsenter should enter. The deployment files use PID 1 (the host's
 * init); some sandboxes deny opening /proc/1/ns/* even to root, and then the test enters the
 * namespaces of its own process instead, which is in the same host namespaces. Returns the pid
 * and, when it is not 1, why.
 */
async function namespaceTarget(image: string, flags: string[], nsenterArgs: (pid: string) => string[]): Promise<{ pid: string; note: string }> {
  const attempt = async (pid: string): Promise<string | null> => {
    try {
      await docker(['run', '--rm', '--label', TEST_LABEL_PAIR, ...flags, '--entrypoint', 'nsenter', image, ...nsenterArgs(pid), '/bin/true']);
      return null;
    } catch (error: unknown) {
      return error instanceof DockerCliError ? error.stderr.trim() : String(error);
    }
  };
  const viaInit = await attempt('1');
  if (viaInit === null) return { pid: '1', note: 'nsenter into PID 1 works here, as in production' };
  const pid = String(process.pid);
  const viaSelf = await attempt(pid);
  if (viaSelf !== null) throw new Error(`nsenter into the host's namespaces fails from the container: PID 1: ${viaInit}; PID ${pid}: ${viaSelf}`);
  return { pid, note: `nsenter into PID 1 is denied in this sandbox (${viaInit}); entering the test process's namespaces (PID ${pid}) instead` };
}

/**
 * `--privileged` as docker-compose.yml asks, when this daemon can grant it. Some sandboxes run
 * dockerd without every capability in its bounding set (runc: "unable to apply caps"); there the
 * test grants what nsenter needs instead (SYS_ADMIN for setns, SYS_PTRACE to open another
 * process's /proc/PID/ns/*, no AppArmor confinement), which is the narrow form of the same thing.
 */
async function privilegedFlags(image: string): Promise<{ flags: string[]; note: string }> {
  try {
    await docker(['run', '--rm', '--label', TEST_LABEL_PAIR, '--privileged', '--entrypoint', '/bin/true', image]);
    return { flags: ['--privileged'], note: '--privileged works here' };
  } catch (error: unknown) {
    const reason = error instanceof DockerCliError ? error.stderr.trim().split('\n')[0] ?? '' : String(error);
    if (!/apply caps|operation not permitted/i.test(reason)) throw error;
    return {
      flags: ['--cap-add', 'SYS_ADMIN', '--cap-add', 'SYS_PTRACE', '--security-opt', 'apparmor=unconfined'],
      note: `this daemon cannot start --privileged containers (${reason}); using --cap-add SYS_ADMIN --cap-add SYS_PTRACE --security-opt apparmor=unconfined instead`,
    };
  }
}

/** argv of a commands.prefix with the target PID of `-t 1` / `/host/proc/1/` replaced. */
function retarget(prefix: readonly string[], pid: string): string[] {
  return prefix.map((arg, i) => (prefix[i - 1] === '-t' && arg === '1' ? pid : arg.replace('/host/proc/1/', `/host/proc/${pid}/`)));
}

/**
 * A deploy/ configuration adapted to an emulated host: the deploy file's docker, status and
 * commands.prefix settings (prefix retargeted), over the emulated host's sources, resources and
 * recording systemctl/firewall-cmd, with short timings.
 */
function adaptedConfig(host: EmulatedHost, deployFile: string, pid: string): YamlMapping {
  const deploy = readYaml<{ docker: YamlMapping; status: YamlMapping; commands: { prefix: string[] } }>(deployFile);
  const base = host.baseConfig();
  const commands = base.commands as YamlMapping;
  return mergeYaml(base, {
    docker: deploy.docker,
    status: deploy.status,
    timing: FAST,
    commands: { prefix: retarget(deploy.commands.prefix, pid), systemctl: commands.systemctl, firewallCmd: commands.firewallCmd },
  });
}

/** Bind mounts the tests keep as they are; every other bind names host state, replaced by the emulated root. */
const KEPT_BINDS = ['/var/run/docker.sock', '/var/lib/docker/volumes', '/proc'];

/** `docker run` flags equivalent to a Compose service, with the host's state dirs swapped for the emulated root. */
function runFlagsFromCompose(service: ServiceSpec, host: EmulatedHost, configFile: string, statusVolume: string, privileged: string[]): string[] {
  const flags: string[] = [];
  if (service.pid !== undefined) flags.push('--pid', service.pid);
  if (service.privileged === true) flags.push(...privileged);
  for (const volume of volumeEntries(service)) {
    if (volume.type === 'volume') {
      flags.push('--mount', `type=volume,source=${statusVolume},target=${volume.target}`);
    } else if (volume.source.startsWith('.')) {
      flags.push('--mount', `type=bind,source=${configFile},target=${volume.target},readonly`);
    } else if (KEPT_BINDS.includes(volume.source)) {
      const source = volume.source === '/var/run/docker.sock' ? hostDockerSocket() : volume.source;
      flags.push('--mount', `type=bind,source=${source},target=${volume.target}${volume.readOnly ? ',readonly' : ''}`);
    }
  }
  // The emulated host's unit, drop-in and firewalld files, at the same path.
  flags.push('--mount', `type=bind,source=${host.root},target=${host.root}`);
  return flags;
}

const recorded = (host: EmulatedHost, line: string) => async (): Promise<boolean> => (await host.commands()).includes(line);

describe('deploy/: files are valid', () => {
  const compose = readYaml<ComposeFile>('docker-compose.yml');
  const stack = readYaml<ComposeFile>('stack.yml');

  const stackConfigAvailable = async (): Promise<boolean> => {
    const { stdout } = await docker(['stack', '--help']).catch(() => ({ stdout: '' }));
    return /^\s+config\s/m.test(stdout);
  };

  it('docker-compose.yml and stack.yml pass `docker stack config` (compose schema), and a misspelt key does not', async (t) => {
    if (!(await stackConfigAvailable())) {
      t.diagnostic('this docker CLI has no `docker stack config` (added in CLI 20.10.x/23): schema check not run; structural checks below still run');
      return;
    }
    for (const file of ['docker-compose.yml', 'stack.yml']) {
      const { stdout } = await docker(['stack', 'config', '-c', path.join(DEPLOY_DIR, file)]);
      assert.match(stdout, /reconciler:/, file);
    }
    // Negative control: the validator really validates.
    const broken = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-deploy-')), 'stack.yml');
    try {
      await fs.writeFile(broken, readFileSync(path.join(DEPLOY_DIR, 'stack.yml'), 'utf8').replace('    cap_add:', '    cap_ad:'));
      await assert.rejects(docker(['stack', 'config', '-c', broken]), /cap_ad/);
    } finally {
      await fs.rm(path.dirname(broken), { recursive: true, force: true });
    }
  });

  it('docker-compose.yml passes `docker compose config` / `docker-compose config` where one is installed', async (t) => {
    const ran: string[] = [];
    const file = path.join(DEPLOY_DIR, 'docker-compose.yml');
    const v2 = await execFileAsync('docker', ['compose', 'version']).then(() => true, () => false);
    if (v2) {
      await execFileAsync('docker', ['compose', '-f', file, 'config', '-q']);
      ran.push('docker compose config');
    }
    const v1 = await execFileAsync('docker-compose', ['version']).then(() => true, () => false);
    if (v1) {
      await execFileAsync('docker-compose', ['-f', file, 'config', '-q']);
      ran.push('docker-compose config');
    }
    t.diagnostic(ran.length > 0 ? `validated with ${ran.join(' and ')}` : 'neither the compose plugin nor docker-compose is installed: covered by `docker stack config` and the structural checks');
  });

  it('docker-compose.yml: restart always, host PID namespace, privileged, Docker socket, healthcheck, status volume, config', () => {
    const service = compose.services.reconciler;
    assert.ok(service, 'a service named reconciler');
    assert.equal(service.restart, 'always');
    assert.equal(service.pid, 'host');
    assert.equal(service.privileged, true);
    assert.ok(service.image || service.build, 'image or build');
    assert.equal(typeof service.build === 'object' ? service.build.dockerfile : undefined, 'deploy/Dockerfile');
    assert.ok(existsSync(path.join(DEPLOY_DIR, 'Dockerfile')));
    assert.deepEqual(service.command, ['--config', '/etc/reconciler/config.yaml']);
    const volumes = volumeEntries(service);
    const at = (target: string): VolumeEntry | undefined => volumes.find((v) => v.target === target);
    assert.equal(at('/var/run/docker.sock')?.source, '/var/run/docker.sock');
    assert.equal(at('/var/lib/docker/volumes')?.source, '/var/lib/docker/volumes');
    const config = at('/etc/reconciler/config.yaml');
    assert.equal(config?.source, './reconciler.yaml');
    assert.ok(existsSync(path.join(DEPLOY_DIR, 'reconciler.yaml')));
    const status = at('/var/lib/reconciler');
    assert.equal(status?.type, 'volume');
    assert.ok(status && compose.volumes && status.source in compose.volumes, 'the status volume is declared');
    const test = service.healthcheck?.test;
    assert.ok(Array.isArray(test) && test[0] === 'CMD' && test.includes('status'), `healthcheck test ${JSON.stringify(test)}`);
  });

  for (const file of ['docker-compose.yml', 'stack.yml']) {
    it(`${file} mounts every host path of the default configuration at the same path`, () => {
      const services = readYaml<ComposeFile>(file).services;
      const binds = volumeEntries(services.reconciler as ServiceSpec).filter((v) => v.type === 'bind');
      for (const dir of HOST_STATE_DIRS) {
        assert.ok(binds.some((v) => v.source === dir && v.target === dir && !v.readOnly), `${dir} mounted read-write at the same path`);
      }
      const use = defaultConfigHostUse();
      for (const { path: hostPath, write, resource } of use.paths) {
        const mount = binds.find((v) => v.source === v.target && isUnder(hostPath, v.target));
        assert.ok(mount, `${hostPath} (resource ${resource}) is reachable at the same path`);
        if (write) assert.ok(!mount.readOnly, `${hostPath} (resource ${resource}) is written: ${mount.target} must not be read-only`);
      }
      const volumes = binds.find((v) => v.source === '/var/lib/docker/volumes' && v.target === '/var/lib/docker/volumes');
      assert.ok(volumes, 'Docker volumes (config.ini of apphub) at the same path');
      if (use.volumeWriters.length > 0) {
        assert.ok(!volumes.readOnly, `${use.volumeWriters.join(', ')} write into Docker volumes: /var/lib/docker/volumes must be writable`);
      }
    });
  }

  it('stack.yml: one task per node, only options Swarm supports, host namespaces through /host/proc', () => {
    const service = stack.services.reconciler as ServiceSpec;
    assert.equal(service.deploy?.mode, 'global');
    for (const unsupported of ['privileged', 'pid', 'security_opt', 'container_name', 'restart', 'build', 'network_mode']) {
      assert.equal(service[unsupported], undefined, `${unsupported} is ignored by docker stack deploy`);
    }
    assert.deepEqual([...(service.cap_add ?? [])].sort(), ['SYS_ADMIN', 'SYS_PTRACE']);
    assert.ok(volumeEntries(service).some((v) => v.source === '/proc' && v.target === '/host/proc' && v.readOnly));
    assert.deepEqual(service.configs, [{ source: 'reconciler-config', target: '/etc/reconciler/config.yaml' }]);
    const configFile = stack.configs?.['reconciler-config']?.file;
    assert.equal(configFile, './reconciler-swarm.yaml');
    assert.ok(existsSync(path.join(DEPLOY_DIR, configFile)));
    assert.ok(Array.isArray(service.healthcheck?.test));
  });

  it('reconciler.yaml and reconciler-swarm.yaml are accepted by the program (not exit 64)', async () => {
    for (const file of ['reconciler.yaml', 'reconciler-swarm.yaml']) {
      // `status --config F` validates F to find the status file; the file itself need not exist.
      const result = await runCli(['status', '--config', path.join(DEPLOY_DIR, file)]);
      assert.notEqual(result.code, 64, `${file}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /invalid configuration/);
    }
    const compose = readYaml<{ commands: { prefix: string[] }; status: { file: string } }>('reconciler.yaml');
    assert.deepEqual(compose.commands.prefix, ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--']);
    assert.equal(compose.status.file, '/var/lib/reconciler/status.json');
  });

  it('Dockerfile: multi-stage on node:20-bookworm-slim, production dependencies only, nsenter, HEALTHCHECK, ENTRYPOINT, OCI labels', () => {
    const text = readFileSync(path.join(DEPLOY_DIR, 'Dockerfile'), 'utf8');
    const instructions = text
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const withKeyword = (keyword: string): string[] => instructions.filter((line) => line.toUpperCase().startsWith(`${keyword} `));
    assert.match(text, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    assert.deepEqual(withKeyword('FROM'), ['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
    const runtime = instructions.slice(instructions.indexOf('FROM ${NODE_IMAGE} AS runtime'));
    assert.ok(runtime.some((line) => /npm ci --omit=dev/.test(line)), 'runtime installs production dependencies only');
    assert.ok(runtime.some((line) => /apt-get install -y --no-install-recommends util-linux/.test(line)));
    assert.ok(runtime.includes('ARG DEBIAN_FRONTEND=noninteractive'));
    assert.ok(runtime.includes('COPY --from=build /src/dist ./dist'));
    assert.ok(runtime.includes('COPY config ./config'));
    assert.deepEqual(withKeyword('ENTRYPOINT'), ['ENTRYPOINT ["node", "/app/dist/cli.js"]']);
    assert.match(withKeyword('HEALTHCHECK')[0] ?? '', /CMD \["node", "\/app\/dist\/cli\.js", "status"\]$/);
    assert.match(text, /org\.opencontainers\.image\.title=/);
    assert.match(text, /runs as root, on purpose/);
    const ignored = readFileSync(path.join(DEPLOY_DIR, '..', '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.git', 'test']) assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
  });

  it('reconciler.service passes `systemd-analyze verify` (where installed) and keeps what the reconciler needs', async (t) => {
    const unit = readFileSync(path.join(DEPLOY_DIR, 'reconciler.service'), 'utf8');
    const values = (key: string): string[] =>
      unit
        .split('\n')
        .filter((line) => line.startsWith(`${key}=`))
        .map((line) => line.slice(key.length + 1));
    assert.deepEqual(values('ExecStart'), ['/usr/bin/node /opt/reconciler/dist/cli.js --config /etc/reconciler/config.yaml']);
    assert.deepEqual(values('Restart'), ['always']);
    assert.deepEqual(values('RestartSec'), ['2']);
    assert.deepEqual(values('ExecReload'), ['/bin/kill -HUP $MAINPID']);
    assert.deepEqual(values('StateDirectory'), ['reconciler']);
    // status.claimsDir (/run/reconciler/claims): writable under ProtectSystem=strict, kept across restarts.
    assert.deepEqual([values('RuntimeDirectory'), values('RuntimeDirectoryPreserve')], [['reconciler'], ['yes']]);
    assert.ok(isUnder((parse(readFileSync(DEFAULT_CONFIG, 'utf8')) as { status: { claimsDir: string } }).status.claimsDir, '/run/reconciler'));
    assert.match(values('After')[0] ?? '', /\bdocker\.service\b/);
    assert.deepEqual(values('Wants'), ['docker.service']);
    assert.deepEqual(values('ProtectSystem'), ['strict']);
    // ProtectSystem=strict makes everything read-only but ReadWritePaths= and the StateDirectory=.
    const writable = values('ReadWritePaths').flatMap((line) => line.split(/\s+/)).map((p) => p.replace(/^-/, ''));
    const use = defaultConfigHostUse();
    // The vendor unit is written only in `mode: inplace` (the profile's mode is dropin).
    const readOnlyUnits = (parse(readFileSync(DEFAULT_CONFIG, 'utf8')) as { resources: { unitPath?: string; mode?: string }[] }).resources
      .filter((r) => r.unitPath !== undefined && r.mode !== 'inplace')
      .map((r) => r.unitPath);
    for (const { path: hostPath, write, resource } of use.paths) {
      if (!write || readOnlyUnits.includes(hostPath)) continue;
      assert.ok(writable.some((dir) => isUnder(hostPath, dir)), `${hostPath} (resource ${resource}) is writable under ProtectSystem=strict`);
    }
    for (const resource of use.volumeWriters) {
      assert.ok(writable.includes('/var/lib/docker/volumes'), `Docker volumes are writable (resource ${resource})`);
    }
    assert.deepEqual(values('UMask'), ['0027']);
    assert.deepEqual(values('PrivateNetwork'), [], 'PrivateNetwork would cut D-Bus and the Docker socket');
    assert.ok((values('RestrictAddressFamilies')[0] ?? 'AF_UNIX').split(/\s+/).includes('AF_UNIX'), 'AF_UNIX allowed (D-Bus, Docker)');
    for (const key of ['NoNewPrivileges', 'PrivateTmp', 'ProtectHome', 'ProtectKernelTunables', 'ProtectControlGroups', 'RestrictSUIDSGID', 'LockPersonality']) {
      assert.deepEqual(values(key), ['yes'], key);
    }

    const analyze = await execFileAsync('sh', ['-c', 'command -v systemd-analyze']).then((r) => r.stdout.trim(), () => '');
    if (analyze === '') {
      t.diagnostic('systemd-analyze is not installed: `systemd-analyze verify` skipped (the structural checks above ran)');
      return;
    }
    // verify checks that ExecStart's program exists: point it at this machine's node if needed.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-unit-'));
    try {
      const copy = path.join(dir, 'reconciler.service');
      const node = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;
      await fs.writeFile(copy, unit.replace('ExecStart=/usr/bin/node ', `ExecStart=${node} `));
      const result = await execFileAsync(analyze, ['verify', '--man=no', copy]).then(
        (r) => ({ code: 0, output: `${r.stdout}${r.stderr}` }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
      );
      // Unknown keys are only warnings (exit 0): any output about the unit counts as a failure.
      const complaints = result.output.split('\n').filter((line) => line.includes('reconciler.service'));
      assert.equal(result.code, 0, result.output);
      assert.deepEqual(complaints, [], result.output);
      t.diagnostic(`systemd-analyze verify: clean (${(await execFileAsync(analyze, ['--version'])).stdout.split('\n')[0]})`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/: the image, run like docker-compose.yml runs it, corrects an emulated host', () => {
  let image: ReconcilerImage;
  let host: EmulatedHost;
  let target: { pid: string; note: string };
  let privileged: { flags: string[]; note: string };
  let container = '';
  let statusVolume = '';
  const started = Date.now();

  before(async () => {
    await assertDocker();
    image = await ensureReconcilerImage();
    host = await createEmulatedHost({ port: 9000 });
    const service = readYaml<ComposeFile>('docker-compose.yml').services.reconciler as ServiceSpec;
    privileged = await privilegedFlags(image.tag);
    target = await namespaceTarget(image.tag, ['--pid', 'host', ...privileged.flags], (pid) => ['-t', pid, '-m', '-u', '-i', '-n', '-p', '--']);

    const configFile = path.join(host.root, 'container-config.yaml');
    await fs.writeFile(configFile, stringify(adaptedConfig(host, 'reconciler.yaml', target.pid)));

    const labels = ['--label', TEST_LABEL_PAIR, '--label', `${HOST_LABEL}=${host.id}`];
    statusVolume = `reconciler-test-status-${host.id}`;
    await docker(['volume', 'create', ...labels, statusVolume]);
    container = `reconciler-test-app-${host.id}`;
    const health = service.healthcheck?.test;
    await docker([
      'run', '-d', '--name', container, ...labels,
      ...runFlagsFromCompose(service, host, configFile, statusVolume, privileged.flags),
      // deploy/Dockerfile's HEALTHCHECK (docker import cannot set one), as often as the test needs.
      '--health-cmd', healthCommand(health), '--health-interval', '1s', '--health-timeout', '10s', '--health-retries', '1',
      image.tag,
      ...(service.command ?? []),
    ]);
  });

  after(async () => {
    if (container !== '') await dockerQuiet(['rm', '-f', '-v', container]);
    if (statusVolume !== '') await dockerQuiet(['volume', 'rm', '-f', statusVolume]);
    await host?.cleanup();
  });

  const name = async (): Promise<string> => container;

  it('is built without a registry from the local node binary, dist/ and production node_modules', async (t) => {
    const how = image.given ? 'given by RECONCILER_TEST_IMAGE' : `${image.reused ? 'reused (same content hash)' : 'built'} in ${image.elapsedMs} ms`;
    t.diagnostic(`${image.tag}: ${(image.sizeBytes / 1e6).toFixed(1)} MB, ${how}; nsenter: ${image.nsenter}`);
    for (const step of image.steps) t.diagnostic(`  ${step}`);
    t.diagnostic(privileged.note);
    t.diagnostic(target.note);
    const { stdout } = await docker(['image', 'inspect', '--format', '{{json .Config.Entrypoint}}', image.tag]);
    assert.equal(stdout.trim(), '["node","/app/dist/cli.js"]');
    const dev = await docker(['run', '--rm', '--label', TEST_LABEL_PAIR, '--entrypoint', '/bin/sh', image.tag, '-c', 'ls /app/node_modules']);
    const modules = dev.stdout.split('\n');
    assert.ok(modules.includes('dockerode') && modules.includes('pino'), 'production dependencies present');
    assert.ok(!modules.includes('typescript') && !modules.includes('ts-node'), 'no dev dependencies');
  });

  it('turns healthy, and `reconcile status` in the container exits 0', async () => {
    await waitWithLogs(name, 'health status healthy', async () => (await healthOf(container)) === 'healthy');
    const { stdout } = await docker(['exec', container, 'node', '/app/dist/cli.js', 'status', '--config', '/etc/reconciler/config.yaml']);
    assert.match(stdout, /cockpit-socket\s+9000\s+9000\s+True\s+/);
    const json = JSON.parse((await docker(['exec', container, 'node', '/app/dist/cli.js', 'status', '--json'])).stdout) as { healthy: boolean };
    assert.equal(json.healthy, true, 'the HEALTHCHECK of the Dockerfile (no --config) reads the same status file');
  });

  it('corrects drift that appears while it runs: a drop-in reset to 9090, then a new port in apphub', async () => {
    await fs.writeFile(`${host.dropInPath}.tmp`, dropIn(9090));
    await fs.rename(`${host.dropInPath}.tmp`, host.dropInPath);
    await waitWithLogs(name, 'listen.conf back on 9000', async () => (await readText(host.dropInPath)) === dropIn(9000));
    await host.setPort(9100);
    await waitWithLogs(name, 'listen.conf on 9100', async () => (await readText(host.dropInPath)) === dropIn(9100));
    for (const file of host.firewalldFiles) {
      await waitWithLogs(name, `${file} on 9100`, async () => (await readText(file)).includes('port="9100"'));
    }
    await waitWithLogs(name, 'healthy again', async () => (await healthOf(container)) === 'healthy');
  });

  it('stops cleanly on `docker stop` (SIGTERM), exit code 0', async (t) => {
    await docker(['stop', '-t', '20', container], { timeoutMs: 60_000 });
    assert.equal(await inspect(container, '{{.State.ExitCode}}'), '0', await logsOf(container));
    t.diagnostic(`container scenario took ${Date.now() - started} ms (image included)`);
  });
});

describe('deploy/: stack.yml on a single-node swarm', () => {
  let image: ReconcilerImage;
  let host: EmulatedHost;
  let swarm: SwarmSession | undefined;
  let stackName = '';
  let serviceName = '';
  let deployOutput = '';
  let target: { pid: string; note: string };
  const started = Date.now();

  /** The running task's container on this node. */
  const taskContainer = async (): Promise<string> => {
    const { stdout } = await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${serviceName}`]);
    const id = stdout.trim().split('\n')[0] ?? '';
    if (id === '') throw new Error(`no running container of ${serviceName}`);
    return id;
  };

  before(async () => {
    await assertDocker();
    image = await ensureReconcilerImage();
    host = await createEmulatedHost({ port: 9000 });
    target = await namespaceTarget(image.tag, ['--cap-add', 'SYS_ADMIN', '--cap-add', 'SYS_PTRACE', '--mount', 'type=bind,source=/proc,target=/host/proc,readonly'], (pid) => [
      `--mount=/host/proc/${pid}/ns/mnt`,
      '--',
    ]);
    swarm = await ensureSwarm();

    const configFile = path.join(host.root, 'swarm-config.yaml');
    await fs.writeFile(configFile, stringify(adaptedConfig(host, 'reconciler-swarm.yaml', target.pid)));
    await host.setCommandHook('systemctl', MNTNS_HOOK);

    // The stack as shipped, with the test image, the emulated host instead of the host's own
    // unit and firewalld directories, the adapted configuration, test labels and fast health checks.
    const stack = readYaml<ComposeFile>('stack.yml');
    const service = stack.services.reconciler as ServiceSpec;
    const labels = { 'reconciler.test': 'true', [HOST_LABEL]: host.id };
    service.image = image.tag;
    service.volumes = [
      ...volumeEntries(service)
        .filter((v) => v.type === 'volume' || KEPT_BINDS.includes(v.source))
        .map((v) => ({
          type: v.type,
          source: v.source === '/var/run/docker.sock' ? hostDockerSocket() : v.source,
          target: v.target,
          ...(v.readOnly ? { read_only: true } : {}),
        })),
      { type: 'bind', source: host.root, target: host.root },
    ];
    service.healthcheck = { ...service.healthcheck, interval: '1s', timeout: '10s', retries: 1, start_period: '0s' };
    service.labels = labels;
    service.deploy = { ...service.deploy, labels };
    stack.configs = { 'reconciler-config': { file: configFile } };
    stack.volumes = { 'reconciler-status': { labels } };
    const stackFile = path.join(host.root, 'stack.yml');
    await fs.writeFile(stackFile, stringify(stack));

    stackName = `reconciler-test-${host.id}`;
    serviceName = `${stackName}_reconciler`;
    const { stdout, stderr } = await docker(['stack', 'deploy', '--resolve-image', 'never', '-c', stackFile, stackName], { timeoutMs: 120_000 });
    deployOutput = `${stdout}${stderr}`;
  });

  after(async () => {
    if (stackName !== '') {
      await dockerQuiet(['stack', 'rm', stackName]);
      // Tasks, containers and the stack network go away asynchronously.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const left = await docker(['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${stackName}`]).catch(() => ({ stdout: '' }));
        const networks = await docker(['network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stackName}`]).catch(() => ({ stdout: '' }));
        if (left.stdout.trim() === '' && networks.stdout.trim() === '') break;
        await delay(250);
      }
      await dockerQuiet(['volume', 'rm', '-f', `${stackName}_reconciler-status`]);
    }
    await swarm?.restore();
    await host?.cleanup();
  });

  it('deploys with no option ignored by Swarm, in global mode', async (t) => {
    t.diagnostic(`swarm ${swarm?.created ? 'created by the test (left afterwards)' : 'already active (kept)'}; ${swarm?.nodes} node(s); ${target.note}`);
    assert.doesNotMatch(deployOutput, /Ignoring unsupported options/);
    assert.match(deployOutput, /Creating service/);
    const { stdout } = await docker(['service', 'ls', '--filter', `name=${serviceName}`, '--format', '{{.Mode}}']);
    assert.equal(stdout.trim(), 'global');
  });

  it('runs one task per node, and it converges the emulated host', async (t) => {
    const nodes = swarm?.nodes ?? 1;
    await waitWithLogs(taskContainer, `${nodes} running task(s)`, async () => {
      const { stdout } = await docker(['service', 'ps', '--no-trunc', '--filter', 'desired-state=running', '--format', '{{.Node}}\t{{.CurrentState}}', serviceName]);
      const tasks = stdout.split('\n').filter((line) => line.trim() !== '');
      return tasks.length === nodes && tasks.every((line) => line.split('\t')[1]?.startsWith('Running'));
    }, 60_000);
    await waitWithLogs(taskContainer, 'listen.conf with ListenStream=9000', async () => (await readText(host.dropInPath)) === dropIn(9000));
    for (const line of ['systemctl daemon-reload', 'systemctl restart cockpit.socket', 'firewall-cmd --reload']) {
      await waitWithLogs(taskContainer, `the recorded command "${line}"`, recorded(host, line));
    }
    const namespaces = new Set((await readText(path.join(host.root, 'systemctl-mntns'))).trim().split('\n'));
    assert.deepEqual([...namespaces], [OWN_MOUNT_NS], 'systemctl ran in the host mount namespace (nsenter --mount=/host/proc/…)');
    const { stdout } = await docker(['service', 'ls', '--filter', `name=${serviceName}`, '--format', '{{.Replicas}}']);
    assert.equal(stdout.trim(), `${nodes}/${nodes}`);
    t.diagnostic(`docker service ps: ${(await docker(['service', 'ps', '--format', '{{.Name}} {{.Node}} {{.CurrentState}}', serviceName])).stdout.trim()}`);
  });

  it('the task turns healthy', async (t) => {
    await waitWithLogs(taskContainer, 'task health healthy', async () => (await healthOf(await taskContainer())) === 'healthy');
    t.diagnostic(`swarm scenario took ${Date.now() - started} ms so far`);
  });
});
