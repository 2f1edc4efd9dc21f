import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, afterEach, before, describe, it } from 'node:test';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, type EmulatedHost } from '../../harness/websoft9-host';
import { runCli } from '../../harness/run-cli';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';

const execFileAsync = promisify(execFile);

/** Runs the installed systemctl hook directly (not recorded): what systemd or an operator did before the controller looked. */
async function runSystemctlHook(root: string, args: readonly string[]): Promise<void> {
  await execFileAsync(join(root, 'hooks', 'systemctl'), [...args], { env: { ...process.env, RECORD_ROOT: root }, timeout: 30_000 });
}

/** Short timings; the resync is far away so that only the record can explain the commands. */
const FAST = { resyncInterval: '10m', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '1s' };

/**
 * `systemctl daemon-reload` hangs while `<root>/hang` exists: the stand-in writes its pid to
 * `<root>/hang.pid` and becomes `sleep 120` (same pid: the recorder and the hook both exec).
 */
const HANGING_RELOAD = `#!/bin/sh
if [ "\${1:-}" = daemon-reload ] && [ -e "$RECORD_ROOT/hang" ]; then
  echo $$ > "$RECORD_ROOT/hang.pid"
  exec sleep 120
fi
exit 0
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A zombie counts as gone (nobody may reap it here). */
async function running(pid: number): Promise<boolean> {
  if (!alive(pid)) return false;
  const state = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return !/^State:\s*Z/m.test(state);
}

describe('follow-up commands survive crashes', () => {
  let host: EmulatedHost;
  let daemon: DaemonProcess | null = null;
  let port = 9000;
  const hangFlag = (): string => join(host.root, 'hang');
  const hangPid = (): string => join(host.root, 'hang.pid');
  const pendingFile = (): string => `${host.statusPath}.pending.json`;

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
    await host.writeConfig({ timing: FAST });
    await host.setCommandHook('systemctl', HANGING_RELOAD);
  });
  afterEach(async () => {
    if (daemon && daemon.process.exitCode === null && daemon.process.signalCode === null) await daemon.stop('SIGKILL');
    daemon = null;
    const pid = Number((await readFile(hangPid(), 'utf8').catch(() => '')).trim());
    if (pid > 0 && (await running(pid))) process.kill(pid, 'SIGKILL');
    await rm(hangPid(), { force: true });
    await rm(hangFlag(), { force: true });
  });
  after(async () => host?.cleanup());

  /** Make drift (a new desired port), let `start()` begin a pass, and wait until it hangs in daemon-reload. */
  async function hangInReload(start: () => DaemonProcess): Promise<{ controller: DaemonProcess; sleeper: number }> {
    port++;
    await host.setPort(port);
    await writeFile(hangFlag(), '');
    await host.clearCommands();
    const controller = start();
    const sleeper = await waitFor('daemon-reload to hang', async () => Number((await readFile(hangPid(), 'utf8').catch(() => '')).trim()));
    // The files are written; without the record nothing would tell a new process that the commands are owed.
    assert.equal(await readFile(host.dropInPath, 'utf8'), `[Socket]\nListenStream=\nListenStream=${port}\n`);
    const record = JSON.parse(await readFile(pendingFile(), 'utf8')) as { resources: Record<string, unknown> };
    assert.ok('cockpit-socket' in record.resources, JSON.stringify(record));
    assert.equal((await stat(pendingFile())).mode & 0o777, 0o600);
    return { controller, sleeper };
  }

  /** The owed commands ran, in order, after the crash; the record is gone. */
  async function assertRecovered(): Promise<void> {
    const commands = await host.commands();
    const reload = commands.indexOf('systemctl daemon-reload');
    const restart = commands.indexOf('systemctl restart cockpit.socket');
    assert.ok(reload >= 0 && restart > reload, commands.join('; '));
    assert.ok(commands.includes('systemctl try-restart cockpit.service'), commands.join('; '));
    assert.ok(commands.includes('firewall-cmd --reload'), `the firewalld files were written before the crash too: ${commands.join('; ')}`);
    await assert.rejects(stat(pendingFile()), { code: 'ENOENT' });
  }

  it('kill -9 of the controller during daemon-reload: the next --once runs daemon-reload and the restart', async () => {
    const { controller } = await hangInReload(() => (daemon = startDaemon(['--config', host.configPath])));
    controller.process.kill('SIGKILL');
    await controller.exited;
    await rm(hangFlag());
    await host.clearCommands();
    const run = await runCli(['--once', '--config', host.configPath]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await assertRecovered();
    assert.equal(readyOf(await readStatusJson(host.statusPath), 'cockpit-socket')?.reason, 'Applied');
  });

  it('kill -9 of --once during daemon-reload: the next controller (daemon) runs them', async () => {
    const { controller } = await hangInReload(() => startDaemon(['--once', '--config', host.configPath]));
    controller.process.kill('SIGKILL');
    await controller.exited;
    await rm(hangFlag());
    await host.clearCommands();
    daemon = startDaemon(['--config', host.configPath]);
    await waitFor('the restart', async () => (await host.commands()).includes('systemctl restart cockpit.socket'));
    await waitFor('the record to go', async () => !(await stat(pendingFile()).catch(() => null)));
    assert.equal(await daemon.stop(), 0, daemon.stderr());
    await assertRecovered();
  });

  it('SIGTERM during daemon-reload: the process ends within its bound, the stand-in is killed, the next pass runs the commands', async () => {
    const { controller, sleeper } = await hangInReload(() => (daemon = startDaemon(['--config', host.configPath])));
    // Shutdown waits 10 s for the pass, then kills what it runs, and exits 0 (its 15 s bound would
    // end it by a signal, and the driver's SIGKILL comes only after a minute).
    const code = await controller.stop('SIGTERM');
    assert.equal(code, 0, controller.stderr());
    await waitFor('the hanging daemon-reload to be killed', async () => !(await running(sleeper)));
    await rm(hangFlag());
    await host.clearCommands();
    const run = await runCli(['--once', '--config', host.configPath]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await assertRecovered();
  });
});

/**
 * A systemctl stand-in that can tell the running state as systemd does: `daemon-reload` loads
 * the unit files (a checksum, and the last `ListenStream=` port), `restart cockpit.socket` starts
 * listening on the loaded port, `show -p NeedDaemonReload,Listen` compares the files on disk with
 * the loaded ones and names the port listened on.
 */
function runningStateHook(unitPath: string, dropInDir: string): string {
  return `#!/bin/sh
state="$RECORD_ROOT/systemd-state"
mkdir -p "$state"
files() { cat "${unitPath}" "${dropInDir}"/*.conf 2>/dev/null; }
case "\${1:-} \${2:-}" in
  "daemon-reload "*)
    files | cksum > "$state/loaded"
    files | sed -n 's/^ListenStream=\\([0-9][0-9]*\\)$/\\1/p' | tail -n 1 > "$state/loaded-port" ;;
  "restart cockpit.socket") cp "$state/loaded-port" "$state/listen" ;;
  "show "*)
    if [ "$(files | cksum)" = "$(cat "$state/loaded" 2>/dev/null)" ]; then echo NeedDaemonReload=no; else echo NeedDaemonReload=yes; fi
    [ -s "$state/listen" ] && echo "Listen=[::]:$(cat "$state/listen") (Stream)" ;;
esac
exit 0
`;
}

describe('the running state, where the host can tell it (systemctl show)', () => {
  let host: EmulatedHost;
  const listening = async (): Promise<string> => (await readFile(join(host.root, 'systemd-state', 'listen'), 'utf8')).trim();
  // As at boot: the vendor unit loaded and listened on, before the controller ever ran.
  const boot = async (): Promise<void> => {
    await runSystemctlHook(host.root, ['daemon-reload']);
    await runSystemctlHook(host.root, ['restart', 'cockpit.socket']);
  };
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
    await host.writeConfig({ timing: FAST });
    await host.setCommandHook('systemctl', runningStateHook(host.unitPath, host.dropInDir));
    await boot();
  });
  after(async () => host?.cleanup());

  it('files already right but never loaded (the record lost): daemon-reload and restart, then Listen is the desired port', async () => {
    await host.setPort(9000);
    const first = await runCli(['--once', '--config', host.configPath]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(await listening(), '9000');
    // The drop-in as the controller writes it for 9001, but no command ran and no record says so.
    await host.setPort(9001);
    await rm(`${host.statusPath}.pending.json`, { force: true });
    await writeFile(host.dropInPath, '[Socket]\nListenStream=\nListenStream=9001\n');
    await host.clearCommands();
    const run = await runCli(['--once', '--config', host.configPath]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const commands = await host.commands();
    assert.ok(commands.indexOf('systemctl daemon-reload') >= 0 && commands.indexOf('systemctl restart cockpit.socket') > commands.indexOf('systemctl daemon-reload'), commands.join('; '));
    assert.equal(await listening(), '9001');
    assert.equal(readyOf(await readStatusJson(host.statusPath), 'cockpit-socket')?.reason, 'Applied');
  });

  it('loaded but not restarted: only the restarts', async () => {
    await host.setPort(9002);
    await writeFile(host.dropInPath, '[Socket]\nListenStream=\nListenStream=9002\n');
    await runSystemctlHook(host.root, ['daemon-reload']);
    await host.clearCommands();
    const run = await runCli(['--once', '--config', host.configPath]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const commands = (await host.commands()).filter((c) => c.startsWith('systemctl'));
    assert.deepEqual(commands, ['systemctl restart cockpit.socket', 'systemctl try-restart cockpit.service']);
    assert.equal(await listening(), '9002');
  });

  it('in sync and running on the desired port: nothing runs', async () => {
    await host.clearCommands();
    const run = await runCli(['--once', '--config', host.configPath]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(await host.commands(), []);
  });
});

