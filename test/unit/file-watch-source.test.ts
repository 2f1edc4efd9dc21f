import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Subscription } from 'rxjs';
import { watchAfterPasses } from '../../src/controller/watch-paths';
import type { PassResult } from '../../src/controller/outcome';
import { fileWatchTriggers, type FileWatch, type WatchRepair } from '../../src/triggers/file-watch-source';
import type { Trigger } from '../../src/triggers/trigger';
import { FakeClock, flushPromises } from '../support/fake-clock';
import { FakeDirectoryWatcher } from '../support/fake-directory-watcher';
import { expectedWatchDirectories } from '../support/watch-oracle';

/** The file trigger's logic with a fake watcher (inotify-like, in memory) and a fake clock. */

const UNIT = '/lib/systemd/system/cockpit.socket';
const DROPIN_DIR = '/etc/systemd/system/cockpit.socket.d';
const XML = '/etc/firewalld/services/cockpit.xml';
const PATHS = [UNIT, DROPIN_DIR, XML];

/** A fresh-install host: the unit, /etc/systemd/system, no drop-in directory, no firewalld. */
function freshHost(): FakeDirectoryWatcher {
  const fs = new FakeDirectoryWatcher();
  fs.mkdir(dirname(UNIT));
  fs.write(UNIT);
  fs.mkdir('/etc/systemd/system');
  return fs;
}

/** The oracle: every existing directory from / down to each path (the path too when a directory). */
const expected = (fs: FakeDirectoryWatcher, paths: readonly string[]): string[] => expectedWatchDirectories(paths, (dir) => fs.isDirectory(dir));

interface Rig {
  fs: FakeDirectoryWatcher;
  clock: FakeClock;
  files: FileWatch;
  triggers: Trigger[];
  repairs: WatchRepair[];
  subscription: Subscription;
  /** Let events, syncs and readiness run, then one poll period. */
  settle(): Promise<void>;
}

async function rig(fs = freshHost(), paths: readonly string[] = PATHS): Promise<Rig> {
  const clock = new FakeClock();
  const repairs: WatchRepair[] = [];
  const errors: unknown[] = [];
  const files = fileWatchTriggers({ watcher: fs, clock, onError: (e) => errors.push(e), onRepair: (r) => repairs.push(r) });
  files.watch(paths);
  const triggers: Trigger[] = [];
  const subscription = files.triggers.subscribe((t) => triggers.push(t));
  const settle = async (): Promise<void> => {
    await flushPromises(20);
    await clock.advance(300);
    await flushPromises(20);
    assert.deepEqual(errors, []);
  };
  await settle();
  return { fs, clock, files, triggers, repairs, subscription, settle };
}

/** Watch set equals the oracle; every events watch is on the inode at its path; the self-check finds nothing. */
async function assertRight(r: Rig, what: string, paths: readonly string[] = PATHS): Promise<void> {
  const want = expected(r.fs, paths);
  assert.deepEqual(r.files.watched(), want, `${what}: the watched directories`);
  assert.deepEqual(r.fs.staleWatches(), [], `${what}: watches on replaced inodes`);
  assert.equal(new Set(r.fs.watchedDirs()).size, r.fs.watchedDirs().length, `${what}: one watch per directory`);
  r.files.watch(paths);
  await r.clock.advance(1000);
  await flushPromises(20);
  assert.deepEqual(r.repairs, [], `${what}: nothing for the self-check to repair`);
}

const named = (r: Rig, path: string, from: number): boolean => r.triggers.slice(from).some((t) => (t.detail ?? '').split(', ').includes(path));

describe('file trigger: planning and re-planning (fake watcher, fake clock)', () => {
  it('watches every directory from / to each path, then says so once the watches are ready', async () => {
    const r = await rig();
    await assertRight(r, 'at start');
    assert.ok(r.fs.watchedDirs().includes('/lib/systemd/system'), 'events watches are open');
    assert.ok(!r.fs.watchedDirs().includes('/'), '/ is polled, not watched');
    assert.ok(r.triggers.some((t) => t.detail?.startsWith('watching ')), JSON.stringify(r.triggers));
    r.subscription.unsubscribe();
    assert.equal(r.clock.pendingTimers, 0, 'no poll or check left armed');
    assert.deepEqual(r.fs.watchedDirs(), [], 'every watch closed');
  });

  it('ignores dpkg staging names and temp files of atomic writers; the rename onto the file is the event', async () => {
    const r = await rig();
    r.fs.mkdir(DROPIN_DIR);
    await r.settle();
    const dropIn = join(DROPIN_DIR, 'listen.conf');
    for (const [staged, file] of [[`${UNIT}.dpkg-new`, UNIT], [`${dropIn}.dpkg-new`, dropIn], [join(DROPIN_DIR, '.listen.conf.123.ab.tmp'), dropIn]] as const) {
      const from = r.triggers.length;
      r.fs.write(staged);
      await r.settle();
      assert.deepEqual(r.triggers.slice(from), [], `no trigger for ${staged}`);
      r.fs.rename(staged, file);
      await r.settle();
      assert.ok(named(r, file, from), JSON.stringify(r.triggers.slice(from)));
      assert.ok(!r.triggers.slice(from).some((t) => (t.detail ?? '').includes(staged)), `${staged} never named`);
    }
    await assertRight(r, 'after the upgrade');
  });

  it('a directory deleted and created again with the same inode number is watched again', async () => {
    const r = await rig();
    r.fs.mkdir(DROPIN_DIR);
    await r.settle();
    const before = r.fs.probe(DROPIN_DIR)?.id;
    r.fs.remove(DROPIN_DIR);
    r.fs.mkdir(DROPIN_DIR);
    assert.equal(r.fs.probe(DROPIN_DIR)?.id, before, 'the fixture reuses the inode number');
    await r.settle();
    await assertRight(r, 'recreated');
  });

  it('re-watches a replaced drop-in directory by its new inode', async () => {
    const r = await rig();
    r.fs.mkdir(DROPIN_DIR);
    await r.settle();
    await assertRight(r, 'created');
    r.fs.mkdir(`${DROPIN_DIR}.new`);
    r.fs.write(`${DROPIN_DIR}.new/listen.conf`);
    r.fs.rename(DROPIN_DIR, `${DROPIN_DIR}.old`);
    r.fs.rename(`${DROPIN_DIR}.new`, DROPIN_DIR);
    await r.settle();
    await assertRight(r, 'replaced by rename');
    const from = r.triggers.length;
    r.fs.write(join(DROPIN_DIR, 'listen.conf'));
    await r.settle();
    assert.ok(named(r, join(DROPIN_DIR, 'listen.conf'), from), 'a write in the new directory is seen');
  });

  it('the poll sees an upper directory replaced without any event, and re-plans below it', async () => {
    const r = await rig();
    r.fs.mkdir('/etc.new/systemd/system');
    r.fs.rename('/etc', '/etc.gone'); // / and /etc are polled: no watch hears this
    r.fs.rename('/etc.new', '/etc');
    await flushPromises(20);
    assert.notDeepEqual(r.fs.staleWatches(), [], 'the old /etc/systemd watches are stale until the poll');
    await r.clock.advance(250);
    await flushPromises(20);
    await assertRight(r, 'after one poll');
  });

  it('a watch lost without events is repaired by the self-check after a pass, reported once', async () => {
    const r = await rig();
    r.fs.mkdir(DROPIN_DIR);
    await r.settle();
    r.fs.deaf = true; // the kernel's queue overflowed
    r.fs.rename(DROPIN_DIR, `${DROPIN_DIR}.lost`);
    r.fs.mkdir(DROPIN_DIR);
    r.fs.deaf = false;
    await r.settle();
    assert.deepEqual(r.fs.staleWatches(), [DROPIN_DIR], 'the poll does not look below events directories');
    r.files.watch(PATHS); // after a pass
    await r.clock.advance(749);
    assert.equal(r.repairs.length, 0, 'the grace period first');
    await r.clock.advance(1);
    await flushPromises(20);
    assert.equal(r.repairs.length, 1, JSON.stringify(r.repairs));
    assert.ok(r.repairs[0]?.problems.some((p) => p.startsWith(`${DROPIN_DIR} is watched by`)), JSON.stringify(r.repairs));
    await r.settle();
    r.repairs.length = 0;
    await assertRight(r, 'after the repair');
  });

  it('new paths of interest are watched (not a repair); paths no longer of interest are dropped without a trigger', async () => {
    const r = await rig(freshHost(), [UNIT]);
    const volume = '/var/lib/docker/volumes/apphub/_data';
    r.fs.mkdir(volume);
    await r.settle();
    let from = r.triggers.length;
    r.files.watch([UNIT, volume]);
    await r.settle();
    assert.deepEqual(r.repairs, []);
    assert.ok(r.triggers.slice(from).some((t) => t.detail?.startsWith('watching ')), 'a trigger once the new watches are ready');
    await assertRight(r, 'the volume learned', [UNIT, volume]);
    from = r.triggers.length;
    r.files.watch([UNIT]);
    await r.settle();
    assert.deepEqual(r.triggers.slice(from), [], 'no trigger: nothing changed on disk');
    await assertRight(r, 'the volume forgotten', [UNIT]);
  });
});

describe('file trigger: any sequence of file operations leaves the watches right (property)', () => {
  const dirs = ['/etc', '/etc/systemd', '/etc/systemd/system', DROPIN_DIR, '/etc/firewalld', '/etc/firewalld/services', '/lib/systemd', '/lib/systemd/system'];
  const files = [UNIT, join(DROPIN_DIR, 'listen.conf'), XML];
  type Op = { op: 'mkdir' | 'remove' | 'recreate' | 'replace' | 'moveAway'; dir: string } | { op: 'write' | 'dpkg'; file: string };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constantFrom('mkdir' as const, 'remove' as const, 'recreate' as const, 'replace' as const, 'moveAway' as const), dir: fc.constantFrom(...dirs) }),
    fc.record({ op: fc.constantFrom('write' as const, 'dpkg' as const), file: fc.constantFrom(...files) }),
  );
  const apply = (fs: FakeDirectoryWatcher, o: Op, i: number): void => {
    if ('file' in o) {
      if (!fs.isDirectory(dirname(o.file))) return;
      if (o.op === 'write') return fs.write(o.file);
      fs.write(`${o.file}.dpkg-new`);
      return fs.rename(`${o.file}.dpkg-new`, o.file);
    }
    if (o.op === 'mkdir') return fs.mkdir(o.dir);
    if (!fs.exists(o.dir)) return;
    if (o.op === 'remove') return fs.remove(o.dir);
    if (o.op === 'recreate') {
      fs.remove(o.dir); // `rm -r d && mkdir d`: the same inode number again (see the fake)
      return fs.mkdir(o.dir);
    }
    if (o.op === 'moveAway') return fs.rename(o.dir, `/moved-${i}`);
    // Replaced by a copy built beside it (a new inode, same entries' names).
    fs.mkdir(`${o.dir}.new-${i}`);
    fs.rename(o.dir, `/old-${i}`);
    fs.rename(`${o.dir}.new-${i}`, o.dir);
  };

  it("after each operation: the oracle's directories, each on its current inode, nothing to repair", async () => {
    const seed = Number(process.env.FC_SEED ?? 42);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const r = await rig();
        try {
          for (const [i, o] of ops.entries()) {
            apply(r.fs, o, i);
            await r.settle();
            await assertRight(r, `after ${JSON.stringify(ops.slice(0, i + 1))}`);
          }
        } finally {
          r.subscription.unsubscribe();
        }
      }),
      { seed, numRuns: 60, reporter: (out) => { if (out.failed) throw new Error(`seed ${seed}: ${fc.defaultReportMessage(out)}`); } },
    );
  });
});

describe('watch paths after passes', () => {
  const pass = (watch?: [string, string[]][]): PassResult => ({ startedAt: 0, finishedAt: 0, triggers: [], dryRun: false, result: 'unchanged', resources: [], ...(watch ? { watch: new Map(watch) } : {}) });

  it("hands over the union of every owner's latest paths; owners a pass did not observe keep theirs", () => {
    const given: (readonly string[])[] = [];
    const after = watchAfterPasses((paths) => given.push(paths));
    after(pass([['resource a', ['/x', '/y']], ['source s', ['/v']]]));
    after(pass([['resource a', ['/y']]])); // a retry of `a` only
    after(pass()); // nothing observed
    after(pass([['source s', []]])); // the container went away
    assert.deepEqual(given, [['/v', '/x', '/y'], ['/v', '/y'], ['/v', '/y'], ['/y']]);
  });
});
