import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEmptyPlan, type CommandStep, type Plan } from '../../src/resources/plan';
import { ConfinedPath } from '../../src/host/file-system';
import { filesInSync, planMirror, type MirrorFile, type MirrorState } from '../../src/resources/directory-mirror/plan-mirror';

const FROM = '/etc/cockpit/ws-certs.d';
const TO = '/var/lib/docker/volumes/websoft9_nginx_data/_data/custom_ssl';
const RELOAD: CommandStep = { exec: { container: 'websoft9-proxy', argv: ['nginx', '-s', 'reload'] } };
const noRetry = { retryCommands: false };
const retry = { retryCommands: true };

type Found = Extract<MirrorState, { found: true }>;

const file = (path: string, data: string | Buffer, mode = 0o644): MirrorFile => ({ path, data: Buffer.isBuffer(data) ? data : Buffer.from(data), mode });
const state = (source: MirrorFile[], target: MirrorFile[], extra: Partial<Found> = {}): Found => ({
  found: true,
  from: FROM,
  to: ConfinedPath.inside(TO, TO),
  source,
  target,
  targetSymlinks: [],
  skipped: [],
  unreadable: [],
  ...extra,
});

/** The state after apply() wrote the plan's changes and removals. */
function applied(s: Found, plan: Plan): Found {
  const target = new Map(s.target.map((f) => [f.path, f]));
  let symlinks = [...s.targetSymlinks];
  for (const change of plan.changes) {
    assert.ok(change.path instanceof ConfinedPath && change.path.root === TO, `not confined to the target: ${String(change.path)}`);
    assert.ok(change.path.path.startsWith(`${TO}/`), `write outside the target: ${change.path.path}`);
    const rel = change.path.path.slice(TO.length + 1);
    assert.ok(!symlinks.includes(rel), `write through a symlink: ${rel}`);
    const before = target.get(rel);
    assert.deepEqual(change.before, before?.data ?? null);
    assert.ok(Buffer.isBuffer(change.after));
    target.set(rel, { path: rel, data: change.after as Buffer, mode: change.mode ?? before?.mode ?? 0o644 });
  }
  for (const removal of plan.removals ?? []) {
    assert.ok(removal.path instanceof ConfinedPath && removal.path.root === TO, `not confined to the target: ${String(removal.path)}`);
    const rel = removal.path.path.slice(TO.length + 1);
    target.delete(rel);
    symlinks = symlinks.filter((p) => p !== rel);
  }
  return { ...s, target: [...target.values()], targetSymlinks: symlinks };
}

const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x0d, 0x00]);
const BINARY2 = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x0d, 0x01]);

describe('planMirror', () => {
  const cases: {
    name: string;
    state: MirrorState;
    prune?: boolean;
    retry?: boolean;
    writes?: { path: string; before: Buffer | null; after: Buffer; mode: number }[];
    removes?: string[];
    commands?: CommandStep[];
    problem?: RegExp;
    problemReason?: 'SourceUnreadable' | 'UnsafePath';
    absent?: RegExp;
  }[] = [
    {
      name: 'new file created with its mode',
      state: state([file('a.key', 'KEY', 0o600)], []),
      writes: [{ path: `${TO}/a.key`, before: null, after: Buffer.from('KEY'), mode: 0o600 }],
      commands: [RELOAD],
    },
    {
      name: 'changed content updated',
      state: state([file('a.crt', 'NEW')], [file('a.crt', 'OLD')]),
      writes: [{ path: `${TO}/a.crt`, before: Buffer.from('OLD'), after: Buffer.from('NEW'), mode: 0o644 }],
      commands: [RELOAD],
    },
    {
      name: 'mode change only',
      state: state([file('a.key', 'K', 0o600)], [file('a.key', 'K', 0o644)]),
      writes: [{ path: `${TO}/a.key`, before: Buffer.from('K'), after: Buffer.from('K'), mode: 0o600 }],
      commands: [RELOAD],
    },
    {
      name: 'binary content compared byte for byte',
      state: state([file('a.der', BINARY2)], [file('a.der', BINARY)]),
      writes: [{ path: `${TO}/a.der`, before: BINARY, after: BINARY2, mode: 0o644 }],
      commands: [RELOAD],
    },
    { name: 'binary content in sync', state: state([file('a.der', BINARY)], [file('a.der', Buffer.from(BINARY))]), commands: [] },
    { name: 'in sync: empty plan', state: state([file('a.crt', 'X'), file('b.key', 'Y', 0o600)], [file('b.key', 'Y', 0o600), file('a.crt', 'X')]), commands: [] },
    { name: 'in sync with retryCommands: commands only', state: state([file('a.crt', 'X')], [file('a.crt', 'X')]), retry: true, commands: [RELOAD] },
    { name: 'empty source and target', state: state([], []), prune: true, commands: [] },
    {
      name: 'prune removes target-only files',
      state: state([file('a.crt', 'X')], [file('a.crt', 'X'), file('old.crt', 'O'), file('sub/old.key', 'O')]),
      prune: true,
      removes: [`${TO}/old.crt`, `${TO}/sub/old.key`],
      commands: [RELOAD],
    },
    {
      // Nothing is deleted at a link either: UnsafePath, and nothing else happens in that pass.
      name: 'prune refuses a target symlink it would delete (UnsafePath), and deletes nothing',
      state: state([file('a.crt', 'X')], [file('a.crt', 'X'), file('old.crt', 'O')], { targetSymlinks: ['link.pem'] }),
      prune: true,
      problem: /link\.pem is a symlink; refusing to delete it/,
      problemReason: 'UnsafePath',
    },
    {
      name: 'a target symlink that include does not select is not pruned, and blocks nothing',
      state: state([file('a.crt', 'X')], [file('a.crt', 'X')], { targetSymlinks: ['notes.txt'], prunableSymlinks: [] }),
      prune: true,
      commands: [],
    },
    {
      name: 'without prune, target-only files and symlinks stay',
      state: state([file('a.crt', 'X')], [file('a.crt', 'X'), file('old.crt', 'O')], { targetSymlinks: ['link.pem'] }),
      prune: false,
      commands: [],
    },
    {
      name: 'target symlink at a source path is a problem, never written through',
      state: state([file('a.crt', 'X'), file('b.key', 'Y')], [], { targetSymlinks: ['b.key'] }),
      prune: true,
      problem: /b\.key is a symlink/,
      problemReason: 'UnsafePath',
    },
    {
      name: 'target symlink at a source file\'s parent directory is a problem',
      state: state([file('sub/a.key', 'X')], [], { targetSymlinks: ['sub'] }),
      problem: /sub is a symlink/,
      problemReason: 'UnsafePath',
    },
    {
      name: 'a symlink named like a prefix of a file is not its directory',
      state: state([file('subway.key', 'X')], [], { targetSymlinks: ['sub'] }),
      writes: [{ path: `${TO}/subway.key`, before: null, after: Buffer.from('X'), mode: 0o644 }],
      commands: [RELOAD],
    },
    {
      name: 'unreadable source: problem SourceUnreadable and no changes',
      state: state([file('a.crt', 'X')], [file('old.crt', 'O')], { unreadable: [{ path: 'b.key', why: 'EACCES: permission denied' }] }),
      prune: true,
      retry: true,
      problem: new RegExp(`cannot read ${FROM}/b\\.key: EACCES`),
      problemReason: 'SourceUnreadable',
    },
    {
      name: 'skipped source entries are not written and (with prune) not kept',
      state: state([file('a.crt', 'X')], [file('a.crt', 'X'), file('out.pem', 'O')], { skipped: [{ path: 'out.pem', why: 'symlink points outside the source tree' }] }),
      prune: true,
      removes: [`${TO}/out.pem`],
      commands: [RELOAD],
    },
    { name: 'absent', state: { found: false, message: 'target volume websoft9_nginx_data does not exist' }, prune: true, retry: true, absent: /websoft9_nginx_data/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planMirror(c.state, { prune: c.prune ?? false, after: [RELOAD] }, c.retry ? retry : noRetry);
      if (c.problem || c.absent) {
        assert.deepEqual(plan.changes, []);
        assert.deepEqual(plan.removals ?? [], []);
        assert.deepEqual(plan.commands, []);
        if (c.problem) assert.match(plan.problem ?? '', c.problem);
        else assert.equal(plan.problem, undefined);
        assert.equal(plan.problemReason, c.problemReason);
        if (c.absent) assert.match(plan.absent ?? '', c.absent);
        else assert.equal(plan.absent, undefined);
        return;
      }
      assert.equal(plan.problem, undefined);
      assert.equal(plan.absent, undefined);
      // Every write and removal is confined to the target tree's root.
      for (const p of [...plan.changes, ...(plan.removals ?? [])].map((x) => x.path)) assert.ok(p instanceof ConfinedPath && p.root === TO, `not confined: ${String(p)}`);
      assert.deepEqual(plan.changes.map((x) => ({ ...x, path: String(x.path) })), c.writes ?? []);
      assert.deepEqual((plan.removals ?? []).map((r) => String(r.path)).sort(), [...(c.removes ?? [])].sort());
      assert.deepEqual(plan.commands, c.commands);
    });
  }
});

describe('planMirror idempotence', () => {
  const sources: MirrorFile[][] = [
    [],
    [file('a.crt', 'A')],
    [file('a.crt', 'A2'), file('b.key', 'B', 0o600), file('c.der', BINARY)],
    [file('deep/dir/x.pem', 'X', 0o400)],
  ];
  const targets: { target: MirrorFile[]; symlinks: string[] }[] = [
    { target: [], symlinks: [] },
    { target: [file('a.crt', 'A', 0o600), file('zombie.crt', 'Z')], symlinks: [] },
    { target: [file('c.der', BINARY2), file('b.key', 'B', 0o644)], symlinks: ['dangling.pem'] },
  ];
  for (const [si, source] of sources.entries()) {
    for (const [ti, t] of targets.entries()) {
      for (const prune of [false, true]) {
        it(`source ${si}, target ${ti}, prune ${prune}`, () => {
          const before = state(source, t.target, { targetSymlinks: t.symlinks });
          const settings = { prune, after: [RELOAD] };
          const first = planMirror(before, settings, noRetry);
          if (prune && t.symlinks.length > 0) {
            // A symlink prune would delete: refused whole, nothing written or deleted.
            assert.equal(first.problemReason, 'UnsafePath');
            assert.deepEqual([first.changes, first.removals ?? []], [[], []]);
            return;
          }
          assert.equal(first.problem, undefined);
          const after = applied(before, first);
          assert.equal(filesInSync(after), source.length);
          const second = planMirror(after, settings, noRetry);
          assert.ok(isEmptyPlan(second), `second plan not empty: ${JSON.stringify(second)}`);
          assert.deepEqual(second.commands, []);
          if (prune) assert.equal(after.target.length + after.targetSymlinks.length, source.length);
          // A change means the afterChange commands run, exactly once.
          assert.deepEqual(first.commands, isEmptyPlan({ ...first, commands: [] }) ? [] : [RELOAD]);
        });
      }
    }
  }
});

describe('filesInSync', () => {
  const cases: { name: string; state: Found; want: number }[] = [
    { name: 'none', state: state([], []), want: 0 },
    { name: 'all', state: state([file('a', 'x'), file('b', 'y')], [file('b', 'y'), file('a', 'x')]), want: 2 },
    { name: 'content differs', state: state([file('a', 'x'), file('b', 'y')], [file('a', 'x'), file('b', 'z')]), want: 1 },
    { name: 'mode differs', state: state([file('a', 'x', 0o600)], [file('a', 'x', 0o644)]), want: 0 },
    { name: 'target-only files do not count', state: state([file('a', 'x')], [file('a', 'x'), file('b', 'y')]), want: 1 },
    { name: 'missing in target', state: state([file('a', 'x')], []), want: 0 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(filesInSync(c.state), c.want));
});
