import { StartupError } from '../core/errors';
import type { HttpRequest, HttpResponse, HttpServer, HttpServers } from '../host/http-server';
import type { Metrics } from '../status/metrics';

export interface Probes {
  /** The loop is alive. */
  live(): boolean;
  /** Same rule as `reconcile status` (status/health.ts). */
  ready(): { ok: boolean; problems: string[] };
}

/** `/metrics` (Prometheus text), `/healthz` and `/readyz`. Resolves once listening. */
export async function startMetricsServer(servers: HttpServers, addr: { host: string; port: number }, metrics: Metrics, probes: Probes): Promise<HttpServer> {
  try {
    return await servers.listen(addr, (request) => answer(request, metrics, probes));
  } catch (error) {
    throw listenError(addr, error as NodeJS.ErrnoException);
  }
}

async function answer(request: HttpRequest, metrics: Metrics, probes: Probes): Promise<HttpResponse> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD' } };
  const text = { 'content-type': 'text/plain' };
  if (request.path === '/metrics') {
    return metrics.text().then(
      (body) => ({ status: 200, headers: { 'content-type': metrics.contentType }, body }),
      () => ({ status: 500, body: 'metrics unavailable\n' }),
    );
  }
  if (request.path === '/healthz') {
    const ok = probes.live();
    return { status: ok ? 200 : 503, headers: text, body: ok ? 'ok\n' : 'loop stopped\n' };
  }
  if (request.path === '/readyz') {
    const ready = probes.ready();
    return { status: ready.ok ? 200 : 503, headers: text, body: ready.ok ? 'ready\n' : `${ready.problems.join('\n')}\n` };
  }
  return { status: 404, headers: text, body: 'not found\n' };
}

const LISTEN_PROBLEMS = new Map([
  ['EADDRINUSE', 'the address is already in use (another program, or another reconciler, listens there)'],
  ['EADDRNOTAVAIL', 'this host has no such address'],
  ['EACCES', 'permission denied'],
]);

/** A one-line reason, without a stack: the user picked the address. */
function listenError(addr: { host: string; port: number }, error: NodeJS.ErrnoException): StartupError {
  const shown = addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
  const why = LISTEN_PROBLEMS.get(error.code ?? '') ?? error.message;
  return new StartupError('METRICS_LISTEN', `cannot serve --metrics-addr ${shown}: ${why}`, { cause: error });
}
