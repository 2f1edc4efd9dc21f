import { Agent, request, type IncomingMessage } from 'node:http';
import { Budget } from '../core/budget';

/**
 * Largest JSON answer read from the daemon (an inspect, a listing of up to 2,000 containers with
 * their labels): past it the request fails with a TooLargeError instead of filling memory.
 */
const MAX_JSON_BYTES = 32 * 1024 * 1024;

/** What a failed request throws: `statusCode` for an HTTP error, `code` (ENOENT, ECONNREFUSED, ABORT_ERR, ...) for the socket's. */
export interface DockerApiError extends Error {
  statusCode?: number;
  code?: string;
}

/**
 * The Docker Engine API's plain GETs (inspect, list, ping, the event stream, a file's archive)
 * over its unix socket with node:http. dockerode does the same but costs ~120 ms and ~23 MB to
 * load (it loads gRPC, protobufjs and ssh2 at startup); it stays for `exec` (see DockerodeHost).
 * Paths are unversioned, as dockerode's are: the daemon answers with its own API version.
 */
export class DockerApi {
  // A fresh connection per request: an idle kept-alive socket would hold `--once` open.
  private readonly agent = new Agent({ keepAlive: false });

  constructor(private readonly socketPath: string) {}

  /** `GET path` → the parsed JSON body. */
  async getJson(path: string, signal: AbortSignal): Promise<unknown> {
    const response = await this.open(path, signal);
    const text = (await readAll(response, new Budget(`Docker API answer to GET ${path.split('?')[0] ?? ''}`, MAX_JSON_BYTES))).toString('utf8');
    return JSON.parse(text) as unknown;
  }

  /**
   * `GET path` → the response, once its status is 2xx (a stream the caller reads and destroys);
   * any other status rejects with a DockerApiError carrying `statusCode` and the daemon's message.
   */
  open(path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path, method: 'GET', agent: this.agent, ...(signal ? { signal } : {}) }, (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(response);
        readAll(response, new Budget('Docker API error', 64 * 1024)).then(
          (body) => reject(httpError(status, body)),
          () => reject(httpError(status, Buffer.alloc(0))),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }
}

function httpError(statusCode: number, body: Buffer): DockerApiError {
  let message = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: the text as it is
  }
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode });
}

async function readAll(stream: IncomingMessage, budget: Budget): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) {
      const data = chunk as Buffer;
      budget.take(data.length);
      chunks.push(data);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}
