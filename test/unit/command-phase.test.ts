import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mergeSteps } from '../../src/controller/command-phase';
import { PendingCommands } from '../../src/controller/pending-commands';
import { runPass } from '../../src/controller/run-pass';
import type { PassResult } from '../../src/controller/outcome';
import type { AfterChange } from '../../src/resources/after-change';
import { FileLine } from '../../src/resources/file-line/file-line';
import type { CommandStep } from '../../src/resources/plan';
import type { Resource } from '../../src/resources/resource';
import { SystemdSocketPort } from '../../src/resources/systemd-socket-port/systemd-socket-port';
import { Crash, MemoryHost } from '../support/memory-host';
import { passDeps } from '../support/pass-fakes';

const UNIT = '/lib/systemd/system/cockpit.socket';
const DROP_IN = '/etc/systemd/system/cockpit.socket.d/listen.conf';
const VAR = '/proxy/custom_var.conf';
const SSL = '/proxy/custom_ssl.conf';
const RECORD = '/status.json.pending.json';
const BAD = 'missing-cert';
const RELOAD = 'exec websoft9-proxy nginx -s reload';
const CHECK = 'exec websoft9-proxy nginx -t';
const NGINX: AfterChange = {
  exec: { container: 'websoft9-proxy', command: ['nginx', '-s', 'reload'] },
  check: { exec: { container: 'websoft9-proxy', command: ['nginx', '-t'] } },
};

/** The three originals: a vendor unit on 9090, the proxy's two files (one without a final newline, one with a non-UTF-8 byte). */
function seed(host: MemoryHost): Map<string, Buffer> {
  host.files.set(UNIT, Buffer.from('[Unit]\nDescription=Cockpit\n\n[Socket]\nListenStream=9090\n'));
  host.files.set(VAR, Buffer.from('# proxy variables\nset $cockpit_port 9090;\n'));
  host.files.set(SSL, Buffer.from('ssl_certificate /old.crt;\nssl_certificate_key /old.key;'));
  return new Map([...host.files].map(([p, b]) => [p, Buffer.from(b)]));
}

function websoft9(host: MemoryHost, afterChange: AfterChange = NGINX): Resource[] {
  return [
    new SystemdSocketPort({ name: 'cockpit-socket', kind: 'SystemdSocketPort', source: 'apphub', unit: 'cockpit.socket', unitPath: UNIT, dropInDir: '/etc/systemd/system/cockpit.socket.d', mode: 'dropin' }, host.fs),
    new FileLine({ name: 'proxy-port', kind: 'FileLine', source: 'apphub', path: VAR, match: '^\\s*set\\s+\\$cockpit_port\\s', template: 'set $cockpit_port {value};', afterChange }, host.fs, host.docker),
    new FileLine({ name: 'proxy-cert', kind: 'FileLine', source: 'apphub', path: SSL, match: '^\\s*ssl_certificate\\s', template: 'ssl_certificate /certs/{value}.crt;', afterChange }, host.fs, host.docker),
  ];
}

/** One pass as a fresh process would run it: its own record object, read from the files. */
function pass(host: MemoryHost, resources: Resource[]): Promise<PassResult> {
  return runPass(passDeps(host, resources), { dryRun: false, triggers: ['test'], pending: new PendingCommands(host.fs, RECORD) });
}

const reasons = (result: PassResult): Record<string, string> => Object.fromEntries(result.resources.map((r) => [r.name, r.reason]));
const failCheck = (host: MemoryHost): void => {
  host.answers.set(CHECK, { kind: 'exited', exitCode: 1, stdout: '', stderr: `nginx: [emerg] cannot load certificate "/certs/${BAD}.crt"\nnginx: configuration file test failed\n` });
};

describe('the command phase: files of every resource first, then checks, then deduplicated commands', () => {
  it('writes every file before any check or command; the shared check and reload run once, after all of them', async () => {
    const host = new MemoryHost();
    seed(host);
    const result = await pass(host, websoft9(host));
    assert.deepEqual(reasons(result), { 'cockpit-socket': 'Applied', 'proxy-port': 'Applied', 'proxy-cert': 'Applied' });
    const effects = host.log.filter((l) => !l.endsWith(RECORD));
    assert.deepEqual(effects, [
      `write ${DROP_IN}`,
      `write ${VAR}`,
      `write ${SSL}`,
      CHECK,
      'run nsenter -t 1 -- systemctl daemon-reload',
      'run nsenter -t 1 -- systemctl restart cockpit.socket',
      'run nsenter -t 1 -- systemctl try-restart cockpit.service',
      RELOAD,
    ]);
    assert.equal(host.files.has(RECORD), false, 'the record is gone once every command succeeded');
  });

  it('a failed check puts back the exact bytes of every file sharing it, reloads nothing, and says why (masked)', async () => {
    const host = new MemoryHost();
    const originals = seed(host);
    failCheck(host);
    const resources = websoft9(host);
    const result = await runPass(passDeps(host, resources, BAD), { dryRun: false, triggers: ['test'], pending: new PendingCommands(host.fs, RECORD) });
    assert.deepEqual(reasons(result), { 'cockpit-socket': 'CannotConverge', 'proxy-port': 'CheckFailed', 'proxy-cert': 'CheckFailed' });
    for (const path of [VAR, SSL]) assert.deepEqual(host.files.get(path), originals.get(path), path);
    assert.ok(!host.log.includes(RELOAD));
    const message = result.resources.find((r) => r.name === 'proxy-cert')?.message ?? '';
    assert.match(message, /nginx -t in websoft9-proxy.* exited with code 1: nginx: \[emerg\] cannot load certificate/);
    assert.doesNotMatch(message, /configuration file test failed/, 'only the first line');
    assert.equal(result.result, 'failed');
    assert.equal(result.resources.find((r) => r.name === 'proxy-port')?.changed, false, 'put back: nothing changed');
    assert.equal(host.files.has(RECORD), false, 'put back: nothing is owed');
  });

  it('a failed check removes the files this pass created, and only the resources sharing it are put back', async () => {
    const host = new MemoryHost();
    seed(host);
    host.files.delete(VAR);
    host.files.set('/other/app.conf', Buffer.from('set $cockpit_port 1;\n'));
    failCheck(host);
    const other: AfterChange = { systemctl: ['reload', 'app.service'] };
    const resources = [
      ...websoft9(host).slice(2),
      new FileLine({ name: 'other', kind: 'FileLine', source: 'apphub', path: '/other/app.conf', match: '^set ', template: 'set $cockpit_port {value};', afterChange: other }, host.fs, host.docker),
    ];
    const result = await pass(host, resources);
    assert.deepEqual(reasons(result), { 'proxy-cert': 'CheckFailed', other: 'Applied' });
    assert.equal(host.files.get('/other/app.conf')?.toString(), 'set $cockpit_port 9000;\n');
    assert.ok(host.log.includes('run nsenter -t 1 -- systemctl reload app.service'));
  });

  it('the message names the line that says what failed, not the first one (nginx: "syntax is ok" before an [emerg])', async () => {
    const host = new MemoryHost();
    seed(host);
    const check: AfterChange = { systemctl: ['reload', 'nginx.service'], check: { command: ['nginx', '-t'] } };
    const stderr = 'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: [emerg] open() "/run/nginx.pid" failed (30: Read-only file system)\nnginx: configuration file /etc/nginx/nginx.conf test failed\n';
    host.answers.set('run nsenter -t 1 -- nginx -t', { kind: 'exited', exitCode: 1, stdout: '', stderr });
    const result = await pass(host, websoft9(host, check).slice(1, 2));
    assert.match(result.resources[0]?.message ?? '', /exited with code 1: nginx: \[emerg\] open\(\) "\/run\/nginx\.pid" failed/);
  });

  it('a host check runs through commands.prefix', async () => {
    const host = new MemoryHost();
    seed(host);
    const check: AfterChange = { systemctl: ['reload', 'nginx.service'], check: { command: ['nginx', '-t'] } };
    host.answers.set('run nsenter -t 1 -- nginx -t', { kind: 'exited', exitCode: 1, stdout: 'bad\n', stderr: '' });
    const result = await pass(host, websoft9(host, check).slice(1, 2));
    assert.equal(result.resources[0]?.reason, 'CheckFailed');
    assert.match(result.resources[0]?.message ?? '', /`nsenter -t 1 -- nginx -t` exited with code 1: bad/);
    assert.ok(!host.log.some((l) => l.includes('reload nginx.service')));
  });

  it('a damaged record counts every resource as owing its commands', async () => {
    const host = new MemoryHost();
    seed(host);
    await pass(host, websoft9(host));
    host.files.set(RECORD, Buffer.from('{"version": 1, "resour'));
    host.log.length = 0;
    const result = await pass(host, websoft9(host));
    assert.ok(host.log.includes('run nsenter -t 1 -- systemctl restart cockpit.socket'), host.log.join('\n'));
    assert.ok(host.log.includes(RELOAD), host.log.join('\n') + JSON.stringify(result.resources.map((r) => [r.name, r.reason, r.message])));
    assert.equal(result.result, 'converged');
    assert.equal(host.files.has(RECORD), false);
  });
});

describe('the record after a pass', () => {
  it('a resource in sync with nothing to run again leaves the record; an unconfigured one too', async () => {
    const host = new MemoryHost();
    host.files.set(RECORD, Buffer.from(JSON.stringify({ version: 1, resources: { quiet: { since: '', commands: [], undo: [] }, gone: { since: '', commands: [], undo: [] } } })));
    const quiet: Resource = {
      name: 'quiet', kind: 'Fake', source: null, containers: () => [],
      observe: async () => ({ state: null, watch: [], value: null, summary: 'ok' }),
      plan: () => ({ changes: [], commands: [] }),
    };
    const result = await pass(host, [quiet]);
    assert.equal(result.resources[0]?.reason, 'InSync');
    assert.equal(host.files.has(RECORD), false);
  });
});

describe('mergeSteps', () => {
  const tool = (...args: string[]): CommandStep => ({ tool: 'systemctl', args });
  it("keeps each resource's order and runs identical steps once", () => {
    const merged = mergeSteps([[tool('try-restart', 'cockpit.service')], [tool('daemon-reload'), tool('restart', 'cockpit.socket'), tool('try-restart', 'cockpit.service')]]);
    assert.deepEqual(merged.map((m) => (m.step as { args: string[] }).args.join(' ')), ['daemon-reload', 'restart cockpit.socket', 'try-restart cockpit.service']);
    assert.deepEqual(merged[2]?.owners, [0, 1]);
  });
  it('a cycle still gives every step once', () => {
    const merged = mergeSteps([[tool('a'), tool('b')], [tool('b'), tool('a')]]);
    assert.equal(merged.length, 2);
  });
});

/**
 * The phase crashes after any number of side effects (record writes included); a new process
 * then runs a pass (and one more). Whatever the crash point:
 * - with a passing check: every file ends as desired, and after the last change of its files each
 *   resource's commands ran in order (daemon-reload → restart; nginx -t → reload);
 * - with a failing check: the proxy's files end byte-identical to the originals and nginx is never reloaded;
 * - the record is gone at the end, and a further pass runs nothing.
 */
describe('crash at every step of the command phase (property)', () => {
  const fcSeed = Number(process.env.FC_SEED ?? 42);
  const runs = async (crashAt: number, checkFails: boolean): Promise<void> => {
    const host = new MemoryHost();
    const originals = seed(host);
    if (checkFails) failCheck(host);
    host.budget = crashAt;
    await pass(host, websoft9(host)).catch((error: unknown) => {
      if (!(error instanceof Crash)) throw error;
    });
    host.budget = Infinity;
    const crashedAt = host.log.length;
    const recovery = await pass(host, websoft9(host));
    const expectReasons = checkFails ? { 'cockpit-socket': 'Applied|InSync', 'proxy-port': 'CheckFailed', 'proxy-cert': 'CheckFailed' } : null;
    if (expectReasons) for (const [name, reason] of Object.entries(expectReasons)) assert.match(reasons(recovery)[name] ?? '', new RegExp(`^(${reason})$`), name);
    else assert.ok(recovery.resources.every((r) => r.inSync), JSON.stringify(reasons(recovery)));

    assert.equal(host.files.get(DROP_IN)?.toString(), '[Socket]\nListenStream=\nListenStream=9000\n');
    const order = (...lines: string[]): void => {
      let at = host.lastChange(DROP_IN);
      for (const line of lines) {
        const next = host.log.indexOf(line, at + 1);
        assert.ok(next > at, `${line} after the last change (crash at ${crashAt}):\n${host.log.join('\n')}`);
        at = next;
      }
    };
    order('run nsenter -t 1 -- systemctl daemon-reload', 'run nsenter -t 1 -- systemctl restart cockpit.socket', 'run nsenter -t 1 -- systemctl try-restart cockpit.service');
    if (checkFails) {
      for (const path of [VAR, SSL]) assert.deepEqual(host.files.get(path), originals.get(path), `${path} (crash at ${crashAt})`);
      assert.ok(!host.log.includes(RELOAD), `never reloaded (crash at ${crashAt})`);
    } else {
      assert.equal(host.files.get(VAR)?.toString(), '# proxy variables\nset $cockpit_port 9000;\n');
      const lastProxyChange = Math.max(host.lastChange(VAR), host.lastChange(SSL));
      const check = host.log.indexOf(CHECK, lastProxyChange + 1);
      assert.ok(check > lastProxyChange && host.log.indexOf(RELOAD, check + 1) > check, `nginx -t then reload after the last change (crash at ${crashAt}):\n${host.log.join('\n')}`);
      assert.ok(host.log.slice(crashedAt).filter((l) => l === RELOAD).length <= 1, 'one reload per pass');
    }
    assert.equal(host.files.has(RECORD), false, `record left behind (crash at ${crashAt})`);
    if (!checkFails) {
      const before = host.log.length;
      await pass(host, websoft9(host));
      assert.deepEqual(host.log.slice(before), [], 'a further pass runs nothing');
    }
  };
  it('passing check', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 16 }), (k) => runs(k, false)), { seed: fcSeed, numRuns: 40, verbose: true });
  });
  it('failing check', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 16 }), (k) => runs(k, true)), { seed: fcSeed, numRuns: 40, verbose: true });
  });
  it('every crash point, exhaustively', async () => {
    for (let k = 0; k <= 16; k++) {
      await runs(k, false);
      await runs(k, true);
    }
  });
});
