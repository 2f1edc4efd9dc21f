import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon } from '../../harness/daemon-process';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, INI_SECRET, type EmulatedHost } from '../../harness/websoft9-host';
import { freePort } from '../support/free-port';
import { startNotifyListener, type NotifyListener } from '../support/notify-listener';
import { CLI, runCli } from '../../harness/run-cli';
import { readStatusJson, waitFor } from '../../harness/status';

interface Entry {
  time: string;
  resource: string;
  result: string;
  reason: string;
  triggers: string[];
  desired: number;
  observedBefore: unknown;
  files: { path: string; action: string; added?: number; removed?: number; lines?: string[] }[];
  commands: { command: string; result: string; exitCode?: number }[];
}

const journalOf = (host: EmulatedHost) => join(dirname(host.statusPath), 'journal.jsonl');

async function journalLines(host: EmulatedHost): Promise<Entry[]> {
  const text = await readFile(journalOf(host), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Entry);
}

/** Run the CLI on a pseudo-terminal (`script`), as an operator at a shell would. */
function onTerminal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    execFile('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve(stdout);
    });
  });
}

describe('operator features on an emulated host: --detailed-exitcodes, the journal and `history`', () => {
  let host: EmulatedHost;
  const once = (...extra: string[]) => runCli(['--once', '--config', host.configPath, ...extra]);
  const history = (...extra: string[]) => runCli(['history', '--config', host.configPath, ...extra]);
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
  });
  after(async () => host?.cleanup());

  it('2: changes applied and in sync; each change is journaled with its diff and the commands\' exit codes', async () => {
    const run = await once('--detailed-exitcodes');
    assert.equal(run.code, 2, run.stdout + run.stderr);
    const entries = await journalLines(host);
    assert.deepEqual(entries.map((e) => [e.resource, e.result, e.reason]), [
      ['cockpit-socket', 'applied', 'Applied'],
      ['cockpit-firewalld', 'applied', 'Applied'],
    ]);
    const socket = entries[0] as Entry;
    assert.equal(socket.desired, 9000);
    assert.equal(socket.observedBefore, 9090);
    assert.deepEqual(socket.triggers, ['once']);
    assert.deepEqual(socket.files, [{ path: host.dropInPath, action: 'create', result: 'updated', added: 3, removed: 0, lines: ['+[Socket]', '+ListenStream=', '+ListenStream=9000'] }]);
    assert.deepEqual(socket.commands.map((c) => [c.result, c.exitCode]), [['updated', 0], ['updated', 0], ['updated', 0]]);
    assert.match(socket.commands[0]?.command ?? '', /systemctl daemon-reload$/);
  });

  it('0: in sync and nothing changed; nothing journaled', async () => {
    const run = await once('--detailed-exitcodes');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal((await journalLines(host)).length, 2);
  });

  it('6: changed but not converged; the failed apply is journaled with the exit code', async () => {
    await host.setPort(9001);
    await host.failCommand('systemctl');
    try {
      const run = await once('--detailed-exitcodes');
      assert.equal(run.code, 6, run.stdout + run.stderr);
    } finally {
      await host.clearFailure('systemctl');
    }
    const last = (await journalLines(host)).slice(-2);
    assert.deepEqual(last.map((e) => [e.resource, e.result, e.reason]), [
      ['cockpit-socket', 'failed', 'ApplyFailed'],
      ['cockpit-firewalld', 'applied', 'Applied'],
    ]);
    assert.deepEqual(last[0]?.commands.map((c) => [c.result, c.exitCode]), [['failed', 1]]);
    assert.deepEqual(last[0]?.files.map((f) => [f.action, f.lines]), [['change', ['-ListenStream=9000', '+ListenStream=9001']]]);
  });

  it('4: not converged, nothing changed (apphub down); the default code stays 1; a dry run says "unavailable" in text and JSON', async () => {
    await host.stopApphub();
    try {
      assert.equal((await once('--detailed-exitcodes')).code, 4);
      assert.equal((await once()).code, 1);
      const json = await once('--dry-run', '--json');
      assert.equal(json.code, 1);
      assert.equal((JSON.parse(json.stdout) as { result: string }).result, 'unavailable');
      assert.match((await once('--dry-run')).stdout, /^dry run unavailable: 2 unavailable \(\d+ms\)$/m);
    } finally {
      await host.startApphub();
    }
    assert.equal((await journalLines(host)).length, 4, 'an unavailable source is not an apply: nothing journaled');
  });

  it('history: newest first as a table, --resource, --since and --json; no secret anywhere', async () => {
    const table = await history();
    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout.split('\n');
    assert.match(rows[0] ?? '', /^TIME\s+RESOURCE\s+RESULT\s+REASON\s+DESIRED\s+BEFORE\s+AFTER\s+CHANGED$/);
    assert.match(rows[1] ?? '', /^\S+ \S+Z\s+cockpit-firewalld\s+applied\s+Applied\s+9001\s+9000\s+9001\s+change \S+cockpit\.xml \(\+1 -1\)/);
    assert.match(rows[2] ?? '', /cockpit-socket\s+failed\s+ApplyFailed\s+9001\s+9000\s+9000\s+change \S+listen\.conf \(\+1 -1\); .*systemctl daemon-reload \(exit 1\)$/);
    assert.match(rows[4] ?? '', /cockpit-socket\s+applied\s+Applied\s+9000\s+9090\s+9000/);
    const onlySocket = await history('--resource', 'cockpit-socket', '--json');
    const parsed = JSON.parse(onlySocket.stdout) as { entries: Entry[] };
    assert.deepEqual(parsed.entries.map((e) => e.result), ['failed', 'applied']);
    assert.equal(JSON.parse((await history('--since', '1h', '--json')).stdout).entries.length, 4);
    assert.equal((await history('--since', new Date(Date.now() + 60_000).toISOString())).stdout, 'no journal entries\n');
    assert.equal((await history('--since', 'yesterday')).code, 64);
    assert.ok(!(await readFile(journalOf(host), 'utf8')).includes(INI_SECRET));
    // A journal path that is not a file is a one-line error, exit 1, not a stack trace.
    const odd = join(host.root, 'odd');
    await mkdir(join(odd, 'journal.jsonl'), { recursive: true });
    const broken = await runCli(['history', '--status-file', join(odd, 'status.json')]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^reconcile: cannot read \S+journal\.jsonl: EINVAL\n$/);
  });

  it('on a terminal each reason is printed once, and NO_COLOR turns colours off', async () => {
    await host.stopApphub();
    try {
      const text = await onTerminal(['--once', '--config', host.configPath]);
      assert.equal(text.split('DesiredStateUnavailable').length - 1, 2, text); // one row per resource
      assert.equal(text.split('is not running').length - 1, 2, text); // one message per resource
      // A status file that cannot be written is logged: coloured on a terminal, unless NO_COLOR.
      const dir = join(host.root, 'a-directory');
      await mkdir(dir, { recursive: true });
      const coloured = await onTerminal(['--once', '--config', host.configPath, '--status-file', dir]);
      assert.match(coloured, /cannot write the status file/);
      assert.ok(coloured.includes('\u001b['), 'ANSI colour codes on a terminal');
      const plain = await onTerminal(['--once', '--config', host.configPath, '--status-file', dir], { NO_COLOR: '1' });
      assert.match(plain, /cannot write the status file/);
      assert.ok(!plain.includes('\u001b['), 'no ANSI colour codes with NO_COLOR');
    } finally {
      await host.startApphub();
    }
  });
});

describe('Type=notify: READY, STATUS, WATCHDOG and STOPPING on a real notify socket', () => {
  let host: EmulatedHost;
  let listener: NotifyListener;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
    await host.writeConfig({ timing: { resyncInterval: '10m', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '1s' } });
    listener = await startNotifyListener(host.root);
  });
  after(async () => {
    await listener?.stop();
    await host?.cleanup();
  });

  it('deploy/reconciler.service asks for it: Type=notify, NotifyAccess=all (the sender is systemd-notify), a WatchdogSec', async () => {
    const unit = await readFile(join(__dirname, '..', '..', 'deploy', 'reconciler.service'), 'utf8');
    const value = (key: string) => unit.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
    assert.deepEqual(value('Type'), ['notify']);
    assert.deepEqual(value('NotifyAccess'), ['all']);
    assert.match(value('WatchdogSec')[0] ?? '', /^\d+(min|s)$/);
  });

  it('READY=1 after the first pass, pings every half WatchdogSec, none while a pass hangs, STOPPING=1 at the end (and the metrics of a live controller)', async () => {
    // The first systemctl call of the second pass hangs for 5 s (WatchdogSec is 1 s here).
    const marker = join(host.root, 'hung');
    const port = await freePort();
    const daemon = startDaemon(['--config', host.configPath, '--metrics-addr', `127.0.0.1:${port}`], { NOTIFY_SOCKET: listener.socketPath, WATCHDOG_USEC: '1000000' });
    try {
      const ready = await listener.waitFor('READY', '1');
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /^reconciler_build_info\{version="[^"]+"\} 1$/m);
      assert.match(metrics, /^reconciler_process_resident_memory_bytes \d+/m);
      assert.match(metrics, /^reconciler_journal_webhook_failures_total 0$/m);
      const status = await readStatusJson(host.statusPath);
      assert.ok(status?.lastPass, 'READY=1 comes after the first pass wrote the status');
      assert.equal(ready.fields.STATUS, 'in sync (2/2)');
      await waitFor('three watchdog pings', () => listener.messages().filter((m) => m.fields.WATCHDOG === '1').length >= 3);

      await host.setCommandHook('systemctl', `if [ ! -e '${marker}' ]; then touch '${marker}'; sleep 5; fi`);
      await host.setPort(9001);
      await waitFor('the pass to hang', () => existsSync(marker));
      const hungAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 4500));
      const during = listener.messages().filter((m) => m.fields.WATCHDOG === '1' && m.at > hungAt + 2500 && m.at < hungAt + 4500);
      assert.deepEqual(during, [], 'no ping while the pass hangs');
      assert.match(daemon.stderr(), /pass hung; watchdog pings stopped/);
      await listener.waitFor('WATCHDOG', '1', { from: listener.messages().length });
      const after = listener.messages().filter((m) => m.fields.WATCHDOG === '1' && m.at > hungAt + 5000);
      assert.ok(after.length >= 1, 'pings resume once the pass is over');

      // The daemon journals what it corrects, with the trigger that caused it.
      const entries = (await readFile(join(dirname(host.statusPath), 'journal.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Entry);
      assert.ok(entries.some((e) => e.resource === 'cockpit-socket' && e.desired === 9001 && e.triggers.includes('file')), JSON.stringify(entries));

      const count = listener.messages().length;
      assert.equal(await daemon.stop(), 0, daemon.stderr());
      const stopping = await listener.waitFor('STOPPING', '1', { from: count });
      assert.ok(stopping);
    } finally {
      if (daemon.process.exitCode === null) await daemon.stop();
    }
  });
});
