import { createServer } from 'node:http';
import type { HttpRequest, HttpResponse, HttpServer, HttpServers } from '../host/http-server';

/** HTTP servers with node:http. A failing handler answers 500. */
export class NodeHttpServers implements HttpServers {
  async listen(addr: { host: string; port: number }, handle: (request: HttpRequest) => Promise<HttpResponse>): Promise<HttpServer> {
    const server = createServer((req, res) => {
      const request = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0] ?? '/' };
      handle(request).then(
        (response) => res.writeHead(response.status, response.headers).end(response.body ?? ''),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }
}
