import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, firewalldCockpitXml, type EmulatedHost } from '../../harness/websoft9-host';
import { runCli } from '../../harness/run-cli';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';

const FAST = { resyncInterval: '10m', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '1s' };

/** `systemctl daemon-reload` never returns (until killed); its pid goes to `<root>/hang.pid`. */
const HANG = `#!/bin/sh
if [ "\${1:-}" = daemon-reload ]; then
  echo $$ > "$RECORD_ROOT/hang.pid"
  exec sleep 300
fi
exit 0
`;

async function running(pid: number): Promise<boolean> {
  const state = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return state !== '' && !/^State:\s*Z/m.test(state);
}

describe('a pass that hangs (timing.passTimeout)', () => {
  let host: EmulatedHost;
  let daemon: DaemonProcess | null = null;
  const hangPid = async (): Promise<number> => Number((await readFile(join(host.root, 'hang.pid'), 'utf8').catch(() => '')).trim());

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
    // Commands may take a minute; the pass may take 2 s.
    await host.writeConfig({ timing: { ...FAST, passTimeout: '2s' }, commands: { timeout: '60s' } });
    await host.setCommandHook('systemctl', HANG);
  });
  afterEach(async () => {
    if (daemon && daemon.process.exitCode === null) await daemon.stop('SIGKILL');
    daemon = null;
    const pid = await hangPid();
    if (pid > 0 && (await running(pid))) process.kill(pid, 'SIGKILL');
    await rm(join(host.root, 'hang.pid'), { force: true });
  });
  after(async () => host?.cleanup());

  it('--once gives up after the bound: exit 1, the hanging command killed, the commands still owed', async () => {
    // Killed (code -1) at 50 s, before the commands' own 60 s timeout: only passTimeout can end it.
    const run = await runCli(['--once', '--config', host.configPath], { timeoutMs: 50_000 });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /pass abandoned: still running after 2000ms/);
    const pid = await hangPid();
    assert.ok(pid > 0);
    await waitFor('the hanging daemon-reload to be killed', async () => !(await running(pid)));
    const record = JSON.parse(await readFile(`${host.statusPath}.pending.json`, 'utf8')) as { resources: Record<string, unknown> };
    assert.ok('cockpit-socket' in record.resources);
  });

  it('the daemon reports it (log, status, metrics), retries it, and SIGTERM ends the process within its bound', async () => {
    daemon = startDaemon(['--config', host.configPath]);
    const status = await waitFor('an abandoned pass in the status', async () => {
      const s = await readStatusJson(host.statusPath);
      return s?.lastPass?.result === 'abandoned' && s.controller.mode === 'daemon' ? s : null;
    });
    assert.ok((status?.stats.failures ?? 0) >= 1);
    assert.match(daemon.stderr(), /pass abandoned: still running after 2000ms/);
    const first = await hangPid();
    await waitFor('a retry that hangs again', async () => (await hangPid()) !== first && (await hangPid()) > 0);
    // Exit 0: shutdown ended the pass itself (its bound would end the process by a signal, and
    // the driver's SIGKILL comes only after a minute).
    const code = await daemon.stop('SIGTERM');
    assert.equal(code, 0, daemon.stderr());
    const last = await hangPid();
    await waitFor('no stand-in left running', async () => !(await running(last)));
  });
});

/**
 * A read that nothing can interrupt: config.ini a FIFO (without the safety of non-blocking
 * opens, a read of it blocks a thread of Node's pool in the kernel, and even `process.exit()`
 * waits for that thread). Whatever reads do with it, the process must end within its bound.
 */
describe('a pass stuck in the kernel (config.ini a FIFO)', () => {
  let host: EmulatedHost;
  let daemon: DaemonProcess | null = null;

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    await host.writeConfig({ timing: { ...FAST, passTimeout: '2s' } });
    await rm(host.configIniPath);
    await new Promise<void>((resolve, reject) => execFile('mkfifo', [host.configIniPath], (error) => (error ? reject(error) : resolve())));
  });
  after(async () => {
    if (daemon && daemon.process.exitCode === null && daemon.process.signalCode === null) await daemon.stop('SIGKILL');
    await host?.cleanup();
  });

  it('--once ends by itself, not converged', async () => {
    const run = await runCli(['--once', '--config', host.configPath], { timeoutMs: 60_000 });
    // It ended on its own: exit 1, or its own SIGTERM when the stuck read keeps process.exit()
    // waiting; runCli's SIGKILL would come only after a minute.
    assert.notEqual(run.signal, 'SIGKILL', 'ended by runCli after a minute');
    assert.notEqual(run.code, 0, run.stdout + run.stderr);
  });

  it('SIGTERM ends the daemon within its bound', async () => {
    daemon = startDaemon(['--config', host.configPath]);
    await waitFor('a pass to be abandoned or refused', async () => /pass abandoned|not a regular file|DesiredStateUnavailable/.test(daemon?.stderr() ?? ''));
    // Ends by itself (exit 0, or by its own shutdown bound's SIGTERM); a SIGKILL would be the driver's, after a minute.
    await daemon.stop('SIGTERM');
    assert.ok(daemon.process.exitCode === 0 || daemon.process.signalCode === 'SIGTERM', `exit ${daemon.process.exitCode} ${daemon.process.signalCode}`);
  });
});

describe('a resource another tool keeps changing is Flapping and backed off', () => {
  let host: EmulatedHost;
  let daemon: DaemonProcess | null = null;
  let fighter: ChildProcess | null = null;

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
    await host.writeConfig({ timing: FAST });
  });
  after(async () => {
    fighter?.kill('SIGKILL');
    if (daemon && daemon.process.exitCode === null) await daemon.stop();
    await host?.cleanup();
  });

  it('a fighter rewriting the drop-in every 100 ms does not get Cockpit restarted many times a second', async () => {
    daemon = startDaemon(['--config', host.configPath]);
    await waitFor('the first pass to converge', async () => (await readStatusJson(host.statusPath))?.resources.every((r) => r.inSync));
    await host.clearCommands();
    // Another tool that wants 9090 and writes it by rename, ten times a second.
    const tmp = `${host.dropInPath}.fighter`;
    fighter = spawn('sh', ['-c', `while :; do printf '[Socket]\\nListenStream=\\nListenStream=9090\\n' > '${tmp}' && mv '${tmp}' '${host.dropInPath}'; sleep 0.1; done`], { stdio: 'ignore' });
    await waitFor('Flapping', async () => readyOf(await readStatusJson(host.statusPath), 'cockpit-socket')?.reason === 'Flapping');
    const restartCount = async (): Promise<number> => (await host.commands()).filter((c) => c === 'systemctl restart cockpit.socket').length;
    const before = await restartCount();
    // Counted 6 s into the hold of at least 10 s (a fight would be ~30 restarts), whatever the
    // firewalld check below takes on a busy machine.
    const held = new Promise<number>((resolve) => setTimeout(() => void restartCount().then(resolve), 6000));
    // While it is held, the other resources are still reconciled.
    await writeFile(host.firewalldFiles[0] as string, firewalldCockpitXml(9090));
    await waitFor('firewalld corrected meanwhile', async () => (await readFile(host.firewalldFiles[0] as string, 'utf8')).includes('port="9000"'));
    const restarts = await held;
    // Ten corrections (the first pass's included) make it Flapping; then it waits at least 10 s.
    assert.ok(before >= 9 && before <= 10, `restarts before: ${before}`);
    assert.equal(restarts, before, 'no restart while held');
    const status = await readStatusJson(host.statusPath);
    const socket = status?.resources.find((r) => r.name === 'cockpit-socket');
    assert.match(readyOf(status, 'cockpit-socket')?.message ?? '', /corrected \d+ times within 60s/);
    // The fallback of controllers that cannot see each other's claims: the message says who may be fighting.
    assert.match(readyOf(status, 'cockpit-socket')?.message ?? '', /another controller or writer keeps undoing it/);
    assert.ok(socket?.nextRetryAt, 'a retry is scheduled');
    fighter.kill('SIGKILL');
    fighter = null;
    await stat(host.dropInPath);
  });
});
