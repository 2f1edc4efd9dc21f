import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCli } from '../../harness/run-cli';
import { configFiles } from '../support/config-files';
import { SEVEN_KEYS, SEVEN_MISTAKES } from '../support/seven-mistakes';

const { dir, file } = configFiles('config-command-');
/** The default profile's resources, in order, as config/default.yaml lists them. */
const NAMES = (parse(readFileSync(join(__dirname, '..', '..', 'config', 'default.yaml'), 'utf8')) as { resources: { name: string }[] }).resources.map((r) => r.name);
/** Every default resource switched off: a pass touches nothing on this machine. */
const ALL_OFF = `resources: { ${NAMES.map((name) => `${name}: { enabled: false }`).join(', ')} }\n`;
const noStack = (stderr: string): void => assert.ok(!/\n\s+at /.test(stderr), `stack trace in:\n${stderr}`);

describe('reconcile config check|print|schema', () => {
  it('check: a good file exits 0 and says what runs', async () => {
    const run = await runCli(['config', 'check', '--config', file('resources: { cockpit-firewalld: { enabled: false } }\n')]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(NAMES.length >= 7 && NAMES.includes('cockpit-firewalld'), 'the profile has its resources');
    assert.match(run.stdout, new RegExp(`^configuration valid: .*\\(${NAMES.length - 1} resource\\(s\\) enabled, switched off: cockpit-firewalld\\)\n$`));
  });

  it('check: a bad file exits 64 with every problem on a line of its own', async () => {
    const path = file('timing: { resyncInterval: 2d, debounce: 30d }\ndocker: { socket: /x }\nresources: { cockpit-socket: { mode: sideways } }\n');
    const run = await runCli(['config', 'check', '--config', path]);
    assert.equal(run.code, 64, run.stderr);
    noStack(run.stderr);
    const lines = run.stderr.trimEnd().split('\n');
    assert.match(lines[0] ?? '', new RegExp(`^reconcile: invalid configuration \\(${path}\\), \\d+ problem\\(s\\):$`));
    for (const key of ['timing.resyncInterval', 'timing.debounce', 'docker.socket', 'resources.cockpit-socket.mode']) {
      assert.ok(lines.some((line) => line.startsWith(`  ${key}: `)), `${key} in:\n${run.stderr}`);
    }
  });

  it('check: seven mistakes are listed in one run, in the words of the file, with hints', async () => {
    const run = await runCli(['config', 'check', '--config', file(SEVEN_MISTAKES)]);
    assert.equal(run.code, 64, run.stderr);
    noStack(run.stderr);
    const problems = run.stderr.trimEnd().split('\n').slice(1);
    assert.match(run.stderr, /^reconcile: invalid configuration \(.*\), 7 problem\(s\):\n/);
    assert.equal(problems.length, 7, run.stderr);
    for (const key of SEVEN_KEYS) assert.ok(problems.some((p) => p.startsWith(`  ${key}: `)), `${key} in:\n${run.stderr}`);
  });

  it('check: an unknown resource name in an override exits 64 naming it', async () => {
    const run = await runCli(['config', 'check', '--config', file('resources: { cockpit-sockt: { mode: inplace } }\n')]);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /resources\.cockpit-sockt: no resource "cockpit-sockt" in the defaults/);
  });

  it('print: the merged configuration as YAML, which reads back as itself', async () => {
    const run = await runCli(['config', 'print', '--config', file('timing: { resyncInterval: 90s }\nresources: { cockpit-socket: { mode: inplace } }\n')]);
    assert.equal(run.code, 0, run.stderr);
    const printed = parse(run.stdout) as { timing: { resyncInterval: string }; resources: { name: string; mode?: string; enabled: boolean }[] };
    assert.equal(printed.timing.resyncInterval, '90s');
    assert.deepEqual(printed.resources.map((r) => r.name), NAMES);
    assert.equal(printed.resources[0]?.mode, 'inplace');
    assert.ok(printed.resources.every((r) => r.enabled));
    const again = await runCli(['config', 'print', '--config', file(run.stdout)]);
    assert.equal(again.stdout.split('\n').slice(1).join('\n'), run.stdout.split('\n').slice(1).join('\n'));
  });

  it('schema: the committed config/schema.json', async () => {
    const run = await runCli(['config', 'schema']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, readFileSync(join(__dirname, '..', '..', 'config', 'schema.json'), 'utf8'), 'run `npm run schema`');
  });

  it('usage: an unknown action, or an option that does not go with config, is 64', async () => {
    assert.equal((await runCli(['config', 'lint'])).code, 64);
    assert.equal((await runCli(['config'])).code, 64);
    assert.equal((await runCli(['config', 'check', '--once'])).code, 64);
  });
});

describe('bad input never prints a stack trace', () => {
  it('--once with a YAML alias bomb: 64, one line', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) lines.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);
    const run = await runCli(['--once', '--config', file(`${lines.join('\n')}\n`), '--status-file', join(dir, 'status.json')]);
    assert.equal(run.code, 64);
    noStack(run.stderr);
    assert.match(run.stderr, /YAML aliases expand to too much/);
  });

  it('--once skips resources switched off', async () => {
    const run = await runCli(['--once', '--dry-run', '--json', '--config', file(ALL_OFF), '--status-file', join(dir, 'status.json'), '--log-level', 'silent']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as { resources: unknown[] }).resources, []);
  });

  describe('a metrics address already in use', () => {
    let server: Server;
    let port = 0;
    before(async () => {
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('is one line naming the address, exit 1, and the lock is released', async () => {
      const status = join(dir, 'metrics-status.json');
      const args = ['--metrics-addr', `127.0.0.1:${port}`, '--config', file(ALL_OFF), '--status-file', status, '--log-level', 'silent'];
      const run = await runCli(args);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stderr, `reconcile: cannot serve --metrics-addr 127.0.0.1:${port}: the address is already in use (another program, or another reconciler, listens there)\n`);
      // The same again: not "another controller holds the lock".
      assert.equal((await runCli(args)).stderr, run.stderr);
    });
  });
});
