import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, unlink, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { FileError } from '../core/errors';
import { unsafePath, type LinkPolicy, type TreeEntry } from '../host/file-system';
import { isMissing, notRegular, readOpened, READ_FLAGS } from './bounded-read';
import { replaceIn, syncHandle } from './atomic-write';
import { readDirBounded, treeBudget } from './bounded-dir';
import type { Budget } from '../core/budget';

/**
 * Paths confined to a root, without openat(2): Node has none, so every step is taken relative to
 * an *open directory* through `/proc/self/fd/<fd>/<name>`, which the kernel resolves from that
 * directory's inode (not from a path that could be swapped). Directories are opened with
 * O_DIRECTORY|O_NOFOLLOW one component at a time; a symlink is never traversed by the kernel,
 * only by us (relative, below the root) or refused. A link swapped in after a directory was
 * opened changes nothing: the next step is taken from the opened directory.
 */
const PROC_FD = '/proc/self/fd';
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const MAX_LINKS = 40; // as the kernel's MAXSYMLINKS

/** Called between the check and the use, with what is about to happen; tests swap links in here. */
export type RaceHook = (step: 'read' | 'write' | 'remove', path: string) => Promise<void>;

function at(dir: FileHandle, name: string): string {
  return `${PROC_FD}/${dir.fd}/${name}`;
}

function dirPath(dir: FileHandle): string {
  return `${PROC_FD}/${dir.fd}`;
}

/** Where a walk ended: the open directory holding `name` (its lstat, or null when absent). */
interface Walked {
  dirs: FileHandle[];
  dir: FileHandle;
  /** Host path of the entry, for messages. */
  shown: string;
  name: string;
  info: Stats | null;
}

function parts(root: string, path: string): string[] {
  const rel = relative(root, path);
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) throw unsafePath(path, `${path} is not inside ${root}`);
  return rel.split('/').filter((p) => p !== '' && p !== '.');
}

async function closeAll(dirs: readonly FileHandle[]): Promise<void> {
  await Promise.all(dirs.map((d) => d.close().catch(() => undefined)));
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/**
 * Walk from `root` to the entry `path` names. Intermediate components must be directories
 * (missing ones are created with `create`, else the walk ends with info null); symlinks are
 * followed below the root (`follow-within`) or refused. The caller closes `dirs`.
 * `wantDir`: the entry itself must be a directory too, and is opened (returned as `dir`).
 */
async function walk(root: string, path: string, policy: LinkPolicy, options: { create?: boolean; wantDir?: boolean } = {}): Promise<Walked | null> {
  const queue = parts(root, path);
  const dirs: FileHandle[] = [await open(root, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NONBLOCK)];
  const names: string[] = [];
  let hops = 0;
  try {
    for (;;) {
      const dir = dirs[dirs.length - 1] as FileHandle;
      const name = queue.shift();
      if (name === undefined) return { dirs, dir, shown: join(root, ...names), name: '', info: null };
      if (name === '.') continue;
      const shown = join(root, ...names, name);
      if (name === '..') {
        if (dirs.length === 1) throw unsafePath(path, `${path}: a symlink climbs above ${root}`);
        await (dirs.pop() as FileHandle).close();
        names.pop();
        continue;
      }
      let info = await lstatOrNull(at(dir, name));
      if (info === null && options.create && (queue.length > 0 || options.wantDir)) {
        await mkdir(at(dir, name), { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        info = await lstatOrNull(at(dir, name));
      }
      if (info?.isSymbolicLink()) {
        const target = await readlink(at(dir, name));
        if (policy === 'refuse') throw unsafePath(shown, `${shown} is a symlink (to ${target}); refusing to write or delete through it`);
        if (isAbsolute(target)) throw unsafePath(shown, `${shown} is a symlink to ${target}, outside ${root}`);
        if (++hops > MAX_LINKS) throw unsafePath(shown, `${shown}: too many levels of symlinks`);
        queue.unshift(...target.split('/'));
        continue;
      }
      const last = queue.length === 0;
      if (last && !options.wantDir) return { dirs, dir, shown, name, info };
      if (info === null) return await closedNull(dirs);
      if (!info.isDirectory()) {
        if (last) throw notRegularDir(shown, info);
        return await closedNull(dirs); // as ENOTDIR: the path does not exist
      }
      try {
        dirs.push(await open(at(dir, name), DIR_FLAGS));
      } catch (error) {
        // Replaced by a link or a file between the lstat and the open: look again.
        if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR' && (error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
        if (++hops > MAX_LINKS) throw unsafePath(shown, `${shown} keeps changing`);
        queue.unshift(name);
        continue;
      }
      names.push(name);
    }
  } catch (error) {
    await closeAll(dirs);
    throw error;
  }
}

/** A walk that found nothing hands back no directories, so it closes them itself. */
async function closedNull(dirs: readonly FileHandle[]): Promise<null> {
  await closeAll(dirs);
  return null;
}

function notRegularDir(path: string, info: Stats): FileError {
  return new FileError('ENOTDIR', path, `${path} is not a directory`, { cause: info });
}

/** Run `body` on a walk's end and close every directory it opened. */
async function withWalk<T>(walked: Walked | null, missing: T, body: (w: Walked) => Promise<T>): Promise<T> {
  if (walked === null) return missing;
  try {
    return await body(walked);
  } finally {
    await closeAll(walked.dirs);
  }
}

/** A regular file below `root`, bounded; null when absent. */
export async function readWithin(root: string, path: string, maxBytes: number, policy: LinkPolicy, hook?: RaceHook): Promise<Buffer | null> {
  return withWalk(await walk(root, path, policy), null, async (w) => {
    if (w.info === null) return null;
    if (!w.info.isFile()) throw notRegular(w.shown, w.info);
    await hook?.('read', w.shown);
    let handle: FileHandle;
    try {
      handle = await open(at(w.dir, w.name), READ_FLAGS | constants.O_NOFOLLOW);
    } catch (error) {
      if (isMissing(error)) return null;
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw unsafePath(w.shown, `${w.shown} was replaced by a symlink while being read`);
      throw error;
    }
    return readOpened(handle, w.shown, maxBytes);
  });
}

/** Replace a file below `root` atomically; no symlink below the root is followed. */
export async function writeWithin(root: string, path: string, data: string | Buffer, mode: number | undefined, hook?: RaceHook): Promise<void> {
  // The root itself is trusted (a volume's mountpoint, a configured directory): created like any parent.
  await mkdir(root, { recursive: true });
  await withWalk(await walk(root, path, 'refuse', { create: true }), undefined, async (w) => {
    if (w.info && !w.info.isFile()) throw notRegular(w.shown, w.info);
    await hook?.('write', w.shown);
    // rename(2) replaces the directory entry: were a link swapped in at `name` meanwhile, the
    // link is replaced, its target never written.
    await replaceIn(dirPath(w.dir), w.name, data, mode, w.info);
    await syncHandle(w.dir);
  });
}

/** Delete a regular file below `root` (absent is fine); a symlink or anything else is refused. */
export async function removeWithin(root: string, path: string, hook?: RaceHook): Promise<void> {
  await withWalk(await walk(root, path, 'refuse'), undefined, async (w) => {
    if (w.info === null) return;
    if (!w.info.isFile()) throw notRegular(w.shown, w.info);
    await hook?.('remove', w.shown);
    // unlink(2) never follows the last component: a link swapped in is itself removed.
    await unlink(at(w.dir, w.name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  });
}

/** Regular files and symlinks below `dir` (itself below `root`), walked through opened directories. */
export async function listTreeWithin(root: string, dir: string, policy: LinkPolicy): Promise<TreeEntry[] | null> {
  const walked = await walk(root, dir, policy, { wantDir: true });
  return withWalk(walked, null, async (w) => {
    const entries: TreeEntry[] = [];
    await listOpened(w.dir, '', entries, w.shown, treeBudget(w.shown));
    return entries;
  });
}

/** Entries are counted (bounded-dir): past a directory's or the tree's cap, TOO_LARGE. */
async function listOpened(dir: FileHandle, prefix: string, into: TreeEntry[], shown: string, budget: Budget): Promise<void> {
  for (const name of await readDirBounded(dirPath(dir), join(shown, prefix), budget)) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const info = await lstatOrNull(at(dir, name));
    if (info === null) continue; // removed while listing
    if (info.isDirectory()) {
      const sub = await open(at(dir, name), DIR_FLAGS).catch(() => null);
      if (sub === null) {
        into.push({ path: rel, type: 'symlink', mode: 0 }); // replaced meanwhile: never entered
        continue;
      }
      try {
        await listOpened(sub, rel, into, shown, budget);
      } finally {
        await sub.close();
      }
    } else {
      into.push({ path: rel, type: info.isFile() ? 'file' : info.isSymbolicLink() ? 'symlink' : 'other', mode: info.mode & 0o7777 });
    }
  }
}
