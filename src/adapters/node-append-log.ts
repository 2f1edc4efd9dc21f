import { constants } from 'node:fs';
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileError } from '../core/errors';
import type { AppendLog } from '../host/append-log';

// O_NOFOLLOW: a symlink planted at the journal's path is refused, never written through;
// O_NONBLOCK: a FIFO there fails the open instead of blocking it (no effect on regular files).
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function fail(action: string, path: string, error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return new FileError(code, path, `cannot ${action} ${path}: ${code}`, { cause: error });
}

async function lastByte(path: string, size: number): Promise<number | undefined> {
  const handle = await open(path, READ);
  try {
    const byte = Buffer.alloc(1);
    const { bytesRead } = await handle.read(byte, 0, 1, size - 1);
    return bytesRead === 1 ? byte[0] : undefined;
  } finally {
    await handle.close();
  }
}

/** AppendLog on node:fs: O_APPEND writes of whole lines, rotation by rename (atomic). */
export class NodeAppendLog implements AppendLog {
  async append(path: string, line: string, options: { maxBytes: number }): Promise<void> {
    const data = Buffer.from(`${line}\n`);
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o750 });
      let handle: FileHandle = await open(path, APPEND, 0o640);
      try {
        const info = await handle.stat();
        if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
        let size = info.size;
        if (size > 0 && size + data.length > options.maxBytes) {
          // rename() is atomic: a crash leaves either the old file or the rotated one, never a mix.
          await handle.close();
          await rename(path, `${path}.1`);
          handle = await open(path, APPEND, 0o640);
          size = (await handle.stat()).size;
        }
        // A kill -9 in the middle of an earlier write may have left a line without its newline.
        const torn = size > 0 && (await lastByte(path, size)) !== 0x0a;
        await handle.writeFile(torn ? Buffer.concat([Buffer.from('\n'), data]) : data);
        await handle.sync();
      } finally {
        await handle.close().catch(() => undefined);
      }
    } catch (error) {
      if (error instanceof FileError) throw error;
      throw fail('append to', path, error);
    }
  }

  async readTail(path: string, limit: number): Promise<string | null> {
    let handle: FileHandle;
    try {
      handle = await open(path, READ);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw fail('read', path, error);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw fail('read', path, Object.assign(new Error('not a regular file'), { code: 'EINVAL' }));
      const length = Math.min(info.size, limit);
      const buffer = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, info.size - length + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return buffer.subarray(0, read).toString('utf8');
    } catch (error) {
      if (error instanceof FileError) throw error;
      throw fail('read', path, error);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }
}
