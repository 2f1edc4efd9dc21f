import assert from 'node:assert/strict';
import { readFile, rm, stat, chmod, writeFile, readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, INI_SECRET, type EmulatedHost } from '../../harness/websoft9-host';
import { runCli } from '../../harness/run-cli';
import { readStatusJson, readyOf, type ConditionJson, type StatusJson } from '../../harness/status';

/** The status file, which every non-dry pass must have written. */
async function readStatus(host: EmulatedHost): Promise<StatusJson> {
  const status = await readStatusJson(host.statusPath);
  assert.ok(status, `no readable status file at ${host.statusPath}`);
  return status;
}

function ready(status: StatusJson, name: string): ConditionJson {
  const condition = readyOf(status, name);
  assert.ok(condition, `no Ready condition for ${name}`);
  return condition;
}

const once = (host: EmulatedHost, ...extra: string[]) => runCli(['--once', '--config', host.configPath, ...extra]);

/** A pass that must refuse to act: exit 1, no file written, no command run. Returns the status it wrote. */
async function refusedOnce(host: EmulatedHost): Promise<StatusJson> {
  await host.clearCommands();
  const snapshot = await host.snapshot();
  const run = await once(host);
  assert.equal(run.code, 1);
  assert.deepEqual(await host.snapshot(), snapshot);
  assert.deepEqual(await host.commands(), []);
  return readStatus(host);
}

describe('reconcile --once on an emulated Websoft9 host', () => {
  let host: EmulatedHost;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
  });
  after(async () => host?.cleanup());

  it('dry run finds the drift, prints a diff, exits 2 and writes nothing', async () => {
    const before = await host.snapshot();
    const run = await once(host, '--dry-run');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, /\+ListenStream=9000/);
    assert.match(run.stdout, /-  <port protocol="tcp" port="9090"\/>/);
    assert.match(run.stdout, /would run: .*systemctl daemon-reload/);
    assert.deepEqual(await host.snapshot(), before);
    assert.deepEqual(await host.commands(), []);
    await assert.rejects(stat(host.statusPath), { code: 'ENOENT' });
  });

  it('corrects the drift: drop-in written, vendor unit untouched, firewalld files set, commands run', async () => {
    const vendorBefore = await readFile(host.unitPath, 'utf8');
    const run = await once(host);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(await readFile(host.dropInPath, 'utf8'), '[Socket]\nListenStream=\nListenStream=9000\n');
    assert.equal(await readFile(host.unitPath, 'utf8'), vendorBefore);
    for (const file of host.firewalldFiles) assert.match(await readFile(file, 'utf8'), /<port protocol="tcp" port="9000"\/>/);
    assert.deepEqual(await host.commands(), [
      'systemctl daemon-reload',
      'systemctl restart cockpit.socket',
      'systemctl try-restart cockpit.service',
      'firewall-cmd --state',
      'firewall-cmd --reload',
    ]);
    const status = await readStatus(host);
    assert.equal(status.schemaVersion, 1);
    assert.equal(status.controller.mode, 'once');
    assert.equal(status.lastPass?.result, 'converged');
    assert.equal(ready(status, 'cockpit-socket').reason, 'Applied');
    assert.equal(ready(status, 'cockpit-firewalld').status, 'True');
    assert.match(run.stdout, /cockpit-socket\s+9000\s+9000\s+Applied/);
    const leftovers = (await readdir(host.dropInDir)).filter((n) => n !== 'listen.conf');
    assert.deepEqual(leftovers, [], 'no temp file left behind');
  });

  it('a second pass changes nothing, runs no command, keeps lastTransitionTime', async () => {
    const first = await readStatus(host);
    await host.clearCommands();
    const snapshot = await host.snapshot();
    await new Promise((r) => setTimeout(r, 20));
    const run = await once(host);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await host.commands(), []);
    assert.deepEqual(await host.snapshot(), snapshot);
    const second = await readStatus(host);
    assert.equal(second.lastPass?.result, 'unchanged');
    assert.equal(ready(second, 'cockpit-socket').reason, 'InSync');
    assert.equal(ready(second, 'cockpit-socket').lastTransitionTime, ready(first, 'cockpit-socket').lastTransitionTime);
    const dry = await once(host, '--dry-run');
    assert.equal(dry.code, 0, dry.stdout);
  });

  it('--json prints a machine-readable result', async () => {
    const run = await once(host, '--json');
    assert.equal(run.code, 0);
    const json = JSON.parse(run.stdout) as { result: string; resources: { name: string; inSync: boolean }[] };
    assert.equal(json.result, 'unchanged');
    assert.deepEqual(json.resources.map((r) => [r.name, r.inSync]), [['cockpit-socket', true], ['cockpit-firewalld', true]]);
  });

  it('a package upgrade resetting the vendor unit does not matter: the drop-in still wins', async () => {
    await host.simulatePackageUpgrade(9090);
    await host.clearCommands();
    const run = await once(host);
    assert.equal(run.code, 0);
    assert.deepEqual(await host.commands(), []);
  });

  it('apphub stopped: exit 1, nothing written, no command, DesiredStateUnavailable with the last known value', async () => {
    await writeFile(host.dropInPath, '[Socket]\nListenStream=\nListenStream=9090\n');
    await host.stopApphub();
    const status = await refusedOnce(host);
    const condition = ready(status, 'cockpit-socket');
    assert.equal(condition.reason, 'DesiredStateUnavailable');
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message, /not running/);
    assert.equal(status.lastPass?.result, 'unavailable');
    const socket = status.resources.find((r) => r.name === 'cockpit-socket');
    assert.equal(socket?.desired, null);
    assert.equal(socket?.lastKnownDesired, 9000);
    assert.equal(socket?.observed, 9090);
    await host.startApphub();
    const healed = await once(host);
    assert.equal(healed.code, 0, healed.stdout);
    assert.equal(await readFile(host.dropInPath, 'utf8'), '[Socket]\nListenStream=\nListenStream=9000\n');
  });

  it('a failed command is ApplyFailed with its exit code and stderr, and is retried by the next pass', async () => {
    await host.setPort(9001);
    await host.failCommand('systemctl', 'restart');
    await host.clearCommands();
    const failed = await once(host);
    assert.equal(failed.code, 1);
    const condition = ready(await readStatus(host), 'cockpit-socket');
    assert.equal(condition.reason, 'ApplyFailed');
    assert.match(condition.message, /exited with code 1: simulated failure/);
    await host.clearFailure('systemctl');
    await host.clearCommands();
    const retried = await once(host);
    assert.equal(retried.code, 0, retried.stdout);
    // Files were already right; the commands that failed are run again.
    assert.ok((await host.commands()).includes('systemctl restart cockpit.socket'));
    await host.setPort(9000);
    assert.equal((await once(host)).code, 0);
  });

  it('firewalld not running: files written, reload skipped, still converged', async () => {
    await host.setPort(9002);
    await host.setFirewalldRunning(false);
    await host.clearCommands();
    const run = await once(host);
    assert.equal(run.code, 0, run.stdout);
    const commands = await host.commands();
    assert.ok(commands.includes('firewall-cmd --state'));
    assert.ok(!commands.includes('firewall-cmd --reload'));
    await host.setFirewalldRunning(true);
    await host.setPort(9000);
    assert.equal((await once(host)).code, 0);
  });

  it('never writes a secret from config.ini into the status file or output', async () => {
    const run = await once(host, '--json');
    const status = await readFile(host.statusPath, 'utf8');
    for (const text of [run.stdout, run.stderr, status]) assert.ok(!text.includes(INI_SECRET));
  });
});

describe('bad desired values are refused, never turned into a port', () => {
  let host: EmulatedHost;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
  });
  after(async () => host?.cleanup());

  const invalid = ['70000', '0', '-1', 'abc', '', '9000; rm -rf /', '9000 9001', '0x2328', '9000 # comment'];
  for (const value of invalid) {
    it(`port = ${JSON.stringify(value)} → exit 1, nothing written, InvalidDesiredValue`, async () => {
      await host.setPort(value);
      const condition = ready(await refusedOnce(host), 'cockpit-socket');
      assert.equal(condition.reason, 'InvalidDesiredValue');
      assert.equal(condition.status, 'False');
    });
  }

  const unavailable: [string, string][] = [
    ['an empty file', ''],
    ['a half-written file', '[cockpit]\npo'],
    ['no [cockpit] section', '[gitea]\nuser_name = x\n'],
    ['no port key', '[cockpit]\nhost = localhost\n'],
  ];
  for (const [what, text] of unavailable) {
    it(`${what} → exit 1, nothing written, DesiredStateUnavailable`, async () => {
      await host.setIni(text);
      assert.equal(ready(await refusedOnce(host), 'cockpit-socket').reason, 'DesiredStateUnavailable');
    });
  }

  it('a missing apphub container → DesiredStateUnavailable naming it', async () => {
    await host.setPort(9000);
    await host.removeApphub();
    const run = await once(host);
    assert.equal(run.code, 1);
    assert.match(ready(await readStatus(host), 'cockpit-socket').message, /does not exist/);
    await host.startApphub();
  });
});

describe('inplace mode', () => {
  let host: EmulatedHost;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, mode: 'inplace' });
  });
  after(async () => host?.cleanup());

  it('rewrites only the ListenStream line of the unit, keeping its mode and every other line', async () => {
    await chmod(host.unitPath, 0o640);
    const before = (await readFile(host.unitPath, 'utf8')).split('\n');
    const run = await once(host);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const after = (await readFile(host.unitPath, 'utf8')).split('\n');
    assert.equal(after.length, before.length);
    const differing = after.map((line, i) => [line, before[i]]).filter(([a, b]) => a !== b);
    assert.deepEqual(differing, [['ListenStream=9000', 'ListenStream=9090']]);
    assert.equal((await stat(host.unitPath)).mode & 0o777, 0o640);
    await assert.rejects(stat(host.dropInPath), { code: 'ENOENT' });
  });
});

describe('usage and configuration errors exit 64 naming the key', () => {
  it('unknown option', async () => {
    const run = await runCli(['--once', '--bogus']);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /--bogus/);
  });
  const cases: [string, string, RegExp][] = [
    ['unknown key', 'timing:\n  debounse: 1s\n', /timing\.debounse: unknown key/],
    ['wrong type', 'timing:\n  debounce: fast\n', /timing\.debounce: "fast" is not a duration/],
    ['bad mode', 'resources:\n  - {name: s, kind: SystemdSocketPort, source: apphub, unit: cockpit.socket, unitPath: /x, dropInDir: /y, mode: sideways}\n', /resources\.0\.mode \(resource "s"\)/],
    ['unknown source', 'resources:\n  - {name: f, kind: FirewalldServicePort, source: nope, files: [/x]}\n', /resources\.0\.source/],
    ['volume with a slash', 'sources:\n  apphub:\n    volume: ../etc\n', /sources\.apphub\.volume/],
    ['not YAML', 'timing: [\n', /not valid YAML/],
  ];
  for (const [what, yaml, pattern] of cases) {
    it(what, async () => {
      const { mkdtemp } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const dir = await mkdtemp(`${tmpdir()}/reconciler-cfg-`);
      await writeFile(`${dir}/c.yaml`, yaml);
      const run = await runCli(['--once', '--config', `${dir}/c.yaml`]);
      await rm(dir, { recursive: true, force: true });
      assert.equal(run.code, 64, run.stderr);
      assert.match(run.stderr, pattern);
    });
  }
});
