import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { acquirePidLock } from '../../src/adapters/pid-lock';
import { LockedError } from '../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'reconciler-lock-'));
let n = 0;
const lockPath = (): string => join(dir, `status-${n++}.json.lock`);

describe('acquirePidLock', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('takes a free lock, refuses a second holder, and releases', () => {
    const path = lockPath();
    const lock = acquirePidLock(path);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
    lock.release();
    assert.equal(existsSync(path), false);
  });

  it('refuses while another live process holds it', async () => {
    const path = lockPath();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await new Promise((r) => child.once('spawn', r));
      acquirePidLock(path, child.pid as number);
      assert.throws(() => acquirePidLock(path), (e: unknown) => e instanceof LockedError && /pid \d+/.test(e.message));
    } finally {
      child.kill();
    }
  });

  it('takes over a lock whose process is gone (crash)', async () => {
    const path = lockPath();
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('spawn', r));
    acquirePidLock(path, child.pid as number);
    await new Promise((r) => child.once('exit', r));
    const lock = acquirePidLock(path);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('takes over a lock naming a live pid that started at another time (pid reused)', () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: 1, start: '1', boot: 'some-other-boot' }));
    acquirePidLock(path).release();
  });

  it('takes over a lock naming our own pid from a previous life (restarted container)', () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: process.pid, start: '0', boot: null }));
    acquirePidLock(path).release();
  });

  it('takes over an unreadable lock file', () => {
    const path = lockPath();
    writeFileSync(path, 'garbage');
    acquirePidLock(path).release();
  });
});
