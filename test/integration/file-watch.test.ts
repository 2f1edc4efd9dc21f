import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Subscription } from 'rxjs';
import { ChokidarDirectoryWatcher } from '../../src/adapters/chokidar-directory-watcher';
import { systemClock } from '../../src/adapters/system-clock';
import { fileWatchTriggers, type FileWatch, type WatchRepair } from '../../src/triggers/file-watch-source';
import type { Trigger } from '../../src/triggers/trigger';
import { expectedWatchDirectories } from '../support/watch-oracle';

/** Real files, real chokidar, in this process: what the source watches and reports after each operation. */

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** A bound for an event that never comes, not a speed (generous: the machine may be busy). */
const EVENT_WAIT_MS = 30_000;

/** The test's own oracle: every existing directory from / down to each path (the path included when a directory). */
const expectedDirectories = (paths: readonly string[]): string[] =>
  expectedWatchDirectories(paths, (dir) => existsSync(dir) && statSync(dir).isDirectory());

describe('file-watch source (real files, real chokidar)', () => {
  let root: string;
  let dropInDir: string;
  let unit: string;
  let xml: string;
  let source: FileWatch;
  let subscription: Subscription;
  const triggers: { at: number; trigger: Trigger }[] = [];
  const repairs: WatchRepair[] = [];
  const errors: unknown[] = [];

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'reconciler-watch-'));
    dropInDir = join(root, 'etc/systemd/system/cockpit.socket.d');
    unit = join(root, 'lib/systemd/system/cockpit.socket');
    xml = join(root, 'etc/firewalld/services/cockpit.xml');
    mkdirSync(dirname(unit), { recursive: true });
    writeFileSync(unit, '[Socket]\nListenStream=9090\n');
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    source = fileWatchTriggers({ watcher: new ChokidarDirectoryWatcher(), clock: systemClock, onError: (e) => errors.push(e), onRepair: (r) => repairs.push(r) });
    source.watch([unit, dropInDir, xml]);
    subscription = source.triggers.subscribe((trigger) => triggers.push({ at: Date.now(), trigger }));
  });
  after(() => {
    subscription.unsubscribe();
    rmSync(root, { recursive: true, force: true });
  });

  /** Resolves with the first trigger after `since` whose detail names `path` (fails after {@link EVENT_WAIT_MS}). */
  async function triggerFor(path: string, since: number, what: string): Promise<void> {
    const deadline = Date.now() + EVENT_WAIT_MS;
    while (Date.now() < deadline) {
      if (triggers.some((t) => t.at >= since && (t.trigger.detail ?? '').split(', ').some((d) => d === path || d.startsWith(`${path} `)))) return;
      await sleep(5);
    }
    const seen = triggers.filter((t) => t.at >= since).map((t) => t.trigger.detail);
    assert.fail(`${what}: no trigger for ${path} within ${EVENT_WAIT_MS} ms (seen: ${JSON.stringify(seen)})`);
  }

  /** After an operation: the watch set equals the oracle, and changes at every path of interest are seen. */
  async function assertWatching(what: string): Promise<void> {
    const deadline = Date.now() + EVENT_WAIT_MS;
    while (Date.now() < deadline && JSON.stringify(source.watched()) !== JSON.stringify(expectedDirectories([unit, dropInDir, xml]))) await sleep(5);
    assert.deepEqual(source.watched(), expectedDirectories([unit, dropInDir, xml]), `${what}: the watched directories`);
    // The new watches are ready (a change made before then is the "watching" trigger's pass's, not an event's).
    while (Date.now() < deadline && !source.settled()) await sleep(5);
    assert.ok(source.settled(), `${what}: the watches are ready`);
    if (existsSync(dropInDir)) {
      const probe = join(dropInDir, 'probe.conf');
      const since = Date.now();
      writeFileSync(probe, '[Socket]\n');
      await triggerFor(probe, since, `${what}: a file created in the drop-in directory`);
      rmSync(probe);
    }
    if (existsSync(dirname(unit))) {
      const since = Date.now();
      writeFileSync(`${unit}.dpkg-new`, '[Socket]\nListenStream=9090\n');
      renameSync(`${unit}.dpkg-new`, unit);
      await triggerFor(unit, since, `${what}: the unit replaced by rename`);
    }
    if (existsSync(dirname(xml))) {
      const since = Date.now();
      writeFileSync(xml, '<service/>\n');
      await triggerFor(xml, since, `${what}: cockpit.xml written`);
    }
  }

  /**
   * One operation on the paths of interest or their parents (synchronous, so every trigger after
   * it comes after all of it: a pass it starts sees the result): a trigger naming
   * `path` or announcing new watches; then the watches are right.
   */
  async function step(what: string, path: string, op: () => void): Promise<void> {
    const since = Date.now();
    op();
    const deadline = Date.now() + EVENT_WAIT_MS;
    const named = (t: Trigger): boolean => (t.detail ?? '').split(', ').some((d) => d === path || d.startsWith('watching ') || d.startsWith('gone: ') || d.startsWith(`${path}/`));
    while (!triggers.some((t) => t.at >= since && named(t.trigger))) {
      if (Date.now() > deadline) assert.fail(`${what}: no trigger within ${EVENT_WAIT_MS} ms (seen: ${JSON.stringify(triggers.filter((t) => t.at >= since).map((t) => t.trigger.detail))})`);
      await sleep(5);
    }
    await assertWatching(what);
  }

  it('watches every directory from / to each path; a missing one through its parents', async () => {
    await assertWatching('at start');
    assert.ok(source.watched().includes('/'));
    assert.ok(!source.watched().includes(dropInDir));
  });

  it('sees the drop-in directory created, then watches it (the issue-8 sequence: created, then files replaced in it)', async () => {
    await step('drop-in directory created', dropInDir, () => mkdirSync(dropInDir));
    for (let i = 0; i < 5; i++) {
      const file = join(dropInDir, 'listen.conf');
      await step(`listen.conf replaced by rename (${i + 1})`, file, () => {
        writeFileSync(`${file}.tmp`, `[Socket]\nListenStream=\nListenStream=${9100 + i}\n`);
        renameSync(`${file}.tmp`, file);
      });
    }
  });

  it('the drop-in directory removed, recreated, moved away and replaced by rename', async () => {
    await step('drop-in directory removed', dropInDir, () => rmSync(dropInDir, { recursive: true }));
    await step('drop-in directory recreated (an inode number may be reused)', dropInDir, () => mkdirSync(dropInDir));
    await step('drop-in directory moved away, a new one renamed in', dropInDir, () => {
      const fresh = `${dropInDir}.new`;
      mkdirSync(fresh);
      writeFileSync(join(fresh, 'listen.conf'), '[Socket]\nListenStream=\nListenStream=9100\n');
      renameSync(dropInDir, `${dropInDir}.old`);
      renameSync(fresh, dropInDir);
    });
    await step('an empty drop-in directory replaced by rename(2) over it', dropInDir, () => {
      rmSync(join(dropInDir, 'listen.conf'));
      mkdirSync(`${dropInDir}.new2`);
      renameSync(`${dropInDir}.new2`, dropInDir);
    });
    rmSync(`${dropInDir}.old`, { recursive: true });
  });

  it('parents replaced: etc/systemd moved away and rebuilt, etc/firewalld created deep at once', async () => {
    const systemd = join(root, 'etc/systemd');
    await step('etc/systemd moved away and rebuilt with mkdir -p', systemd, () => {
      renameSync(systemd, `${systemd}.old`);
      mkdirSync(dropInDir, { recursive: true });
    });
    await step('etc/firewalld/services created with cockpit.xml', xml, () => {
      mkdirSync(dirname(xml), { recursive: true });
      writeFileSync(xml, '<service/>\n');
    });
    await step('etc/firewalld removed', join(root, 'etc/firewalld'), () => rmSync(join(root, 'etc/firewalld'), { recursive: true }));
    await step('etc replaced by a copy built elsewhere', join(root, 'etc'), () => {
      mkdirSync(join(root, 'etc.new/systemd/system/cockpit.socket.d'), { recursive: true });
      renameSync(join(root, 'etc'), join(root, 'etc.gone'));
      renameSync(join(root, 'etc.new'), join(root, 'etc'));
    });
    rmSync(join(root, 'etc.gone'), { recursive: true });
    rmSync(`${systemd}.old`, { recursive: true, force: true });
  });

  it('the after-pass self-check finds nothing to repair after all of that', async () => {
    source.watch([unit, dropInDir, xml]); // what the daemon does after every pass
    await sleep(100);
    assert.deepEqual(repairs, []);
    assert.deepEqual(errors, []);
  });

  it('a watch lost without any event (the kernel queue overflowed) is repaired by the self-check, reported once', async () => {
    await assertWatching('before the overflow');
    // Block this process (spawnSync) while a child floods a watched directory with more events
    // than the inotify queue holds (16384 by default), then replaces the drop-in directory: its
    // events are dropped by the kernel, so only the self-check can notice.
    const flood = `
      const fs = require('node:fs'), path = require('node:path');
      const dir = ${JSON.stringify(join(root, 'etc/systemd/system'))};
      const a = path.join(dir, 'noise-a'), b = path.join(dir, 'noise-b');
      fs.writeFileSync(a, ''); fs.writeFileSync(b, '');
      for (let i = 0; i < 20000; i++) { fs.utimesSync(a, i, i); fs.utimesSync(b, i, i); }
      const d = ${JSON.stringify(dropInDir)};
      fs.renameSync(d, d + '.lost'); fs.mkdirSync(d);
      fs.rmSync(a); fs.rmSync(b);`;
    const max = Number(spawnSync('cat', ['/proc/sys/fs/inotify/max_queued_events'], { encoding: 'utf8' }).stdout.trim());
    assert.ok(max > 0 && max < 40000, `max_queued_events ${max}: the flood must exceed it`);
    const run = spawnSync(process.execPath, ['-e', flood], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    await sleep(200); // whatever survived the overflow is delivered
    source.watch([unit, dropInDir, xml]); // what the daemon does after every pass
    const deadline = Date.now() + EVENT_WAIT_MS;
    while (repairs.length === 0 && Date.now() < deadline) await sleep(10);
    assert.equal(repairs.length, 1, JSON.stringify(repairs));
    assert.ok(repairs[0]?.problems.some((p) => p.startsWith(`${dropInDir} is watched by`)), JSON.stringify(repairs));
    await assertWatching('after the repair');
    source.watch([unit, dropInDir, xml]); // what the daemon does after every pass
    await sleep(100);
    assert.equal(repairs.length, 1, 'nothing left to repair');
    rmSync(`${dropInDir}.lost`, { recursive: true });
  });
});
