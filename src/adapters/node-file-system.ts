import { readdir, readFile, stat } from 'node:fs/promises';
import { FileError } from '../core/errors';
import type { FileSystem } from '../host/file-system';
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

  async writeFileAtomic(path: string, data: string): Promise<void> {
    try {
      await atomicWrite(path, data);
    } catch (error) {
      throw fileError('write', path, error);
    }
  }
}
