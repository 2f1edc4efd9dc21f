import { lstat, readdir, readlink, realpath, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileError } from '../core/errors';
import { ConfinedPath, DEFAULT_MAX_READ_BYTES, type FilePath, type FileSystem, type ReadOptions, type TreeEntry, type TreeOptions, type WriteOptions } from '../host/file-system';
import { atomicWrite } from './atomic-write';
import { readHostFile } from './bounded-read';
import { readDirBounded, treeBudget } from './bounded-dir';
import { listTreeWithin, readWithin, removeWithin, writeWithin, type RaceHook } from './confined-files';

function isCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

function fileError(action: string, path: string, error: unknown): FileError {
  if (error instanceof FileError) return error; // already a refusal with its own message
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return new FileError(code, path, `cannot ${action} ${path}: ${code}`, { cause: error });
}

/**
 * FileSystem on node:fs. Host paths are read and written as named (symlinks followed); a
 * ConfinedPath always goes through adapters/confined-files (its root travels with it, so no
 * caller can forget it). See atomicWrite for how files are replaced.
 */
export class NodeFileSystem implements FileSystem {
  /** `race` runs between each confined check and its use (tests only). */
  constructor(private readonly race?: RaceHook) {}

  async readFile(path: string | ConfinedPath, options: ReadOptions = {}): Promise<Buffer | null> {
    const max = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
    try {
      if (path instanceof ConfinedPath) return await readWithin(path.root, path.path, max, options.links ?? 'follow-within', this.race);
      return await readHostFile(path, max);
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR') && !(error instanceof FileError)) return null;
      throw fileError('read', String(path), error);
    }
  }

  async listDir(path: string): Promise<string[] | null> {
    try {
      return await readdir(path);
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return null;
      throw fileError('list', path, error);
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return false;
      throw fileError('stat', path, error);
    }
  }

  async readLink(path: string): Promise<string | null> {
    try {
      return await readlink(path);
    } catch (error) {
      // ESRCH/EACCES: a process that exited or is not ours to look at while /proc was walked.
      if (isCode(error, 'ENOENT', 'ENOTDIR', 'EINVAL', 'ESRCH', 'EACCES', 'EPERM')) return null;
      throw fileError('read link', path, error);
    }
  }

  async writeFileAtomic(path: FilePath, data: string | Buffer, options: WriteOptions = {}): Promise<void> {
    try {
      if (path instanceof ConfinedPath) await writeWithin(path.root, path.path, data, options.mode, this.race);
      else await atomicWrite(path, data, options.mode);
    } catch (error) {
      throw fileError('write', String(path), error);
    }
  }

  async remove(path: FilePath): Promise<void> {
    try {
      if (path instanceof ConfinedPath) await removeWithin(path.root, path.path, this.race);
      else await rm(path, { force: true });
    } catch (error) {
      throw fileError('remove', String(path), error);
    }
  }

  async listTree(dir: string | ConfinedPath, options: TreeOptions = {}): Promise<TreeEntry[] | null> {
    if (dir instanceof ConfinedPath) {
      try {
        return await listTreeWithin(dir.root, dir.path, options.links ?? 'follow-within');
      } catch (error) {
        if (isCode(error, 'ENOENT') && !(error instanceof FileError)) return null;
        throw fileError('list', dir.path, error);
      }
    }
    // Bounded like a confined listing (bounded-dir): per directory and for the whole tree.
    const budget = treeBudget(dir);
    const list = async (path: string): Promise<string[] | null> =>
      readDirBounded(path, path, budget).catch((error: unknown) => {
        if (isCode(error, 'ENOENT', 'ENOTDIR')) return null;
        throw fileError('list', path, error);
      });
    const root = await list(dir);
    if (root === null) return null;
    const entries: TreeEntry[] = [];
    const walk = async (relative: string): Promise<void> => {
      const names = relative === '' ? root : ((await list(join(dir, relative))) ?? []);
      for (const name of names) {
        const rel = relative === '' ? name : `${relative}/${name}`;
        let info;
        try {
          info = await lstat(join(dir, rel));
        } catch (error) {
          if (isCode(error, 'ENOENT')) continue; // removed while listing
          throw fileError('stat', join(dir, rel), error);
        }
        if (info.isDirectory()) await walk(rel);
        else entries.push({ path: rel, type: info.isFile() ? 'file' : info.isSymbolicLink() ? 'symlink' : 'other', mode: info.mode & 0o7777 });
      }
    };
    await walk('');
    return entries;
  }

  async realPath(path: string): Promise<string | null> {
    try {
      return await realpath(path);
    } catch {
      return null;
    }
  }
}
