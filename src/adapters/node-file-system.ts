import { lstat, readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileError } from '../core/errors';
import type { FileSystem, TreeEntry } from '../host/file-system';
import { atomicWrite } from './atomic-write';

function isCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

function fileError(action: string, path: string, error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return new FileError(code, path, `cannot ${action} ${path}: ${code}`, { cause: error });
}

/** FileSystem on node:fs; see atomicWrite for how files are replaced. */
export class NodeFileSystem implements FileSystem {
  async readFile(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return null;
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

  async writeFileAtomic(path: string, data: string | Buffer, options: { mode?: number } = {}): Promise<void> {
    try {
      await atomicWrite(path, data, options.mode);
    } catch (error) {
      throw fileError('write', path, error);
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await rm(path, { force: true });
    } catch (error) {
      throw fileError('remove', path, error);
    }
  }

  async listTree(dir: string): Promise<TreeEntry[] | null> {
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
