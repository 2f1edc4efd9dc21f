import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';

import { removeLabelled } from '../support/cleanup';
import { TEST_LABEL_PAIR, docker } from '../../harness/docker-cli';
import { dockerSkip } from '../support/docker-required';
import { APPHUB_CONFIG_DIR, HOST_LABEL, type EmulatedHost, createEmulatedHost } from '../../harness/websoft9-host';
import { packageSocketUnit } from '../../harness/websoft9-host/package-socket-unit';

const execFileAsync = promisify(execFile);

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: readonly string[]): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty argv');
  try {
    const { stdout, stderr } = await execFileAsync(file, args, { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const failed = error as { code?: unknown; stdout?: unknown; stderr?: unknown };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: typeof failed.stdout === 'string' ? failed.stdout : '',
      stderr: typeof failed.stderr === 'string' ? failed.stderr : '',
    };
  }
}

async function labelledIds(kind: 'container' | 'volume', hostId: string): Promise<string[]> {
  const list = kind === 'container' ? ['ps', '-aq'] : ['volume', 'ls', '-q'];
  const { stdout } = await docker([...list, '--filter', `label=${TEST_LABEL_PAIR}`, '--filter', `label=${HOST_LABEL}=${hostId}`]);
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

describe('emulated Websoft9 host fixture', async () => {
  const skip = await dockerSkip();
  const dockerAvailable = skip === false;
  let host: EmulatedHost;

  before(async () => {
    if (dockerAvailable) host = await createEmulatedHost({ health: true });
  });
  after(async () => {
    if (dockerAvailable) await host.cleanup();
  });

  it('has the shape of a fresh install: the package’s vendor unit, no drop-in dir, the firewalld files', { skip }, async () => {
    assert.equal(await fs.readFile(host.unitPath, 'utf8'), await packageSocketUnit());
    assert.match(await fs.readFile(host.unitPath, 'utf8'), /^\[Socket\]\nListenStream=9090\n/m);
    assert.equal(await exists(host.dropInDir), false, 'a fresh Cockpit install has no cockpit.socket.d');
    for (const file of host.firewalldFiles) {
      assert.match(await fs.readFile(file, 'utf8'), /<port protocol="tcp" port="9090"\/>/);
    }
    const snapshot = await host.snapshot();
    assert.deepEqual(Object.keys(snapshot).sort(), [
      'etc/firewalld/services/cockpit.xml',
      'lib/systemd/system/cockpit.socket',
      'usr/lib/firewalld/services/cockpit.xml',
    ]);
  });

  it('serves config.ini from the volume, on the host path and inside the container', { skip }, async () => {
    const onHost = await fs.readFile(host.configIniPath, 'utf8');
    assert.match(onHost, /^\[cockpit\]\nport = 9000$/m);
    const inside = await docker(['exec', host.containerName, 'cat', `${APPHUB_CONFIG_DIR}/config.ini`]);
    assert.equal(inside.stdout, onHost);

    await host.setPort('9000; rm -rf /');
    const changed = await docker(['exec', host.containerName, 'cat', `${APPHUB_CONFIG_DIR}/config.ini`]);
    assert.match(changed.stdout, /^port = 9000; rm -rf \/$/m);
    await host.setPort(null);
    assert.doesNotMatch(await host.readIni(), /^port/m);
    await host.setIni('', { inPlace: true });
    assert.equal(await host.readIni(), '');
    await host.setPort(9000);
  });

  it('writes a config.yaml that points at the emulated host', { skip }, async () => {
    const config = parse(await fs.readFile(host.configPath, 'utf8')) as {
      status: { file: string };
      commands: { systemctl: string[]; firewallCmd: string[] };
      sources: { apphub: { container: string; volume: string } };
      resources: Array<{ name: string; mode?: string; unitPath?: string }>;
    };
    assert.equal(config.status.file, host.statusPath);
    assert.deepEqual(config.commands.systemctl, [host.recorderPath, 'systemctl']);
    assert.equal(config.sources.apphub.container, host.containerName);
    assert.equal(config.sources.apphub.volume, host.volumeName);
    assert.deepEqual(
      config.resources.map((resource) => resource.name),
      ['cockpit-socket', 'cockpit-firewalld'],
    );
    assert.equal(config.resources[0]?.mode, 'dropin');

    await host.writeConfig({ timing: { resyncInterval: '1s' }, resources: [{ name: 'only', kind: 'SystemdSocketPort' }] });
    const merged = parse(await fs.readFile(host.configPath, 'utf8')) as { timing: { resyncInterval: string }; resources: unknown[]; status: { file: string } };
    assert.equal(merged.timing.resyncInterval, '1s');
    assert.equal(merged.resources.length, 1, 'lists replace');
    assert.equal(merged.status.file, host.statusPath, 'mappings merge');
    await host.writeConfig();
  });

  it('records stand-in calls and simulates firewalld state and failures', { skip }, async () => {
    assert.deepEqual(await host.commands(), []);
    const state = await run([host.recorderPath, 'firewall-cmd', '--state']);
    assert.deepEqual(state, { code: 0, stdout: 'running\n', stderr: '' });
    assert.equal((await run([host.recorderPath, 'systemctl', 'daemon-reload'])).code, 0);
    assert.equal((await run([host.recorderPath, 'systemctl', 'restart', 'cockpit\tsocket'])).code, 0);
    assert.deepEqual(await host.commands(), ['firewall-cmd --state', 'systemctl daemon-reload', 'systemctl restart cockpit socket']);

    await host.setFirewalldRunning(false);
    assert.deepEqual(await run([host.recorderPath, 'firewall-cmd', '--state']), { code: 252, stdout: '', stderr: 'not running\n' });
    await host.setFirewalldRunning(true);

    await fs.writeFile(`${host.root}/fail-systemctl`, '');
    assert.deepEqual(await run([host.recorderPath, 'systemctl', 'daemon-reload']), { code: 1, stdout: '', stderr: 'simulated failure\n' });
    await host.clearFailure('systemctl');

    await host.failCommand('firewall-cmd', '--reload');
    assert.equal((await run([host.recorderPath, 'firewall-cmd', '--state'])).code, 0);
    assert.equal((await run([host.recorderPath, 'firewall-cmd', '--reload'])).code, 1);
    await host.clearFailure('firewall-cmd');

    await host.setCommandHook('systemctl', 'echo "hook $RECORD_ROOT $*"; exit 3');
    assert.deepEqual(await run([host.recorderPath, 'systemctl', 'restart', 'cockpit.socket']), {
      code: 3,
      stdout: `hook ${host.root} restart cockpit.socket\n`,
      stderr: '',
    });
    await host.setCommandHook('systemctl', null);

    assert.equal((await host.commands()).length, 8);
    await host.clearCommands();
    assert.deepEqual(await host.commands(), []);
  });

  it('stops, starts, removes and re-creates the apphub stand-in and follows its health', { skip }, async () => {
    const state = async (): Promise<string> =>
      (await docker(['inspect', '--format', '{{.State.Status}}', host.containerName])).stdout.trim();
    await host.setHealthy(false);
    await host.waitHealth('unhealthy');
    await host.setHealthy(true);
    await host.waitHealth('healthy');

    await host.stopApphub();
    assert.equal(await state(), 'exited');
    // 0 from its TERM trap; a PID 1 ignoring SIGTERM would be killed after docker stop's timeout (137).
    assert.equal((await docker(['inspect', '--format', '{{.State.ExitCode}}', host.containerName])).stdout.trim(), '0', 'PID 1 exits on SIGTERM');
    await host.startApphub();
    assert.equal(await state(), 'running');
    await host.waitHealth('healthy');

    await host.removeApphub();
    assert.deepEqual(await labelledIds('container', host.id), []);
    await host.startApphub();
    assert.equal(await state(), 'running');
    await host.waitHealth('healthy');
    assert.match((await docker(['exec', host.containerName, 'cat', `${APPHUB_CONFIG_DIR}/config.ini`])).stdout, /^port = 9000$/m);
  });

  it('simulates a package upgrade by replacing the vendor unit', { skip }, async () => {
    const before = (await fs.stat(host.unitPath)).ino;
    await host.simulatePackageUpgrade();
    assert.notEqual((await fs.stat(host.unitPath)).ino, before);
    assert.match(await fs.readFile(host.unitPath, 'utf8'), /^ListenStream=9090$/m);
  });

  it('builds variants: no port key, no firewalld, inplace mode', { skip }, async () => {
    const variant = await createEmulatedHost({ port: null, firewalld: false, mode: 'inplace', vendorPort: 9091 });
    try {
      assert.match(await variant.readIni(), /^\[cockpit\]\n\n/m);
      for (const file of variant.firewalldFiles) assert.equal(await exists(file), false);
      assert.match(await fs.readFile(variant.unitPath, 'utf8'), /^ListenStream=9091$/m);
      assert.match(await fs.readFile(variant.configPath, 'utf8'), /mode: inplace/);
      assert.equal(await exists(variant.dropInDir), false);
    } finally {
      await variant.cleanup();
    }
    const withDir = await createEmulatedHost({ dropInDir: true });
    try {
      assert.deepEqual(await fs.readdir(withDir.dropInDir), [], 'dropInDir: true pre-creates it, empty');
    } finally {
      await withDir.cleanup();
    }
    assert.equal(await exists(variant.root), false);
    assert.deepEqual(await labelledIds('container', variant.id), []);
    assert.deepEqual(await labelledIds('volume', variant.id), []);
  });

  it('removes labelled containers and volumes', { skip }, async () => {
    const doomed = await createEmulatedHost();
    try {
      assert.equal((await labelledIds('container', doomed.id)).length, 1);
      assert.equal((await labelledIds('volume', doomed.id)).length, 1);
      // Narrowed to this host so that concurrently running test files keep their resources.
      const removed = await removeLabelled({ labels: { [HOST_LABEL]: doomed.id } });
      assert.deepEqual(removed, { containers: 1, volumes: 1, images: 0 });
      assert.deepEqual(await labelledIds('container', doomed.id), []);
      assert.deepEqual(await labelledIds('volume', doomed.id), []);
    } finally {
      await doomed.cleanup();
    }
  });
});
