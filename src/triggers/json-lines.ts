import type { Readable } from 'node:stream';

/** A Docker event is a few KB even with many labels; a longer line is dropped, never buffered whole. */
const MAX_JSON_LINE_BYTES = 1024 * 1024;

/**
 * Split a newline-delimited JSON stream (Docker's event stream) into objects, whatever the chunk
 * boundaries: a chunk may hold several objects or half of one. Lines that are not JSON objects
 * are passed to `onGarbage` (at most its first 200 characters) and skipped; a line longer than
 * `maxLineBytes` is dropped as it arrives, so no peer can grow the buffer without bound.
 */
export async function* jsonLines(
  stream: Readable,
  onGarbage: (line: string) => void = () => undefined,
  maxLineBytes = MAX_JSON_LINE_BYTES,
): AsyncGenerator<Record<string, unknown>> {
  let parts: Buffer[] = [];
  let size = 0;
  let dropping = false;
  const finish = (tail: Buffer): Record<string, unknown> | null => {
    const wasDropping = dropping || size + tail.length > maxLineBytes;
    const whole = wasDropping || parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    parts = [];
    size = 0;
    dropping = false;
    if (wasDropping) {
      onGarbage(`a line of more than ${maxLineBytes} bytes (dropped)`);
      return null;
    }
    const line = whole.toString('utf8');
    if (line.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      onGarbage(line.slice(0, 200));
      return null;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    onGarbage(line.slice(0, 200));
    return null;
  };
  const keep = (piece: Buffer): void => {
    if (dropping || piece.length === 0) return;
    size += piece.length;
    if (size > maxLineBytes) {
      dropping = true;
      parts = [];
      return;
    }
    parts.push(piece);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      let buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let newline = buffer.indexOf(0x0a);
      while (newline !== -1) {
        const value = finish(dropping ? Buffer.alloc(0) : buffer.subarray(0, newline));
        if (value !== null) yield value;
        buffer = buffer.subarray(newline + 1);
        newline = buffer.indexOf(0x0a);
      }
      keep(buffer);
    }
  } catch (error) {
    // A stream destroyed without an error (closed early) ends the lines; a real error propagates.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
  if (size > 0 || dropping) {
    const value = finish(Buffer.alloc(0));
    if (value !== null) yield value;
  }
}
