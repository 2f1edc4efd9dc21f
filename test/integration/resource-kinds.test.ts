import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { docker } from '../../harness/docker-cli';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { assertDocker } from '../support/docker-required';
import { APPHUB_CLI, apphubConfigIni, createEmulatedHost, HostObjects, INI_SECRET, type EmulatedHost, type YamlMapping } from '../../harness/websoft9-host';
import { freePort } from '../support/free-port';
import { runCli, type CliRun } from '../../harness/run-cli';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';

const execFileAsync = promisify(execFile);
const GITEA_PASSWORD = 'gitea-Pa55word-never-logged';
const PORTAINER_PASSWORD = 'portainer-s3cret-never-logged';

const once = (host: EmulatedHost, ...extra: string[]): Promise<CliRun> => runCli(['--once', '--config', host.configPath, ...extra]);

function reason(status: Awaited<ReturnType<typeof readStatusJson>>, name: string): string | undefined {
  return readyOf(status, name)?.reason;
}

describe('FileLine: the proxy variable with Cockpit\'s port', () => {
  let host: EmulatedHost;
  let stack: HostObjects;
  let varFile: string;
  let proxy: string;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    stack = new HostObjects(host);
    const vol = await stack.volume('nginx-var');
    proxy = await stack.container('proxy', [`${vol.name}:/data/nginx/custom`]);
    varFile = join(vol.path, 'custom_var.conf');
    await writeFile(varFile, '# Websoft9 variables\nset $cockpit_port 9090;\nset $other 1;\n');
    await host.writeConfig({
      resources: [
        {
          name: 'proxy-cockpit-port',
          kind: 'FileLine',
          source: 'apphub',
          volume: vol.name,
          file: 'custom_var.conf',
          match: '^\\s*set\\s+\\$cockpit_port\\s',
          template: 'set $cockpit_port {value};',
          afterChange: { exec: { container: proxy, command: ['sh', '-c', 'echo reload >> /tmp/reloads'] } },
        },
        { name: 'missing-file', kind: 'FileLine', source: 'apphub', volume: vol.name, file: 'nope.conf', match: '^x', template: 'x {value}' },
        { name: 'missing-volume', kind: 'FileLine', source: 'apphub', volume: `${vol.name}-gone`, file: 'a.conf', match: '^x', template: 'x {value}' },
      ],
    });
  });
  after(async () => {
    await stack?.cleanup();
    await host?.cleanup();
  });

  it('dry run shows the line change and changes nothing', async () => {
    const run = await once(host, '--dry-run');
    assert.equal(run.code, 1, 'the absent targets make it not converged'); // they are reasons, not drift
    assert.match(run.stdout, /-set \$cockpit_port 9090;\n\+set \$cockpit_port 9000;/);
    assert.match(run.stdout, /would run: docker exec \S+-proxy sh -c/);
    assert.equal(await readFile(varFile, 'utf8'), '# Websoft9 variables\nset $cockpit_port 9090;\nset $other 1;\n');
  });

  it('--once sets the line, keeps the others, runs afterChange in the container; absent targets are reasons', async () => {
    const run = await once(host);
    assert.equal(run.code, 1);
    assert.equal(await readFile(varFile, 'utf8'), '# Websoft9 variables\nset $cockpit_port 9000;\nset $other 1;\n');
    assert.equal((await docker(['exec', proxy, 'cat', '/tmp/reloads'])).stdout, 'reload\n');
    const status = await readStatusJson(host.statusPath);
    assert.equal(reason(status, 'proxy-cockpit-port'), 'Applied');
    assert.equal(reason(status, 'missing-file'), 'TargetAbsent');
    assert.equal(reason(status, 'missing-volume'), 'TargetAbsent');
    assert.match(readyOf(status, 'missing-volume')?.message ?? '', /volume .* does not exist/);
  });

  it('a second pass changes nothing; a missing line is added', async () => {
    await once(host);
    assert.equal((await docker(['exec', proxy, 'cat', '/tmp/reloads'])).stdout, 'reload\n', 'no reload when nothing changed');
    await writeFile(varFile, 'set $other 1;');
    await once(host);
    assert.equal(await readFile(varFile, 'utf8'), 'set $other 1;\nset $cockpit_port 9000;\n');
  });

  it('the controller corrects it when the file changes', async () => {
    await host.writeConfig({ timing: { resyncInterval: '10m', debounce: '100ms' }, resources: [((await readConfigResources(host))[0]) as YamlMapping] });
    const daemon = startDaemon(['--config', host.configPath]);
    try {
      await waitFor('first pass', async () => (await readStatusJson(host.statusPath))?.controller.mode === 'daemon');
      await writeFile(varFile, 'set $cockpit_port 9090;\n');
      await waitFor('line corrected', async () => (await readFile(varFile, 'utf8')) === 'set $cockpit_port 9000;\n');
      await host.setPort(9444);
      await waitFor('line follows apphub', async () => (await readFile(varFile, 'utf8')) === 'set $cockpit_port 9444;\n');
    } finally {
      assert.equal(await daemon.stop(), 0);
    }
  });
});

describe('IniValue: Cockpit\'s Origins from apphub\'s docker0_ip', () => {
  let host: EmulatedHost;
  let dir: string;
  const withIp = (ip: string): string => apphubConfigIni(9000).replace('listen_port = 443\n', `listen_port = 443\ndocker0_ip = ${ip}\n`);
  // A real cockpit.conf with CRLF, a comment, a byte that is not UTF-8 and no final newline.
  const original = Buffer.concat([Buffer.from('# Websoft9\r\n[WebService]\r\nLoginTitle = caf'), Buffer.from([0xe9]), Buffer.from('\r\nOrigins = http://10.0.0.1:9000 ws://10.0.0.1:9000\r\n\r\n[Session]\r\nIdleTimeout = 15')]);
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    dir = await mkdtemp(join(tmpdir(), 'reconciler-ini-value-'));
    await writeFile(join(dir, 'cockpit.conf'), original);
    await host.setIni(withIp('172.17.0.1'));
    const sources = host.baseConfig().sources as YamlMapping;
    const apphub = sources.apphub as YamlMapping;
    const origins = { kind: 'IniValue', source: 'docker0-ip', section: 'WebService', key: 'Origins', template: 'http://{value}:9000 ws://{value}:9000' };
    await host.writeConfig({
      sources: { ...sources, 'docker0-ip': { ...apphub, section: 'nginx_proxy_manager', key: 'docker0_ip', type: 'ipv4' } },
      resources: [
        { name: 'cockpit-origins', path: join(dir, 'cockpit.conf'), ...origins },
        { name: 'origins-absent', path: join(dir, 'absent.conf'), ...origins },
        { name: 'origins-created', path: join(dir, 'created.conf'), create: true, ...origins },
      ],
    });
  });
  after(async () => {
    await host?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('--once sets the value byte for byte; a missing file is TargetAbsent unless create: true', async () => {
    const run = await once(host);
    assert.equal(run.code, 1, run.stdout);
    const expected = Buffer.from(original.toString('latin1').replace('http://10.0.0.1:9000 ws://10.0.0.1:9000', 'http://172.17.0.1:9000 ws://172.17.0.1:9000'), 'latin1');
    assert.deepEqual(await readFile(join(dir, 'cockpit.conf')), expected);
    const status = await readStatusJson(host.statusPath);
    assert.equal(reason(status, 'cockpit-origins'), 'Applied');
    assert.equal(reason(status, 'origins-absent'), 'TargetAbsent');
    assert.equal(reason(status, 'origins-created'), 'Applied');
    assert.equal(await readFile(join(dir, 'created.conf'), 'utf8'), '[WebService]\nOrigins = http://172.17.0.1:9000 ws://172.17.0.1:9000\n');
    assert.equal((await stat(join(dir, 'created.conf'))).mode & 0o777, 0o644);
    assert.equal((await once(host)).code, 1, 'still TargetAbsent');
    assert.equal(reason(await readStatusJson(host.statusPath), 'cockpit-origins'), 'InSync');
  });

  it('a docker0_ip that is not a dotted quad is InvalidDesiredValue and nothing is written', async () => {
    const before = await readFile(join(dir, 'cockpit.conf'));
    for (const hostile of ['172.017.0.1', '172.17.0.1 ws://evil.example:9000', '172.17.0.1\r\nX=1']) {
      await host.setIni(withIp(hostile));
      await once(host);
      assert.equal(reason(await readStatusJson(host.statusPath), 'cockpit-origins'), hostile.includes('\n') ? 'InSync' : 'InvalidDesiredValue', hostile);
      assert.deepEqual(await readFile(join(dir, 'cockpit.conf')), before);
    }
  });
});

async function readConfigResources(host: EmulatedHost): Promise<unknown[]> {
  const { parse } = await import('yaml');
  return (parse(await readFile(host.configPath, 'utf8')) as { resources: unknown[] }).resources;
}

describe('DirectoryMirror: Cockpit certificates into the proxy volume', () => {
  let host: EmulatedHost;
  let stack: HostObjects;
  let from: string;
  let to: string;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    stack = new HostObjects(host);
    const vol = await stack.volume('nginx-data');
    from = join(host.root, 'etc', 'cockpit', 'ws-certs.d');
    to = join(vol.path, 'custom_ssl');
    await mkdir(from, { recursive: true });
    await writeFile(join(from, '0-self-signed.cert'), 'CERT-A\n');
    await writeFile(join(from, '0-self-signed.key'), 'KEY-A\n');
    await chmod(join(from, '0-self-signed.key'), 0o600);
    await writeFile(join(from, 'notes.txt'), 'not a certificate\n');
    await writeFile(join(host.root, 'outside.key'), 'OUTSIDE\n');
    await symlink(join(host.root, 'outside.key'), join(from, 'escape.key'));
    await symlink('0-self-signed.cert', join(from, 'alias.cert'));
    await host.writeConfig({
      resources: [
        {
          name: 'cockpit-certs',
          kind: 'DirectoryMirror',
          from: { path: from },
          to: { volume: vol.name, subPath: 'custom_ssl' },
          include: ['*.cert', '*.key'],
          prune: true,
        },
      ],
    });
  });
  after(async () => {
    await stack?.cleanup();
    await host?.cleanup();
  });

  const listing = async (): Promise<string[]> => (await readdir(to).catch(() => [])).sort();

  it('dry run lists the files it would create and writes nothing', async () => {
    const run = await once(host, '--dry-run');
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout, /would create .*custom_ssl\/0-self-signed.key/);
    assert.deepEqual(await listing(), []);
  });

  it('mirrors matching files with their modes; a symlink inside the tree is followed, one leaving it is not', async () => {
    const run = await once(host);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(await listing(), ['0-self-signed.cert', '0-self-signed.key', 'alias.cert']);
    assert.equal(await readFile(join(to, 'alias.cert'), 'utf8'), 'CERT-A\n');
    assert.equal((await stat(join(to, '0-self-signed.key'))).mode & 0o777, 0o600);
    assert.ok(!(await listing()).includes('escape.key'), 'symlink out of the tree not followed');
    assert.match(readyOf(await readStatusJson(host.statusPath), 'cockpit-certs')?.message ?? '', /skipped escape.key: symlink points outside/);
  });

  it('a new, a changed and a removed source file are mirrored; then nothing to do', async () => {
    await writeFile(join(from, 'new.cert'), 'CERT-NEW\n');
    await writeFile(join(from, '0-self-signed.cert'), 'CERT-B\n');
    await rm(join(from, '0-self-signed.key'));
    const run = await once(host);
    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual(await listing(), ['0-self-signed.cert', 'alias.cert', 'new.cert']);
    assert.equal(await readFile(join(to, '0-self-signed.cert'), 'utf8'), 'CERT-B\n');
    assert.equal((await once(host, '--dry-run')).code, 0);
  });

  it('the controller mirrors a new certificate when it appears; a missing target volume is a reason for that resource only', async () => {
    const resources = await readConfigResources(host);
    await host.writeConfig({
      timing: { resyncInterval: '10m' },
      resources: [
        ...(resources as YamlMapping[]),
        { name: 'nowhere', kind: 'DirectoryMirror', from: { path: from }, to: { volume: `${host.volumeName}-missing`, subPath: 'x' } },
      ],
    });
    const daemon = startDaemon(['--config', host.configPath]);
    try {
      await waitFor('first pass', async () => (await readStatusJson(host.statusPath))?.controller.mode === 'daemon');
      await writeFile(join(from, 'later.cert'), 'CERT-LATER\n');
      await waitFor('later.cert mirrored', async () => (await readFile(join(to, 'later.cert'), 'utf8').catch(() => '')) === 'CERT-LATER\n');
      const status = await readStatusJson(host.statusPath);
      assert.equal(readyOf(status, 'nowhere')?.reason, 'TargetAbsent');
      assert.equal(readyOf(status, 'cockpit-certs')?.status, 'True');
    } finally {
      assert.equal(await daemon.stop(), 0);
    }
    await rm(join(from, 'later.cert'));
  });

  it('an unreadable source file is a reason, and nothing is half-mirrored', async () => {
    // As root every file is readable: run the pass as nobody (this resource needs no Docker).
    const dir = await mkdtemp(join(tmpdir(), 'reconciler-nobody-'));
    await chmod(dir, 0o777);
    const src = join(dir, 'src');
    const dst = join(dir, 'dst');
    await mkdir(src);
    await mkdir(dst);
    await writeFile(join(src, 'a.cert'), 'A\n');
    await writeFile(join(src, 'b.key'), 'B\n');
    await chmod(join(src, 'b.key'), 0o600); // owned by root: unreadable for nobody
    await chmod(src, 0o755);
    await chmod(dst, 0o777);
    const config = join(dir, 'config.yaml');
    await writeFile(config, `resources:\n  - name: certs\n    kind: DirectoryMirror\n    from: { path: ${src} }\n    to: { path: ${dst} }\n    include: ['*.cert', '*.key']\n`);
    await chmod(config, 0o644);
    const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
    const run = await execFileAsync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, '--once', '--json', '--config', config, '--status-file', join(dir, 'status.json')]).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    assert.equal(run.code, 1, run.stdout);
    const result = JSON.parse(run.stdout) as { resources: { reason: string; message: string }[] };
    assert.equal(result.resources[0]?.reason, 'SourceUnreadable');
    assert.match(result.resources[0]?.message ?? '', /b\.key: .*EACCES/);
    assert.deepEqual(await readdir(dst), []);
    await rm(dir, { recursive: true });
  });
});

describe('ContainerCredentials: Gitea and Portainer credentials into apphub', () => {
  let host: EmulatedHost;
  let stack: HostObjects;
  let git: string;
  let deployment: string;
  let overrides: YamlMapping;
  let logs = '';
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    stack = new HostObjects(host);
    git = await stack.container('git');
    deployment = await stack.container('deployment');
    await stack.write(git, '/data/gitea/credential', JSON.stringify({ username: 'websoft9', password: GITEA_PASSWORD }));
    await stack.write(deployment, '/data/credential', `${PORTAINER_PASSWORD}\n`);
    await docker(['cp', APPHUB_CLI, `${host.containerName}:/bin/apphub`]);
    overrides = {
      sources: {
        'gitea-credential': { kind: 'ContainerFile', container: git, path: '/data/gitea/credential', format: 'json' },
        'portainer-credential': { kind: 'ContainerFile', container: deployment, path: '/data/credential', format: 'password', username: 'admin' },
      },
      resources: [
        { name: 'gitea-credentials', kind: 'ContainerCredentials', source: 'gitea-credential', container: host.containerName, volume: host.volumeName, section: 'gitea' },
        { name: 'portainer-credentials', kind: 'ContainerCredentials', source: 'portainer-credential', container: host.containerName, volume: host.volumeName, section: 'portainer', method: 'ini' },
      ],
    };
    await host.writeConfig(overrides);
  });
  after(async () => {
    await stack?.cleanup();
    await host?.cleanup();
  });

  const keep = (run: CliRun): CliRun => {
    logs += run.stdout + run.stderr;
    return run;
  };

  it('dry run hides the secrets', async () => {
    const run = keep(await once(host, '--dry-run'));
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout, /would run: docker exec \S+ apphub setconfig --section gitea --key user_pwd --value \*\*\*/);
    assert.match(run.stdout, /contents hidden: they hold a secret/);
  });

  it('--once syncs through apphub\'s CLI (exec API) and by an atomic INI edit', async () => {
    const run = keep(await once(host));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const ini = await host.readIni();
    assert.match(ini, new RegExp(`\\[gitea\\][^[]*user_name = websoft9[^[]*user_pwd = ${GITEA_PASSWORD}`));
    assert.match(ini, new RegExp(`\\[portainer\\][^[]*user_name = admin[^[]*user_pwd = ${PORTAINER_PASSWORD}`));
    assert.match(ini, /\[cockpit\]\nport = 9000/, 'other sections kept');
    const calls = (await docker(['exec', host.containerName, 'cat', '/tmp/apphub-calls'])).stdout;
    assert.equal(calls, 'setconfig gitea user_pwd\n', 'only the wrong key is set (user_name was already websoft9)');
    const status = await readStatusJson(host.statusPath);
    assert.equal(reason(status, 'gitea-credentials'), 'Applied');
    assert.match(String(status?.resources[0]?.desired), /^sha256:[0-9a-f]{12}$/);
    keep({ code: 0, signal: null, stdout: JSON.stringify(status), stderr: '' });
  });

  it('a second pass is idempotent; a changed password is synced by the controller on the container\'s events', async () => {
    const run = keep(await once(host));
    assert.equal(run.code, 0);
    assert.equal((await docker(['exec', host.containerName, 'cat', '/tmp/apphub-calls'])).stdout, 'setconfig gitea user_pwd\n');
    await host.writeConfig({ ...overrides, timing: { resyncInterval: '10m' } });
    const port = await freePort();
    const daemon: DaemonProcess = startDaemon(['--config', host.configPath, '--metrics-addr', `127.0.0.1:${port}`]);
    try {
      await waitFor('first pass', async () => (await readStatusJson(host.statusPath))?.controller.mode === 'daemon');
      await stack.write(git, '/data/gitea/credential', JSON.stringify({ username: 'websoft9', password: `${GITEA_PASSWORD}-2` }));
      await docker(['restart', '-t', '0', git]); // Gitea rewrites its credential at start
      await waitFor('new password synced', async () => (await host.readIni()).includes(`user_pwd = ${GITEA_PASSWORD}-2`)).catch((error: Error) => {
        throw new Error(`${error.message}\n${daemon.stderr().split(GITEA_PASSWORD).join('<pw>')}`);
      });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /reconciler_changes_total\{resource="gitea-credentials"\} [1-9]/);
      logs += metrics;
    } finally {
      await daemon.stop();
      logs += daemon.stderr() + daemon.stdout();
    }
    logs += await readFile(host.statusPath, 'utf8');
  });

  it('a missing credential file or container is a reason; other resources are unaffected', async () => {
    await docker(['exec', git, 'rm', '/data/gitea/credential']);
    const run = keep(await once(host));
    assert.equal(run.code, 1);
    const status = await readStatusJson(host.statusPath);
    assert.equal(reason(status, 'gitea-credentials'), 'DesiredStateUnavailable');
    assert.match(readyOf(status, 'gitea-credentials')?.message ?? '', /does not exist/);
    assert.equal(readyOf(status, 'portainer-credentials')?.status, 'True');
  });

  it('no password appears in any output, log, status or journal entry of this suite', async () => {
    // The journal (beside the status file) recorded the credential changes, masked.
    const journal = await readFile(join(dirname(host.statusPath), 'journal.jsonl'), 'utf8');
    assert.match(journal, /"resource":"gitea-credentials".*--value \*\*\*","result":"updated","exitCode":0/);
    assert.match(journal, /"resource":"portainer-credentials".*config\.ini","action":"change","result":"updated","hidden":true/);
    logs += journal + keep(await runCli(['history', '--json', '--config', host.configPath])).stdout;
    for (const secret of [GITEA_PASSWORD, PORTAINER_PASSWORD, INI_SECRET]) assert.ok(!logs.includes(secret), `a secret leaked: ${secret.slice(0, 6)}…`);
    assert.ok(logs.length > 1000, 'the logs were collected');
  });
});

describe('bad resource configurations exit 64 naming the resource and key', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown kind', '- {name: x, kind: Teleport, source: apphub}', /resources\.0\.kind \(resource "x"\)/],
    ['invalid regular expression', "- {name: l, kind: FileLine, source: apphub, path: /x, match: '([', template: 'a {value}'}", /resources\.0\.match \(resource "l"\): is not a valid regular expression/],
    ['template without {value}', "- {name: l, kind: FileLine, source: apphub, path: /x, match: '^a', template: 'a 1'}", /resources\.0\.template \(resource "l"\): must contain \{value\}/],
    ['volume name with a slash', "- {name: l, kind: FileLine, source: apphub, volume: 'a/b', file: c, match: '^a', template: '{value}'}", /resources\.0\.volume \(resource "l"\)/],
    ['subPath escaping the volume', "- {name: m, kind: DirectoryMirror, from: {path: /a}, to: {volume: v, subPath: '../etc'}}", /resources\.0\.to/],
    ['credentials from a port source', '- {name: c, kind: ContainerCredentials, source: apphub, section: gitea}', /resources\.0\.source \(resource "c"\): a ContainerCredentials needs a ContainerFile source/],
  ];
  for (const [what, resource, pattern] of cases) {
    it(what, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'reconciler-cfg-'));
      await writeFile(join(dir, 'c.yaml'), `resources:\n  ${resource}\n`);
      const run = await runCli(['--once', '--config', join(dir, 'c.yaml')]);
      assert.equal(run.code, 64, run.stderr);
      assert.match(run.stderr, pattern);
      await rm(dir, { recursive: true });
    });
  }
});
