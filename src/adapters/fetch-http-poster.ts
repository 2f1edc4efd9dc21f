import { describeError } from '../core/errors';
import type { HttpPoster, PostResult } from '../host/http-poster';

/** HttpPoster on Node's fetch; the timeout covers the whole exchange, body included. */
export class FetchHttpPoster implements HttpPoster {
  async postJson(url: string, body: string, options: { timeoutMs: number }): Promise<PostResult> {
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal, redirect: 'error' });
      await response.arrayBuffer().catch(() => undefined); // drain, so the connection is reused or closed
      return { kind: 'response', status: response.status };
    } catch (error) {
      if (signal.aborted) return { kind: 'timed-out' };
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return { kind: 'failed', message: `${describeError(error)}${cause}` };
    }
  }
}
