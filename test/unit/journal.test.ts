import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { NodeAppendLog } from '../../src/adapters/node-append-log';
import { historyReport } from '../../src/cli/history-command';
import type { PassResult, ResourceOutcome } from '../../src/controller/outcome';
import type { CommandResult } from '../../src/host/command-runner';
import type { DockerHost } from '../../src/host/docker-host';
import type { FileSystem } from '../../src/host/file-system';
import { journalEntries, type JournalEntry } from '../../src/status/journal/journal-entry';
import { Journal } from '../../src/status/journal/journal';
import { filterJournal, parseJournal, readJournal } from '../../src/status/journal/read-journal';
import { applyPlan, type CommandSettings } from '../../src/resources/apply-plan';
import { ConfinedPath, hostPath } from '../../src/host/file-system';
import type { Plan } from '../../src/resources/plan';

const SECRET = 'hunter2-PASSWORD-never-shown';
const COMMANDS: CommandSettings = { prefix: [], systemctl: ['systemctl'], firewallCmd: ['firewall-cmd'], timeoutMs: 5000 };
const silent = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);

function outcome(over: Partial<ResourceOutcome>): ResourceOutcome {
  return { name: 'r', kind: 'SystemdSocketPort', desired: 9000, observed: 9000, inSync: true, ready: 'True', reason: 'Applied', message: 'ok', changed: true, failed: false, plan: null, actions: [], ...over };
}

function pass(resources: ResourceOutcome[], over: Partial<PassResult> = {}): PassResult {
  return { startedAt: T0, finishedAt: T0 + 5, triggers: ['file'], dryRun: false, result: 'converged', resources, ...over };
}

const socketPlan: Plan = {
  changes: [{ path: hostPath('/etc/systemd/system/cockpit.socket.d/listen.conf'), before: '[Socket]\nListenStream=\nListenStream=9090\n', after: '[Socket]\nListenStream=\nListenStream=9000\n' }],
  commands: [{ tool: 'systemctl', args: ['daemon-reload'] }],
};

describe('journal entries', () => {
  it('an applied change: desired, observed before and after, the diff summary, commands with exit codes', () => {
    const o = outcome({
      observedBefore: 9090,
      plan: socketPlan,
      actions: [
        { action: 'write /etc/systemd/system/cockpit.socket.d/listen.conf', result: 'updated' },
        { action: 'systemctl daemon-reload', result: 'updated', exitCode: 0 },
      ],
    });
    const [entry, ...rest] = journalEntries(pass([o, outcome({ name: 'quiet', changed: false, reason: 'InSync' })]));
    assert.equal(rest.length, 0, 'an unchanged resource has no entry');
    assert.deepEqual(entry, {
      time: new Date(T0 + 5).toISOString(),
      resource: 'r',
      kind: 'SystemdSocketPort',
      triggers: ['file'],
      desired: 9000,
      observedBefore: 9090,
      observedAfter: 9000,
      result: 'applied',
      reason: 'Applied',
      message: 'ok',
      files: [{ path: '/etc/systemd/system/cockpit.socket.d/listen.conf', action: 'change', result: 'updated', added: 1, removed: 1, lines: ['-ListenStream=9090', '+ListenStream=9000'] }],
      commands: [{ command: 'systemctl daemon-reload', result: 'updated', exitCode: 0 }],
    });
  });

  it('a failed apply is recorded with the exit code; dry runs record nothing', () => {
    const o = outcome({
      inSync: false,
      ready: 'False',
      reason: 'ApplyFailed',
      failed: true,
      changed: false,
      message: '`systemctl daemon-reload` exited with code 1: boom',
      plan: { changes: [], commands: socketPlan.commands },
      actions: [{ action: 'systemctl daemon-reload', result: 'failed', exitCode: 1, message: '`systemctl daemon-reload` exited with code 1: boom' }],
    });
    const [entry] = journalEntries(pass([o]));
    assert.equal(entry?.result, 'failed');
    assert.deepEqual(entry?.commands, [{ command: 'systemctl daemon-reload', result: 'failed', exitCode: 1, message: o.message }]);
    assert.deepEqual(journalEntries(pass([o], { dryRun: true })), []);
  });

  it('masks secrets: a sensitive file is hidden, an exec secret and its echo in stderr are ***', async () => {
    const plan: Plan = {
      changes: [{ path: ConfinedPath.inside('/v', '/v/config.ini'), before: `[gitea]\nuser_pwd = old\n`, after: `[gitea]\nuser_pwd = ${SECRET}\n`, sensitive: true }],
      commands: [{ exec: { container: 'apphub', argv: ['apphub', 'setconfig', '--value', SECRET] }, secrets: [SECRET] }],
    };
    const files = { writeFileAtomic: async () => undefined } as unknown as FileSystem;
    const failing: CommandResult = { kind: 'exited', exitCode: 3, stdout: SECRET, stderr: `bad value ${SECRET}` };
    const docker = { exec: async () => failing } as unknown as DockerHost;
    const report = await applyPlan(plan, { files, docker, runner: { run: async () => failing }, commands: COMMANDS });
    const o = outcome({ kind: 'ContainerCredentials', desired: 'sha256:0123456789ab', plan, actions: report.actions, reason: 'ApplyFailed', failed: true, message: report.failure ?? '' });
    const dir = await mkdtemp(join(tmpdir(), 'journal-mask-'));
    try {
      const journal = new Journal({ log: new NodeAppendLog(), file: join(dir, 'journal.jsonl'), maxBytes: 1 << 20, logger: silent });
      assert.equal(await journal.record(pass([o])), 1);
      const text = await readFile(join(dir, 'journal.jsonl'), 'utf8');
      assert.ok(!text.includes(SECRET), text);
      const entry = JSON.parse(text) as JournalEntry;
      assert.deepEqual(entry.files[0], { path: '/v/config.ini', action: 'change', result: 'updated', hidden: true });
      assert.equal(entry.commands[0]?.exitCode, 3);
      assert.match(entry.commands[0]?.command ?? '', /--value \*\*\*$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('journal file (NodeAppendLog)', () => {
  let dir: string;
  const log = new NodeAppendLog();
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'journal-file-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('rotates at the bound: each file stays within maxBytes, one rotated file, nothing else kept', async () => {
    const file = join(dir, 'rotate.jsonl');
    const maxBytes = 4096;
    for (let i = 0; i < 100; i++) await log.append(file, JSON.stringify({ time: new Date(T0 + i).toISOString(), resource: `r${i}`, pad: 'x'.repeat(100) }), { maxBytes });
    assert.ok((await stat(file)).size <= maxBytes);
    assert.ok((await stat(`${file}.1`)).size <= maxBytes);
    const read = await readJournal(log, file, 2 * maxBytes);
    assert.equal(read.skipped, 0);
    assert.equal(read.entries[0]?.resource, 'r99', 'newest first');
    const kept = read.entries.map((e) => Number(e.resource.slice(1)));
    assert.deepEqual(kept, [...kept].sort((a, b) => b - a));
    assert.ok(kept.length > 30 && kept.length < 100, `kept ${kept.length}`);
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => 99 - i), 'no gap between the two files');
  });

  it('a torn last line (kill -9 mid-append) is skipped by the reader and does not swallow the next entry', async () => {
    const file = join(dir, 'torn.jsonl');
    await log.append(file, JSON.stringify({ time: new Date(T0).toISOString(), resource: 'a' }), { maxBytes: 1 << 20 });
    await appendFile(file, '{"time":"2026-12-01T08:00:01.000Z","reso');
    await log.append(file, JSON.stringify({ time: new Date(T0 + 2000).toISOString(), resource: 'b' }), { maxBytes: 1 << 20 });
    const read = await readJournal(log, file, 1 << 20);
    assert.deepEqual(read.entries.map((e) => e.resource), ['b', 'a']);
    assert.equal(read.skipped, 1);
  });

  it('refuses a symlink or a FIFO at the journal path instead of following or blocking', async () => {
    const target = join(dir, 'target');
    await writeFile(target, 'keep\n');
    await symlink(target, join(dir, 'link.jsonl'));
    await assert.rejects(log.append(join(dir, 'link.jsonl'), '{}', { maxBytes: 4096 }), /ELOOP/);
    assert.equal(await readFile(target, 'utf8'), 'keep\n');
    execFileSync('mkfifo', [join(dir, 'fifo.jsonl')]);
    await assert.rejects(log.append(join(dir, 'fifo.jsonl'), '{}', { maxBytes: 4096 }), /ENXIO|EINVAL/);
    await assert.rejects(log.readTail(join(dir, 'fifo.jsonl'), 4096), /EINVAL/);
    assert.equal(await log.readTail(join(dir, 'missing.jsonl'), 4096), null);
  });

  it('property: a journal cut at any byte yields exactly the whole lines before the cut, newest first', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ resource: fc.string({ minLength: 1, maxLength: 20 }), message: fc.string({ maxLength: 40 }) }), { minLength: 1, maxLength: 12 }), fc.nat(), (items, cutAt) => {
        const lines = items.map((item, i) => JSON.stringify({ time: new Date(T0 + i * 1000).toISOString(), ...item }));
        const text = lines.map((l) => `${l}\n`).join('');
        const cut = text.slice(0, cutAt % (text.length + 1));
        // A line is whole once its last character is there (its newline may still be missing).
        let end = 0;
        const whole = lines.filter((l) => (end += l.length + 1) - 1 <= cut.length).length;
        const read = parseJournal([cut]);
        assert.deepEqual(read.entries.map((e) => e.resource), items.slice(0, whole).map((i) => i.resource).reverse());
        assert.ok(read.skipped <= 1);
      }),
      { seed: Number(process.env.FC_SEED ?? 42), verbose: true },
    );
  });
});

describe('reconcile history (report)', () => {
  const entry = (resource: string, minutes: number, result: 'applied' | 'failed' = 'applied'): JournalEntry => ({
    time: new Date(T0 + minutes * 60_000).toISOString(),
    resource,
    kind: 'SystemdSocketPort',
    triggers: ['file'],
    desired: 9000,
    observedBefore: 9090,
    observedAfter: result === 'applied' ? 9000 : 9090,
    result,
    reason: result === 'applied' ? 'Applied' : 'ApplyFailed',
    message: result === 'applied' ? 'ListenStream=9000' : '`systemctl daemon-reload` exited with code 1',
    files: [{ path: '/etc/x.conf', action: 'create', result: 'updated', added: 3, removed: 0, lines: [] }],
    commands: [{ command: 'systemctl daemon-reload', result: result === 'applied' ? 'updated' : 'failed', exitCode: result === 'applied' ? 0 : 1 }],
  });
  const text = [entry('cockpit-socket', 0), entry('cockpit-firewalld', 60), entry('cockpit-socket', 120, 'failed')].map((e) => JSON.stringify(e)).join('\n');
  const read = parseJournal([`${text}\n`]);

  it('prints a table newest first, with what changed and the reason of failures', () => {
    const out = historyReport(read, {}, false).stdout.split('\n');
    assert.match(out[0] ?? '', /^TIME\s+RESOURCE\s+RESULT\s+REASON\s+DESIRED\s+BEFORE\s+AFTER\s+CHANGED$/);
    assert.match(out[1] ?? '', /^2026-12-01 10:00:00Z\s+cockpit-socket\s+failed\s+ApplyFailed\s+9000\s+9090\s+9090\s+create \/etc\/x\.conf \(\+3 -0\); systemctl daemon-reload \(exit 1\)$/);
    assert.match(out[2] ?? '', /cockpit-firewalld\s+applied/);
    assert.match(out[3] ?? '', /^2026-12-01 08:00:00Z\s+cockpit-socket\s+applied/);
    assert.match(out[4] ?? '', /cockpit-socket: ApplyFailed: `systemctl daemon-reload` exited with code 1$/);
  });

  it('filters by resource and by time, and gives JSON', () => {
    assert.deepEqual(filterJournal(read.entries, { resource: 'cockpit-firewalld' }).map((e) => e.time), [new Date(T0 + 3_600_000).toISOString()]);
    assert.deepEqual(filterJournal(read.entries, { since: T0 + 90 * 60_000 }).map((e) => e.result), ['failed']);
    const json = JSON.parse(historyReport(read, { resource: 'cockpit-socket' }, true).stdout) as { entries: JournalEntry[] };
    assert.deepEqual(json.entries.map((e) => e.result), ['failed', 'applied']);
    assert.equal(historyReport(read, { resource: 'nothing' }, false).stdout, 'no journal entries\n');
  });
});
