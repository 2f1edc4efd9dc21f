/** What a POST produced: the HTTP status, or why there was none. */
export type PostResult = { kind: 'response'; status: number } | { kind: 'timed-out' } | { kind: 'failed'; message: string };

/** POSTs JSON to a URL. Implemented by adapters/fetch-http-poster. Never throws. */
export interface HttpPoster {
  postJson(url: string, body: string, options: { timeoutMs: number }): Promise<PostResult>;
}
