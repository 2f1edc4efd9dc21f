/** A request as the metrics server sees it. */
export interface HttpRequest {
  method: string;
  /** The path without the query string. */
  path: string;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A listening server. */
export interface HttpServer {
  /** Stop listening; resolves when closed. */
  close(): Promise<void>;
}

/** HTTP servers (the metrics endpoint). Implemented by adapters/node-http-server. */
export interface HttpServers {
  /**
   * Listen on `host:port`, answering each request with `handle`. Resolves once listening;
   * rejects with the listen error (its `code`, e.g. EADDRINUSE) otherwise.
   */
  listen(addr: { host: string; port: number }, handle: (request: HttpRequest) => Promise<HttpResponse>): Promise<HttpServer>;
}
