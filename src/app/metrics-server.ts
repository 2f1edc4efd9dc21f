import { createServer, type Server } from 'node:http';
import { StartupError } from '../core/errors';
import type { Metrics } from '../status/metrics';

export interface Probes {
  /** The loop is alive. */
  live(): boolean;
  /** Same rule as `reconcile status`. */
  ready(): { ok: boolean; problems: string[] };
}

/** `/metrics` (Prometheus text), `/healthz` and `/readyz`. Resolves once listening. */
export async function startMetricsServer(addr: { host: string; port: number }, metrics: Metrics, probes: Probes): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => res.writeHead(500).end('metrics unavailable\n'),
      );
      return;
    }
    if (path === '/healthz') {
      const ok = probes.live();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'loop stopped\n');
      return;
    }
    if (path === '/readyz') {
      const ready = probes.ready();
      res.writeHead(ready.ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ready.ok ? 'ready\n' : `${ready.problems.join('\n')}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(addr, error)));
    server.listen(addr.port, addr.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  return server;
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use (another program, or another reconciler, listens there)',
  EADDRNOTAVAIL: 'this host has no such address',
  EACCES: 'permission denied',
};

/** A one-line reason, without a stack: the user picked the address. */
function listenError(addr: { host: string; port: number }, error: NodeJS.ErrnoException): StartupError {
  const shown = addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
  const why = LISTEN_PROBLEMS[error.code ?? ''] ?? error.message;
  return new StartupError('METRICS_LISTEN', `cannot serve --metrics-addr ${shown}: ${why}`, { cause: error });
}
