import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NodeFileSystem } from '../../src/adapters/node-file-system';
import { hostPath } from '../../src/host/file-system';
import { FileError } from '../../src/core/errors';

const fs = new NodeFileSystem();

describe('NodeFileSystem.writeFileAtomic', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reconciler-fs-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('replaces the content and keeps the mode and owner of the existing file', async () => {
    const path = join(dir, 'unit.socket');
    await writeFile(path, 'old\n');
    await chmod(path, 0o640);
    if (process.getuid?.() === 0) await chown(path, 4321, 4322);
    await fs.writeFileAtomic(hostPath(path), 'new\n');
    assert.equal(await readFile(path, 'utf8'), 'new\n');
    const after = await stat(path);
    assert.equal(after.mode & 0o777, 0o640);
    if (process.getuid?.() === 0) assert.deepEqual([after.uid, after.gid], [4321, 4322]);
    assert.deepEqual(await readdir(dir), ['unit.socket'], 'no temp file left behind');
  });

  it('creates missing parent directories for a new file', async () => {
    const path = join(dir, 'a', 'b', 'listen.conf');
    await fs.writeFileAtomic(hostPath(path), 'x');
    assert.equal(await readFile(path, 'utf8'), 'x');
  });

  it('writes through a symlink to its target, keeping the link', async () => {
    const target = join(dir, 'target.xml');
    const link = join(dir, 'link.xml');
    await writeFile(target, 'old');
    await symlink(target, link);
    await fs.writeFileAtomic(hostPath(link), 'new');
    assert.equal(await readFile(target, 'utf8'), 'new');
    assert.ok((await import('node:fs')).lstatSync(link).isSymbolicLink());
  });

  it('reads a missing file or directory as null', async () => {
    assert.equal(await fs.readFile(join(dir, 'nope')), null);
    assert.equal(await fs.listDir(join(dir, 'nope')), null);
    assert.equal(await fs.exists(join(dir, 'nope')), false);
  });

  it('reading a directory as a file is refused (not a regular file), naming the path', async () => {
    await assert.rejects(fs.readFile(dir), (error: unknown) => error instanceof FileError && error.path === dir && error.code === 'ENOTREG' && /not a regular file \(directory\)/.test(error.message));
  });
});

// A real failing write: a 64 KiB tmpfs that the new content does not fit in (needs root, as CI is).
describe('a failing atomic write leaves the old file intact and no temp file', { skip: process.getuid?.() !== 0 && 'needs root to mount a tmpfs' }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reconciler-full-'));
    await mkdir(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  });
  after(async () => {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  });

  it('ENOSPC: old content kept, error typed, directory clean', async () => {
    const path = join(dir, 'cockpit.xml');
    await writeFile(path, 'old content\n');
    await chmod(path, 0o600);
    const huge = 'x'.repeat(1024 * 1024);
    await assert.rejects(fs.writeFileAtomic(hostPath(path), huge), (error: unknown) => error instanceof FileError && /ENOSPC/.test(error.message));
    assert.equal(await readFile(path, 'utf8'), 'old content\n');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['cockpit.xml']);
  });
});
