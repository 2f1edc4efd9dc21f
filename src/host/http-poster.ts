/** What a POST produced: the HTTP status, or why there was none. */
export type PostResult = { kind: 'response'; status: number } | { kind: 'timed-out' } | { kind: 'failed'; message: string };

export interface PostOptions {
  /** The whole exchange, the answer's body included. */
  timeoutMs: number;
  /** Abandons the exchange at once (the journal is closed: a one-off pass exits). */
  signal?: AbortSignal;
}

/** POSTs JSON to a URL. Implemented by adapters/fetch-http-poster. Never throws. */
export interface HttpPoster {
  postJson(url: string, body: string, options: PostOptions): Promise<PostResult>;
}
