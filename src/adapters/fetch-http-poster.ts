import { describeError } from '../core/errors';
import type { HttpPoster, PostOptions, PostResult } from '../host/http-poster';
import { readBodyHead } from './bounded-stream';

/**
 * HttpPoster on Node's fetch. The timeout covers the whole exchange; of the body only a few KB
 * are read (bounded-stream), then it is cancelled: an endless answer costs nothing.
 */
export class FetchHttpPoster implements HttpPoster {
  async postJson(url: string, body: string, options: PostOptions): Promise<PostResult> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal, redirect: 'error' });
      // Read a little (so a short answer lets the connection be reused), cancel the rest.
      await readBodyHead(response.body).catch(() => undefined);
      return { kind: 'response', status: response.status };
    } catch (error) {
      if (options.signal?.aborted) return { kind: 'failed', message: 'cancelled' };
      if (timeout.aborted) return { kind: 'timed-out' };
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return { kind: 'failed', message: `${describeError(error)}${cause}` };
    }
  }
}
