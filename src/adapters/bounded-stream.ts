import type { Readable } from 'node:stream';
import { Budget, TooLargeError } from '../core/budget';

/** Output of a command (host or Docker exec) kept at most: stdout and stderr together. */
export const MAX_COMMAND_OUTPUT_BYTES = 1024 * 1024;

/** Of a webhook's answer only the status matters: this much of its body is read, the rest cancelled. */
export const MAX_RESPONSE_BODY_BYTES = 4 * 1024;

/**
 * Collects a command's stdout and stderr against one shared byte budget. The first chunk past
 * it is not kept: `onOverflow` runs once (the caller kills the producer and closes its streams)
 * and `overflow` holds the error; later chunks are dropped.
 */
export class OutputCollector {
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  private tooLarge: TooLargeError | null = null;
  private readonly budget: Budget;

  constructor(
    source: string,
    private readonly onOverflow: (error: TooLargeError) => void,
    limit = MAX_COMMAND_OUTPUT_BYTES,
  ) {
    this.budget = new Budget(source, limit);
  }

  /** Listen to both streams (they may be the same PassThroughs a demuxer writes to). */
  attach(stdout: Readable, stderr: Readable): void {
    stdout.on('data', (chunk: Buffer | string) => this.add(this.out, chunk));
    stderr.on('data', (chunk: Buffer | string) => this.add(this.err, chunk));
  }

  get overflow(): TooLargeError | null {
    return this.tooLarge;
  }

  stdout(): string {
    return Buffer.concat(this.out).toString('utf8');
  }

  stderr(): string {
    return Buffer.concat(this.err).toString('utf8');
  }

  private add(into: Buffer[], chunk: Buffer | string): void {
    if (this.tooLarge) return;
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    try {
      this.budget.take(data.length);
    } catch (error) {
      this.tooLarge = error as TooLargeError;
      this.onOverflow(this.tooLarge);
      return;
    }
    into.push(data);
  }
}

/**
 * Read at most `limit` bytes of a web body, then cancel it (an endless body is never read
 * whole). Resolves with the bytes read and whether the body was cut.
 */
export async function readBodyHead(body: ReadableStream<Uint8Array> | null, limit = MAX_RESPONSE_BODY_BYTES): Promise<{ data: Buffer; cut: boolean }> {
  if (body === null) return { data: Buffer.alloc(0), cut: false };
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { data: Buffer.concat(chunks, total), cut: false };
      const left = limit - total;
      chunks.push(Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, left)));
      total += Math.min(value.byteLength, left);
      if (value.byteLength > left) return { data: Buffer.concat(chunks, total), cut: true };
    }
  } finally {
    // Closes the connection of a body still coming; a finished one is released.
    await reader.cancel().catch(() => undefined);
  }
}
