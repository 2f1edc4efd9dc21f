import { lstat, readdir, readlink, realpath, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileError } from '../core/errors';
import { DEFAULT_MAX_READ_BYTES, type FileSystem, type ReadOptions, type TreeEntry, type TreeOptions, type WriteOptions } from '../host/file-system';
import { atomicWrite } from './atomic-write';
import { readHostFile } from './bounded-read';
import { inPlaceWrite } from './in-place-write';
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
 * FileSystem on node:fs. Host paths are read and written as named (symlinks followed); paths
 * `within` a root go through adapters/confined-files. See atomicWrite for how files are replaced.
 */
export class NodeFileSystem implements FileSystem {
  /** `race` runs between each confined check and its use (tests only). */
  constructor(private readonly race?: RaceHook) {}

  async readFile(path: string, options: ReadOptions = {}): Promise<Buffer | null> {
    const max = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
    try {
      if (options.within !== undefined) return await readWithin(options.within, path, max, options.links ?? 'follow-within', this.race);
      return await readHostFile(path, max);
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR') && !(error instanceof FileError)) return null;
      throw fileError('read', path, error);
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

  async writeFileAtomic(path: string, data: string | Buffer, options: WriteOptions = {}): Promise<void> {
    try {
      if (options.within !== undefined) await writeWithin(options.within, path, data, options.mode, this.race);
      else await atomicWrite(path, data, options.mode);
    } catch (error) {
      throw fileError('write', path, error);
    }
  }

  async writeFileInPlace(path: string, data: string | Buffer): Promise<void> {
    try {
      await inPlaceWrite(path, data);
    } catch (error) {
      throw fileError('write', path, error);
    }
  }

  async remove(path: string, options: { within?: string } = {}): Promise<void> {
    try {
      if (options.within !== undefined) await removeWithin(options.within, path, this.race);
      else await rm(path, { force: true });
    } catch (error) {
      throw fileError('remove', path, error);
    }
  }

  async listTree(dir: string, options: TreeOptions = {}): Promise<TreeEntry[] | null> {
    if (options.within !== undefined) {
      try {
        return await listTreeWithin(options.within, dir, options.links ?? 'follow-within');
      } catch (error) {
        if (isCode(error, 'ENOENT') && !(error instanceof FileError)) return null;
        throw fileError('list', dir, error);
      }
    }
    const root = await this.listDir(dir);
    if (root === null) return null;
    const entries: TreeEntry[] = [];
    const walk = async (relative: string): Promise<void> => {
      const names = relative === '' ? root : ((await this.listDir(join(dir, relative))) ?? []);
      for (const name of names.sort()) {
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
