import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** What is kept of the file being replaced. */
export interface Existing {
  mode: number;
  uid: number;
  gid: number;
}

// O_NOFOLLOW on top of O_EXCL: the temp name is never a link followed anywhere.
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Replace `path` atomically: temp file in the same directory, complete write, fsync, original
 * mode (unless `requestedMode` is given) and owner, rename over the target, fsync of the directory. Readers see the old or the new
 * file, never a part. On any failure the temp file is removed and the target is untouched.
 * For host paths the configuration names (links are written through to their target, as
 * editors do); paths inside a volume go through adapters/confined-files instead.
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
  await replaceIn(dir, basename(target), data, requestedMode, existing);
  await syncDirectory(dir);
}

/**
 * Write a temp file in `dir` and rename it to `name` (both relative to `dir`, which may be an
 * opened directory's `/proc/self/fd/N`). The caller fsyncs the directory.
 */
export async function replaceIn(dir: string, name: string, data: string | Buffer, requestedMode: number | undefined, existing: Existing | null): Promise<void> {
  const temp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = requestedMode ?? (existing ? existing.mode & 0o7777 : 0o644);
  const handle = await open(temp, TEMP_FLAGS, mode & 0o777);
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
    await rename(temp, join(dir, name));
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await syncHandle(handle);
  } finally {
    await handle.close();
  }
}

/** fsync an opened directory, so that a rename in it survives a crash. */
export async function syncHandle(handle: FileHandle): Promise<void> {
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  }
}
