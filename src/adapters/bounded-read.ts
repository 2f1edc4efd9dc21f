import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { FileError } from '../core/errors';
import { NOT_REGULAR, TOO_LARGE } from '../host/file-system';

/** Non-blocking: opening a FIFO or a device must never wait; the fstat that follows refuses it anyway. */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

const CHUNK = 64 * 1024;

/** `fifo`, `character device`, … for messages. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'directory';
  if (info.isFIFO()) return 'fifo';
  if (info.isCharacterDevice()) return 'character device';
  if (info.isBlockDevice()) return 'block device';
  if (info.isSocket()) return 'socket';
  if (info.isSymbolicLink()) return 'symlink';
  return 'not a file';
}

export function notRegular(path: string, info: Stats): FileError {
  return new FileError(NOT_REGULAR, path, `${path} is not a regular file (${kindOf(info)})`);
}

function tooLarge(path: string, maxBytes: number): FileError {
  return new FileError(TOO_LARGE, path, `${path} is larger than ${maxBytes} bytes`);
}

/**
 * The bytes of an opened file, if it is a regular file of at most `maxBytes`: fstat first (a
 * FIFO or device is refused before any read), then reads of at most the cap plus one byte (a
 * file growing past its stat size is refused as soon as it passes the cap, never read whole).
 * Closes the handle.
 */
export async function readOpened(handle: FileHandle, path: string, maxBytes: number): Promise<Buffer> {
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(path, info);
    if (info.size > maxBytes) throw tooLarge(path, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(path, maxBytes);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * A host path's bytes (symlinks followed, as for any path the configuration names), or null
 * when it does not exist. A stat before the open refuses FIFOs and devices without opening them.
 */
export async function readHostFile(path: string, maxBytes: number): Promise<Buffer | null> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  if (!info.isFile()) throw notRegular(path, info);
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  return readOpened(handle, path, maxBytes);
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
