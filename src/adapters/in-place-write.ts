import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { notRegular } from './bounded-read';
import { atomicWrite } from './atomic-write';

/**
 * Overwrite a regular file keeping its inode (a single-file bind mount shows the host file's
 * inode to the container: a rename would leave the container on the old one). The new bytes go
 * in one write from offset 0, then the file is truncated to their length and fsynced. Not
 * atomic: a reader during the write can see the old bytes, the new ones, or the new ones
 * followed by the old tail (until the truncate); a crash in between leaves that mix on disk.
 * A missing file is created atomically (there is no inode to keep).
 */
export async function inPlaceWrite(path: string, data: string | Buffer): Promise<void> {
  const target = await realpath(path).catch(() => null);
  if (target === null) return atomicWrite(path, data);
  // Non-blocking open (a FIFO swapped in must not hang us), refused by the fstat below.
  const handle = await open(target, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(path, info);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, written);
      if (bytesWritten === 0) throw new Error(`short write to ${path}`);
      written += bytesWritten;
    }
    await handle.truncate(bytes.length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
