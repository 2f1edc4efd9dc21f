import type { Readable } from 'node:stream';
import { lazy } from '../core/lazy';
import { Budget } from '../core/budget';

const tarStream = lazy(() => require('tar-stream') as typeof import('tar-stream'));

/** Room for the tar headers around one small file (pax headers of long names and xattrs). */
export const ARCHIVE_OVERHEAD_BYTES = 256 * 1024;

/**
 * The first entry of a tar stream (what Docker's archive API returns for one path), if it is a
 * regular file no larger than `maxBytes`. Returns `{ kind }` describing why not otherwise.
 */
export async function readFirstTarFile(
  stream: Readable,
  maxBytes: number,
  source = 'archive',
): Promise<{ kind: 'file'; data: Buffer } | { kind: 'not-a-file'; type: string } | { kind: 'too-large'; size: number }> {
  const tar = tarStream().extract();
  // Bound the archive itself, not only the entry: headers (pax, long names) and the entry's
  // data together may not exceed the cap plus room for headers; the stream is cut beyond.
  // Only the first entry is ever read (entry count 1): the stream is closed after it.
  const budget = new Budget(source, maxBytes + ARCHIVE_OVERHEAD_BYTES);
  stream.on('data', (chunk: Buffer) => {
    try {
      budget.take(chunk.length);
    } catch (error) {
      tar.destroy(error as Error);
    }
  });
  stream.pipe(tar);
  try {
    for await (const entry of tar) {
      const { type, size } = entry.header;
      if (type !== 'file') return { kind: 'not-a-file', type: type ?? 'unknown' };
      if ((size ?? 0) > maxBytes) return { kind: 'too-large', size: size ?? 0 };
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of entry) {
        total += (chunk as Buffer).length;
        if (total > maxBytes) return { kind: 'too-large', size: total };
        chunks.push(chunk as Buffer);
      }
      return { kind: 'file', data: Buffer.concat(chunks) };
    }
    return { kind: 'not-a-file', type: 'empty archive' };
  } finally {
    stream.unpipe(tar);
    stream.destroy();
    tar.destroy();
  }
}
