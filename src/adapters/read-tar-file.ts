import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';

/**
 * The first entry of a tar stream (what Docker's archive API returns for one path), if it is a
 * regular file no larger than `maxBytes`. Returns `{ kind }` describing why not otherwise.
 */
export async function readFirstTarFile(
  stream: Readable,
  maxBytes: number,
): Promise<{ kind: 'file'; data: Buffer } | { kind: 'not-a-file'; type: string } | { kind: 'too-large'; size: number }> {
  const tar = extract();
  stream.pipe(tar);
  try {
    for await (const entry of tar) {
      const { type, size } = entry.header;
      if (type !== 'file') return { kind: 'not-a-file', type: type ?? 'unknown' };
      if ((size ?? 0) > maxBytes) return { kind: 'too-large', size: size ?? 0 };
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      return { kind: 'file', data: Buffer.concat(chunks) };
    }
    return { kind: 'not-a-file', type: 'empty archive' };
  } finally {
    stream.unpipe(tar);
    stream.destroy();
    tar.destroy();
  }
}
