import { randomBytes } from 'node:crypto';
import { mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replace `path` atomically: temp file in the same directory, complete write, fsync, original
 * mode (unless `requestedMode` is given) and owner, rename over the target, fsync of the directory. Readers see the old or the new
 * file, never a part. On any failure the temp file is removed and the target is untouched.
 *
 * Hand-written on purpose: write-file-atomic 7 ignores short writes (a full disk leaves a
 * truncated file in place and reports success), which our tests catch on a small tmpfs.
 */
export async function atomicWrite(path: string, data: string | Buffer, requestedMode?: number): Promise<void> {
  // Write through symlinks to their target, as editors and package managers do.
  const target = await realpath(path).catch(() => path);
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  const existing = await stat(target).catch(() => null);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = requestedMode ?? (existing ? existing.mode & 0o7777 : 0o644);
  const handle = await open(temp, 'wx', mode);
  let closed = false;
  try {
    await handle.writeFile(data); // loops until every byte is written, throws on ENOSPC
    await handle.chmod(mode); // open() applies the umask; the original (or requested) mode wins
    if (existing) {
      if (process.getuid?.() === 0) await handle.chown(existing.uid, existing.gid);
    }
    await handle.sync();
    await handle.close();
    closed = true;
    await rename(temp, target);
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}
