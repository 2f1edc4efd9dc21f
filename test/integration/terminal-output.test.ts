import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertDocker } from '../support/docker-required';
import { apphubConfigIni, createEmulatedHost, type EmulatedHost } from '../../harness/websoft9-host';
import { CLI, runCli } from '../../harness/run-cli';
import { readStatusJson, waitFor } from '../../harness/status';

/**
 * The real CLI on a pseudo-terminal (`script` from util-linux), as an operator at a shell sees it:
 * one line per log event, colours unless NO_COLOR, the summary line of `--once`; and the same
 * program on pipes still writes JSON log lines.
 */

const ESC = String.fromCharCode(27);
/** Our own colour codes: the only escape sequences the output may hold. */
const SGR = new RegExp(`${ESC}\\[\\d+m`, 'g');
/** A log line on a terminal starts with the local time (maybe dimmed), then the level. */
const LOG_LINE = /^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) /;
/** Control characters besides the line ends: nothing a hostile value put there may reach the terminal. */
const CONTROL = new RegExp(`[${String.fromCharCode(0)}-${String.fromCharCode(8)}${String.fromCharCode(11)}-${String.fromCharCode(31)}${String.fromCharCode(127)}-${String.fromCharCode(159)}]`);

const quote = (argv: readonly string[]): string => argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
/** What the terminal received, line by line (the pty writes CRLF). */
const linesOf = (text: string): string[] => text.split(/\r?\n/).filter((l) => l !== '');
const plain = (text: string): string => text.replace(SGR, '');

/** `node dist/cli.js …args` on a pseudo-terminal (stdout and stderr both), to completion. */
function onTerminal(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('script', ['-qfec', `exec ${quote([process.execPath, CLI, ...args])}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env }, timeout: 120_000 }, (error, stdout) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve(stdout);
    });
  });
}

/** The controller on a pseudo-terminal until the status file says every resource is in sync, then SIGTERM. */
async function daemonOnTerminal(host: EmulatedHost, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn('script', ['-qfec', `exec ${quote([process.execPath, CLI, '--config', host.configPath])}`, '/dev/null'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env },
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const startedAt = Date.now();
  try {
    const pid = await waitFor('the controller in sync', async () => {
      const s = await readStatusJson(host.statusPath);
      const applied = linesOf(plain(out)).filter((l) => / applied /.test(l)).length;
      const fresh = s?.lastPass !== null && s?.lastPass !== undefined && Date.parse(s.lastPass.finishedAt) >= startedAt;
      return s !== null && fresh && s.controller.mode === 'daemon' && s.resources.every((r) => r.inSync) && applied >= 2 ? s.controller.pid : 0;
    }, 60_000);
    process.kill(pid, 'SIGTERM');
    await waitFor('the controller to stop', () => /controller stopped/.test(plain(out)), 60_000);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return out;
}

describe('terminal output of the real CLI (pseudo-terminal)', () => {
  let host: EmulatedHost;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
    await host.writeConfig({ timing: { resyncInterval: '10m', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '1s' } });
  });
  after(async () => host?.cleanup());

  it('a dry run: the plan once, a summary line with counts by outcome, colour unless NO_COLOR', async () => {
    const coloured = await onTerminal(['--once', '--dry-run', '--config', host.configPath]);
    assert.ok(coloured.includes(`${ESC}[`), `colour on a terminal:\n${coloured}`);
    const text = plain(coloured);
    assert.equal(text.split('systemctl daemon-reload').length - 1, 1, `each command once:\n${text}`);
    assert.equal(text.split('firewall-cmd --reload').length - 1, 1, text);
    assert.match(text, /^cockpit-socket +9000 +9090 +DriftDetected +would change 1 file, run 3 commands\r?$/m);
    assert.match(text, /^dry run drift: 2 to change \(\d+ms\)\r?$/m);
    const uncoloured = await onTerminal(['--once', '--dry-run', '--config', host.configPath], { NO_COLOR: '1' });
    assert.ok(!uncoloured.includes(ESC), `no escape sequence at all with NO_COLOR:\n${uncoloured}`);
    assert.match(uncoloured, /^dry run drift: 2 to change \(\d+ms\)\r?$/m);
  });

  it('the controller: one line per event (time, level, resource, what happened), coloured; NO_COLOR plain', async () => {
    const coloured = await daemonOnTerminal(host);
    assert.ok(coloured.includes(`${ESC}[`), coloured);
    const lines = linesOf(plain(coloured));
    for (const line of lines) assert.match(line, LOG_LINE, `every line is one event:\n${lines.join('\n')}`);
    const applied = lines.filter((l) => / applied /.test(l));
    assert.deepEqual(applied.map((l) => /(cockpit-\w+): applied/.exec(l)?.[1]), ['cockpit-socket', 'cockpit-firewalld'], lines.join('\n'));
    // pino-pretty wrote an applied event on 10 lines, its actions one per line: here they are fields of the one line.
    assert.match(applied[0] ?? '', /desired=9000 observed=9000 reason=Applied triggers=\S+ actions=.*systemctl daemon-reload.*try-restart cockpit\.service/);
    for (const msg of ['controller started', 'shutting down', 'controller stopped']) assert.equal(lines.filter((l) => l.includes(msg)).length, 1, msg);

    await host.setPort(9001);
    const uncoloured = await daemonOnTerminal(host, { NO_COLOR: '1' });
    assert.ok(!uncoloured.includes(ESC), uncoloured);
    for (const line of linesOf(uncoloured)) assert.match(line, LOG_LINE);
    assert.equal(linesOf(uncoloured).filter((l) => / applied /.test(l)).length, 2, uncoloured);
  });

  it('--once: the summary line; a hostile value from config.ini reaches the terminal escaped', async () => {
    await host.setPort(9002);
    const applied = plain(await onTerminal(['--once', '--config', host.configPath]));
    assert.match(applied, /^pass converged: 2 changed \(\d+ms\)\r?$/m);
    await host.setIni(apphubConfigIni(`9003${ESC}]0;owned\u0007${ESC}[2J`));
    const hostile = await onTerminal(['--once', '--config', host.configPath]);
    for (const line of linesOf(plain(hostile))) assert.doesNotMatch(line, CONTROL, JSON.stringify(line));
    assert.match(plain(hostile), /^pass unavailable: 2 invalid \(\d+ms\)\r?$/m);
    await host.setPort(9000);
  });

  it('on pipes (not a terminal) the logs stay JSON, one object a line', async () => {
    const dir = join(host.root, 'a-directory');
    await mkdir(dir, { recursive: true });
    const run = await runCli(['--once', '--config', host.configPath, '--status-file', dir]);
    const entries = run.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { level: number; msg: string; pid: number });
    assert.ok(entries.some((e) => e.level === 50 && e.msg === 'cannot write the status file' && typeof e.pid === 'number'), run.stderr);
    assert.ok(!run.stdout.includes(ESC) && !run.stderr.includes(ESC), 'no colour on pipes');
    assert.match(run.stdout, /^pass \w+: .*\(\d+ms\)$/m);
  });
});
