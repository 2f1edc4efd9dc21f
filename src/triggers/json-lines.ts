import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * Split a newline-delimited JSON stream (Docker's event stream) into objects, whatever the chunk
 * boundaries: a chunk may hold several objects or half of one. Lines that are not JSON objects
 * are passed to `onGarbage` and skipped.
 */
export async function* jsonLines(stream: Readable, onGarbage: (line: string) => void = () => undefined): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  // readline ends only on 'end': a stream destroyed without an error (closed early) would hang.
  const onClose = (): void => lines.close();
  stream.once('close', onClose);
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        onGarbage(line);
        continue;
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) yield value as Record<string, unknown>;
      else onGarbage(line);
    }
  } finally {
    stream.off('close', onClose);
  }
}
