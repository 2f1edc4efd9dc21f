import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startDaemon, type DaemonProcess } from '../support/daemon-process';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, type EmulatedHost } from '../support/emulated-host';
import { runCli } from '../support/run-cli';
import { readStatusJson, readyOf, waitFor } from '../support/status';

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
    const sleeper = await waitFor('daemon-reload to hang', async () => Number((await readFile(hangPid(), 'utf8').catch(() => '')).trim()), 20_000);
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
    await waitFor('the restart', async () => (await host.commands()).includes('systemctl restart cockpit.socket'), 20_000);
    await waitFor('the record to go', async () => !(await stat(pendingFile()).catch(() => null)), 10_000);
    assert.equal(await daemon.stop(), 0, daemon.stderr());
    await assertRecovered();
  });

  it('SIGTERM during daemon-reload: the process ends within its bound, the stand-in is killed, the next pass runs the commands', async () => {
    const { controller, sleeper } = await hangInReload(() => (daemon = startDaemon(['--config', host.configPath])));
    const t0 = Date.now();
    const code = await controller.stop('SIGTERM');
    const took = Date.now() - t0;
    assert.equal(code, 0, controller.stderr());
    // Shutdown waits 10 s for the pass, then kills what it runs; the bound is 15 s.
    assert.ok(took < 15_000, `took ${took}ms`);
    await waitFor('the hanging daemon-reload to be killed', async () => !(await running(sleeper)), 2000);
    await rm(hangFlag());
    await host.clearCommands();
    const run = await runCli(['--once', '--config', host.configPath]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await assertRecovered();
  });
});
